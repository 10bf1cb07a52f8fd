/**
 * @module
 * The store's snapshot format: plain data only (numbers, strings, booleans, null, arrays and
 * plain objects), so it survives structured cloning, JSON and msgpack unchanged. The tree is a
 * pre-order list, parents before children and children in creation order, so a restored store
 * lists directories in the same order.
 */
import { assert } from "../lib/assert.ts";
import { isCanonicalKey, keyComponents, rootKey } from "./key-path.ts";
import { KeyTree } from "./key-tree.ts";
import type { StoreCounters } from "./store-stats.ts";
import type { TreeNode } from "./tree-node.ts";
import type { StoreEvent } from "./types.ts";

/** The snapshot layout version; bump it when the shape changes. */
export const storeSnapshotVersion = 1;

/** One node of the tree. */
export interface SnapshotNode {
  readonly key: string;
  readonly dir: boolean;
  /** "" for a directory. */
  readonly value: string;
  readonly createdIndex: number;
  readonly modifiedIndex: number;
  /** Null when permanent. */
  readonly expirationMs: number | null;
}

/** Everything a store needs to continue exactly where it was. */
export interface StoreSnapshot {
  readonly version: typeof storeSnapshotVersion;
  /** The etcd index. */
  readonly index: number;
  /** The Raft index of the last entry applied. */
  readonly appliedIndex: number;
  /** Every node except the root, in pre-order. */
  readonly nodes: readonly SnapshotNode[];
  /** The retained events, oldest first; the last one has index `index`. */
  readonly history: readonly StoreEvent[];
  readonly counters: StoreCounters;
}

/** The tree as a pre-order list of plain nodes. */
export function encodeTree(tree: KeyTree): SnapshotNode[] {
  const nodes: SnapshotNode[] = [];
  const pending: TreeNode[] = childrenReversed(tree.root);
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    nodes.push({
      key: node.key,
      dir: node.children !== null,
      value: node.value,
      createdIndex: node.createdIndex,
      modifiedIndex: node.modifiedIndex,
      expirationMs: node.expirationMs,
    });
    // Pushed in reverse so the first child is popped (and listed) first.
    if (node.children !== null) pending.push(...childrenReversed(node));
  }
  assert(nodes.length === tree.nodeCount, "Snapshot must hold every node of the tree");
  return nodes;
}

/** Rebuilds a tree (with its TTL heap) from a pre-order list. */
export function decodeTree(nodes: readonly SnapshotNode[]): KeyTree {
  const tree = new KeyTree();
  // Directories by key: a parent always precedes its children in pre-order.
  const directories = new Map<string, TreeNode>([[rootKey, tree.root]]);
  for (const entry of nodes) {
    assert(isCanonicalKey(entry.key) && entry.key !== rootKey, `Bad snapshot key ${entry.key}`);
    const components = keyComponents(entry.key);
    const name = components.pop();
    assert(name !== undefined, `Bad snapshot key ${entry.key}`);
    const parentKey = components.length === 0 ? rootKey : `/${components.join("/")}`;
    const parent = directories.get(parentKey);
    assert(parent !== undefined, `Snapshot node ${entry.key} comes before its directory`);
    const node = tree.addChild(parent, name, {
      dir: entry.dir,
      value: entry.value,
      index: entry.createdIndex,
    });
    node.modifiedIndex = entry.modifiedIndex;
    if (entry.expirationMs !== null) tree.setExpiration(node, entry.expirationMs);
    if (entry.dir) directories.set(entry.key, node);
  }
  assert(tree.nodeCount === nodes.length, "Restored tree must hold every snapshot node");
  return tree;
}

// --- internal ---

function childrenReversed(directory: TreeNode): TreeNode[] {
  assert(directory.children !== null, `Cannot encode ${directory.key}: not a directory`);
  return [...directory.children.values()].reverse();
}
