/**
 * @module
 * The store's public contract: replicated commands, the events they produce, read and watch
 * requests. Plain data only, so commands can be logged, replicated and replayed.
 */
import type { EtcdError } from "./errors.ts";

/** etcd v2 event actions. `expire` only appears in watches. */
export type Action =
  | "get"
  | "set"
  | "create"
  | "update"
  | "compareAndSwap"
  | "delete"
  | "compareAndDelete"
  | "expire";

/** A node as reported in an event or a read. Times are wall-clock milliseconds since the epoch. */
export interface NodeView {
  /** Absolute key, `/` for the root (HTTP leaves `key` and indexes off the root node). */
  readonly key: string;
  readonly dir: boolean;
  /** Files only; absent for directories and in the node of delete/compareAndDelete/expire. */
  readonly value?: string;
  /** Deadline of a node with a TTL; `ttl` is computed from it at response time. */
  readonly expirationMs?: number;
  /** Children of a listed directory; absent when empty or not listed. */
  readonly nodes?: readonly NodeView[];
  readonly createdIndex: number;
  readonly modifiedIndex: number;
}

/** One change (or a read) as etcd reports it. */
export interface StoreEvent {
  readonly action: Action;
  readonly node: NodeView;
  readonly prevNode?: NodeView;
  /** The etcd index of this event; for a read, the store index at read time. */
  readonly index: number;
  /** A TTL refresh: consumes an index but never wakes watchers and is skipped in history. */
  readonly refresh: boolean;
}

/** TTL of a write: `null` makes the node permanent; 0 expires it at the next sweep. */
export type TtlSeconds = number | null;

/**
 * A replicated write. The leader stamps `nowMs` on the log entry that carries it, so every
 * replica computes the same deadlines (see `Store.apply`).
 */
export type StoreCommand =
  | {
      readonly op: "set";
      readonly key: string;
      readonly value: string;
      readonly dir: boolean;
      readonly ttlSeconds: TtlSeconds;
      readonly refresh: boolean;
    }
  | {
      readonly op: "create";
      /** For an in-order create this is the parent directory. */
      readonly key: string;
      readonly value: string;
      readonly dir: boolean;
      readonly ttlSeconds: TtlSeconds;
      readonly refresh: boolean;
      /** POST: name the new node after its createdIndex, 20-digit zero-padded. */
      readonly inOrder: boolean;
    }
  | {
      readonly op: "update";
      readonly key: string;
      readonly value: string;
      readonly ttlSeconds: TtlSeconds;
      readonly refresh: boolean;
    }
  | {
      readonly op: "compareAndSwap";
      readonly key: string;
      readonly value: string;
      readonly ttlSeconds: TtlSeconds;
      readonly refresh: boolean;
      /** `null` when not compared. */
      readonly prevValue: string | null;
      /** `null` when not compared (etcd treats prevIndex=0 as absent). */
      readonly prevIndex: number | null;
    }
  | {
      readonly op: "delete";
      readonly key: string;
      readonly dir: boolean;
      readonly recursive: boolean;
    }
  | {
      readonly op: "compareAndDelete";
      readonly key: string;
      readonly prevValue: string | null;
      readonly prevIndex: number | null;
    }
  | {
      /** Remove every node whose deadline is at or before the entry's stamped time. */
      readonly op: "expire";
    };

/** The result of applying one command: events on success, a typed error otherwise. */
export type ApplyOutcome =
  | { readonly ok: true; readonly events: readonly StoreEvent[] }
  | { readonly ok: false; readonly error: EtcdError };

export interface GetOptions {
  readonly recursive: boolean;
  readonly sorted: boolean;
}

export interface WatchRequest {
  readonly key: string;
  readonly recursive: boolean;
  /** Keep delivering events instead of ending after the first one. */
  readonly stream: boolean;
  /** First etcd index of interest (`waitIndex`); `null` means only future events. */
  readonly sinceIndex: number | null;
}

/** The 16 counters of `/v2/stats/store`, in etcd's field names. */
export interface StoreStats {
  getsSuccess: number;
  getsFail: number;
  setsSuccess: number;
  setsFail: number;
  deleteSuccess: number;
  deleteFail: number;
  updateSuccess: number;
  updateFail: number;
  createSuccess: number;
  createFail: number;
  compareAndSwapSuccess: number;
  compareAndSwapFail: number;
  compareAndDeleteSuccess: number;
  compareAndDeleteFail: number;
  expireCount: number;
  watchers: number;
}

/** Receives a watcher's events. Calls are synchronous, made while the store applies. */
export interface WatchSink {
  /** A matching event. A non-stream watcher gets exactly one and is then removed. */
  event(event: StoreEvent): void;
  /** The hub removed a stream watcher it could not keep (for example, its limit was lowered). */
  closed(reason: EtcdError): void;
}

/** A registered watcher. */
export interface Watcher {
  /** The store index when the watch was registered (the watch's `X-Etcd-Index`). */
  readonly startIndex: number;
  /** Removes the watcher; safe to call more than once and after it fired. */
  cancel(): void;
}

/** What the HTTP layer may do with the local store: reads, watches and statistics. */
export interface StoreReader {
  /** The current etcd index. */
  readonly index: number;
  /**
   * Reads a node (counted in `getsSuccess`/`getsFail`).
   * @throws {EtcdError} 100 when missing, 104 when a path component is a file.
   */
  get(key: string, options: GetOptions): StoreEvent;
  /**
   * Registers a watcher. When `sinceIndex` finds a matching event in history, `sink.event` is
   * called before this returns.
   * @throws {EtcdError} 401 when `sinceIndex` is older than the retained history, 402 at the
   * watcher limit.
   */
  watch(request: WatchRequest, sink: WatchSink): Watcher;
  /** A copy of the counters, `watchers` exact. */
  stats(): StoreStats;
}
