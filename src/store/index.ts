/**
 * @module
 * The public surface of the etcd v2 store: the `Store`, its contract types and errors, and the
 * key helpers the HTTP layer shares.
 *
 * Where the store deliberately differs from etcd 3.4 (v2-api-reference.md §10):
 * - a directory's modifiedIndex moves when its TTL is updated (quirk 1);
 * - a stream watch from history gets every matching event, then live ones (quirk 2);
 * - history scans skip hidden keys like live recursive watches do (quirk 3);
 * - "below a key" means below by whole path components, so /foobar is not below /foo (quirk 4);
 * - failed compare-and-deletes and directory updates count as failures (quirk 8);
 * - deleting or expiring a directory wakes every watcher below it, including watchers on keys
 *   that do not exist yet;
 * - a failed write never leaves implicit directories behind.
 */
export { Store, type StoreOptions } from "./store.ts";
export {
  type SnapshotNode,
  type StoreSnapshot,
  storeSnapshotVersion,
} from "./snapshot.ts";
export type { StoreCounters } from "./store-stats.ts";
export { EtcdError, ErrorCode, type ErrorCodeValue, errorTable } from "./errors.ts";
export { compareKeys, inOrderName, isCanonicalKey, isHiddenName, rootKey } from "./key-path.ts";
export { watchMatches } from "./watch-match.ts";
export type {
  Action,
  ApplyOutcome,
  GetOptions,
  NodeView,
  StoreCommand,
  StoreEvent,
  StoreReader,
  StoreStats,
  TtlSeconds,
  WatchRequest,
  WatchSink,
  Watcher,
} from "./types.ts";
