/**
 * @module
 * The etcd v2 write operations on a key tree (v2-api-reference.md §5, §7). Each checks every
 * failure before it changes anything, so a failed command leaves the tree untouched, and
 * returns either the one event it produced or the error. Index accounting, history and watchers
 * are the caller's (`Store`).
 */
import { assert } from "../lib/assert.ts";
import { EtcdError, ErrorCode, type ErrorCodeValue } from "./errors.ts";
import { childKey, inOrderName, rootKey } from "./key-path.ts";
import { type KeyTree, type TreeWalk, walkFound, walkMissingKey } from "./key-tree.ts";
import { type TreeNode, nodeView, removedNodeView } from "./tree-node.ts";
import type { Action, NodeView, StoreCommand, StoreEvent, TtlSeconds } from "./types.ts";

/** Everything a write needs besides its command. */
export interface WriteContext {
  readonly tree: KeyTree;
  /** The etcd index before the write; a successful write takes `index + 1`. */
  readonly index: number;
  /** The leader's stamped wall time for the entry. */
  readonly nowMs: number;
  readonly nodesMax: number;
}

type Command<Op extends StoreCommand["op"]> = Extract<StoreCommand, { op: Op }>;

/** The result of one write: its event, or the error it failed with. */
export type WriteResult = StoreEvent | EtcdError;

/** Set: create or replace a file, or create a directory; never replaces a directory. */
export function applySet(command: Command<"set">, context: WriteContext): WriteResult {
  if (command.key === rootKey) return failure(ErrorCode.rootReadOnly, rootKey, context);
  const walk = context.tree.walk(command.key);
  const found = walkFound(walk);
  if (found && walk.node.children !== null) {
    return failure(ErrorCode.notFile, command.key, context);
  }
  if (!found) {
    // A refresh needs an existing node; a plain set creates the missing path.
    if (walk.node.children === null || command.refresh) return pathFailure(walk, context);
    const limitError = checkNodeLimit(walk, context);
    if (limitError !== null) return limitError;
  }
  const index = context.index + 1;
  const content = { dir: command.dir, value: command.value };
  let prevNode: NodeView | null = null;
  let node: TreeNode;
  if (found) {
    node = walk.node;
    prevNode = nodeView(node);
    // A refresh keeps the value; etcd still replaces the node, so createdIndex moves.
    const value = command.refresh ? node.value : command.value;
    context.tree.replaceFile(node, index, { dir: command.dir, value });
  } else {
    node = context.tree.createPath(walk, index, content);
  }
  context.tree.setExpiration(node, expirationFor(context.nowMs, command.ttlSeconds));
  assert(node.key === command.key, `Set ${node.key} while setting ${command.key}`);
  assert(node.createdIndex === index && node.modifiedIndex === index, "Set must stamp the node");
  return makeEvent("set", nodeView(node), prevNode, index, command.refresh);
}

/**
 * Create: fails with 105 when the key exists. An in-order create names the node after its own
 * index below `key`. With `refresh` the value is "" (etcd quirk 5: a refresh that creates).
 */
export function applyCreate(command: Command<"create">, context: WriteContext): WriteResult {
  const index = context.index + 1;
  const key = command.inOrder ? childKey(command.key, inOrderName(index)) : command.key;
  if (key === rootKey) return failure(ErrorCode.rootReadOnly, rootKey, context);
  const walk = context.tree.walk(key);
  if (walkFound(walk)) return failure(ErrorCode.nodeExist, key, context);
  if (walk.node.children === null) return failure(ErrorCode.notDirectory, walk.node.key, context);
  const limitError = checkNodeLimit(walk, context);
  if (limitError !== null) return limitError;
  const value = command.refresh ? "" : command.value;
  const node = context.tree.createPath(walk, index, { dir: command.dir, value });
  context.tree.setExpiration(node, expirationFor(context.nowMs, command.ttlSeconds));
  assert(node.key === key, `Created ${node.key} while creating ${key}`);
  // A creation is news to watchers even when it came from a refresh, so it is never flagged.
  return makeEvent("create", nodeView(node), null, index, false);
}

