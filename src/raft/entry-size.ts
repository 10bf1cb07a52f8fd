/**
 * @module
 * How entries are measured for flow control: payload bytes (the uncommitted-proposal budget) and
 * an approximate encoded size (message and Ready batching).
 */

import { assert } from "../lib/assert.ts";
import type { Entry } from "./types.ts";

/** A fixed allowance for an entry's term, index and type once encoded. */
export const entryOverheadBytes = 16;

/** The bytes an entry's data occupies; an election no-op weighs 0. */
export function entryPayloadBytes(entry: Entry): number {
  return entry.data.byteLength;
}

/** The approximate encoded size of an entry. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + entryOverheadBytes;
}

/** The payload bytes of a run of entries. */
export function payloadBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const entry of entries) total += entryPayloadBytes(entry);
  return total;
}

/** The approximate encoded size of a run of entries. */
export function sizeBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const entry of entries) total += entrySizeBytes(entry);
  return total;
}

/**
 * The longest prefix of `entries` within `maxBytes`; never empty when `entries` is not, so one
 * oversized entry still makes progress.
 */
export function limitSize(entries: readonly Entry[], maxBytes: number): readonly Entry[] {
  assert(maxBytes >= 0, `Cannot limit entries to ${maxBytes} bytes: limit is negative`);
  if (entries.length === 0) return entries;
  let total = entrySizeBytes(entries[0] as Entry);
  let count = 1;
  while (count < entries.length) {
    total += entrySizeBytes(entries[count] as Entry);
    if (total > maxBytes) break;
    count++;
  }
  assert(count >= 1 && count <= entries.length, "limitSize kept a count outside the input");
  return count === entries.length ? entries : entries.slice(0, count);
}

/** Asserts that `entries` have consecutive indexes starting at `firstIndex`. */
export function assertContiguous(entries: readonly Entry[], firstIndex: number): void {
  for (let offset = 0; offset < entries.length; offset++) {
    const entry = entries[offset] as Entry;
    assert(
      entry.index === firstIndex + offset,
      `Entry at position ${offset} has index ${entry.index}: expected ${firstIndex + offset}`,
    );
  }
}
