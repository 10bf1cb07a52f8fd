/**
 * @module
 * The stable log Raft reads from (`RaftStorage`, read-only to the core) and `MemoryStorage`, an
 * in-memory implementation used by tests and as the server's in-memory index over its WAL.
 */

import { assert } from "../lib/assert.ts";
import { assertContiguous, entrySizeBytes } from "./entry-size.ts";
import type { ConfState, Entry, HardState, Snapshot } from "./types.ts";

/** What a node restarts from. */
export interface InitialState {
  readonly hardState: HardState;
  /** The membership as of the storage's snapshot (later conf entries are re-applied). */
  readonly confState: ConfState;
}

/**
 * The durable log as Raft sees it. Raft never writes through this interface: the caller persists
 * each Ready and then updates its storage. Indexes below `firstIndex()` have been compacted into
 * the snapshot; `term(firstIndex() - 1)` must still answer (the snapshot's term).
 */
export interface RaftStorage {
  initialState(): InitialState;
  /** Entries in [low, high), at most `maxBytes` (but at least one). low ≥ firstIndex(). */
  entries(low: number, high: number, maxBytes: number): readonly Entry[];
  /** The term of entry `index`, or null if it is compacted or beyond the last index. */
  term(index: number): number | null;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot, or null if none is available right now. */
  snapshot(): Snapshot | null;
}

export const emptyHardState: HardState = { term: 0, vote: 0n, commit: 0 };

/** An in-memory `RaftStorage` that the caller fills by applying Readys. */
export class MemoryStorage implements RaftStorage {
  #hardState: HardState = emptyHardState;
  #snapshot: Snapshot;
  /** `#entries[0]` is a dummy holding the snapshot's index and term. */
  #entries: Entry[];

  /** A fresh log whose initial membership is `confState` (a bootstrap snapshot at index 0). */
  constructor(confState: ConfState = { voters: [], learners: [] }) {
    this.#snapshot = { metadata: { index: 0, term: 0, confState }, data: new Uint8Array() };
    this.#entries = [dummyEntry(0, 0)];
  }

  initialState(): InitialState {
    return { hardState: this.#hardState, confState: this.#snapshot.metadata.confState };
  }

  hardState(): HardState {
    return this.#hardState;
  }

  setHardState(hardState: HardState): void {
    assert(hardState.term >= this.#hardState.term, "Cannot persist a hard state: term regressed");
    this.#hardState = hardState;
  }

  entries(low: number, high: number, maxBytes: number): readonly Entry[] {
    assert(low > this.#offset(), `Cannot read entries from ${low}: compacted to ${this.#offset()}`);
    assert(high <= this.lastIndex() + 1, `Cannot read entries to ${high}: log ends earlier`);
    if (low >= high) return [];
    // Measure before copying: a far-behind follower may ask for the whole log.
    const start = low - this.#offset();
    let end = start + 1;
    let total = entrySizeBytes(this.#entries[start] as Entry);
    while (end < high - this.#offset()) {
      total += entrySizeBytes(this.#entries[end] as Entry);
      if (total > maxBytes) break;
      end++;
    }
    return this.#entries.slice(start, end);
  }

  term(index: number): number | null {
    if (index < this.#offset() || index > this.lastIndex()) return null;
    const entry = this.#entries[index - this.#offset()];
    assert(entry !== undefined && entry.index === index, `Storage lost entry ${index}`);
    return entry.term;
  }

  firstIndex(): number {
    return this.#offset() + 1;
  }

  lastIndex(): number {
    return this.#offset() + this.#entries.length - 1;
  }

  snapshot(): Snapshot | null {
    return this.#snapshot;
  }

  /** Replaces the whole log with `snapshot`; false if it is not newer than the current one. */
  applySnapshot(snapshot: Snapshot): boolean {
    const { index, term } = snapshot.metadata;
    if (index <= this.#snapshot.metadata.index) return false;
    this.#snapshot = snapshot;
    this.#entries = [dummyEntry(index, term)];
    return true;
  }

  /** Records a snapshot of the state machine at applied index `index` (≤ lastIndex). */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    assert(index > this.#snapshot.metadata.index, `Snapshot at ${index} is not newer`);
    assert(index <= this.lastIndex(), `Cannot snapshot at ${index}: log ends earlier`);
    const term = this.term(index);
    assert(term !== null, `Cannot snapshot at ${index}: entry compacted`);
    this.#snapshot = { metadata: { index, term, confState }, data };
    return this.#snapshot;
  }

  /** Discards entries ≤ `index` (which must be covered by the snapshot's state). */
  compact(index: number): boolean {
    if (index <= this.#offset()) return false;
    assert(index <= this.lastIndex(), `Cannot compact to ${index}: log ends earlier`);
    const term = this.term(index);
    assert(term !== null, `Cannot compact to ${index}: entry missing`);
    this.#entries = [dummyEntry(index, term), ...this.#entries.slice(index - this.#offset() + 1)];
    return true;
  }

  /** Appends `entries`, replacing any stored entries at or after the first one's index. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = (entries[0] as Entry).index;
    assertContiguous(entries, first);
    assert(first <= this.lastIndex() + 1, `Cannot append at ${first}: log has a gap before it`);
    const kept = entries.filter((entry) => entry.index > this.#offset());
    if (kept.length === 0) return;
    // Truncate in place and append: the log can be long, so never copy all of it.
    this.#entries.length = (kept[0] as Entry).index - this.#offset();
    for (const entry of kept) this.#entries.push(entry);
    assert(this.lastIndex() === (kept[kept.length - 1] as Entry).index, "append lost its tail");
  }

  #offset(): number {
    return (this.#entries[0] as Entry).index;
  }
}

// --- internal ---

function dummyEntry(index: number, term: number): Entry {
  return { index, term, type: 0, data: new Uint8Array() };
}
