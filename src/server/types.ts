/**
 * @module
 * What the HTTP layer and the modules may ask of a running member: propose writes, wait for
 * linearizable reads, read the local store, and report status. The node loop implements it.
 */
import type { Clock } from "../lib/clock.ts";
import type { ApplyOutcome, StoreCommand, StoreReader } from "../store/types.ts";

export type MemberState = "StateLeader" | "StateFollower" | "StateCandidate";

/** A cluster member as `/v2/members` reports it; ids are lower-case hex as etcd prints them. */
export interface MemberInfo {
  readonly id: string;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
}

/** A snapshot of this member's Raft and identity state, for headers and statistics. */
export interface NodeStatus {
  readonly name: string;
  readonly memberId: string;
  readonly clusterId: string;
  readonly state: MemberState;
  /** Hex id of the leader this member follows, or "" when it knows none. */
  readonly leaderId: string;
  /** Raft commit index (`X-Raft-Index`). */
  readonly raftIndex: number;
  /** Current Raft term (`X-Raft-Term`). */
  readonly raftTerm: number;
  /** Wall-clock ms when this process started. */
  readonly startTimeMs: number;
  /** Wall-clock ms when the current leader became leader, as this member saw it. */
  readonly leaderStartTimeMs: number;
  readonly recvAppendRequestCount: number;
  readonly sendAppendRequestCount: number;
  /** Recent append requests received per second, and their entry bytes per second. */
  readonly recvPkgRate: number;
  readonly recvBandwidthRate: number;
  /** Recent append requests sent per second, and their entry bytes per second. */
  readonly sendPkgRate: number;
  readonly sendBandwidthRate: number;
}

/** The cluster id and Raft position for `X-Etcd-Cluster-Id`, `X-Raft-Index`, `X-Raft-Term`. */
export interface HeaderStatus {
  readonly clusterId: string;
  readonly raftIndex: number;
  readonly raftTerm: number;
}

/** What a leader knows of one follower, in `/v2/stats/leader`'s shape (milliseconds). */
export interface FollowerStats {
  readonly latency: {
    readonly current: number;
    readonly average: number;
    readonly standardDeviation: number;
    readonly minimum: number;
    readonly maximum: number;
  };
  readonly counts: { readonly fail: number; readonly success: number };
}

/** The member as the HTTP layer sees it. */
export interface KeyValueNode extends MembershipControl {
  /** The local store: plain reads, watches and counters. */
  readonly store: StoreReader;
  /** The clock used to report remaining TTLs. */
  readonly clock: Clock;
  /**
   * Proposes a write. Resolves once the write is durable on a quorum and applied locally, with
   * the store's outcome (a failed compare is an outcome, not a rejection).
   * @throws {EtcdError} 300 when it times out, 301 when there is no leader.
   */
  propose(command: StoreCommand): Promise<ApplyOutcome>;
  /**
   * Waits until the local store reflects every write committed before the call (ReadIndex).
   * @throws {EtcdError} 300 when it times out, 301 when there is no leader.
   */
  readBarrier(): Promise<void>;
  status(): NodeStatus;
  /** What every key response's headers need, cheaply (the hot path of every request). */
  headerStatus(): HeaderStatus;
  /**
   * True when this member is one of several voters and knows no leader: new watches are refused
   * with 301 (and open ones end after an election timeout) instead of waiting silently.
   */
  readonly leaderLost: boolean;
  members(): readonly MemberInfo[];
  /** Each peer's latency and message counts, keyed by member id (empty without peers). */
  followerStats(): Readonly<Record<string, FollowerStats>>;
}

/** Why a membership change was not made; the HTTP layer turns each kind into etcd's answer. */
export type MembershipErrorKind =
  | "idExists"
  | "peerUrlExists"
  | "idRemoved"
  | "idNotFound"
  | "notEnoughStartedMembers";

/** A refused membership change, with etcd's message for it. */
export class MembershipError extends Error {
  override readonly name = "MembershipError";
  readonly kind: MembershipErrorKind;

  constructor(kind: MembershipErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** Runtime membership changes, as `/v2/members` makes them. Ids are hex. */
export interface MembershipControl {
  /**
   * Adds a voting member that will join with these peer URLs. Resolves once the change is
   * applied here, with the new member (no name or client URLs until it starts).
   * @throws {MembershipError} when refused; {EtcdError} 300/301 on timeout or without a leader.
   */
  addMember(peerURLs: readonly string[]): Promise<MemberInfo>;
  /**
   * Removes a member for good.
   * @throws {MembershipError} when refused; {EtcdError} 300/301 on timeout or without a leader.
   */
  removeMember(id: string): Promise<void>;
  /**
   * Replaces a member's peer URLs.
   * @throws {MembershipError} when refused; {EtcdError} 300/301 on timeout or without a leader.
   */
  updateMember(id: string, peerURLs: readonly string[]): Promise<void>;
}
