/**
 * @module
 * One simulated machine: a RawNode driven exactly as the caller contract in src/raft/index.ts
 * says, on the real WAL and snapshot store over a SimulatedFileSystem. Each Ready goes through
 * stages on virtual time: write (snapshot file + WAL marker, entries + hard state), fsync when
 * `mustSync`, and only then update the in-memory storage, send, apply, hand out read states and
 * advance. A crash can land between any two stages; it drops everything volatile, crashes the
 * disk (unsynced bytes lost, kept, or torn) and a restart rebuilds the node from the disk.
 */
import { assert } from "../../src/lib/assert.ts";
import type { Prng } from "../../src/lib/prng.ts";
import {
  bootstrapLog,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type MemberId,
  type Message,
  type MemoryStorage,
  type RaftConfig,
  RawNode,
  type ReadState,
  type Ready,
  type RequestResult,
  type Snapshot,
  decodeConfChange,
  EntryType,
  emptyHardState,
} from "../../src/raft/index.ts";
import { type CrashMode, type DataDir, SimulatedFileSystem } from "../../src/storage/index.ts";
import { durableBefore } from "../support/raft-network.ts";
import type { Coverage } from "./coverage.ts";
import { type Invariants, entryKey } from "./invariants.ts";
import { KvStore, type KvResult } from "./kv.ts";
import { LogChain } from "./log-chain.ts";
import type { SimNetwork } from "./network.ts";
import type { SimOptions } from "./options.ts";
import { countingLogger, recoverHost } from "./recovery.ts";
import type { Scheduler } from "./scheduler.ts";

/** What every host shares. */
export interface HostEnvironment {
  readonly scheduler: Scheduler;
  readonly network: SimNetwork;
  readonly options: SimOptions;
  readonly coverage: Coverage;
  readonly invariants: Invariants;
  readonly diskPrng: Prng;
  readonly initialConf: ConfState;
  /** Another host, for the checks that compare with a peer's log. */
  readonly peer: (id: MemberId) => SimHost | undefined;
  /** Called for every membership change a host applies. */
  readonly onConfChange: (change: ConfChange) => void;
}

export type HostStatus = "running" | "paused" | "down";

/** A read waiting for its ReadState, then for the state machine to catch up. */
interface ReadWait {
  readonly index: number;
  readonly serve: (kv: KvStore) => void;
}

const inboxMax = 512;

export class SimHost {
  readonly id: MemberId;
  readonly node: number;
  readonly fs = new SimulatedFileSystem();
  status: HostStatus = "down";
  /** Removed from the cluster and stopped for good (ids are never reused). */
  retired = false;
  /** Seen as a member of a leader's applied configuration at least once. */
  joined: boolean;
  raw: RawNode | null = null;
  kv = new KvStore();
  readonly written = new LogChain();
  readonly durable = new LogChain();
  durableHardState: HardState = emptyHardState;
  durableSnapshotIndex = 0;
  readonly durableEver = new Set<number>();
  /** Client writes waiting to be applied here, by request id. */
  readonly pendingWrites = new Map<number, (result: KvResult) => void>();
  /** Client reads waiting for their ReadState, by context. */
  readonly pendingReads = new Map<string, (kv: KvStore) => void>();
  readonly #environment: HostEnvironment;
  readonly #raftPrng: Prng;
  /** The founding voters for a founder (it writes their bootstrap log), null for a joiner. */
  readonly #founders: readonly MemberId[] | null;
  /** The index of the last membership change applied. */
  #confIndex = 0;
  #storage: MemoryStorage | null = null;
  #dataDir: DataDir | null = null;
  #confState: ConfState;
  #incarnation = 0;
  #busy = false;
  /**
   * While a Ready is being written, take the core's write-free work after every step (as the
   * real node does during its fdatasync); only in runs with `writeFreeReadys`.
   */
  #writeFreeOpen = false;
  #takingWriteFree = false;
  #touchedFrom = Infinity;
  #writtenHardState: HardState = emptyHardState;
  /** What reached a paused host, in arrival order: peer messages and transport reports. */
  #inbox: (() => void)[] = [];
  #inboxMessages = 0;
  #deferred: (() => Promise<void>)[] = [];
  #readWaits: ReadWait[] = [];
  #progressStates = new Map<MemberId, string>();

