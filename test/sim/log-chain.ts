/**
 * @module
 * A node's log as the simulator's ghost state sees it: the term and chain hash of every entry
 * above a base (a snapshot's index, whose chain hash comes from the snapshot's state machine).
 * Each host keeps two: what it wrote to its WAL and what its last fsync made durable.
 */
import { assert } from "../../src/lib/assert.ts";
import type { Entry } from "../../src/raft/index.ts";
import { chainHash } from "./hash.ts";

export class LogChain {
  base = 0;
  baseTerm = 0;
  baseHash = 0;
  /** Entry `base + 1 + k` is at position k. */
  terms: number[] = [];
  hashes: number[] = [];

  get lastIndex(): number {
    return this.base + this.terms.length;
  }

  /** The chain hash at `index`, or null when it lies below the base or beyond the end. */
  hashAt(index: number): number | null {
    if (index === this.base) return this.baseHash;
    if (index < this.base || index > this.lastIndex) return null;
    return this.hashes[index - this.base - 1] as number;
  }

  termAt(index: number): number | null {
    if (index === this.base) return this.baseTerm;
    if (index < this.base || index > this.lastIndex) return null;
    return this.terms[index - this.base - 1] as number;
  }

  /** Restarts the log after a snapshot. */
  reset(base: number, baseTerm: number, baseHash: number): void {
    this.base = base;
    this.baseTerm = baseTerm;
    this.baseHash = baseHash;
    this.terms = [];
    this.hashes = [];
  }

  /**
   * Appends entries, replacing any at or after the first one's index; calls `onEntry` for each
   * new (index, term, hash). Returns how many existing entries were cut off (truncation).
   */
  append(
    entries: readonly Entry[],
    onEntry: (index: number, term: number, hash: number) => void,
  ): number {
    const first = entries[0];
    if (first === undefined) return 0;
    assert(first.index <= this.lastIndex + 1, `Append at ${first.index} leaves a gap`);
    let skip = 0;
    while (skip < entries.length && (entries[skip] as Entry).index <= this.base) skip++;
    if (skip === entries.length) return 0;
    const start = (entries[skip] as Entry).index;
    const cut = this.lastIndex - start + 1;
    this.terms.length = start - this.base - 1;
    this.hashes.length = start - this.base - 1;
    let previous = this.hashAt(start - 1) as number;
    for (let position = skip; position < entries.length; position++) {
      const entry = entries[position] as Entry;
      previous = chainHash(previous, entry.term, entry.type, entry.data);
      this.terms.push(entry.term);
      this.hashes.push(previous);
      onEntry(entry.index, entry.term, previous);
    }
    return Math.max(0, cut);
  }

  /** Makes this chain equal `source` (used when an fsync makes the written log durable). */
  copyFrom(source: LogChain, touchedFrom: number): void {
    if (source.base !== this.base || touchedFrom <= this.base) {
      this.reset(source.base, source.baseTerm, source.baseHash);
      this.terms = [...source.terms];
      this.hashes = [...source.hashes];
      return;
    }
    const keep = Math.min(touchedFrom - 1, this.lastIndex, source.lastIndex) - this.base;
    this.terms.length = keep;
    this.hashes.length = keep;
    for (let position = keep; position < source.terms.length; position++) {
      this.terms.push(source.terms[position] as number);
      this.hashes.push(source.hashes[position] as number);
    }
  }
}
