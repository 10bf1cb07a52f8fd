/**
 * @module
 * A typed etcd v2 client over `fetch`: key space, watches (long poll and stream), stats,
 * members and version, with endpoint failover and per-request timeouts.
 *
 * @example
 * ```ts
 * const client = new EtcdClient({ endpoints: ["http://127.0.0.1:4001"] });
 * await client.set("/message", "Hello world", { ttl: 60 });
 * const { node } = await client.get("/message");
 * ```
 */
export {
  type CallOptions,
  type Conditions,
  EtcdClient,
  type EtcdClientOptions,
  keyPath,
  type TtlOptions,
  type WatchOptions,
} from "./client.ts";
export { EtcdClientError, EtcdConnectionError, EtcdHttpError, EtcdTimeoutError } from "./errors.ts";
export type { EtcdWatchStream } from "./watch.ts";
export type {
  EtcdAction,
  EtcdHeaders,
  EtcdLeaderStats,
  EtcdMember,
  EtcdNode,
  EtcdResult,
  EtcdSelfStats,
  EtcdStoreStats,
  EtcdVersion,
} from "./types.ts";