  constructor(options: {
    node: number;
    environment: HostEnvironment;
    raftPrng: Prng;
    founders: readonly MemberId[] | null;
  }) {
    const { node, environment } = options;
    this.node = node;
    this.id = BigInt(node);
    this.#environment = environment;
    this.#raftPrng = options.raftPrng;
    this.#founders = options.founders;
    this.joined = options.founders !== null;
    this.#confState = environment.initialConf;
  }

  get busy(): boolean {
    return this.#busy;
  }

  /** The membership as of the last applied entry. */
  get confState(): ConfState {
    return this.#confState;
  }

  // --- lifecycle ---

  /** Starts (or restarts) the node from what its disk holds. */
  async boot(): Promise<void> {
    assert(this.status === "down", `Host ${this.node} booted while ${this.status}`);
    const environment = this.#environment;
    const coverage = environment.coverage;
    const logger = countingLogger((event) => {
      if (event === "wal_torn_tail_repaired") coverage.tornTailRepaired++;
      if (event === "wal_released") coverage.segmentReleased++;
    });
    const recovered = await recoverHost({
      fs: this.fs,
      segmentBytes: environment.options.disk.segmentBytes,
      preallocateBytes: environment.options.disk.preallocateBytes,
      initialConf: environment.initialConf,
      bootstrap: this.#founders === null ? null : bootstrapLog(this.#founders),
      logger,
      onEntry: (index, term, hash) => {
        environment.invariants.noteEntry(this.node, index, term, hash);
      },
    });
    environment.invariants.noteRecovered(this.node, this.durableHardState, recovered.hardState);
    this.#dataDir = recovered.dataDir;
    this.#storage = recovered.storage;
    this.kv = recovered.kv;
    this.#confState = recovered.confState;
    this.written.copyFrom(recovered.chain, 0);
    this.durable.copyFrom(recovered.chain, 0);
    this.#touchedFrom = Infinity;
    this.durableHardState = recovered.hardState;
    this.#writtenHardState = recovered.hardState;
    this.durableSnapshotIndex = recovered.snapshotIndex;
    this.raw = new RawNode(this.#raftConfig(), recovered.storage, {
      applied: recovered.snapshotIndex,
    });
    this.status = "running";
    if (this.#incarnation > 0) coverage.crashRecovered++;
    this.pump();
  }

