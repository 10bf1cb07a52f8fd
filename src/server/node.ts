/**
 * @module
 * The node loop: it takes each Ready from consensus, makes it durable (one fdatasync per batch,
 * so concurrent writes share it), applies committed entries to the store, answers the proposals
 * and linearizable reads waiting on them, proposes TTL expiry with the leader's clock, and takes
 * snapshots. It is the `KeyValueNode` the HTTP layer talks to.
 */
import type { MsgpackCodec } from "../codec/index.ts";
import { assert } from "../lib/assert.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type MemberId,
  type MemoryStorage,
  type Message,
  type RawNode,
  type Ready,
  type ReadState,
  type Snapshot,
  type ConfChange,
  decodeConfChange,
} from "../raft/index.ts";
import { EtcdError, ErrorCode } from "../store/errors.ts";
import type { ApplyOutcome, StoreCommand } from "../store/types.ts";
import type { PeerMeta } from "../storage/index.ts";
import { AppendStats } from "./append-stats.ts";
import { ClusterClock } from "./cluster-clock.ts";
import { computeAddedMemberId, formatMemberId, parseMemberId } from "./identity.ts";
import {
  type ConfChangeContext,
  type MemberCommand,
  decodeConfChangeContext,
  encodeConfChangeContext,
} from "./member-commands.ts";
import {
  type MemberRegistry,
  type MemberRegistrySnapshot,
  type MembershipRefusal,
  refusalError,
} from "./member-registry.ts";
import { PendingProposals } from "./pending-proposals.ts";
import type { LogPersistence, ReplicatedStore, SnapshotPersistence } from "./ports.ts";
import {
  type Proposal,
  type ReplicatedCommand,
  decodeProposal,
  encodeProposal,
  tryDecodeProposal,
} from "./proposal.ts";
import { PendingReads } from "./pending-reads.ts";
import { ReadBarriers } from "./read-barriers.ts";
import { decodeStateSnapshot, encodeStateSnapshot } from "./state-snapshot.ts";
import {
  type FollowerStats,
  type HeaderStatus,
  type KeyValueNode,
  type MemberInfo,
  MembershipError,
  type NodeStatus,
} from "./types.ts";

export interface NodeIdentity {
  readonly name: string;
  readonly memberId: MemberId;
  readonly clusterId: MemberId;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  /**
   * The founders as the member meta records them: who an empty conf change context names (logs
   * bootstrapped before contexts carried names and URLs), and the member list of a snapshot
   * written before it held one.
   */
  readonly founders: readonly PeerMeta[];
}

/** How a membership change ended once its entry was applied. */
type MemberChangeOutcome =
  | { readonly refusal: null; readonly member: PeerMeta | null }
  | { readonly refusal: MembershipRefusal };

export interface NodeOptions {
  readonly identity: NodeIdentity;
  readonly store: ReplicatedStore;
  /** The replicated member list, restored with the store (empty before the log names anyone). */
  readonly members: MemberRegistry;
  /** Told after every applied change of the member list (to connect or drop peers). */
  readonly onMembersChanged?: (members: MemberRegistrySnapshot) => void;
  /** Told once when this member's own removal is applied: it must stop for good. */
  readonly onRemoved?: () => void;
  /**
   * How far a peer's cluster clock was ahead of our wall clock at its latest ping (negative:
   * behind), for a new leader to start no later than the leader before it.
   */
  readonly peerClockOffsetMs?: (peer: MemberId) => number | undefined;
  /** Whether the peer `id` is connected now (`--strict-reconfig-check`, as etcd does). */
  readonly isPeerConnected?: (id: MemberId) => boolean;
  /** The Raft core; `raftStorage` must hold everything it was given as durable. */
  readonly raft: RawNode;
  readonly raftStorage: MemoryStorage;
  /** Where messages for other members go (a transport; single members have none). */
  readonly send: (messages: readonly Message[]) => void;
  /** The transport's view of each peer, for `/v2/stats/leader`. */
  readonly followerStats?: () => Readonly<Record<string, FollowerStats>>;
  readonly wal: LogPersistence;
  readonly snapshots: SnapshotPersistence;
  readonly codec: MsgpackCodec;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Raft index and term of the last entry already applied to `store`. */
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly requestTimeoutMs: number;
  readonly pendingProposalsMax: number;
  /** Applied entries between snapshots. */
  readonly snapshotEntries: number;
  readonly tickIntervalMs: number;
  /** How often the leader looks for keys whose TTL has passed. */
  readonly expiryIntervalMs: number;
  /**
   * How long a member of a multi-voter cluster may be without a leader before it ends its
   * watches with an error (instead of letting them wait silently for events that cannot come).
   */
  readonly leaderLostAfterMs?: number;
  /** Called once if the loop hits an error it cannot survive (a failed fsync, say). */
  readonly onFatal: (error: unknown) => void;
}

