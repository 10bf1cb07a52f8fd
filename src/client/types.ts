/**
 * @module
 * The shapes the etcd v2 HTTP API answers with, as a client sees them.
 */

/** etcd v2 event actions. */
export type EtcdAction =
  "get" | "set" | "create" | "update" | "compareAndSwap" | "delete" | "compareAndDelete" | "expire";

/** A key or directory. The root node has no `key` and no indexes. */
export interface EtcdNode {
  readonly key?: string;
  readonly value?: string;
  readonly dir?: boolean;
  /** RFC 3339 deadline of a node with a TTL. */
  readonly expiration?: string;
  /** Whole seconds left, rounded up. */
  readonly ttl?: number;
  readonly nodes?: readonly EtcdNode[];
  readonly modifiedIndex?: number;
  readonly createdIndex?: number;
}

/** The cluster headers of a response. Absent headers are undefined. */
export interface EtcdHeaders {
  /** `X-Etcd-Index`: the store index (of the write, or current for reads and watches). */
  readonly etcdIndex: number | undefined;
  /** `X-Raft-Index`: the Raft commit index. */
  readonly raftIndex: number | undefined;
  /** `X-Raft-Term`: the current Raft term. */
  readonly raftTerm: number | undefined;
  /** `X-Etcd-Cluster-Id`. */
  readonly clusterId: string | undefined;
}

/** A successful key-space answer: one event plus the response's status and headers. */
export interface EtcdResult {
  readonly action: EtcdAction;
  /** Absent only for writes with `noValueOnSuccess=true`. */
  readonly node?: EtcdNode;
  readonly prevNode?: EtcdNode;
  /** HTTP status: 201 for creations, 200 otherwise. */
  readonly status: number;
  readonly headers: EtcdHeaders;
}

/** A member as `/v2/members` lists it. */
export interface EtcdMember {
  readonly id: string;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
}

/** `/version`. cairn adds its own version as a further field. */
export interface EtcdVersion {
  readonly etcdserver: string;
  readonly etcdcluster: string;
  readonly [field: string]: string;
}

/** `/v2/stats/self`. */
export interface EtcdSelfStats {
  readonly name: string;
  readonly id: string;
  readonly state: string;
  readonly startTime: string;
  readonly leaderInfo: {
    readonly leader: string;
    readonly uptime: string;
    readonly startTime: string;
  };
  readonly recvAppendRequestCnt: number;
  readonly sendAppendRequestCnt: number;
  readonly recvPkgRate?: number;
  readonly recvBandwidthRate?: number;
  readonly sendPkgRate?: number;
  readonly sendBandwidthRate?: number;
}

/** `/v2/stats/leader`. */
export interface EtcdLeaderStats {
  readonly leader: string;
  readonly followers: Readonly<
    Record<
      string,
      {
        readonly latency: Readonly<
          Record<"current" | "average" | "standardDeviation" | "minimum" | "maximum", number>
        >;
        readonly counts: { readonly fail: number; readonly success: number };
      }
    >
  >;
}

/** `/v2/stats/store`: the 16 counters. */
export type EtcdStoreStats = Readonly<Record<string, number>>;