  /** A power cut: everything volatile is gone, the disk keeps only what a crash leaves. */
  crash(mode: CrashMode): void {
    assert(this.status !== "down", `Host ${this.node} crashed while down`);
    this.#incarnation++;
    this.status = "down";
    this.raw = null;
    this.#storage = null;
    this.#dataDir = null;
    this.#busy = false;
    this.#writeFreeOpen = false;
    this.#inbox = [];
    this.#inboxMessages = 0;
    this.#deferred = [];
    this.#readWaits = [];
    this.#progressStates = new Map();
    this.pendingWrites.clear();
    this.pendingReads.clear();
    this.fs.crash(this.#environment.diskPrng, mode);
  }

  /** Stops a removed member for good. */
  retire(): void {
    if (this.status !== "down") this.crash("drop");
    this.retired = true;
  }

  pause(): void {
    assert(this.status === "running", `Host ${this.node} paused while ${this.status}`);
    this.status = "paused";
    this.#environment.coverage.nodePaused++;
  }

  async resume(): Promise<void> {
    assert(this.status === "paused", `Host ${this.node} resumed while ${this.status}`);
    this.status = "running";
    const inbox = this.#inbox;
    this.#inbox = [];
    this.#inboxMessages = 0;
    for (const input of inbox) input();
    const deferred = this.#deferred;
    this.#deferred = [];
    const incarnation = this.#incarnation;
    for (const stage of deferred) {
      if (this.#incarnation === incarnation && this.status === "running") await stage();
    }
    this.pump();
  }

  // --- inputs ---

  tick(): void {
    if (this.status !== "running" || this.raw === null) return;
    this.raw.tick();
    this.pump();
  }

  receive(message: Message): void {
    if (this.status === "down" || this.raw === null) return;
    if (this.status === "paused") {
      if (this.#inboxMessages < inboxMax) {
        this.#inboxMessages += 1;
        this.#inbox.push(() => this.raw?.step(message));
      }
      return;
    }
    this.raw.step(message);
    this.pump();
  }

  propose(data: Uint8Array): RequestResult {
    if (this.status !== "running" || this.raw === null) return { dropped: "no leader" };
    const result = this.raw.propose(data);
    this.pump();
    return result;
  }

  readIndex(context: Uint8Array): RequestResult {
    if (this.status !== "running" || this.raw === null) return { dropped: "no leader" };
    const result = this.raw.readIndex(context);
    this.pump();
    return result;
  }

  reportSnapshot(to: MemberId, delivered: boolean): void {
    if (this.status === "down" || this.raw === null) return;
    // A paused process's transport still reports; the process hears it once it runs again.
    if (this.status === "paused") {
      this.#inbox.push(() => this.raw?.reportSnapshot(to, delivered));
      return;
    }
    this.raw.reportSnapshot(to, delivered);
    this.pump();
  }

  reportUnreachable(to: MemberId): void {
    if (this.status === "down" || this.raw === null) return;
    if (this.status === "paused") {
      this.#inbox.push(() => this.raw?.reportUnreachable(to));
      return;
    }
    this.raw.reportUnreachable(to);
    this.pump();
  }

  /** The node's role and term, or null when it is down. */
  role(): { leader: boolean; term: number; lead: MemberId } | null {
    if (this.raw === null) return null;
    const raft = this.raw.raftForTesting;
    return { leader: raft.role === "leader", term: raft.term, lead: raft.lead };
  }

  // --- the Ready cycle ---

  /** Starts the next Ready cycle if the node has one and none is in progress. */
  pump(): void {
    if (this.status !== "running" || this.raw === null) return;
    if (this.#busy) {
      if (this.#writeFreeOpen) this.#takeWriteFreeWork(this.raw);
      return;
    }
    if (!this.raw.hasReady()) return;
    this.#busy = true;
    const ready = this.raw.ready();
    // As the real node does: a leader's appends leave before its own write (a crash may then
    // come between the two).
    if (ready.earlyMessageCount > 0) {
      this.#send(ready.messages.slice(0, ready.earlyMessageCount));
      const allEarly = ready.earlyMessageCount === ready.messages.length;
      if (allEarly && ready.entries.length > 0) {
        this.#environment.coverage.leaderSentBeforePersist++;
      }
    }
    let appliedEarly = 0;
    if (this.#environment.options.writeFreeReadys) {
      // As the real node does: what was durable before this Ready is applied before its write.
      const storage = this.#storage;
      assert(storage !== null, "A running host has storage");
      appliedEarly = durableBefore(ready, storage.lastIndex());
      this.#applyEntries(ready.committedEntries.slice(0, appliedEarly));
      this.#serveReads();
      this.#writeFreeOpen = true;
    }
    const disk = this.#environment.options.disk;
    const delay = this.#environment.diskPrng.nextInt(disk.writeLatencyMaxMs + 1);
    this.#stage(delay, "write", () => this.#writeStage(ready, appliedEarly));
  }

  /**
   * Takes write-free work until there is none. Sending (a full link reports unreachable) and
   * applying (a client callback proposes) can pump this host again: that inner call must not
   * take entries that would apply before the ones in hand, so it leaves the work to this loop.
   */
  #takeWriteFreeWork(raw: RawNode): void {
    if (this.#takingWriteFree) return;
    this.#takingWriteFree = true;
    try {
      for (let work = raw.writeFreeReady(); work !== null; work = raw.writeFreeReady()) {
        if (work.committedEntries.length > 0) this.#environment.coverage.writeFreeApplied++;
        this.#send(work.messages);
        this.#applyEntries(work.committedEntries);
        this.#takeReadStates(work.readStates);
        this.#serveReads();
        if (!this.#writeFreeOpen || this.raw !== raw) return;
      }
    } finally {
      this.#takingWriteFree = false;
    }
  }

  /** Runs `stage` after `delay`, unless the host crashed meanwhile; defers it while paused. */
  #stage(delay: number, label: string, stage: () => Promise<void>): void {
    const incarnation = this.#incarnation;
    this.#environment.scheduler.after(delay, label, this.node, async () => {
      if (this.#incarnation !== incarnation) return;
      if (this.status === "paused") this.#deferred.push(stage);
      else await stage();
    });
  }

  async #writeStage(ready: Ready, appliedEarly: number): Promise<void> {
    const dataDir = this.#dataDir;
    assert(dataDir !== null, "A running host has a data dir");
    if (ready.snapshot !== undefined) await this.#persistSnapshot(dataDir, ready.snapshot);
    const hardState = ready.hardState ?? null;
    await dataDir.wal.save(hardState, ready.entries);
    this.#noteWritten(ready);
    const environment = this.#environment;
    if (ready.mustSync) {
      const delay = environment.diskPrng.nextInt(environment.options.disk.syncLatencyMaxMs + 1);
      this.#stage(delay, "fsync", async () => {
        await dataDir.wal.sync();
        this.#markDurable();
        await this.#finishStage(ready, appliedEarly);
      });
      return;
    }
    await this.#finishStage(ready, appliedEarly);
  }

  async #persistSnapshot(dataDir: DataDir, snapshot: Snapshot): Promise<void> {
    const { index, term } = snapshot.metadata;
    await dataDir.snapshots.save(snapshot);
    await dataDir.wal.saveSnapshotMarker(snapshot.metadata);
    // The marker's fsync made every earlier write durable as well.
    this.#markDurable();
    const restored = KvStore.restore(snapshot.data);
    this.written.reset(index, term, restored.chain);
    this.durable.reset(index, term, restored.chain);
    this.durableSnapshotIndex = Math.max(this.durableSnapshotIndex, index);
    this.#environment.coverage.snapshotInstalled++;
  }

  #noteWritten(ready: Ready): void {
    const environment = this.#environment;
    const first = ready.entries[0];
    if (first !== undefined) {
      const previous = this.written.hashAt(first.index);
      this.#touchedFrom = Math.min(this.#touchedFrom, first.index);
      this.written.append(ready.entries, (index, term, hash) => {
        environment.invariants.noteEntry(this.node, index, term, hash);
      });
      if (previous !== null && previous !== this.written.hashAt(first.index)) {
        environment.coverage.tailTruncated++;
      }
    }
    if (ready.hardState !== undefined) this.#writtenHardState = ready.hardState;
    const role = this.role();
    assert(role !== null, "A running host has a role");
    environment.invariants.afterWrite(this.node, role, this.written,
      ready.hardState ?? null);
  }

  #markDurable(): void {
    const from = Math.max(this.#touchedFrom, this.written.base + 1);
    for (let index = from; index <= this.written.lastIndex; index++) {
      this.durableEver.add(entryKey(index, this.written.termAt(index) as number));
    }
    this.durable.copyFrom(this.written, this.#touchedFrom);
    this.#touchedFrom = Infinity;
    this.durableHardState = this.#writtenHardState;
    this.#environment.invariants.noteDurableHardState(this.node, this.durableHardState, "sync");
  }

  async #finishStage(ready: Ready, appliedEarly: number): Promise<void> {
    this.#writeFreeOpen = false;
    const raw = this.raw;
    const storage = this.#storage;
    assert(raw !== null && storage !== null, "A running host has a node and storage");
    if (ready.snapshot !== undefined) storage.applySnapshot(ready.snapshot);
    storage.append(ready.entries);
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
    this.#send(ready.messages.slice(ready.earlyMessageCount));
    if (ready.snapshot !== undefined) this.#restoreSnapshot(ready.snapshot);
    this.#applyEntries(ready.committedEntries.slice(appliedEarly));
    this.#takeReadStates(ready.readStates);
    this.#serveReads();
    raw.advance();
    this.#noteProgress(raw);
    await this.#maybeSnapshot();
    this.#busy = false;
    this.pump();
  }

  #send(messages: readonly Message[]): void {
    const environment = this.#environment;
    for (const message of messages) {
      environment.invariants.checkSend(this.node, message, this, this.#leaderTermAt(message));
      if (message.type === "MsgPreVoteResp" && message.reject) {
        environment.coverage.preVoteRejected++;
      }
      if (message.type === "MsgSnap") environment.coverage.snapshotSent++;
      environment.network.send(message);
    }
  }

  /** For an ack to a leader still leading its term, the term of the acknowledged entry. */
  #leaderTermAt(message: Message): number | null {
    if (message.type !== "MsgAppResp" || message.reject) return null;
    const leader = this.#environment.peer(message.to);
    const role = leader?.role();
    if (leader === undefined || role?.leader !== true || role.term !== message.term) return null;
    return leader.written.termAt(message.index);
  }

  #restoreSnapshot(snapshot: Snapshot): void {
    this.kv = KvStore.restore(snapshot.data);
    this.#confState = snapshot.metadata.confState;
    assert(this.kv.appliedIndex === snapshot.metadata.index, "Snapshot data matches its index");
  }

  #takeReadStates(readStates: readonly ReadState[]): void {
    for (const readState of readStates) {
      const serve = this.pendingReads.get(contextKey(readState.context));
      if (serve === undefined) continue;
      this.pendingReads.delete(contextKey(readState.context));
      this.#readWaits.push({ index: readState.index, serve });
    }
  }

  #applyEntries(entries: readonly Entry[]): void {
    const invariants = this.#environment.invariants;
    const raw = this.raw as RawNode;
    for (const entry of entries) {
      if (entry.index <= this.kv.appliedIndex) continue;
      const applied = this.kv.apply(entry);
      invariants.noteApplied(this.node, entry.index, this.kv.chain, this.kv.digest);
      if (entry.type === EntryType.confChange) {
        const change = decodeConfChange(entry.data);
        this.#confState = raw.applyConfChange(change);
        this.#environment.onConfChange(change);
        this.#confIndex = entry.index;
        invariants.noteConf(entry.index, this.#confState.voters);
        if (raw.raftForTesting.role === "leader") this.#environment.coverage.confChangeApplied++;
      }
      if (applied === null) continue;
      const waiter = this.pendingWrites.get(applied.id);
      if (waiter === undefined) continue;
      this.pendingWrites.delete(applied.id);
      waiter(applied.result);
    }
  }

  #serveReads(): void {
    if (this.#readWaits.length === 0) return;
    const waiting: ReadWait[] = [];
    for (const wait of this.#readWaits) {
      if (wait.index <= this.kv.appliedIndex) wait.serve(this.kv);
      else waiting.push(wait);
    }
    this.#readWaits = waiting;
  }

  /** Counts probe → replicate transitions on a leader. */
  #noteProgress(raw: RawNode): void {
    if (raw.raftForTesting.role !== "leader") {
      if (this.#progressStates.size > 0) this.#progressStates = new Map();
      return;
    }
    for (const [id, progress] of raw.raftForTesting.progress) {
      const before = this.#progressStates.get(id);
      if (before === "probe" && progress.state === "replicate") {
        this.#environment.coverage.probeToReplicate++;
      }
      this.#progressStates.set(id, progress.state);
    }
  }

  /** Snapshots and compacts once enough entries were applied since the last snapshot. */
  async #maybeSnapshot(): Promise<void> {
    const options = this.#environment.options;
    const storage = this.#storage as MemoryStorage;
    const dataDir = this.#dataDir as DataDir;
    const index = this.kv.appliedIndex;
    const snapshotIndex = storage.firstIndex() - 1;
    const last = storage.snapshot()?.metadata.index ?? 0;
    // A joiner can only use a snapshot that names it: snapshot again after membership changes.
    const confChanged = this.#confIndex > last && last > 0 && index > last;
    if (index - last < options.snapshotEveryEntries && !confChanged) return;
    const term = storage.term(index);
    assert(term !== null, `Applied entry ${index} is in storage`);
    const metadata = { index, term, confState: this.#confState };
    const snapshot: Snapshot = { metadata, data: this.kv.snapshot() };
    await dataDir.snapshots.save(snapshot);
    await dataDir.wal.saveSnapshotMarker(metadata);
    this.#markDurable();
    this.durableSnapshotIndex = Math.max(this.durableSnapshotIndex, index);
    storage.createSnapshot(index, this.#confState, snapshot.data);
    const compactTo = index - options.compactKeepEntries;
    if (compactTo > snapshotIndex) storage.compact(compactTo);
    await dataDir.wal.releaseTo(index);
    await dataDir.snapshots.purge(2);
  }

  #raftConfig(): RaftConfig {
    const limits = this.#environment.options.raft;
    return {
      id: this.id,
      electionTicks: limits.electionTicks,
      heartbeatTicks: limits.heartbeatTicks,
      prng: this.#raftPrng,
      preVote: limits.preVote,
      checkQuorum: limits.checkQuorum,
      maxSizePerMsgBytes: limits.maxSizePerMsgBytes,
      maxInflightMsgs: limits.maxInflightMsgs,
      maxUncommittedEntriesBytes: limits.maxUncommittedEntriesBytes,
      maxCommittedSizePerReadyBytes: limits.maxCommittedSizePerReadyBytes,
    };
  }
}

/** A map key for a ReadIndex context. */
export function contextKey(context: Uint8Array): string {
  return Array.from(context, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
