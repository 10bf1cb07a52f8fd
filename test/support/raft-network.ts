/**
 * @module
 * A synchronous in-memory network of RawNodes for Raft unit and scenario tests. Each node's
 * Readys are persisted to its MemoryStorage before its messages are queued (the caller contract);
 * messages are delivered FIFO and can be dropped per link, per node or per type.
 */

import { createPrng } from "../../src/lib/prng.ts";
import type { Prng } from "../../src/lib/prng.ts";
import type { RaftConfig } from "../../src/raft/config.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type MemberId,
  MemoryStorage,
  type Message,
  type MessageType,
  RawNode,
  type ReadState,
  type Ready,
  type WriteFreeReady,
  bootstrapLog,
  decodeConfChange,
} from "../../src/raft/index.ts";

export interface NetworkOptions {
  readonly seed?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly learners?: readonly MemberId[];
  readonly config?: Partial<RaftConfig>;
  /** Founders learn their membership from bootstrap log entries instead of a snapshot. */
  readonly bootstrapInLog?: boolean;
  /** Leave some Readys unpersisted for a while, so steps interleave with their writes. */
  readonly asyncReadys?: boolean;
  /**
   * With `asyncReadys`: take the core's write-free work after every step into a member whose
   * Ready is in flight (as the real node does during its fdatasync).
   */
  readonly writeFree?: boolean;
  /** Fills a member's storage (log, hard state) before its node starts. */
  readonly prepare?: (id: MemberId, storage: MemoryStorage) => void;
}

/** One member: its node, its "disk" and what it applied. */
export interface TestMember {
  readonly id: MemberId;
  node: RawNode;
  readonly storage: MemoryStorage;
  /** Applied normal entries with data, in order. */
  readonly applied: Entry[];
  appliedIndex: number;
  confState: ConfState;
  readonly readStates: ReadState[];
  /** Every Ready this member produced, newest last. */
  readonly readys: Ready[];
  /** A Ready handed out but not yet persisted (asynchronous mode). */
  pending: Ready | null;
  /** How many of `pending`'s committed entries were applied before its write (already durable). */
  pendingApplied: number;
}

export class RaftNetwork {
  readonly members = new Map<MemberId, TestMember>();
  readonly queue: Message[] = [];
  readonly #prng: Prng;
  readonly #options: NetworkOptions;
  readonly #dropRates = new Map<string, number>();
  readonly #ignored = new Set<MessageType>();
  /** Sees every sent message: return it (possibly rewritten) to deliver it, or null to drop. */
  hook: ((message: Message) => Message | null) | null = null;
  /** Every message delivered so far, for assertions about traffic. */
  readonly delivered: Message[] = [];

  constructor(ids: readonly MemberId[], options: NetworkOptions = {}) {
    this.#options = options;
    this.#prng = createPrng(options.seed ?? 1);
    const confState = { voters: [...ids], learners: [...(options.learners ?? [])] };
    for (const id of [...ids, ...(options.learners ?? [])]) {
      const storage = options.bootstrapInLog ? bootstrapped(ids) : new MemoryStorage(confState);
      options.prepare?.(id, storage);
      this.addMember(id, storage);
    }
  }

  /** Adds a member with its own storage (e.g. a new, empty node joining). */
  addMember(id: MemberId, storage: MemoryStorage): TestMember {
    const member: TestMember = {
      id,
      node: new RawNode(this.config(id), storage),
      storage,
      applied: [],
      appliedIndex: storage.firstIndex() - 1,
      confState: storage.initialState().confState,
      readStates: [],
      readys: [],
      pending: null,
      pendingApplied: 0,
    };
    this.members.set(id, member);
    return member;
  }

  config(id: MemberId): RaftConfig {
    const options = this.#options;
    return {
      id,
      electionTicks: options.electionTicks ?? 10,
      heartbeatTicks: options.heartbeatTicks ?? 1,
      prng: createPrng(Number(id) * 7919 + (options.seed ?? 1)),
      preVote: options.preVote ?? true,
      checkQuorum: options.checkQuorum ?? true,
      maxSizePerMsgBytes: 1 << 20,
      maxInflightMsgs: 256,
      maxUncommittedEntriesBytes: 1 << 30,
      maxCommittedSizePerReadyBytes: 1 << 30,
      ...options.config,
    };
  }

