import { describe, expect, test } from "bun:test";
import { createPrng } from "../../../src/lib/prng.ts";
import { EventHistory } from "../../../src/store/event-history.ts";
import { TreeNode } from "../../../src/store/tree-node.ts";
import { TtlHeap } from "../../../src/store/ttl-heap.ts";
import type { StoreEvent } from "../../../src/store/types.ts";

function event(index: number): StoreEvent {
  const node = { key: "/k", dir: false, value: "v", createdIndex: index, modifiedIndex: index };
  return { action: "set", node, index, refresh: false };
}

function fileNode(key: string, expirationMs: number): TreeNode {
  const name = key.slice(1);
  const node = new TreeNode({ key, name, parent: null, dir: false, value: "", index: 1 });
  node.expirationMs = expirationMs;
  return node;
}

describe("event history", () => {
  test("the history keeps the newest events and finds each by index", () => {
    const history = new EventHistory(3, 10);
    expect(history.oldestIndex).toBe(11);
    expect(history.at(10)).toBeNull();
    for (let index = 11; index <= 15; index += 1) history.add(event(index));
    expect(history.count).toBe(3);
    expect(history.oldestIndex).toBe(13);
    expect(history.at(12)).toBeNull();
    expect(history.at(14)?.index).toBe(14);
    expect(history.at(16)).toBeNull();
    expect(history.events().map((entry) => entry.index)).toEqual([13, 14, 15]);
  });

  test("an event that skips an index is a programmer error", () => {
    const history = new EventHistory(3, 0);
    history.add(event(1));
    expect(() => history.add(event(3))).toThrow("breaks the history order");
  });
});

describe("TTL heap", () => {
  test("nodes come out by deadline, then key, through random pushes and removals", () => {
    const prng = createPrng(7);
    const heap = new TtlHeap();
    const live = new Set<TreeNode>();
    for (let step = 0; step < 2000; step += 1) {
      if (live.size > 0 && prng.chance(0.4)) {
        const victims = [...live];
        const victim = victims[prng.nextInt(victims.length)];
        if (victim === undefined) throw new Error("No victim");
        heap.remove(victim);
        live.delete(victim);
      } else {
        const node = fileNode(`/k${step}`, prng.nextInt(50));
        heap.push(node);
        live.add(node);
      }
    }
    expect(heap.size).toBe(live.size);
    const order: string[] = [];
    for (let top = heap.peek(); top !== null; top = heap.peek()) {
      order.push(top.key);
      heap.remove(top);
    }
    const expected = [...live]
      .sort((a, b) => (a.expirationMs ?? 0) - (b.expirationMs ?? 0) || (a.key < b.key ? -1 : 1))
      .map((node) => node.key);
    expect(order).toEqual(expected);
  });

  test("removing a node that is not in the heap does nothing, adding one twice asserts", () => {
    const heap = new TtlHeap();
    const node = fileNode("/a", 5);
    heap.remove(node);
    heap.push(node);
    expect(() => heap.push(node)).toThrow("already in it");
    heap.remove(node);
    expect(heap.peek()).toBeNull();
  });
});
