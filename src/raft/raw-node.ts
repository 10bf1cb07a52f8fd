/**
 * @module
 * `RawNode`: the caller-facing API over the Raft state machine. It turns the machine's pending
 * output into Readys, and on `advance()` marks what the caller persisted and applied, releasing
 * the responses that waited for durability. Not reentrant; one caller drives it.
 */

import { assert } from "../lib/assert.ts";
import type { Logger } from "../lib/log.ts";
import { formatMemberId, memberIdMax } from "../lib/member-id.ts";
import type { ConfChange } from "./conf-change.ts";
import { encodeConfChange } from "./conf-change.ts";
import type { RaftConfig } from "./config.ts";
import type {
  Message,
  Ready,
  RequestResult,
  Role,
  SoftState,
  WriteFreeReady,
} from "./messages.ts";
import { dropped, noMember } from "./messages.ts";
import type { ProgressState } from "./progress.ts";
import type { ProposedEntry, RaftInitial } from "./raft.ts";
import { Raft } from "./raft.ts";
import type { RaftStorage } from "./storage.ts";
import type { ConfState, Entry, HardState, MemberId, Snapshot } from "./types.ts";
import { EntryType } from "./types.ts";
import type { ReceiverView } from "./validate-message.ts";
import { messageRefusal } from "./validate-message.ts";

/** A peer's replication state as the leader sees it. */
export interface PeerStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
}

/** The part of `RaftStatus` that is cheap to read on every request. */
export interface BasicStatus {
  readonly term: number;
  readonly commit: number;
  readonly lead: MemberId;
  readonly role: Role;
}

/** A read-only picture of the node, for stats, tests and the simulator's checkers. */
export interface RaftStatus {
  readonly id: MemberId;
  readonly term: number;
  readonly vote: MemberId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly lead: MemberId;
  readonly role: Role;
  readonly leadTransferee: MemberId;
  readonly confState: ConfState;
  /** Per-peer progress, only on a leader. */
  readonly progress: ReadonlyMap<MemberId, PeerStatus> | null;
}

/** What a handed-out Ready must do when it is advanced. */
interface ReadyInProgress {
  readonly lastEntry: Entry | null;
  readonly snapshot: Snapshot | null;
  /** Grows as `writeFreeReady()` hands out more committed entries. */
  lastCommitted: Entry | null;
  committedEntries: readonly Entry[];
  /** Responses that become sendable (or steppable, if to self) once this Ready is durable. */
  readonly released: readonly Message[];
  /** A leader's Ready that changed neither term nor vote: its term was durable before it. */
  readonly steadyLeader: boolean;
}

export class RawNode {
  readonly #raft: Raft;
  #softState: SoftState;
  #hardState: HardState;
  #inProgress: ReadyInProgress | null = null;
  /** Responses released by `advance()`, sent ahead of the next Ready's persistence. */
  #released: Message[] = [];
  readonly #logger: Logger;
  #refusedMessageCount = 0;

