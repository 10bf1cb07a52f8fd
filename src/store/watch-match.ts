/**
 * @module
 * Which events a watch sees (v2-api-reference.md §6). Used for history scans; the hub applies
 * the same rules through its path index and is tested against this function.
 */
import { isHiddenBelow, isStrictlyBelow } from "./key-path.ts";
import type { StoreEvent } from "./types.ts";

/**
 * True when a watch on `watchKey` is woken by `event`:
 * - an event on `watchKey` itself;
 * - with `recursive`, an event strictly below it (whole path components, so `/foobar` is not
 *   below `/foo`, unlike etcd quirk 4), unless a component below `watchKey` is hidden;
 * - the delete or expiry of a directory that contains `watchKey`.
 * Refreshes never match.
 */
export function watchMatches(watchKey: string, recursive: boolean, event: StoreEvent): boolean {
  if (event.refresh) return false;
  const key = event.node.key;
  if (key === watchKey) return true;
  if (recursive && isStrictlyBelow(key, watchKey)) return !isHiddenBelow(key, watchKey);
  return removesDirectory(event) && isStrictlyBelow(watchKey, key);
}

/** True for the delete or expiry of a directory: it also removes everything below it. */
export function removesDirectory(event: StoreEvent): boolean {
  return event.node.dir && (event.action === "delete" || event.action === "expire");
}
