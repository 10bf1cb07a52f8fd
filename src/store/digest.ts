/**
 * @module
 * A deterministic 64-bit digest (two FNV-1a lanes with different primes) of the etcd index and
 * every node, walked in sorted key order, so replicas that applied the same commands compare
 * equal whatever their creation order.
 */
import { assert } from "../lib/assert.ts";
import { compareKeys } from "./key-path.ts";
import type { KeyTree } from "./key-tree.ts";
import type { TreeNode } from "./tree-node.ts";

/** A 16-hex-digit digest of the tree and the etcd index. */
export function treeDigest(tree: KeyTree, index: number): string {
  const hash = new Fnv1a();
  hash.addText(String(index));
  const pending: TreeNode[] = sortedChildrenReversed(tree.root);
  let visitedCount = 0;
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    visitedCount += 1;
    hash.addText(node.key);
    hash.addText(node.children === null ? "f" : "d");
    hash.addText(node.value);
    hash.addText(String(node.createdIndex));
    hash.addText(String(node.modifiedIndex));
    hash.addText(node.expirationMs === null ? "-" : String(node.expirationMs));
    if (node.children !== null) pending.push(...sortedChildrenReversed(node));
  }
  assert(visitedCount === tree.nodeCount, "Digest must cover every node");
  return hash.hex();
}

// --- internal ---

const fnvOffsetBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;
/** A second odd multiplier, so the two lanes do not collide together. */
const secondPrime = 0x5bd1e995;

class Fnv1a {
  #laneA = fnvOffsetBasis;
  #laneB = fnvOffsetBasis ^ 0x9e3779b9;

  /** Adds a length-prefixed string, so concatenations cannot collide. */
  addText(text: string): void {
    this.#addUnits(String(text.length));
    this.#addUnit(0x3a);
    this.#addUnits(text);
  }

  hex(): string {
    const high = (this.#laneA >>> 0).toString(16).padStart(8, "0");
    const low = (this.#laneB >>> 0).toString(16).padStart(8, "0");
    return high + low;
  }

  #addUnits(text: string): void {
    for (let position = 0; position < text.length; position += 1) {
      this.#addUnit(text.charCodeAt(position));
    }
  }

  #addUnit(unit: number): void {
    this.#laneA = Math.imul(this.#laneA ^ unit, fnvPrime) >>> 0;
    this.#laneB = Math.imul(this.#laneB ^ unit, secondPrime) >>> 0;
  }
}

function sortedChildrenReversed(directory: TreeNode): TreeNode[] {
  assert(directory.children !== null, `Cannot digest ${directory.key}: not a directory`);
  return [...directory.children.values()].sort((a, b) => compareKeys(b.key, a.key));
}