/** Update: changes an existing file's value, or a directory's TTL when the value is empty. */
export function applyUpdate(command: Command<"update">, context: WriteContext): WriteResult {
  if (command.key === rootKey) return failure(ErrorCode.rootReadOnly, rootKey, context);
  const walk = context.tree.walk(command.key);
  if (!walkFound(walk)) return pathFailure(walk, context);
  const node = walk.node;
  const isDirectory = node.children !== null;
  if (isDirectory && !command.refresh && command.value !== "") {
    return failure(ErrorCode.notFile, command.key, context);
  }
  const index = context.index + 1;
  const prevNode = nodeView(node);
  if (!isDirectory && !command.refresh) node.value = command.value;
  // Unlike etcd (quirk 1), a directory's modifiedIndex does move when its TTL changes.
  node.modifiedIndex = index;
  context.tree.setExpiration(node, expirationFor(context.nowMs, command.ttlSeconds));
  assert(node.createdIndex === prevNode.createdIndex, "Update must keep createdIndex");
  return makeEvent("update", nodeView(node), prevNode, index, command.refresh);
}

/** Compare-and-swap on a file; keeps createdIndex. */
export function applyCompareAndSwap(
  command: Command<"compareAndSwap">,
  context: WriteContext,
): WriteResult {
  if (command.key === rootKey) return failure(ErrorCode.rootReadOnly, rootKey, context);
  const walk = context.tree.walk(command.key);
  if (!walkFound(walk)) return pathFailure(walk, context);
  const node = walk.node;
  if (node.children !== null) return failure(ErrorCode.notFile, command.key, context);
  const cause = compareCause(node, command.prevValue, command.prevIndex);
  if (cause !== "") return failure(ErrorCode.compareFailed, cause, context);
  const index = context.index + 1;
  const prevNode = nodeView(node);
  if (!command.refresh) node.value = command.value;
  node.modifiedIndex = index;
  context.tree.setExpiration(node, expirationFor(context.nowMs, command.ttlSeconds));
  assert(node.createdIndex === prevNode.createdIndex, "Compare-and-swap must keep createdIndex");
  return makeEvent("compareAndSwap", nodeView(node), prevNode, index, command.refresh);
}

/** Delete a file, an empty directory (`dir`) or a whole subtree (`recursive`, implies dir). */
export function applyDelete(command: Command<"delete">, context: WriteContext): WriteResult {
  if (command.key === rootKey) return failure(ErrorCode.rootReadOnly, rootKey, context);
  const walk = context.tree.walk(command.key);
  if (!walkFound(walk)) return pathFailure(walk, context);
  const node = walk.node;
  assert(node.parent !== null, "Delete cannot reach the root");
  if (node.children !== null) {
    if (!(command.dir || command.recursive)) {
      return failure(ErrorCode.notFile, command.key, context);
    }
    if (!command.recursive && node.children.size > 0) {
      return failure(ErrorCode.directoryNotEmpty, command.key, context);
    }
  }
  return removeNode("delete", node, context);
}

/** Compare-and-delete: files only; on the root it is 102 with no cause, as etcd answers. */
export function applyCompareAndDelete(
  command: Command<"compareAndDelete">,
  context: WriteContext,
): WriteResult {
  if (command.key === rootKey) return failure(ErrorCode.notFile, "", context);
  const walk = context.tree.walk(command.key);
  if (!walkFound(walk)) return pathFailure(walk, context);
  const node = walk.node;
  assert(node.parent !== null, "Compare-and-delete cannot reach the root");
  if (node.children !== null) return failure(ErrorCode.notFile, command.key, context);
  const cause = compareCause(node, command.prevValue, command.prevIndex);
  if (cause !== "") return failure(ErrorCode.compareFailed, cause, context);
  return removeNode("compareAndDelete", node, context);
}

