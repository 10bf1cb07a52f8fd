/**
 * @module
 * The Raft log: stable storage plus the unstable tail, with the commit and apply cursors. All log
 * rules of the paper live here: conflict-only truncation, never truncating committed entries,
 * the up-to-date comparison, the term-skipping conflict search and the Figure 8 commit check.
 */

import { assert } from "../lib/assert.ts";
import { limitSize, sizeBytes } from "./entry-size.ts";
import { UnstableLog } from "./log-unstable.ts";
import type { RaftStorage } from "./storage.ts";
import type { Entry, Snapshot } from "./types.ts";

export class RaftLog {
  readonly storage: RaftStorage;
  readonly unstable: UnstableLog;
  /** The highest index known to be committed on a quorum. */
  committed: number;
  /** The highest index handed to the caller for applying. */
  applying: number;
  /** The highest index the caller reported applied. */
  applied: number;

  constructor(storage: RaftStorage) {
    this.storage = storage;
    const firstIndex = storage.firstIndex();
    const lastIndex = storage.lastIndex();
    assert(firstIndex >= 1 && lastIndex >= firstIndex - 1, "Storage reports an inverted range");
    this.unstable = new UnstableLog(lastIndex + 1);
    this.committed = firstIndex - 1;
    this.applying = firstIndex - 1;
    this.applied = firstIndex - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The term of entry `index`, or null if it is compacted or beyond the log. */
  term(index: number): number | null {
    const dummyIndex = this.firstIndex() - 1;
    if (index < dummyIndex || index > this.lastIndex()) return null;
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm !== null) return unstableTerm;
    return this.storage.term(index);
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(term !== null, `The last entry ${this.lastIndex()} has no term`);
    return term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Appends a leader's entries following (prevIndex, prevTerm). Returns the index of the last
   * entry of the message, or null if the log does not contain (prevIndex, prevTerm). Only a
   * conflicting suffix is truncated; commit advances to min(leaderCommit, that last index).
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    leaderCommit: number,
    entries: readonly Entry[],
  ): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNewIndex = prevIndex + entries.length;
    // validate-message.ts guarantees entries numbered from prevIndex + 1, and the caller only
    // appends at or above the commit index, so a conflict lies above it.
    const conflictIndex = this.findConflict(entries);
    if (conflictIndex !== 0) {
      assert(
        conflictIndex > this.committed,
        `Cannot truncate at ${conflictIndex}: entries up to ${this.committed} are committed`,
      );
      this.append(entries.slice(conflictIndex - prevIndex - 1));
    }
    this.commitTo(Math.min(leaderCommit, lastNewIndex));
    return lastNewIndex;
  }

  /**
   * The index of the first entry whose term differs from ours (or which we lack), or 0 if all
   * of `entries` are already in the log.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest (index, term) with index ≤ `index` and term ≤ `term`: everything above it
   * cannot match a log whose entry at `index` has `term`, so a probe may skip whole terms.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let probe = Math.min(index, this.lastIndex());
    while (probe >= this.firstIndex() - 1) {
      const probeTerm = this.term(probe);
      if (probeTerm === null) break;
      if (probeTerm <= term) return { index: probe, term: probeTerm };
      probe--;
    }
    return { index: Math.max(probe, 0), term: 0 };
  }

  /** Appends entries, replacing any at or after the first; returns the new last index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const first = (entries[0] as Entry).index;
    assert(first - 1 >= this.committed, `Cannot append at ${first}: ${this.committed} committed`);
    assert(first <= this.lastIndex() + 1, `Cannot append at ${first}: log has a gap before it`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /** Entries from `low` on, within `maxBytes`; null if `low` is compacted. */
  entriesFrom(low: number, maxBytes: number): readonly Entry[] | null {
    if (low > this.lastIndex()) return [];
    return this.slice(low, this.lastIndex() + 1, maxBytes);
  }

  /** Entries in [low, high) within `maxBytes` (at least one); null if `low` is compacted. */
  slice(low: number, high: number, maxBytes: number): readonly Entry[] | null {
    assert(low <= high, `Cannot slice [${low}, ${high}): inverted range`);
    assert(high <= this.lastIndex() + 1, `Cannot slice to ${high}: log ends earlier`);
    if (low < this.firstIndex()) return null;
    if (low === high) return [];
    const unstableOffset = this.unstable.offset;
    let result: readonly Entry[] = [];
    if (low < unstableOffset) {
      result = this.storage.entries(low, Math.min(high, unstableOffset), maxBytes);
      const storedEnd = low + result.length;
      if (storedEnd < Math.min(high, unstableOffset)) return result;
    }
    if (high > unstableOffset) {
      const from = Math.max(low, unstableOffset) - unstableOffset;
      const tail = this.unstable.entries.slice(from, high - unstableOffset);
      result = result.length === 0 ? tail : [...result, ...tail];
    }
    return limitSize(result, maxBytes);
  }

  /** Moves the commit index forward (never back) to `index`, which we must hold. */
  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `Cannot commit ${index}: log ends at ${this.lastIndex()}`);
    this.committed = index;
  }

  /** Figure 8: commit `index` only if its entry belongs to `term` (the leader's own). */
  maybeCommit(index: number, term: number): boolean {
    if (index <= this.committed) return false;
    if (this.term(index) !== term) return false;
    this.commitTo(index);
    return true;
  }

  /** Replaces the log with a snapshot (the caller checked it is newer than `committed`). */
  restore(snapshot: Snapshot): void {
    assert(snapshot.metadata.index > this.committed, "Cannot restore a snapshot ≤ committed");
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  snapshot(): Snapshot | null {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Whether committed entries wait to be handed out for applying. */
  hasNextCommittedEntries(): boolean {
    if (this.unstable.snapshot !== null) return false;
    return this.committed > this.applying;
  }

  /** Committed entries not yet handed out, within `maxBytes` (at least one). */
  nextCommittedEntries(maxBytes: number): readonly Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const low = this.applying + 1;
    assert(low >= this.firstIndex(), `Entries from ${low} were compacted before being applied`);
    const entries = this.slice(low, this.committed + 1, maxBytes);
    assert(entries !== null, `Committed entries from ${low} were compacted before being applied`);
    return entries;
  }

  /**
   * Committed entries not yet handed out that stable storage already holds (below the unstable
   * tail, so no write in progress touches them), within `maxBytes`.
   */
  nextStableCommittedEntries(maxBytes: number): readonly Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const high = Math.min(this.committed, this.unstable.offset - 1);
    const low = this.applying + 1;
    if (low > high) return [];
    const entries = this.slice(low, high + 1, maxBytes);
    assert(entries !== null, `Committed entries from ${low} were compacted before being applied`);
    return entries;
  }

  /** Records that entries up to `index` were handed out for applying. */
  acceptApplying(index: number): void {
    assert(index <= this.committed, `Cannot apply ${index}: only ${this.committed} committed`);
    assert(index >= this.applying, `Applying index regressed from ${this.applying} to ${index}`);
    this.applying = index;
  }

  /** Records that entries up to `index` were applied. */
  appliedTo(index: number): void {
    assert(index <= this.committed, `Cannot mark ${index} applied: ${this.committed} committed`);
    assert(index >= this.applied, `Applied index regressed from ${this.applied} to ${index}`);
    this.applied = index;
    this.applying = Math.max(this.applying, index);
  }

  /** Whether an unapplied committed entry is a membership change. */
  hasUnappliedConfChanges(isConfChange: (entry: Entry) => boolean): boolean {
    if (this.committed <= this.applied) return false;
    let low = Math.max(this.applied + 1, this.firstIndex());
    const pageBytes = 1 << 20;
    while (low <= this.committed) {
      const page = this.slice(low, this.committed + 1, pageBytes);
      if (page === null || page.length === 0) return false;
      if (page.some(isConfChange)) return true;
      low += page.length;
    }
    return false;
  }

  /** The encoded size of entries in [low, high); used to account the applying budget. */
  sizeOf(entries: readonly Entry[]): number {
    return sizeBytes(entries);
  }
}
