/**
 * @module
 * An indexed binary min-heap of nodes with a TTL, ordered by deadline and then by key, so expiry
 * is O(k log n) and any node can leave the heap in O(log n) when it is rewritten or removed.
 * Each node remembers its own slot (`heapSlot`).
 */
import { assert } from "../lib/assert.ts";
import { compareKeys } from "./key-path.ts";
import type { TreeNode } from "./tree-node.ts";

/** The nodes that carry a deadline. */
export class TtlHeap {
  readonly #items: TreeNode[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The node that expires first, or null when no node has a TTL. */
  peek(): TreeNode | null {
    return this.#items[0] ?? null;
  }

  /** Adds a node whose `expirationMs` is set. */
  push(node: TreeNode): void {
    assert(node.heapSlot === -1, `Cannot add ${node.key} to the TTL heap: it is already in it`);
    assert(node.expirationMs !== null, `Cannot add ${node.key} to the TTL heap: no deadline`);
    node.heapSlot = this.#items.length;
    this.#items.push(node);
    this.#siftUp(node.heapSlot);
  }

  /** Removes a node if it is in the heap. */
  remove(node: TreeNode): void {
    const slot = node.heapSlot;
    if (slot === -1) return;
    assert(this.#items[slot] === node, `TTL heap slot of ${node.key} is stale`);
    const last = this.#items.pop();
    assert(last !== undefined, "TTL heap cannot be empty while it holds a node");
    node.heapSlot = -1;
    if (last === node) return;
    this.#items[slot] = last;
    last.heapSlot = slot;
    this.#siftDown(slot);
    this.#siftUp(last.heapSlot);
  }

  /** Every node in heap order (not sorted); for snapshots and checks. */
  nodes(): readonly TreeNode[] {
    return this.#items;
  }

  // --- internal ---

  #siftUp(startSlot: number): void {
    let slot = startSlot;
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      if (!this.#less(slot, parentSlot)) return;
      this.#swap(slot, parentSlot);
      slot = parentSlot;
    }
  }

  #siftDown(startSlot: number): void {
    let slot = startSlot;
    const count = this.#items.length;
    for (;;) {
      const left = slot * 2 + 1;
      if (left >= count) return;
      const right = left + 1;
      const smaller = right < count && this.#less(right, left) ? right : left;
      if (!this.#less(smaller, slot)) return;
      this.#swap(slot, smaller);
      slot = smaller;
    }
  }

  #less(slotA: number, slotB: number): boolean {
    const a = this.#items[slotA];
    const b = this.#items[slotB];
    assert(a !== undefined && b !== undefined, "TTL heap compared an empty slot");
    const deadlineA = a.expirationMs ?? Number.POSITIVE_INFINITY;
    const deadlineB = b.expirationMs ?? Number.POSITIVE_INFINITY;
    if (deadlineA !== deadlineB) return deadlineA < deadlineB;
    return compareKeys(a.key, b.key) < 0;
  }

  #swap(slotA: number, slotB: number): void {
    const a = this.#items[slotA];
    const b = this.#items[slotB];
    assert(a !== undefined && b !== undefined, "TTL heap swapped an empty slot");
    this.#items[slotA] = b;
    this.#items[slotB] = a;
    a.heapSlot = slotB;
    b.heapSlot = slotA;
  }
}
