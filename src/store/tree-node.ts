/**
 * @module
 * One node of the key tree (a file or a directory) and its plain `NodeView` without children.
 * Nodes are mutable and owned by the tree; views are fresh immutable objects handed out.
 */
import type { NodeView } from "./types.ts";

/** A file (`children === null`) or a directory. */
export class TreeNode {
  readonly key: string;
  readonly name: string;
  /** Null only for the root. */
  readonly parent: TreeNode | null;
  /** A file's value; always "" for a directory. */
  value: string;
  /** Null for a file; insertion-ordered children for a directory. */
  children: Map<string, TreeNode> | null;
  createdIndex: number;
  modifiedIndex: number;
  /** Deadline of a node with a TTL; null when permanent. */
  expirationMs: number | null;
  /** Position in the TTL heap, -1 when not in it (owned by `TtlHeap`). */
  heapSlot: number;

  constructor(options: {
    key: string;
    name: string;
    parent: TreeNode | null;
    dir: boolean;
    value: string;
    index: number;
  }) {
    this.key = options.key;
    this.name = options.name;
    this.parent = options.parent;
    this.value = options.dir ? "" : options.value;
    this.children = options.dir ? new Map() : null;
    this.createdIndex = options.index;
    this.modifiedIndex = options.index;
    this.expirationMs = null;
    this.heapSlot = -1;
  }

  get isDirectory(): boolean {
    return this.children !== null;
  }
}

/** The node as etcd shows it in an event's `prevNode` or a listing entry: no children. */
export function nodeView(node: TreeNode): NodeView {
  const { key, createdIndex, modifiedIndex, expirationMs } = node;
  // Each shape is built in one literal so views stay cheap for the hot single-file read.
  if (node.children !== null) {
    if (expirationMs === null) return { key, dir: true, createdIndex, modifiedIndex };
    return { key, dir: true, expirationMs, createdIndex, modifiedIndex };
  }
  const value = node.value;
  if (expirationMs === null) return { key, dir: false, value, createdIndex, modifiedIndex };
  return { key, dir: false, value, expirationMs, createdIndex, modifiedIndex };
}

/**
 * The `node` of a delete, compareAndDelete or expire event: no value, the removed node's
 * createdIndex and the event's index as modifiedIndex.
 */
export function removedNodeView(node: TreeNode, eventIndex: number): NodeView {
  const view: { key: string; dir: boolean; createdIndex: number; modifiedIndex: number } = {
    key: node.key,
    dir: node.isDirectory,
    createdIndex: node.createdIndex,
    modifiedIndex: eventIndex,
  };
  return view;
}
