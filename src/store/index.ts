/**
 * @module
 * The public surface of the etcd v2 store: the `Store`, its contract types and errors, and the
 * key helpers the HTTP layer shares.
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