/**
 * Expires, in deadline order (ties by key), every node whose deadline is at or before `nowMs`.
 * Each expiry is one event with its own index; a directory takes its subtree with it.
 */
export function applyExpire(context: WriteContext): StoreEvent[] {
  const events: StoreEvent[] = [];
  const heap = context.tree.heap;
  const expiredCountMax = heap.size;
  for (let next = heap.peek(); next !== null; next = heap.peek()) {
    const deadline = next.expirationMs;
    assert(deadline !== null, `Node ${next.key} is in the TTL heap without a deadline`);
    if (deadline > context.nowMs) break;
    const event = removeNode("expire", next, { ...context, index: context.index + events.length });
    assert(!(event instanceof EtcdError), "Expiring a node cannot fail");
    events.push(event);
  }
  assert(events.length <= expiredCountMax, "Expired more nodes than had deadlines");
  return events;
}

/**
 * The deadline for a TTL. A TTL so large that the deadline is not a valid date makes the node
 * permanent, as etcd does when the duration overflows (quirk 7).
 */
export function expirationFor(nowMs: number, ttlSeconds: TtlSeconds): number | null {
  if (ttlSeconds === null) return null;
  assert(ttlSeconds >= 0, `TTL cannot be negative: ${ttlSeconds}`);
  const expirationMs = nowMs + ttlSeconds * 1000;
  if (!Number.isFinite(expirationMs) || expirationMs > dateMsMax) return null;
  return expirationMs;
}

// --- internal ---

/** The largest time a JavaScript Date can hold. */
const dateMsMax = 8.64e15;

function removeNode(
  action: "delete" | "compareAndDelete" | "expire",
  node: TreeNode,
  context: WriteContext,
): StoreEvent {
  const index = context.index + 1;
  const prevNode = nodeView(node);
  const eventNode = removedNodeView(node, index);
  const removedCount = context.tree.removeSubtree(node);
  assert(removedCount >= 1, `Removing ${node.key} removed nothing`);
  return makeEvent(action, eventNode, prevNode, index, false);
}

/** etcd's compare cause: value part first, then index part, each only when it failed. */
function compareCause(node: TreeNode, prevValue: string | null, prevIndex: number | null): string {
  const valueFailed = prevValue !== null && prevValue !== node.value;
  const indexFailed = prevIndex !== null && prevIndex !== node.modifiedIndex;
  const valuePart = valueFailed ? `[${prevValue} != ${node.value}]` : "";
  const indexPart = indexFailed ? `[${prevIndex} != ${node.modifiedIndex}]` : "";
  if (valueFailed && indexFailed) return `${valuePart} ${indexPart}`;
  return valuePart + indexPart;
}

/** 104 naming the file in the way, or 100 naming the first missing component. */
function pathFailure(walk: TreeWalk, context: WriteContext): EtcdError {
  assert(!walkFound(walk), "A path failure needs a walk that stopped early");
  if (walk.node.children === null) {
    return failure(ErrorCode.notDirectory, walk.node.key, context);
  }
  return failure(ErrorCode.keyNotFound, walkMissingKey(walk), context);
}

function checkNodeLimit(walk: TreeWalk, context: WriteContext): EtcdError | null {
  const addedCount = walk.components.length - walk.matched;
  assert(addedCount >= 1, "A creation adds at least one node");
  if (context.tree.nodeCount + addedCount <= context.nodesMax) return null;
  const key = walk.components.length === 0 ? rootKey : `/${walk.components.join("/")}`;
  const cause = `${key}: the store holds ${context.nodesMax} nodes`;
  return failure(ErrorCode.storeLimit, cause, context);
}

function failure(code: ErrorCodeValue, cause: string, context: WriteContext): EtcdError {
  return new EtcdError(code, cause, context.index);
}

function makeEvent(
  action: Action,
  node: NodeView,
  prevNode: NodeView | null,
  index: number,
  refresh: boolean,
): StoreEvent {
  if (prevNode === null) return { action, node, index, refresh };
  return { action, node, prevNode, index, refresh };
}