  /** Simulates a crash and restart: the node is rebuilt from what its storage holds. */
  restart(id: MemberId): void {
    const member = this.member(id);
    // A Ready whose write had not completed is lost with the process.
    member.pending = null;
    member.pendingApplied = 0;
    // Write-free work may have applied entries whose commit no persisted hard state carries
    // yet; what was applied was committed, so the restart raises the commit to it (as the
    // server's snapshot does).
    const hardState = member.storage.hardState();
    if (hardState.commit < member.appliedIndex) {
      member.storage.setHardState({ ...hardState, commit: member.appliedIndex });
    }
    member.node = new RawNode(this.config(id), member.storage, {
      applied: member.appliedIndex,
      confState: member.confState,
    });
  }

  /** Snapshots `id`'s applied state and compacts its log up to the applied index. */
  compact(id: MemberId): void {
    const member = this.member(id);
    const data = bytes(JSON.stringify(member.applied.map((entry) => text(entry.data))));
    member.storage.createSnapshot(member.appliedIndex, member.confState, data);
    member.storage.compact(member.appliedIndex);
  }

  member(id: MemberId): TestMember {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`No member ${id}`);
    return member;
  }

  node(id: MemberId): RawNode {
    return this.member(id).node;
  }

  // --- faults ---

  drop(from: MemberId, to: MemberId, rate: number): void {
    this.#dropRates.set(`${from}-${to}`, rate);
  }

  cut(left: MemberId, right: MemberId): void {
    this.drop(left, right, 1);
    this.drop(right, left, 1);
  }

  isolate(id: MemberId): void {
    for (const other of this.members.keys()) if (other !== id) this.cut(id, other);
  }

  ignore(type: MessageType): void {
    this.#ignored.add(type);
  }

  recover(): void {
    this.#dropRates.clear();
    this.#ignored.clear();
  }

  // --- driving ---

  /** Persists and applies every pending Ready of `id`, queuing its messages. */
  process(id: MemberId): void {
    const member = this.member(id);
    if (member.pending !== null) this.#complete(member, member.pending);
    for (let round = 0; member.node.hasReady(); round++) {
      if (round > 1000) throw new Error(`Member ${id} never ran out of Readys`);
      if (this.#options.asyncReadys === true && this.#prng.chance(0.5)) {
        // Its write is "in flight": steps may arrive before it completes, or a crash loses it.
        this.startReady(id);
        return;
      }
      const ready = member.node.ready();
      member.readys.push(ready);
      this.#complete(member, ready);
    }
  }

  /**
   * Takes `id`'s next Ready and leaves its write in flight (until `process(id)`), applying at
   * once the committed entries that were durable before it, as the real node does.
   */
  startReady(id: MemberId): Ready {
    const member = this.member(id);
    if (member.pending !== null) throw new Error(`${id} already has a Ready in flight`);
    const ready = member.node.ready();
    member.readys.push(ready);
    member.pending = ready;
    member.pendingApplied = durableBefore(ready, member.storage.lastIndex());
    applyEntries(member, ready.committedEntries.slice(0, member.pendingApplied));
    return ready;
  }

  /** Finishes a Ready: persist, send, apply, advance (the caller contract's order). */
  #complete(member: TestMember, ready: Ready): void {
    const appliedBefore = member.pending === ready ? member.pendingApplied : 0;
    member.pending = null;
    member.pendingApplied = 0;
    persistReady(member, ready);
    for (const message of ready.messages) {
      if (message.to === member.id) throw new Error(`${member.id} sent ${message.type} to itself`);
      this.#enqueue(message);
    }
    applyReady(member, ready, appliedBefore);
    member.node.advance();
    checkAcknowledgedDurable(member);
  }

  /**
   * Takes the write-free work of `id`, whose Ready is in flight: queues its messages, applies
   * its entries, keeps its read states. Returns it (null when there was none).
   */
  takeWriteFree(id: MemberId): WriteFreeReady | null {
    const member = this.member(id);
    if (member.pending === null) throw new Error(`${id} has no Ready in flight`);
    const work = member.node.writeFreeReady();
    if (work === null) return null;
    for (const message of work.messages) this.#enqueue(message);
    applyEntries(member, work.committedEntries);
    member.readStates.push(...work.readStates);
    return work;
  }

  /** Completes every Ready left in flight. */
  flush(): void {
    for (const member of this.members.values()) {
      if (member.pending !== null) this.process(member.id);
    }
  }

  processAll(): void {
    for (const id of this.members.keys()) this.process(id);
  }

  /** Delivers the oldest queued message (processing the receiver); false if none. */
  deliverOne(): boolean {
    const message = this.queue.shift();
    if (message === undefined) return false;
    const receiver = this.members.get(message.to);
    if (receiver === undefined) return true;
    this.delivered.push(message);
    receiver.node.step(message);
    if (this.#options.writeFree === true && receiver.pending !== null) {
      this.takeWriteFree(message.to);
    }
    this.process(message.to);
    // Like a real transport, report the fate of every snapshot to its sender.
    if (message.type === "MsgSnap") this.#reportSnapshot(message, true);
    return true;
  }

  /** Loses the queued message at `position`, as a faulty network would. */
  dropAt(position: number): void {
    const [message] = this.queue.splice(position, 1);
    if (message?.type === "MsgSnap") this.#reportSnapshot(message, false);
  }

  /** Loses every queued message addressed to `id` (e.g. when it crashes). */
  dropTo(id: MemberId): void {
    for (let position = this.queue.length - 1; position >= 0; position--) {
      if (this.queue[position]?.to === id) this.dropAt(position);
    }
  }

  #flushSome(): boolean {
    const member = [...this.members.values()].find((candidate) => candidate.pending !== null);
    if (member === undefined) return false;
    this.process(member.id);
    return true;
  }

  #reportSnapshot(message: Message, delivered: boolean): void {
    const sender = this.members.get(message.from);
    if (sender === undefined) return;
    sender.node.reportSnapshot(message.to, delivered);
  }

  /** Delivers the queued message at `position` (out of order); false if there is none. */
  deliverAt(position: number): boolean {
    const [message] = this.queue.splice(position, 1);
    if (message === undefined) return false;
    this.queue.unshift(message);
    return this.deliverOne();
  }

  /** Runs until no Ready and no message is pending. */
  stabilize(): void {
    this.flush();
    this.processAll();
    for (let count = 0; this.deliverOne() || this.#flushSome(); count++) {
      if (count > 200_000) {
        const recent = this.delivered.slice(-12).map(describe).join("; ");
        throw new Error(`The network never stabilized; last delivered: ${recent}`);
      }
    }
    this.processAll();
  }

  /** Queues messages from outside (as if sent by a peer) and stabilizes. */
  send(...messages: Message[]): void {
    for (const message of messages) this.queue.push(message);
    this.stabilize();
  }

  /** Removes and returns queued messages matching `filter` (to inspect or reorder them). */
  take(filter: (message: Message) => boolean = () => true): Message[] {
    const taken = this.queue.filter(filter);
    const kept = this.queue.filter((message) => !filter(message));
    this.queue.length = 0;
    this.queue.push(...kept);
    return taken;
  }

  tick(id: MemberId, count = 1): void {
    for (let tick = 0; tick < count; tick++) {
      this.node(id).tick();
      this.process(id);
    }
  }

  /** Ticks every member `count` times, stabilizing after each round. */
  tickAll(count = 1): void {
    for (let tick = 0; tick < count; tick++) {
      for (const id of this.members.keys()) this.tick(id);
      this.stabilize();
    }
  }

  campaign(id: MemberId): void {
    this.node(id).campaign();
    this.stabilize();
  }

  /** The members that currently believe they lead. */
  /** The terms of every entry in `id`'s storage, from index 1. */
  logTerms(id: MemberId): number[] {
    const storage = this.member(id).storage;
    const terms: number[] = [];
    for (let index = storage.firstIndex(); index <= storage.lastIndex(); index++) {
      terms.push(storage.term(index) ?? -1);
    }
    return terms;
  }

  leaders(): MemberId[] {
    return [...this.members.values()]
      .filter((member) => member.node.status().role === "leader")
      .map((member) => member.id);
  }

  #enqueue(message: Message): void {
    const rate = this.#dropRates.get(`${message.from}-${message.to}`) ?? 0;
    const lost = rate > 0 && (rate >= 1 || this.#prng.chance(rate));
    let delivered: Message | null = message;
    if (this.#ignored.has(message.type) || lost) delivered = null;
    else if (this.hook !== null) delivered = this.hook(message);
    if (delivered !== null) this.queue.push(delivered);
    else if (message.type === "MsgSnap") this.#reportSnapshot(message, false);
  }
}

