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
} from "../raft/index.ts";
import { EtcdError, ErrorCode } from "../store/errors.ts";
import type { ApplyOutcome, StoreCommand } from "../store/types.ts";
import { AppendStats } from "./append-stats.ts";
import { ClusterClock } from "./cluster-clock.ts";
import { formatMemberId } from "./identity.ts";
import type { MemberRegistry, MemberRegistrySnapshot } from "./member-registry.ts";
import { Membership, type MembershipIdentity } from "./membership.ts";
import { PendingProposals, refusedByConsensus } from "./pending-proposals.ts";
import type { LogPersistence, ReplicatedStore, SnapshotPersistence } from "./ports.ts";
import {
  type Proposal,
  type ReplicatedCommand,
  decodeProposal,
  encodeProposal,
  restampProposal,
  tryDecodeProposal,
} from "./proposal.ts";
import { PendingReads } from "./pending-reads.ts";
import { ReadBarriers } from "./read-barriers.ts";
import { ReadIndexBatcher } from "./read-index-batcher.ts";
import { decodeStateSnapshot, encodeStateSnapshot } from "./state-snapshot.ts";
import {
  type FollowerStats,
  type HeaderStatus,
  type KeyValueNode,
  type MemberInfo,
  type NodeStatus,
} from "./types.ts";

