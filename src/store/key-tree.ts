/**
 * @module
 * The key tree: path lookup, node creation with implicit parent directories, subtree removal
 * and TTL bookkeeping. It knows nothing about etcd errors or events; the write operations
 * decide what to do with a lookup and then ask the tree to change.
 */
import { assert } from "../lib/assert.ts";
import { childKey, keyComponents, rootKey } from "./key-path.ts";
import { TreeNode } from "./tree-node.ts";
import { TtlHeap } from "./ttl-heap.ts";

/**
 * The result of walking a key from the root: the deepest existing node on the path and how
 * many of the key's components it matched.
 */
export interface TreeWalk {
  readonly node: TreeNode;
  readonly components: readonly string[];
  readonly matched: number;
}

/** What a new node is. */
export interface NodeContent {
  readonly dir: boolean;
  readonly value: string;
}

/** True when the walk reached the key itself. */
export function walkFound(walk: TreeWalk): boolean {
  return walk.matched === walk.components.length;
}

/** The first path component the walk did not find (etcd's 100 cause). */
export function walkMissingKey(walk: TreeWalk): string {
  const name = walk.components[walk.matched];
  assert(name !== undefined, "A walk that found its key has no missing component");
  return childKey(walk.node.key, name);
}

/** The tree of nodes below the root, with the count of nodes and the TTL heap. */
export class KeyTree {
  readonly root: TreeNode;
  readonly heap = new TtlHeap();
  /** Nodes other than the root. */
  #nodeCount = 0;

  constructor() {
    this.root = new TreeNode({
      key: rootKey,
      name: "",
      parent: null,
      dir: true,
      value: "",
      index: 0,
    });
  }

  get nodeCount(): number {
    return this.#nodeCount;
  }

  /** Follows `key` from the root as far as it exists. O(depth). */
  walk(key: string): TreeWalk {
    const components = keyComponents(key);
    let node = this.root;
    let matched = 0;
    for (const name of components) {
      const children = node.children;
      if (children === null) break;
      const child = children.get(name);
      if (child === undefined) break;
      node = child;
      matched += 1;
    }
    return { node, components, matched };
  }

  /** The node at `key`, or null when it does not exist. */
  find(key: string): TreeNode | null {
    const walk = this.walk(key);
    return walkFound(walk) ? walk.node : null;
  }

  /**
   * Creates the missing part of a walked path: implicit directories, then the leaf, all stamped
   * with `index`. The walk must have stopped at a directory.
   */
  createPath(walk: TreeWalk, index: number, content: NodeContent): TreeNode {
    assert(!walkFound(walk), `Cannot create ${walk.node.key}: it already exists`);
    assert(walk.node.children !== null, `Cannot create below ${walk.node.key}: not a directory`);
    let node = walk.node;
    const last = walk.components.length - 1;
    for (let position = walk.matched; position <= last; position += 1) {
      const name = walk.components[position];
      assert(name !== undefined, "A walk's components cannot have holes");
      const leaf = position === last;
      node = this.addChild(node, name, {
        dir: leaf ? content.dir : true,
        value: leaf ? content.value : "",
        index,
      });
    }
    return node;
  }

  /** Adds a new child to a directory (creation order is kept for unsorted listings). */
  addChild(parent: TreeNode, name: string, content: NodeContent & { index: number }): TreeNode {
    const children = parent.children;
    assert(children !== null, `Cannot add ${name} below ${parent.key}: not a directory`);
    assert(!children.has(name), `Cannot add ${name} below ${parent.key}: it exists`);
    const key = childKey(parent.key, name);
    const node = new TreeNode({ key, name, parent, ...content });
    children.set(name, node);
    this.#nodeCount += 1;
    return node;
  }

  /** Turns an existing file into a fresh file or empty directory created at `index`. */
  replaceFile(node: TreeNode, index: number, content: NodeContent): void {
    assert(node.children === null, `Cannot replace ${node.key}: it is a directory`);
    assert(node.parent !== null, "Cannot replace the root");
    node.children = content.dir ? new Map() : null;
    node.value = content.dir ? "" : content.value;
    node.createdIndex = index;
    node.modifiedIndex = index;
  }

  /** Sets or clears a node's deadline, keeping the heap in step. */
  setExpiration(node: TreeNode, expirationMs: number | null): void {
    assert(node.parent !== null, "The root cannot have a TTL");
    this.heap.remove(node);
    node.expirationMs = expirationMs;
    if (expirationMs !== null) this.heap.push(node);
  }

  /**
   * Detaches a node and its subtree; every removed node leaves the TTL heap.
   * @returns how many nodes were removed.
   */
  removeSubtree(node: TreeNode): number {
    const parent = node.parent;
    assert(parent !== null && parent.children !== null, "Cannot remove the root");
    assert(parent.children.get(node.name) === node, `Cannot remove ${node.key}: not attached`);
    parent.children.delete(node.name);
    // An explicit stack rather than recursion: depth is bounded only by the key length.
    const pending: TreeNode[] = [node];
    let removedCount = 0;
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      this.heap.remove(next);
      removedCount += 1;
      if (next.children !== null) for (const child of next.children.values()) pending.push(child);
    }
    this.#nodeCount -= removedCount;
    assert(this.#nodeCount >= 0, "Node count cannot go negative");
    return removedCount;
  }
}