/** Text payloads for readable tests. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

/** A one-line description of a message, for failure reports. */
export function describe(message: Message): string {
  const fields = Object.entries(message)
    .filter(([key]) => !["type", "from", "to", "term"].includes(key))
    .map(([key, value]) => {
      if (key === "entries") return `entries=${(value as Entry[]).map((e) => `${e.index}@${e.term}`)}`;
      if (key === "snapshot") return "snapshot";
      return `${key}=${value instanceof Uint8Array ? text(value) : String(value)}`;
    });
  return `${message.type} ${message.from}->${message.to} t${message.term} ${fields.join(" ")}`;
}

// --- internal ---

/** A released acknowledgement of index k means entries up to k are on this member's disk. */
function checkAcknowledgedDurable(member: TestMember): void {
  for (const message of member.node.raftForTesting.msgs) {
    if (message.type !== "MsgAppResp" || message.reject || message.index === 0) continue;
    if (message.index > member.storage.lastIndex()) {
      throw new Error(`${member.id} acknowledges ${message.index} beyond its durable log`);
    }
  }
}

function bootstrapped(founders: readonly MemberId[]): MemoryStorage {
  const storage = new MemoryStorage();
  const log = bootstrapLog(founders);
  storage.append(log.entries);
  storage.setHardState(log.hardState);
  return storage;
}