export interface NodeIdentity extends MembershipIdentity {
  readonly peerUrls: readonly string[];
}

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
  /** Entries kept in the in-memory log below each snapshot, for followers a little behind. */
  readonly snapshotCatchUpEntries: number;
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
  readonly #membership: Membership;
  readonly #readBarriers = new ReadBarriers();
  readonly #pendingReads = new PendingReads();
  readonly #readIndexRounds = new ReadIndexBatcher(() => this.#readIndexRound());
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
  #knownLeader: MemberId = 0n;
  /** Monotonic ms since when this member has known no leader; null while it knows one. */
  #leaderlessSinceMs: number | null = null;
  #watchesEndedForThisGap = false;
  readonly #clusterClock: ClusterClock;
  readonly #appendStats = new AppendStats();
  readonly #clusterIdText: string;
  /**
   * Proposals this member put in the log, by their encoded bytes (which the log passes on
   * unchanged), so applying them here needs no decoding. `encodeProposal` round-trips every
   * command exactly (tested), so this applies what every other replica decodes.
   */
  readonly #proposalsInLog = new WeakMap<Uint8Array, Proposal>();
  #wakeLoop: (() => void) | null = null;
  #wakeScheduled = false;
  /**
   * True while a Ready's fdatasync runs and its already-durable committed entries are applied:
   * then a wake takes the core's write-free work instead (see `#takeWriteFreeWork`).
   */
  #writeFreeOpen = false;
  #writeFreeScheduled = false;
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
    this.#membership = new Membership({
      identity: options.identity,
      members: options.members,
      raft: options.raft,
      codec: options.codec,
      clock: options.clock,
      logger: options.logger,
      requestTimeoutMs: options.requestTimeoutMs,
      pendingMax: options.pendingProposalsMax,
      proposeCommand: (requestId, command) => this.#proposeEnvelope(requestId, command),
      wake: () => this.#wake(),
      isStopping: () => this.#stopping,
      ...(options.isPeerConnected === undefined
        ? {}
        : { isPeerConnected: options.isPeerConnected }),
      ...(options.onMembersChanged === undefined
        ? {}
        : { onMembersChanged: options.onMembersChanged }),
      ...(options.onRemoved === undefined ? {} : { onRemoved: options.onRemoved }),
    });
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
    this.#membership.rejectAll(stopping);
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
    this.#membership.noteRemoved();
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
   * the read proceeds once this member has applied that far. Concurrent reads share a round.
   */
  async readBarrier(): Promise<void> {
    if (this.#stopping) throw new EtcdError(ErrorCode.raftInternal, "member is stopping", 0);
    const deadlineMs = this.clock.monotonicMs() + this.#options.requestTimeoutMs;
    const readIndex = await this.#readIndexRounds.wait();
    if (this.#appliedIndex >= readIndex) return;
    await this.#readBarriers.wait(readIndex, deadlineMs);
  }

  /** One ReadIndex round; every attempt of it has a fresh context. */
  async #readIndexRound(): Promise<number> {
    if (this.#stopping) throw new EtcdError(ErrorCode.raftInternal, "member is stopping", 0);
    const nowMs = this.clock.monotonicMs();
    const deadlineMs = nowMs + this.#options.requestTimeoutMs;
    const { context, index } = this.#pendingReads.open(deadlineMs, nowMs);
    const result = this.#raft.readIndex(context);
    if ("dropped" in result) {
      this.#pendingReads.cancel(context);
      throw refusedByConsensus(result.dropped);
    }
    this.#wake();
    return index;
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

  /** The cluster id and Raft position every key response's headers carry. */
  headerStatus(): HeaderStatus {
    const raft = this.#raft.basicStatus();
    return { clusterId: this.#clusterIdText, raftIndex: raft.commit, raftTerm: raft.term };
  }

  /** The replicated member list (see `Membership.list`). */
  members(): readonly MemberInfo[] {
    return this.#membership.list();
  }

  addMember(peerURLs: readonly string[]): Promise<MemberInfo> {
    return this.#membership.add(peerURLs);
  }

  removeMember(id: string): Promise<void> {
    return this.#membership.remove(id);
  }

  updateMember(id: string, peerURLs: readonly string[]): Promise<void> {
    return this.#membership.update(id, peerURLs);
  }

  // --- internal ---

  /** Puts a command in the log; returns the error to answer with if consensus refused it. */
  #proposeEnvelope(requestId: number, command: ReplicatedCommand): EtcdError | null {
    const proposal = {
      proposer: this.#options.identity.memberId,
      requestId,
      nowMs: this.#stampMs(),
      command,
    };
    const data = encodeProposal(this.#options.codec, proposal);
    const result = this.#raft.propose(data);
    if (!("dropped" in result)) this.#proposalsInLog.set(data, proposal);
    if ("dropped" in result) return refusedByConsensus(result.dropped);
    this.#wake();
    return null;
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
      const restamped = { ...proposal, nowMs: this.#stampMs() };
      const data = restampProposal(codec, entry.data, proposal, restamped.nowMs);
      this.#proposalsInLog.set(data, restamped);
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
      this.#fail(error);
    }
  }

  /** The node's state can no longer be trusted (an assertion failed, the disk failed). */
  #fail(error: unknown): void {
    this.#options.logger.error("node loop failed", { error });
    this.#stopping = true;
    this.#options.onFatal(error);
  }

  /**
   * Runs the loop once the current I/O callbacks are done, not in between them: the proposals
   * and peer messages of one burst of reads then share one Ready (one WAL write, one send per
   * peer) instead of each taking its own.
   */
  #wake(): void {
    if (this.#writeFreeOpen) {
      if (this.#writeFreeScheduled) return;
      this.#writeFreeScheduled = true;
      setImmediate(this.#takeWriteFreeWork);
      return;
    }
    if (this.#wakeLoop === null || this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    setImmediate(this.#wakeNow);
  }

  readonly #wakeNow = (): void => {
    this.#wakeScheduled = false;
    const wakeLoop = this.#wakeLoop;
    if (wakeLoop === null) return;
    this.#wakeLoop = null;
    wakeLoop();
  };

  /**
   * While a Ready's fdatasync runs, the work that needs no write: acknowledgements that arrived
   * meanwhile commit and are applied (and answered) now, and the leader tells followers at once,
   * rather than all of it waiting for the fdatasync and the next Ready's.
   */
  readonly #takeWriteFreeWork = (): void => {
    this.#writeFreeScheduled = false;
    if (!this.#writeFreeOpen || this.#stopping) return;
    try {
      const work = this.#raft.writeFreeReady();
      if (work === null) return;
      this.#sendMessages(work.messages);
      this.#applyEntries(work.committedEntries);
      this.#answerReads(work.readStates);
    } catch (error) {
      // Outside the loop's own try: fail the node the same way.
      this.#fail(error);
    }
  };

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
      this.#writeFreeOpen = true;
      this.#wake();
      try {
        await syncing;
      } finally {
        this.#writeFreeOpen = false;
      }
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
      if (entry.type === EntryType.confChange) {
        this.#membership.applyConfChange(entry);
        this.store.markApplied(entry.index);
      }
      else if (entry.data.byteLength > 0) this.#applyProposal(entry);
      else this.store.markApplied(entry.index);
      this.#appliedIndex = entry.index;
      this.#appliedTerm = entry.term;
      this.#appliedSinceSnapshot += 1;
    }
    this.#readBarriers.release(this.#appliedIndex);
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
    this.#membership.restore(state.members);
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
    const proposal = this.#proposalsInLog.get(entry.data) ??
      decodeProposal(this.#options.codec, entry.data);
    this.#proposalsInLog.delete(entry.data);
    this.#clusterClock.observe(proposal.nowMs);
    const { command } = proposal;
    if (command.op === "publishMember" || command.op === "updateMemberPeers") {
      this.#membership.applyCommand(proposal, command);
      this.store.markApplied(entry.index);
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
      members: this.#membership.toSnapshot(),
    });
    await snapshots.save({ metadata, data });
    // The snapshot says its entries are committed, so the WAL's commit must reach it before the
    // marker does, or the member would start with a commit below its snapshot. It may lag: a
    // commit-only hard state may be held back (see #persist), and write-free work applies
    // entries whose commit no Ready has carried yet.
    const latest = raftStorage.hardState();
    if (this.#deferredHardState !== null || latest.commit < metadata.index) {
      await wal.save({ ...latest, commit: Math.max(latest.commit, metadata.index) }, []);
      this.#deferredHardState = null;
    }
    await wal.saveSnapshotMarker(metadata);
    await wal.sync();
    // Only now is the snapshot durable and marked, so the log below it may go.
    await wal.releaseTo(metadata.index);
    // Followers that need entries older than the catch-up window get this snapshot instead. A
    // follower only a little behind (as one often is under load) still gets entries: a snapshot
    // would cost it far more, and the proposals it forwarded in them would never be answered.
    raftStorage.createSnapshot(metadata.index, confState, data);
    const compactTo = metadata.index - this.#options.snapshotCatchUpEntries;
    if (compactTo > 0) raftStorage.compact(compactTo);
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
    this.#membership.expireOverdue(nowMs);
    this.#maybeProposeExpiry(nowMs);
    this.#membership.maybePublish(nowMs);
    this.#endWatchesIfLeaderLost(nowMs);
    if (this.#writeFreeOpen || this.#raft.hasReady()) this.#wake();
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

function memberState(role: string): NodeStatus["state"] {
  if (role === "leader") return "StateLeader";
  if (role === "candidate" || role === "preCandidate") return "StateCandidate";
  return "StateFollower";
}