  constructor(config: RaftConfig, storage: RaftStorage, initial: RaftInitial = {}) {
    this.#raft = new Raft(config, storage, initial);
    this.#logger = this.#raft.config.logger.child({ member: formatMemberId(this.#raft.id) });
    this.#softState = this.#currentSoftState();
    this.#hardState = this.#currentHardState();
    const stored = storage.initialState().hardState;
    assert(this.#hardState.term === stored.term, "Startup changed the stored term");
    assert(this.#hardState.vote === stored.vote, "Startup changed the stored vote");
  }

  /** Advances logical time by one tick. */
  tick(): void {
    this.#raft.tick();
  }

  /**
   * Delivers a message from a peer. A message no correct peer can send (see
   * validate-message.ts) is dropped with a warning and counted: a peer's mistake must cost
   * that message, never trip the core's assertions.
   */
  step(message: Message): void {
    const raft = this.#raft;
    const receiver: ReceiverView = {
      id: raft.id,
      term: raft.term,
      role: raft.role,
      lead: raft.lead,
      lastIndex: raft.log.lastIndex(),
    };
    const refusal = messageRefusal(message, receiver);
    if (refusal !== null) {
      this.#refuse(message, refusal);
      return;
    }
    raft.step(message);
  }

  /** How many peer messages `step` refused since this node started. */
  get refusedMessageCount(): number {
    return this.#refusedMessageCount;
  }

  /** Starts an election now (as a timeout would), honouring PreVote. */
  campaign(): void {
    this.#raft.hup(false);
  }

  /** Proposes application data. Accepted means appended or forwarded, not committed. */
  propose(data: Uint8Array): RequestResult {
    return this.#propose({ type: EntryType.normal, data });
  }

  /** Proposes a single-server membership change; apply it with `applyConfChange` once committed. */
  proposeConfChange(change: ConfChange): RequestResult {
    return this.#propose({ type: EntryType.confChange, data: encodeConfChange(change) });
  }

  /**
   * Requests a linearizable read point. `context` must be fresh for every attempt; the answer
   * arrives as a ReadState with the same context in a later Ready (or never, if leadership
   * changes: time out and retry with a new context).
   */
  readIndex(context: Uint8Array): RequestResult {
    const raft = this.#raft;
    if (raft.role === "leader") return raft.readIndexAsLeader(raft.id, context);
    if (raft.lead === noMember || raft.role !== "follower") return dropped("no leader");
    raft.step({ type: "MsgReadIndex", from: raft.id, to: raft.id, term: 0, context });
    return { ok: true };
  }

  /** Asks the leader to hand leadership to `transferee`. */
  transferLeadership(transferee: MemberId): RequestResult {
    const raft = this.#raft;
    if (raft.role === "leader") return raft.transferAsLeader(transferee);
    if (raft.lead === noMember || raft.role !== "follower") return dropped("no leader");
    raft.step({ type: "MsgTransferLeader", from: transferee, to: raft.id, term: 0 });
    return { ok: true };
  }

  /** The transport could not deliver to `peer` (e.g. its queue was full). */
  reportUnreachable(peer: MemberId): void {
    this.#raft.reportUnreachable(peer);
  }

  /** The transport finished (or failed) sending a snapshot to `peer`. */
  reportSnapshot(peer: MemberId, succeeded: boolean): void {
    this.#raft.reportSnapshot(peer, succeeded);
  }

  /** Applies a committed membership change; call it when applying its entry. */
  applyConfChange(change: ConfChange): ConfState {
    return this.#raft.applyConfChange(change);
  }

  /** Whether `ready()` has work; always false while a Ready awaits `advance()`. */
  hasReady(): boolean {
    if (this.#inProgress !== null) return false;
    const raft = this.#raft;
    if (!softStateEqual(this.#currentSoftState(), this.#softState)) return true;
    if (!hardStateEqual(this.#currentHardState(), this.#hardState)) return true;
    if (raft.log.unstable.nextSnapshot() !== null) return true;
    if (raft.log.unstable.nextEntries().length > 0) return true;
    if (raft.log.hasNextCommittedEntries()) return true;
    if (raft.msgs.length > 0 || raft.msgsAfterAppend.length > 0) return true;
    if (raft.appendsOwed && raft.role === "leader") return true;
    if (this.#released.length > 0) return true;
    return raft.readStates.length > 0;
  }

  /**
   * Everything the caller must do next. Call `advance()` when done, before the next `ready()`.
   * `tick`, `step` and requests may be called in between.
   */
  ready(): Ready {
    assert(this.#inProgress === null, "ready() called twice without advance()");
    const raft = this.#raft;
    raft.flushAppends();
    const log = raft.log;
    const entries = log.unstable.nextEntries();
    const snapshot = log.unstable.nextSnapshot();
    const committedEntries = log.nextCommittedEntries(raft.config.maxCommittedSizePerReadyBytes);
    const softState = this.#currentSoftState();
    const hardState = this.#currentHardState();
    const softChanged = !softStateEqual(softState, this.#softState);
    const hardChanged = !hardStateEqual(hardState, this.#hardState);
    const mustSync =
      entries.length > 0 ||
      snapshot !== null ||
      hardState.term !== this.#hardState.term ||
      hardState.vote !== this.#hardState.vote;
    const leaderUnchanged =
      raft.role === "leader" &&
      snapshot === null &&
      hardState.term === this.#hardState.term &&
      hardState.vote === this.#hardState.vote;
    const { messages, earlyMessageCount } = leaderUnchanged
      ? { messages: this.#released.length === 0 ? raft.msgs : [...this.#released, ...raft.msgs],
        earlyMessageCount: this.#released.length + raft.msgs.length }
      : orderEarlyFirst(this.#released, raft.msgs);
    const ready: Ready = {
      ...(softChanged ? { softState } : {}),
      ...(hardChanged ? { hardState } : {}),
      ...(snapshot !== null ? { snapshot } : {}),
      entries,
      committedEntries,
      messages,
      earlyMessageCount,
      readStates: raft.readStates,
      mustSync,
    };
    this.#accept(ready, hardState, softState, leaderUnchanged);
    return ready;
  }

  /**
   * Work that needs no write, handed out while the Ready in progress is being written (so
   * `ready()` was called and `advance()` not yet), or null if there is none: messages to send
   * now, committed entries that were durable before that Ready (apply them now, after that
   * Ready's own committed entries), and read states. Without it, an acknowledgement arriving
   * during the write would commit, be applied and be told to followers only after the write
   * and a whole further Ready. The messages are those the next Ready would send early: a
   * steady leader's (appends, commit updates, heartbeats, read answers) and forwarded requests.
   * Everything else waits for the next Ready as before.
   */
  writeFreeReady(): WriteFreeReady | null {
    const inProgress = this.#inProgress;
    assert(inProgress !== null, "writeFreeReady() called without a Ready in progress");
    const raft = this.#raft;
    // As for a Ready's early messages: a leader whose term and vote are durable. (The core's
    // gating already keeps a node from leading while the Ready that changed its term is in
    // flight; the check costs nothing and does not rely on it.)
    const steadyLeader = inProgress.steadyLeader &&
      raft.role === "leader" &&
      raft.term === this.#hardState.term &&
      raft.vote === this.#hardState.vote &&
      raft.log.unstable.nextSnapshot() === null;
    let messages: Message[];
    if (steadyLeader) {
      raft.flushAppends();
      messages = raft.msgs;
      raft.msgs = [];
    } else {
      messages = raft.msgs.filter(isForwardedRequest);
      if (messages.length > 0) raft.msgs = raft.msgs.filter((item) => !isForwardedRequest(item));
    }
    const committedEntries = inProgress.snapshot === null
      ? raft.log.nextStableCommittedEntries(raft.config.maxCommittedSizePerReadyBytes)
      : [];
    const readStates = raft.readStates;
    if (messages.length === 0 && committedEntries.length === 0 && readStates.length === 0) {
      return null;
    }
    raft.readStates = [];
    const lastCommitted = committedEntries[committedEntries.length - 1];
    if (lastCommitted !== undefined) {
      raft.log.acceptApplying(lastCommitted.index);
      inProgress.lastCommitted = lastCommitted;
      inProgress.committedEntries = [...inProgress.committedEntries, ...committedEntries];
    }
    return { messages, committedEntries, readStates };
  }

  #accept(
    ready: Ready,
    hardState: HardState,
    softState: SoftState,
    steadyLeader: boolean,
  ): void {
    const raft = this.#raft;
    const lastCommitted = ready.committedEntries[ready.committedEntries.length - 1] ?? null;
    this.#inProgress = {
      lastEntry: ready.entries[ready.entries.length - 1] ?? null,
      snapshot: ready.snapshot ?? null,
      lastCommitted,
      committedEntries: ready.committedEntries,
      released: raft.takeGatedResponses(),
      steadyLeader,
    };
    raft.msgs = [];
    this.#released = [];
    raft.readStates = [];
    raft.log.unstable.acceptInProgress();
    if (lastCommitted !== null) raft.log.acceptApplying(lastCommitted.index);
    this.#hardState = hardState;
    this.#softState = softState;
    assert(raft.log.unstable.nextEntries().length === 0, "Entries left behind by ready()");
  }

  /**
   * The last Ready was persisted, its messages sent and its committed entries applied.
   * Releases the responses that waited for that durability.
   */
  advance(): void {
    const done = this.#inProgress;
    assert(done !== null, "advance() called without a ready()");
    const raft = this.#raft;
    if (done.lastEntry !== null) {
      raft.log.unstable.stableTo(done.lastEntry.index, done.lastEntry.term);
    }
    if (done.snapshot !== null) {
      raft.log.unstable.stableSnapshotTo(done.snapshot.metadata.index);
      if (done.snapshot.metadata.index > raft.log.applied) {
        raft.log.appliedTo(done.snapshot.metadata.index);
      }
    }
    if (done.lastCommitted !== null) {
      raft.log.appliedTo(done.lastCommitted.index);
      raft.reduceUncommittedBytes(done.committedEntries);
    }
    this.#inProgress = null;
    for (const message of done.released) {
      if (message.to === raft.id) raft.step(message);
      else this.#released.push(message);
    }
  }

  /** Term, commit, leader and role without copying progress or membership: for hot paths. */
  basicStatus(): BasicStatus {
    const raft = this.#raft;
    return { term: raft.term, commit: raft.log.committed, lead: raft.lead, role: raft.role };
  }

  status(): RaftStatus {
    const raft = this.#raft;
    let progress: Map<MemberId, PeerStatus> | null = null;
    if (raft.role === "leader") {
      progress = new Map();
      for (const [id, peer] of raft.progress) {
        const { match, next, state, recentActive, isLearner } = peer;
        progress.set(id, { match, next, state, recentActive, isLearner });
      }
    }
    return {
      id: raft.id,
      term: raft.term,
      vote: raft.vote,
      commit: raft.log.committed,
      applied: raft.log.applied,
      lastIndex: raft.log.lastIndex(),
      lead: raft.lead,
      role: raft.role,
      leadTransferee: raft.leadTransferee,
      confState: raft.confState(),
      progress,
    };
  }

  /** The state machine itself, for white-box tests only. */
  get raftForTesting(): Raft {
    return this.#raft;
  }

  #refuse(message: Message, reason: string): void {
    this.#refusedMessageCount++;
    const count = this.#refusedMessageCount;
    // A peer sending garbage in a loop must not flood the log: every refusal is counted, but
    // only the first ones and then a sample are written.
    if (count > refusalWarningsMax && count % refusalWarningEvery !== 0) return;
    const { from, type } = describeSender(message);
    this.#logger.warn("raft.message.refused", { from, type, reason, refusedCount: count });
  }

  #propose(entry: ProposedEntry): RequestResult {
    const raft = this.#raft;
    if (raft.role === "leader") return raft.proposeAsLeader([entry]);
    if (raft.lead === noMember || raft.role !== "follower") return dropped("no leader");
    const forwarded: Entry = { term: 0, index: 0, type: entry.type, data: entry.data };
    raft.step({ type: "MsgProp", from: raft.id, to: raft.id, term: 0, entries: [forwarded] });
    return { ok: true };
  }

  #currentSoftState(): SoftState {
    return { leader: this.#raft.lead, role: this.#raft.role };
  }

  #currentHardState(): HardState {
    const raft = this.#raft;
    return { term: raft.term, vote: raft.vote, commit: raft.log.committed };
  }
}

// --- internal ---

/** Refusals written to the log before sampling starts, and the sampling interval after. */
const refusalWarningsMax = 100;
const refusalWarningEvery = 1000;

/** Who sent a refused message and what it claims to be, printable whatever its shape. */
function describeSender(message: Message): { from: string; type: string } {
  if (typeof message !== "object" || message === null) return { from: "?", type: "?" };
  const from: unknown = message.from;
  const valid = typeof from === "bigint" && from >= 0n && from <= memberIdMax;
  return { from: valid ? formatMemberId(from) : String(from), type: String(message.type) };
}

function softStateEqual(left: SoftState, right: SoftState): boolean {
  return left.leader === right.leader && left.role === right.role;
}

function hardStateEqual(left: HardState, right: HardState): boolean {
  return left.term === right.term && left.vote === right.vote && left.commit === right.commit;
}

/**
 * The messages of a Ready that is not a steady leader's, with those that may leave before its
 * write first: the responses released by the previous `advance()`, then requests forwarded to
 * the leader. A forward (term 0) vouches for nothing of ours, so waiting for our write would
 * only add a disk write to the asker's wait.
 */
function orderEarlyFirst(
  released: readonly Message[],
  pending: readonly Message[],
): { messages: Message[]; earlyMessageCount: number } {
  const messages = [...released];
  const late: Message[] = [];
  for (const message of pending) {
    if (isForwardedRequest(message)) messages.push(message);
    else late.push(message);
  }
  const earlyMessageCount = messages.length;
  for (const message of late) messages.push(message);
  assert(messages.length === released.length + pending.length, "every message is kept");
  return { messages, earlyMessageCount };
}

function isForwardedRequest(message: Message): boolean {
  const forwardable = message.type === "MsgProp" || message.type === "MsgReadIndex" ||
    message.type === "MsgTransferLeader";
  return forwardable && message.term === 0;
}