function persistReady(member: TestMember, ready: Ready): void {
  if (ready.snapshot !== undefined) member.storage.applySnapshot(ready.snapshot);
  member.storage.append(ready.entries);
  if (ready.hardState !== undefined) member.storage.setHardState(ready.hardState);
}

/**
 * How many of a Ready's committed entries were durable before it: in stable storage (which ends
 * at `storedLastIndex`) and not rewritten by the Ready's own entries. A node may apply these
 * before the Ready's write.
 */
export function durableBefore(ready: Ready, storedLastIndex: number): number {
  if (ready.snapshot !== undefined) return 0;
  const rewrittenFrom = ready.entries[0]?.index ?? Infinity;
  const durableTo = Math.min(storedLastIndex, rewrittenFrom - 1);
  const count = ready.committedEntries.findIndex((entry) => entry.index > durableTo);
  return count === -1 ? ready.committedEntries.length : count;
}

function applyReady(member: TestMember, ready: Ready, appliedBefore: number): void {
  if (ready.snapshot !== undefined) {
    member.appliedIndex = ready.snapshot.metadata.index;
    member.confState = ready.snapshot.metadata.confState;
    const texts = JSON.parse(text(ready.snapshot.data)) as string[];
    member.applied.length = 0;
    for (const [position, value] of texts.entries()) {
      member.applied.push({ index: position, term: 0, type: EntryType.normal, data: bytes(value) });
    }
  }
  applyEntries(member, ready.committedEntries.slice(appliedBefore));
  member.readStates.push(...ready.readStates);
}

function applyEntries(member: TestMember, entries: readonly Entry[]): void {
  for (const entry of entries) {
    if (entry.index <= member.appliedIndex) throw new Error(`Entry ${entry.index} applied twice`);
    if (entry.index !== member.appliedIndex + 1) throw new Error(`Applied ${entry.index} early`);
    member.appliedIndex = entry.index;
    if (entry.type === EntryType.confChange) {
      member.confState = member.node.applyConfChange(decodeConfChange(entry.data));
    } else if (entry.data.byteLength > 0) {
      member.applied.push(entry);
    }
  }
}
