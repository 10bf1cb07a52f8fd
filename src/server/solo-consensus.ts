/**
 * @module
 * Consensus for a one-member group: the member is always the leader, and an entry is committed
 * as soon as it is durable on the only voter. It follows the Raft core's contract exactly, so
 * the node loop and the WAL are the same for one member and for many.
 */
import { assert } from "../lib/assert.ts";
import { EntryType, type Entry, type HardState, type MemberId } from "../raft/types.ts";
import type {
  Consensus,
  ConsensusReady,
  ConsensusStatus,
  ProposeResult,
} from "./consensus.ts";

export interface SoloConsensusOptions {
  readonly memberId: MemberId;
  /** The hard state recovered from the WAL (term 0 on a fresh data dir). */
  readonly hardState: HardState;
  /** Index and term of the last entry recovered (snapshot or WAL). */
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Entries up to here are already applied to the store. */
  readonly appliedIndex: number;
  /** Recovered entries after `appliedIndex`, durable and so committed on a one-member group. */
  readonly unappliedEntries: readonly Entry[];
  /** Uncommitted bytes allowed in flight before proposals are refused. */
  readonly uncommittedBytesMax: number;
}

/** A one-voter Raft group: wins its election at start, commits what is durable. */
export class SoloConsensus implements Consensus {
  readonly #memberId: MemberId;
  readonly #term: number;
  readonly #uncommittedBytesMax: number;
  #lastIndex: number;
  /** Highest index known durable (and so committed). */
  #commit: number;
  #unstable: Entry[] = [];
  #unapplied: Entry[];
  #uncommittedBytes = 0;
  #hardStateDirty = true;
  /** Term and vote changed since the last Ready: only then must a hard state be fsynced. */
  #termVoteDirty = true;
  #inFlight: ConsensusReady | null = null;

  constructor(options: SoloConsensusOptions) {
    assert(options.lastIndex >= options.appliedIndex, "applied index beyond the log");
    assert(options.hardState.commit <= options.lastIndex, "commit beyond the log");
    this.#memberId = options.memberId;
    this.#uncommittedBytesMax = options.uncommittedBytesMax;
    // Starting is an election this member always wins: a new term, and a no-op entry so that
    // everything before it is committed in the current term (Raft §5.4.2).
    this.#term = Math.max(options.hardState.term, options.lastTerm) + 1;
    this.#lastIndex = options.lastIndex;
    this.#commit = options.lastIndex;
    this.#unapplied = [...options.unappliedEntries];
    this.#append(new Uint8Array(0));
  }

  propose(data: Uint8Array): ProposeResult {
    if (this.#uncommittedBytes + data.byteLength > this.#uncommittedBytesMax) {
      return { ok: false, reason: "too many uncommitted bytes in flight" };
    }
    this.#append(data);
    return { ok: true };
  }

  tick(): void {
    // A single voter has no elections or heartbeats to time.
  }

  hasReady(): boolean {
    return this.#inFlight === null &&
      (this.#unstable.length > 0 || this.#unapplied.length > 0 || this.#hardStateDirty);
  }

  ready(): ConsensusReady {
    assert(this.#inFlight === null, "ready() called twice without advance()");
    const ready: ConsensusReady = {
      hardState: this.#hardStateDirty ? this.#hardState() : null,
      entries: this.#unstable,
      committedEntries: this.#unapplied,
      mustSync: this.#unstable.length > 0 || this.#termVoteDirty,
    };
    this.#unstable = [];
    this.#unapplied = [];
    this.#hardStateDirty = false;
    this.#termVoteDirty = false;
    this.#inFlight = ready;
    return ready;
  }

  advance(): void {
    const ready = this.#inFlight;
    assert(ready !== null, "advance() without ready()");
    this.#inFlight = null;
    const last = ready.entries.at(-1);
    if (last === undefined) return;
    // The batch is durable on the only voter, so it is committed; apply it in the next Ready.
    assert(last.index > this.#commit, "durable entries must extend the commit index");
    this.#commit = last.index;
    this.#hardStateDirty = true;
    for (const entry of ready.entries) this.#uncommittedBytes -= entry.data.byteLength;
    assert(this.#uncommittedBytes >= 0, "uncommitted byte count went negative");
    this.#unapplied.push(...ready.entries);
  }

  status(): ConsensusStatus {
    return {
      term: this.#term,
      commit: this.#commit,
      lastIndex: this.#lastIndex,
      isLeader: true,
      leaderId: this.#memberId,
    };
  }

  // --- internal ---

  #hardState(): HardState {
    return { term: this.#term, vote: this.#memberId, commit: this.#commit };
  }

  #append(data: Uint8Array): void {
    this.#lastIndex += 1;
    this.#uncommittedBytes += data.byteLength;
    this.#unstable.push({ term: this.#term, index: this.#lastIndex, type: EntryType.normal, data });
  }
}