/** A running member. */
export class Node implements KeyValueNode {
  readonly store: ReplicatedStore;
  readonly clock: Clock;
  readonly #options: NodeOptions;
  readonly #raft: RawNode;
  readonly #pending: PendingProposals<ApplyOutcome>;
  readonly #memberChanges: PendingProposals<MemberChangeOutcome>;
  readonly #members: MemberRegistry;
  readonly #readBarriers = new ReadBarriers();
  readonly #pendingReads = new PendingReads();
  readonly #startTimeMs: number;
  /** Wall ms when this member last saw a new leader. */
  #leaderStartTimeMs: number;
  #appliedIndex: number;
  #appliedTerm: number;
  #appliedSinceSnapshot = 0;
  /**
   * A hard state that only moved the commit index, held back until entries are written: Raft
   * lets the durable commit index lag (it is recomputed after a restart), so it costs no write
   * of its own.
   */
  #deferredHardState: HardState | null = null;
  /** The last log index known fdatasynced; committed entries up to it can apply at once. */
  #durableIndex: number;
  /** Monotonic ms of the last look for expired keys. */
  #expiryCheckedAtMs = -Infinity;
  /** Monotonic ms when this member last proposed an expiry; null when none is in flight. */
  #expiryProposedAtMs: number | null = null;
  /** Monotonic ms when this member last proposed its client URLs; null when none is in flight. */
  #publishProposedAtMs: number | null = null;
  #removed = false;
  #knownLeader: MemberId = 0n;
  /** Monotonic ms since when this member has known no leader; null while it knows one. */
  #leaderlessSinceMs: number | null = null;
  #watchesEndedForThisGap = false;
  readonly #clusterClock: ClusterClock;
  readonly #appendStats = new AppendStats();
  readonly #clusterIdText: string;
  #wakeLoop: (() => void) | null = null;
  #ticker: ReturnType<typeof setInterval> | null = null;
  #loop: Promise<void> | null = null;
  #stopping = false;

