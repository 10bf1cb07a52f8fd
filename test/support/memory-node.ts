/**
 * @module
 * A one-member `KeyValueNode` for HTTP tests: the real `Store`, a `ManualClock`, and a
 * `propose` that applies immediately with an increasing Raft index and the clock's time.
 */
import { ManualClock } from "../../src/lib/clock.ts";
import { defaultLimits, type Limits } from "../../src/limits.ts";
import {
  type FollowerStats,
  type HeaderStatus,
  type KeyValueNode,
  type MemberInfo,
  type MemberState,
  type NodeStatus,
} from "../../src/server/types.ts";
import type { EtcdError } from "../../src/store/errors.ts";
import { Store } from "../../src/store/index.ts";
import { formatMemberId, parseMemberId } from "../../src/server/identity.ts";
import { MemberRegistry, refusalError } from "../../src/server/member-registry.ts";
import type { ApplyOutcome, StoreCommand } from "../../src/store/types.ts";

/** The member id the test node reports. */
export const testMemberId = "ddd67b312462fd7b";
/** The cluster id the test node reports. */
export const testClusterId = "cdf818194e3a8c32";

/** A `KeyValueNode` whose log is an array and whose clock moves only when told. */
export class MemoryNode implements KeyValueNode {
  readonly store: Store;
  readonly clock: ManualClock;
  readonly #startTimeMs: number;
  readonly #members = new MemberRegistry();
  #addedMembers = 0;
  #raftIndex = 0;
  /** Read barriers completed, so tests can see that `quorum=true` asked for one. */
  barrierCount = 0;
  /** When set, the next barriers fail with it (a member without a leader). */
  barrierError: EtcdError | null = null;
  /** The role reported by `status()`; tests switch it to see follower answers. */
  state: MemberState = "StateLeader";
  /** The leader reported by `status()`; "" for a member that knows none. */
  leaderId = testMemberId;
  /** Tests set this to see a member cut off from its leader refuse watches. */
  leaderLost = false;
  /** The term reported in `X-Raft-Term`; tests move it to see an election in the headers. */
  raftTerm = 2;

  constructor(limits: Limits = defaultLimits, startWallMs = Date.UTC(2026, 10, 24, 1, 31, 9, 536)) {
    this.store = new Store({
      historyEventsMax: limits.historyEventsMax,
      watchersMax: limits.watchersMax,
      nodesMax: limits.nodesMax,
    });
    this.clock = new ManualClock(startWallMs);
    // The process "started" a little before the clock's origin, and led 0.9 s later.
    this.#startTimeMs = startWallMs - 2000;
    this.#members.add(BigInt(`0x${testMemberId}`), "n0", ["http://127.0.0.1:12380"]);
    this.#members.publish(BigInt(`0x${testMemberId}`), "n0", ["http://127.0.0.1:12379"]);
  }

  propose(command: StoreCommand): Promise<ApplyOutcome> {
    this.#raftIndex += 1;
    return Promise.resolve(this.store.apply(command, this.#raftIndex, this.clock.wallMs()));
  }

  async readBarrier(): Promise<void> {
    if (this.barrierError !== null) throw this.barrierError;
    this.barrierCount += 1;
    await Promise.resolve();
  }

  /** Proposes the expiry sweep the leader would propose, at the clock's current time. */
  async sweep(): Promise<void> {
    await this.propose({ op: "expire" });
  }

  status(): NodeStatus {
    return {
      name: "n0",
      memberId: testMemberId,
      clusterId: testClusterId,
      state: this.state,
      leaderId: this.leaderId,
      raftIndex: this.#raftIndex,
      raftTerm: this.raftTerm,
      startTimeMs: this.#startTimeMs,
      leaderStartTimeMs: this.#startTimeMs + 901.707,
      recvAppendRequestCount: 0,
      sendAppendRequestCount: 0,
      recvPkgRate: 0,
      recvBandwidthRate: 0,
      sendPkgRate: 0,
      sendBandwidthRate: 0,
    };
  }

  headerStatus(): HeaderStatus {
    const { clusterId, raftIndex, raftTerm } = this.status();
    return { clusterId, raftIndex, raftTerm };
  }

  members(): readonly MemberInfo[] {
    return this.#members.list().map((member) => ({
      id: formatMemberId(member.id),
      name: member.name,
      peerURLs: member.peerURLs,
      clientURLs: member.clientURLs,
    }));
  }

  /** Membership changes apply at once (no log): enough for the HTTP layer's tests. */
  addMember(peerURLs: readonly string[]): Promise<MemberInfo> {
    this.#addedMembers += 1;
    const id = BigInt(this.#addedMembers);
    const refusal = this.#members.add(id, "", peerURLs);
    if (refusal !== null) return Promise.reject(refusalError(refusal, formatMemberId(id)));
    return Promise.resolve({ id: formatMemberId(id), name: "", peerURLs, clientURLs: [] });
  }

  removeMember(id: string): Promise<void> {
    const memberId = parseMemberId(id);
    const refusal = memberId === null ? "idNotFound" : this.#members.remove(memberId);
    const shown = memberId === null ? id : formatMemberId(memberId);
    if (refusal !== null) return Promise.reject(refusalError(refusal, shown));
    return Promise.resolve();
  }

  updateMember(id: string, peerURLs: readonly string[]): Promise<void> {
    const memberId = parseMemberId(id);
    const refusal = memberId === null
      ? "idNotFound"
      : this.#members.updatePeerURLs(memberId, peerURLs);
    const shown = memberId === null ? id : formatMemberId(memberId);
    if (refusal !== null) return Promise.reject(refusalError(refusal, shown));
    return Promise.resolve();
  }

  /** Tests set this to see `/v2/stats/leader` report followers. */
  followers: Record<string, FollowerStats> = {};

  followerStats(): Readonly<Record<string, FollowerStats>> {
    return this.followers;
  }
}
