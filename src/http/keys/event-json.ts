/**
 * @module
 * Events and nodes as etcd writes them: compact JSON in etcd's field order, Go's escaping, the
 * root node without key and indexes, `ttl` computed at response time and left out when not
 * positive. Built as a string directly: this is the hot path of every read, write and watch.
 */
import type { NodeView, StoreEvent } from "../../store/types.ts";
import { formatRfc3339, quoteGo } from "../go-json.ts";

/**
 * The JSON body of an event, newline included.
 * @param nowMs Wall-clock time used for the remaining `ttl` of each node.
 * @param noValueOnSuccess Writes of set/create/update/compareAndSwap report only the action.
 */
export function eventJson(event: StoreEvent, nowMs: number, noValueOnSuccess: boolean): string {
  if (noValueOnSuccess && actionsWithoutValue.has(event.action)) {
    return `{"action":"${event.action}"}\n`;
  }
  const node = nodeJson(event.node, nowMs);
  if (event.prevNode === undefined) return `{"action":"${event.action}","node":${node}}\n`;
  const prevNode = nodeJson(event.prevNode, nowMs);
  return `{"action":"${event.action}","node":${node},"prevNode":${prevNode}}\n`;
}

/**
 * One node (and its listed children) as JSON.
 * @param nowMs Wall-clock time used for the remaining `ttl`.
 */
export function nodeJson(node: NodeView, nowMs: number): string {
  const isRoot = node.key === "/";
  let json = isRoot ? "{" : `{"key":${quoteGo(node.key)},`;
  if (node.value !== undefined) json += `"value":${quoteGo(node.value)},`;
  if (node.dir) json += `"dir":true,`;
  if (node.expirationMs !== undefined) {
    json += `"expiration":"${formatRfc3339(node.expirationMs)}",`;
    const ttlSeconds = Math.ceil((node.expirationMs - nowMs) / 1000);
    if (ttlSeconds > 0) json += `"ttl":${ttlSeconds},`;
  }
  const children = node.nodes;
  if (children !== undefined && children.length > 0) {
    let separator = `"nodes":[`;
    for (const child of children) {
      json += separator + nodeJson(child, nowMs);
      separator = ",";
    }
    json += "],";
  }
  if (isRoot) return `${json.slice(0, -1)}}`;
  return `${json}"modifiedIndex":${node.modifiedIndex},"createdIndex":${node.createdIndex}}`;
}

// --- internal ---

const actionsWithoutValue: ReadonlySet<string> = new Set([
  "set",
  "create",
  "update",
  "compareAndSwap",
]);