  constructor(options: NodeOptions) {
    assert(options.appliedIndex >= 0, "applied index must not be negative");
    assert(options.snapshotEntries > 0, "snapshotEntries must be positive");
    this.#options = options;
    this.store = options.store;
    this.clock = options.clock;
    this.#raft = options.raft;
    this.#appliedIndex = options.appliedIndex;
    this.#appliedTerm = options.appliedTerm;
    this.#durableIndex = options.appliedIndex;
    this.#startTimeMs = options.clock.wallMs();
    this.#leaderStartTimeMs = this.#startTimeMs;
    this.#pending = new PendingProposals({
      pendingMax: options.pendingProposalsMax,
      timeoutMs: options.requestTimeoutMs,
    });
    this.#memberChanges = new PendingProposals({
      pendingMax: options.pendingProposalsMax,
      timeoutMs: options.requestTimeoutMs,
    });
    this.#members = options.members;
    this.#clusterClock = new ClusterClock(options.identity.memberId);
    this.#clusterIdText = formatMemberId(options.identity.clusterId);
  }

  /** Starts the loop and the ticker. */
  start(): void {
    assert(this.#loop === null, "node started twice");
    this.#ticker = setInterval(() => this.#tick(), this.#options.tickIntervalMs);
    this.#loop = this.#run();
  }

  /**
   * Hands leadership to the most caught-up voter, so that stopping a leader costs the cluster
   * no election timeout. Resolves when this member no longer leads, or after `timeoutMs`.
   * @returns the member leadership went to, or null when there was nothing to hand over.
   */
  async transferLeadership(timeoutMs: number): Promise<MemberId | null> {
    const target = this.#transferTarget();
    if (target === null) return null;
    const result = this.#raft.transferLeadership(target);
    if ("dropped" in result) return null;
    this.#wake();
    const deadline = this.clock.monotonicMs() + timeoutMs;
    while (this.#raft.basicStatus().role === "leader" && this.clock.monotonicMs() < deadline) {
      await Bun.sleep(this.#options.tickIntervalMs);
    }
    return this.#raft.basicStatus().role === "leader" ? null : target;
  }

  /** Finishes the batch in progress, then stops; waiting callers get 300. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#ticker !== null) clearInterval(this.#ticker);
    this.#ticker = null;
    this.#wake();
    await this.#loop;
    const stopping = new EtcdError(ErrorCode.raftInternal, "member is stopping", 0);
    this.#pending.rejectAll(stopping);
    this.#memberChanges.rejectAll(stopping);
    this.#readBarriers.rejectAll(stopping);
    this.#pendingReads.rejectAll(stopping);
  }

  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  followerStats(): Readonly<Record<string, FollowerStats>> {
    return this.#options.followerStats?.() ?? {};
  }

  /** A message from a peer, as the transport decoded it. */
  step(message: Message): void {
    if (this.#stopping) return;
    this.#appendStats.noteReceived(message, this.clock.monotonicMs());
    if (message.type === "MsgProp" && this.#raft.basicStatus().role === "leader") {
      const restamped = this.#restamped(message);
      if (restamped === null) return;
      this.#raft.step(restamped);
    } else {
      this.#raft.step(message);
    }
    this.#wake();
  }

  /** The cluster's time as this member would stamp it into a command (see `ClusterClock`). */
  clusterNowMs(): number {
    return this.#clusterClock.nowMs(this.clock.wallMs());
  }

  /** The transport dropped a message to `peer`: Raft probes it again instead of pipelining. */
  reportUnreachable(peer: MemberId): void {
    this.#raft.reportUnreachable(peer);
    this.#wake();
  }

  /**
   * A peer refused this member as removed. Its own removal entry may never reach it (the leader
   * stops replicating to a member once the removal is applied), so this is how it learns.
   */
  removedFromCluster(): void {
    this.#noteRemoved();
  }

  /** A snapshot stream to `peer` finished (`ok`) or failed. */
  reportSnapshot(peer: MemberId, ok: boolean): void {
    this.#raft.reportSnapshot(peer, ok);
    this.#wake();
  }

  propose(command: StoreCommand): Promise<ApplyOutcome> {
    if (this.#stopping) {
      return Promise.reject(new EtcdError(ErrorCode.raftInternal, "member is stopping", 0));
    }
    if (this.#pending.full) {
      const cause = "too many pending proposals";
      return Promise.reject(new EtcdError(ErrorCode.raftInternal, cause, 0));
    }
    const requestId = this.#pending.nextRequestId();
    const rejected = this.#proposeEnvelope(requestId, command);
    if (rejected !== null) return Promise.reject(rejected);
    return this.#pending.wait(requestId, this.clock.monotonicMs());
  }

  /**
   * ReadIndex: the leader confirms with a quorum that it still leads and names its commit index;
   * the read proceeds once this member has applied that far. Every attempt has a fresh context.
   */
  async readBarrier(): Promise<void> {
    if (this.#stopping) throw new EtcdError(ErrorCode.raftInternal, "member is stopping", 0);
    const nowMs = this.clock.monotonicMs();
    const deadlineMs = nowMs + this.#options.requestTimeoutMs;
    const { context, index } = this.#pendingReads.open(deadlineMs, nowMs);
    const result = this.#raft.readIndex(context);
    if ("dropped" in result) {
      this.#pendingReads.cancel(context);
      throw refusal(result.dropped);
    }
    this.#wake();
    const readIndex = await index;
    if (this.#appliedIndex >= readIndex) return;
    await this.#readBarriers.wait(readIndex, deadlineMs);
  }

  status(): NodeStatus {
    const raft = this.#raft.basicStatus();
    const { identity } = this.#options;
    const nowMs = this.clock.monotonicMs();
    const sent = this.#appendStats.sent(nowMs);
    const received = this.#appendStats.received(nowMs);
    return {
      name: identity.name,
      memberId: formatMemberId(identity.memberId),
      clusterId: formatMemberId(identity.clusterId),
      state: memberState(raft.role),
      leaderId: raft.lead === 0n ? "" : formatMemberId(raft.lead),
      raftIndex: raft.commit,
      raftTerm: raft.term,
      startTimeMs: this.#startTimeMs,
      leaderStartTimeMs: this.#leaderStartTimeMs,
      recvAppendRequestCount: received.count,
      sendAppendRequestCount: sent.count,
      recvPkgRate: received.rate.messagesPerSecond,
      recvBandwidthRate: received.rate.bytesPerSecond,
      sendPkgRate: sent.rate.messagesPerSecond,
      sendBandwidthRate: sent.rate.bytesPerSecond,
    };
  }

  /**
   * The replicated list. Until this member's own announcement is applied, its entry shows what it
   * is about to announce: etcd serves no client before it has published, so its clients never
   * see a member without client URLs, and neither should ours (etcdctl needs them to sync).
   */
  headerStatus(): HeaderStatus {
    const raft = this.#raft.basicStatus();
    return { clusterId: this.#clusterIdText, raftIndex: raft.commit, raftTerm: raft.term };
  }

  members(): readonly MemberInfo[] {
    const { identity } = this.#options;
    return this.#members.list().map((member) =>
      memberInfo(
        member.id === identity.memberId && member.clientURLs.length === 0
          ? { ...member, name: identity.name, clientURLs: identity.clientUrls }
          : member,
      )
    );
  }

  async addMember(peerURLs: readonly string[]): Promise<MemberInfo> {
    const { identity } = this.#options;
    const id = computeAddedMemberId(peerURLs, identity.clusterId, this.clock.wallMs());
    const refusal = this.#members.checkAdd(id, peerURLs);
    if (refusal !== null) throw membershipError(refusal, id);
    const voters = this.#raft.status().confState.voters;
    // Like etcd, a lone member may always add a second one: it is the only way to grow.
    const growingALoneMember = voters.length === 1;
    if (!growingALoneMember && !this.#enoughStartedAfter([...voters, id])) {
      throw notEnoughStartedMembers();
    }
    const outcome = await this.#proposeConfChange("addVoter", id, "", peerURLs);
    if (outcome.refusal !== null) throw membershipError(outcome.refusal, id);
    return memberInfo(outcome.member ?? { id, name: "", peerURLs, clientURLs: [] });
  }

  async removeMember(idText: string): Promise<void> {
    const id = parseMemberId(idText);
    if (id === null) throw new MembershipError("idNotFound", `No such member: ${idText}`);
    const refusal = this.#members.checkRemove(id);
    if (refusal !== null) throw membershipError(refusal, id);
    const voters = this.#raft.status().confState.voters.filter((voter) => voter !== id);
    if (voters.length > 0 && !this.#enoughStartedAfter(voters)) throw notEnoughStartedMembers();
    const outcome = await this.#proposeConfChange("removeNode", id, "", []);
    if (outcome.refusal !== null) throw membershipError(outcome.refusal, id);
  }

  async updateMember(idText: string, peerURLs: readonly string[]): Promise<void> {
    const id = parseMemberId(idText);
    if (id === null) throw new MembershipError("idNotFound", `No such member: ${idText}`);
    const refusal = this.#members.checkUpdate(id, peerURLs);
    if (refusal !== null) throw membershipError(refusal, id);
    const outcome = await this.#proposeMemberCommand({
      op: "updateMemberPeers",
      memberId: id,
      peerURLs: [...peerURLs],
    });
    if (outcome.refusal !== null) throw membershipError(outcome.refusal, id);
  }

  // --- internal ---

  /** Puts a command in the log; returns the error to answer with if consensus refused it. */
  #proposeEnvelope(requestId: number, command: ReplicatedCommand): EtcdError | null {
    const data = encodeProposal(this.#options.codec, {
      proposer: this.#options.identity.memberId,
      requestId,
      nowMs: this.#stampMs(),
      command,
    });
    const result = this.#raft.propose(data);
    if ("dropped" in result) return refusal(result.dropped);
    this.#wake();
    return null;
  }

  #proposeConfChange(
    type: ConfChange["type"],
    nodeId: MemberId,
    name: string,
    peerURLs: readonly string[],
  ): Promise<MemberChangeOutcome> {
    const rejected = this.#admissionError(this.#memberChanges);
    if (rejected !== null) return Promise.reject(rejected);
    const requestId = this.#memberChanges.nextRequestId();
    const proposer = this.#options.identity.memberId;
    const context = encodeConfChangeContext(this.#options.codec, {
      proposer,
      requestId,
      name,
      peerURLs,
    });
    const result = this.#raft.proposeConfChange({ type, nodeId, context });
    if ("dropped" in result) return Promise.reject(refusal(result.dropped));
    this.#wake();
    return this.#memberChanges.wait(requestId, this.clock.monotonicMs());
  }

  #proposeMemberCommand(command: MemberCommand): Promise<MemberChangeOutcome> {
    const rejected = this.#admissionError(this.#memberChanges);
    if (rejected !== null) return Promise.reject(rejected);
    const requestId = this.#memberChanges.nextRequestId();
    const refused = this.#proposeEnvelope(requestId, command);
    if (refused !== null) return Promise.reject(refused);
    return this.#memberChanges.wait(requestId, this.clock.monotonicMs());
  }

  #admissionError(pending: { readonly full: boolean }): EtcdError | null {
    if (this.#stopping) return new EtcdError(ErrorCode.raftInternal, "member is stopping", 0);
    if (pending.full) return new EtcdError(ErrorCode.raftInternal, "too many pending proposals", 0);
    return null;
  }

  /**
   * etcd's strict reconfiguration check: a change may not leave fewer connected voters than a
   * quorum of the new membership, or the cluster would stall until the missing ones start.
   */
  #enoughStartedAfter(voters: readonly MemberId[]): boolean {
    const self = this.#options.identity.memberId;
    const isConnected = this.#options.isPeerConnected ?? (() => false);
    const started = voters.filter((id) => id === self || isConnected(id)).length;
    return started >= Math.floor(voters.length / 2) + 1;
  }

  /**
   * The time for a command entering the log here: the cluster clock on a leader. A follower's
   * stamp is provisional: the leader restamps what it forwards.
   */
  #stampMs(): number {
    if (this.#raft.basicStatus().role !== "leader") return this.clock.wallMs();
    return this.#clusterClock.stamp(this.clock.wallMs());
  }

  /**
   * A follower's forwarded proposals with this leader's time in place of the follower's, so
   * that only leaders' clocks enter the log. A proposal that does not decode is dropped here,
   * before it could reach the log (the follower's client times out).
   */
  #restamped(message: Extract<Message, { type: "MsgProp" }>): Message | null {
    const { codec, logger } = this.#options;
    const entries: Entry[] = [];
    for (const entry of message.entries) {
      if (entry.type !== EntryType.normal || entry.data.byteLength === 0) {
        entries.push(entry);
        continue;
      }
      const proposal = tryDecodeProposal(codec, entry.data);
      if (proposal === null) {
        logger.warn("malformed forwarded proposal dropped", { from: formatMemberId(message.from) });
        return null;
      }
      const data = encodeProposal(codec, { ...proposal, nowMs: this.#stampMs() });
      entries.push({ ...entry, data });
    }
    return { ...message, entries };
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        if (this.#raft.hasReady()) {
          await this.#handleReady(this.#raft.ready());
          continue;
        }
        if (this.#stopping) return;
        await new Promise<void>((resolve) => {
          this.#wakeLoop = resolve;
        });
      }
    } catch (error) {
      this.#options.logger.error("node loop failed", { error });
      this.#stopping = true;
      this.#options.onFatal(error);
    }
  }

  #wake(): void {
    const wakeLoop = this.#wakeLoop;
    if (wakeLoop === null) return;
    this.#wakeLoop = null;
    wakeLoop();
  }

  /** One Ready, in the order the Raft core's contract demands (see src/raft/index.ts). */
  async #handleReady(ready: Ready): Promise<void> {
    const { wal, raftStorage } = this.#options;
    if (ready.softState !== undefined) this.#noteSoftState(ready.softState.leader);
    // Committed entries that were already durable before this Ready need not wait for its
    // fsync: they are applied (and answered) while that fsync runs, so one batch's
    // acknowledgement never waits for the next batch's disk write and the apply work overlaps
    // the disk wait. The rest apply only after this Ready is durable.
    const durableCount = ready.snapshot === undefined
      ? countUpTo(ready.committedEntries, this.#durableIndex)
      : 0;
    // Acknowledgements of the previous batch go out at once, and a leader's appends before its
    // own write, so followers write in parallel (see Ready.earlyMessageCount).
    const early = ready.earlyMessageCount;
    if (early > 0) this.#sendMessages(ready.messages.slice(0, early));
    if (ready.snapshot !== undefined) await this.#installSnapshot(ready.snapshot);
    await this.#persist(ready);
    const syncing = ready.mustSync ? wal.sync() : null;
    this.#applyEntries(ready.committedEntries.slice(0, durableCount));
    if (syncing !== null) {
      await syncing;
      this.#durableIndex = Math.max(this.#durableIndex, ready.entries.at(-1)?.index ?? 0);
    }
    if (ready.entries.length > 0) raftStorage.append(ready.entries);
    if (ready.hardState !== undefined) raftStorage.setHardState(ready.hardState);
    // Only now is everything the messages vouch for durable.
    if (early < ready.messages.length) this.#sendMessages(ready.messages.slice(early));
    this.#applyEntries(ready.committedEntries.slice(durableCount));
    this.#answerReads(ready.readStates);
    this.#raft.advance();
    if (this.#appliedSinceSnapshot >= this.#options.snapshotEntries) await this.#snapshot();
  }

  #sendMessages(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    this.#options.send(messages);
    this.#appendStats.noteSent(messages, this.clock.monotonicMs());
  }

  async #persist(ready: Ready): Promise<void> {
    const hardState = ready.hardState ?? this.#deferredHardState;
    if (hardState === null && ready.entries.length === 0) return;
    if (ready.entries.length === 0 && !ready.mustSync) {
      this.#deferredHardState = hardState;
      return;
    }
    this.#deferredHardState = null;
    await this.#options.wal.save(hardState, ready.entries);
  }

  #applyEntries(entries: readonly Entry[]): void {
    for (const entry of entries) {
      assert(entry.index === this.#appliedIndex + 1, "entries are applied in order, once");
      if (entry.type === EntryType.confChange) this.#applyConfChange(entry);
      else if (entry.data.byteLength > 0) this.#applyProposal(entry);
      else this.store.markApplied(entry.index);
      this.#appliedIndex = entry.index;
      this.#appliedTerm = entry.term;
      this.#appliedSinceSnapshot += 1;
    }
    this.#readBarriers.release(this.#appliedIndex);
  }

  /**
   * A conf change changes the member list and Raft's voters together. Every replica applies it to
   * the same list, so every replica refuses the same invalid ones (a peer URL taken meanwhile, a
   * removed id), and Raft then learns nothing of a refused change.
   */
  #applyConfChange(entry: Entry): void {
    const change = decodeConfChange(entry.data);
    const context = this.#contextOf(change);
    const result = change.type === "removeNode"
      ? this.#members.remove(change.nodeId)
      : this.#members.add(change.nodeId, context.name, context.peerURLs);
    this.store.markApplied(entry.index);
    if (result === null) {
      const confState = this.#raft.applyConfChange(change);
      this.#options.logger.info("membership changed", {
        index: entry.index,
        change: change.type,
        member: formatMemberId(change.nodeId),
        ...describe(confState),
      });
    } else {
      this.#options.logger.warn("membership change refused", {
        index: entry.index,
        change: change.type,
        member: formatMemberId(change.nodeId),
        refusal: result,
      });
    }
    if (context.proposer === this.#options.identity.memberId) {
      const outcome: MemberChangeOutcome = result === null
        ? { refusal: null, member: this.#members.get(change.nodeId) ?? null }
        : { refusal: result };
      this.#memberChanges.resolve(context.requestId, outcome);
    }
    if (result !== null) return;
    this.#membersChanged();
    if (change.type === "removeNode" && change.nodeId === this.#options.identity.memberId) {
      this.#noteRemoved();
    }
  }

  /** The context a conf change carries, or the founder's entry from the meta for old logs. */
  #contextOf(change: ConfChange): ConfChangeContext {
    const decoded = decodeConfChangeContext(this.#options.codec, change.context);
    if (decoded !== null) return decoded;
    const founder = this.#options.identity.founders.find((peer) => peer.id === change.nodeId);
    return {
      proposer: 0n,
      requestId: 0,
      name: founder?.name ?? "",
      peerURLs: founder?.peerURLs ?? [],
    };
  }

  #applyMemberCommand(proposal: Proposal, command: MemberCommand, index: number): void {
    const result = command.op === "publishMember"
      ? this.#members.publish(command.memberId, command.name, command.clientURLs)
      : this.#members.updatePeerURLs(command.memberId, command.peerURLs);
    this.store.markApplied(index);
    if (proposal.proposer === this.#options.identity.memberId) {
      if (command.op === "publishMember") this.#publishProposedAtMs = null;
      const outcome: MemberChangeOutcome = result === null
        ? { refusal: null, member: this.#members.get(command.memberId) ?? null }
        : { refusal: result };
      this.#memberChanges.resolve(proposal.requestId, outcome);
    }
    if (result === null) this.#membersChanged();
  }

  #membersChanged(): void {
    this.#options.onMembersChanged?.(this.#members.toSnapshot());
  }

  #noteRemoved(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.#options.logger.warn("this member was removed from the cluster", {});
    this.#options.onRemoved?.();
  }

  /** A leader's snapshot replaces the log and the store (a member that fell far behind). */
  async #installSnapshot(snapshot: Snapshot): Promise<void> {
    const { snapshots, wal, raftStorage, codec } = this.#options;
    assert(snapshot.metadata.index > this.#appliedIndex, "a snapshot must move the state forward");
    await snapshots.save(snapshot);
    await wal.saveSnapshotMarker(snapshot.metadata);
    await wal.sync();
    raftStorage.applySnapshot(snapshot);
    // The snapshot passed the leader's checks and our frame CRC; it is the store's own data.
    const state = decodeStateSnapshot(codec, snapshot.data);
    this.store.restore(state.store);
    const { founders } = this.#options.identity;
    this.#members.restore(state.members ?? { members: founders, removed: [] });
    this.#membersChanged();
    this.#appliedIndex = snapshot.metadata.index;
    this.#appliedTerm = snapshot.metadata.term;
    this.#durableIndex = Math.max(this.#durableIndex, snapshot.metadata.index);
    this.#appliedSinceSnapshot = 0;
  }

  #answerReads(readStates: readonly ReadState[]): void {
    for (const readState of readStates) this.#pendingReads.answer(readState);
  }

  #noteSoftState(leader: MemberId): void {
    if (leader !== 0n && leader !== this.#knownLeader) {
      this.#leaderStartTimeMs = this.clock.wallMs();
      const offsetOf = this.#options.peerClockOffsetMs ?? (() => undefined);
      const held = this.#clusterClock.leaderChanged(leader, offsetOf);
      if (held !== null && held.offsetMs < 0) {
        this.#options.logger.info("cluster clock held back to the previous leader's", {
          offsetMs: held.offsetMs,
          previous: formatMemberId(held.previous),
        });
      }
    }
    this.#knownLeader = leader;
  }

  #applyProposal(entry: Entry): void {
    const proposal = decodeProposal(this.#options.codec, entry.data);
    this.#clusterClock.observe(proposal.nowMs);
    const { command } = proposal;
    if (command.op === "publishMember" || command.op === "updateMemberPeers") {
      this.#applyMemberCommand(proposal, command, entry.index);
      return;
    }
    const outcome = this.store.apply(command, entry.index, proposal.nowMs);
    if (proposal.proposer !== this.#options.identity.memberId) return;
    if (command.op === "expire") this.#expiryProposedAtMs = null;
    this.#pending.resolve(proposal.requestId, outcome);
  }

  async #snapshot(): Promise<void> {
    const { codec, snapshots, wal, logger, raftStorage } = this.#options;
    const confState = this.#raft.status().confState;
    const metadata = { index: this.#appliedIndex, term: this.#appliedTerm, confState };
    const data = encodeStateSnapshot(codec, {
      store: this.store.toSnapshot(),
      members: this.#members.toSnapshot(),
    });
    await snapshots.save({ metadata, data });
    // A commit-only hard state may still be held back (see #persist). The snapshot says its
    // entries are committed, so the WAL's commit must reach it before the marker does, or the
    // member could not start again (its hard state's commit would be below its snapshot).
    const deferred = this.#deferredHardState;
    if (deferred !== null) {
      await wal.save(deferred, []);
      this.#deferredHardState = null;
    }
    await wal.saveSnapshotMarker(metadata);
    await wal.sync();
    // Only now is the snapshot durable and marked, so the log below it may go.
    await wal.releaseTo(metadata.index);
    // Followers that need older entries get this snapshot instead.
    raftStorage.createSnapshot(metadata.index, confState, data);
    raftStorage.compact(metadata.index);
    // Keep one older snapshot as a fallback should the newest turn out damaged.
    await snapshots.purge(2);
    this.#appliedSinceSnapshot = 0;
    logger.info("snapshot saved", { index: metadata.index, bytes: data.byteLength });
  }

  #tick(): void {
    this.#raft.tick();
    this.#campaignIfAlone();
    const nowMs = this.clock.monotonicMs();
    this.#pending.expireOverdue(nowMs);
    this.#readBarriers.expireOverdue(nowMs);
    this.#pendingReads.expireOverdue(nowMs);
    this.#retryReads(nowMs);
    this.#memberChanges.expireOverdue(nowMs);
    this.#maybeProposeExpiry(nowMs);
    this.#maybePublish(nowMs);
    this.#endWatchesIfLeaderLost(nowMs);
    if (this.#raft.hasReady()) this.#wake();
  }

  /** The voter with the highest match index, if this member leads others. */
  #transferTarget(): MemberId | null {
    const status = this.#raft.status();
    if (status.role !== "leader" || status.progress === null) return null;
    let best: { id: MemberId; match: number } | null = null;
    for (const [id, peer] of status.progress) {
      if (id === status.id || peer.isLearner || !peer.recentActive) continue;
      if (best === null || peer.match > best.match) best = { id, match: peer.match };
    }
    return best?.id ?? null;
  }

  /** The only voter need not wait out an election timeout to lead. */
  #campaignIfAlone(): void {
    const basic = this.#raft.basicStatus();
    if (basic.lead !== 0n || basic.role !== "follower") return;
    const { voters } = this.#raft.status().confState;
    if (voters.length === 1 && voters[0] === this.#options.identity.memberId) {
      this.#raft.campaign();
    }
  }

  /** Asks again for reads whose request (or answer) may have been lost on the way. */
  #retryReads(nowMs: number): void {
    if (this.#pendingReads.size === 0) return;
    for (const context of this.#pendingReads.retryDue(nowMs, readRetryIntervalMs)) {
      const result = this.#raft.readIndex(context);
      if ("dropped" in result) this.#pendingReads.cancelAttempt(context);
    }
  }

  /** True when this member is one of several voters and knows no leader now. */
  get leaderLost(): boolean {
    if (this.#raft.basicStatus().lead !== 0n) return false;
    return this.#raft.status().confState.voters.length > 1;
  }

  /**
   * A member cut off from its leader for longer than an election would take ends its watches
   * with 301: the client learns that at once and can watch elsewhere from its last index.
   */
  #endWatchesIfLeaderLost(nowMs: number): void {
    if (this.#raft.basicStatus().lead !== 0n) {
      this.#leaderlessSinceMs = null;
      this.#watchesEndedForThisGap = false;
      return;
    }
    const afterMs = this.#options.leaderLostAfterMs;
    if (afterMs === undefined || this.#watchesEndedForThisGap) return;
    this.#leaderlessSinceMs ??= nowMs;
    if (nowMs - this.#leaderlessSinceMs < afterMs || !this.leaderLost) return;
    this.#watchesEndedForThisGap = true;
    const reason = new EtcdError(ErrorCode.leaderElect, "member lost its leader", 0);
    const ended = this.store.closeWatchers(reason);
    if (ended > 0) this.#options.logger.warn("watches ended: no leader", { watches: ended });
  }

  /** Once it runs, a member announces its name and client URLs through the log, as etcd's do. */
  #maybePublish(nowMs: number): void {
    if (this.#stopping || this.#removed || this.#raft.basicStatus().lead === 0n) return;
    const { identity } = this.#options;
    const known = this.#members.get(identity.memberId);
    // A joining member learns itself from the log; until then it has nothing to correct.
    if (known === undefined) return;
    if (known.name === identity.name && sameTexts(known.clientURLs, identity.clientUrls)) return;
    const inFlight = this.#publishProposedAtMs;
    if (inFlight !== null && nowMs - inFlight < this.#options.requestTimeoutMs) return;
    const requestId = this.#memberChanges.nextRequestId();
    const rejected = this.#proposeEnvelope(requestId, {
      op: "publishMember",
      memberId: identity.memberId,
      name: identity.name,
      clientURLs: [...identity.clientUrls],
    });
    if (rejected === null) this.#publishProposedAtMs = nowMs;
  }

  /** The leader removes expired keys through the log, stamped with its own clock. */
  #maybeProposeExpiry(nowMs: number): void {
    if (this.#stopping || this.#raft.basicStatus().role !== "leader") return;
    if (nowMs - this.#expiryCheckedAtMs < this.#options.expiryIntervalMs) return;
    this.#expiryCheckedAtMs = nowMs;
    const nextExpirationMs = this.store.nextExpirationMs();
    if (nextExpirationMs === null || nextExpirationMs > this.clusterNowMs()) return;
    const inFlight = this.#expiryProposedAtMs;
    if (inFlight !== null && nowMs - inFlight < this.#options.requestTimeoutMs) return;
    const requestId = this.#pending.nextRequestId();
    const rejected = this.#proposeEnvelope(requestId, { op: "expire" });
    if (rejected === null) this.#expiryProposedAtMs = nowMs;
  }
}

/** How long a ReadIndex request may go unanswered before it is asked again (as etcd 3.5). */
const readRetryIntervalMs = 500;

/** How many leading entries have an index at or below `index`. */
function countUpTo(entries: readonly Entry[], index: number): number {
  let count = 0;
  while (count < entries.length && (entries[count]?.index ?? Infinity) <= index) count += 1;
  return count;
}

function memberInfo(member: PeerMeta): MemberInfo {
  return {
    id: formatMemberId(member.id),
    name: member.name,
    peerURLs: member.peerURLs,
    clientURLs: member.clientURLs,
  };
}

function membershipError(refusal: MembershipRefusal, id: MemberId): MembershipError {
  return refusalError(refusal, formatMemberId(id));
}

function notEnoughStartedMembers(): MembershipError {
  return new MembershipError(
    "notEnoughStartedMembers",
    "etcdserver: re-configuration failed due to not enough started members",
  );
}

function sameTexts(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((text, index) => text === right[index]);
}

function refusal(reason: string): EtcdError {
  const code = reason === "no leader" ? ErrorCode.leaderElect : ErrorCode.raftInternal;
  return new EtcdError(code, reason, 0);
}

function memberState(role: string): NodeStatus["state"] {
  if (role === "leader") return "StateLeader";
  if (role === "candidate" || role === "preCandidate") return "StateCandidate";
  return "StateFollower";
}

function describe(confState: ConfState): { voters: string[]; learners: string[] } {
  return {
    voters: confState.voters.map(formatMemberId),
    learners: confState.learners.map(formatMemberId),
  };
}
