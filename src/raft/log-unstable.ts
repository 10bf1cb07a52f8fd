/**
 * @module
 * The part of the log not yet known to be durable: entries (and possibly a snapshot) that were
 * received or proposed but whose Ready has not been advanced. `offsetInProgress` marks entries
 * already handed to the caller in a Ready that is being persisted.
 */

import { assert } from "../lib/assert.ts";
import { assertContiguous } from "./entry-size.ts";
import type { Entry, Snapshot } from "./types.ts";

export class UnstableLog {
  /** A snapshot received from the leader and not yet persisted. */
  snapshot: Snapshot | null = null;
  snapshotInProgress = false;
  entries: Entry[] = [];
  /** The index of `entries[0]` (or where it would go). */
  offset: number;
  /** Entries below this index were handed out in a Ready and are being persisted. */
  offsetInProgress: number;

  constructor(offset: number) {
    assert(offset >= 1, `Unstable offset ${offset} must be at least 1`);
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  /** The first index if a pending snapshot defines it. */
  maybeFirstIndex(): number | null {
    return this.snapshot === null ? null : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | null {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === null ? null : this.snapshot.metadata.index;
  }

  /** The term of `index` if this part of the log knows it. */
  maybeTerm(index: number): number | null {
    if (index < this.offset) {
      const meta = this.snapshot?.metadata;
      return meta !== undefined && meta.index === index ? meta.term : null;
    }
    const entry = this.entries[index - this.offset];
    if (entry === undefined) return null;
    assert(entry.index === index, `Unstable entry at ${index} has index ${entry.index}`);
    return entry.term;
  }

  /** Entries not yet handed out in a Ready. */
  nextEntries(): readonly Entry[] {
    const start = this.offsetInProgress - this.offset;
    assert(start >= 0 && start <= this.entries.length, "offsetInProgress outside unstable log");
    return start === this.entries.length ? [] : this.entries.slice(start);
  }

  nextSnapshot(): Snapshot | null {
    return this.snapshot !== null && !this.snapshotInProgress ? this.snapshot : null;
  }

  /** Marks everything currently unstable as handed out to the caller. */
  acceptInProgress(): void {
    if (this.entries.length > 0) this.offsetInProgress = this.offset + this.entries.length;
    if (this.snapshot !== null) this.snapshotInProgress = true;
  }

  /**
   * Entries up to (index, term) are durable. Ignored if that entry was since replaced (a newer
   * leader truncated it while the write was in flight) or is not unstable.
   */
  stableTo(index: number, term: number): void {
    if (index < this.offset) return;
    if (this.maybeTerm(index) !== term) return;
    const count = index + 1 - this.offset;
    assert(count >= 1 && count <= this.entries.length, "stableTo outside unstable entries");
    this.entries = this.entries.slice(count);
    this.offset = index + 1;
    this.offsetInProgress = Math.max(this.offsetInProgress, this.offset);
  }

  stableSnapshotTo(index: number): void {
    if (this.snapshot !== null && this.snapshot.metadata.index === index) {
      this.snapshot = null;
      this.snapshotInProgress = false;
    }
  }

  /** Replaces everything with `snapshot`. */
  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.offsetInProgress = this.offset;
    this.entries = [];
    this.snapshot = snapshot;
    this.snapshotInProgress = false;
  }

  /** Appends `entries`, first dropping any unstable entries at or after the first one. */
  truncateAndAppend(entries: readonly Entry[]): void {
    assert(entries.length > 0, "truncateAndAppend needs entries");
    const from = (entries[0] as Entry).index;
    assertContiguous(entries, from);
    const end = this.offset + this.entries.length;
    if (from === end) {
      this.entries.push(...entries);
    } else if (from <= this.offset) {
      // The whole unstable part is replaced; the stable log is shadowed from `from` on.
      this.offset = from;
      this.offsetInProgress = from;
      this.entries = [...entries];
    } else {
      assert(from < end, `Cannot append at ${from}: unstable log ends at ${end - 1}`);
      this.entries = [...this.entries.slice(0, from - this.offset), ...entries];
      this.offsetInProgress = Math.min(this.offsetInProgress, from);
    }
    assert(this.offsetInProgress >= this.offset, "offsetInProgress fell below offset");
  }
}
