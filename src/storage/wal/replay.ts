/**
 * @module
 * Rebuilds the log from WAL records in write order: the latest hard state wins, a later entry at
 * an index replaces the earlier one and everything after it (a leader's truncation is written as
 * re-appended entries), and a snapshot marker beyond the last entry restarts the log after it.
 */
import { assert } from "../../lib/assert.ts";
import type { Entry, HardState, SnapshotMetadata } from "../../raft/types.ts";
import type { WalRecord } from "./records.ts";

/** The log state records describe. */
export interface ReplayState {
  /** Contiguous entries, ascending. They may start at or below the latest marker's index. */
  entries: Entry[];
  /** The index just before `entries[0]`, or null while unknown (no entry and no marker yet). */
  base: number | null;
  hardState: HardState | null;
  /** Every snapshot marker, oldest first. */
  snapshots: SnapshotMetadata[];
  metadata: Uint8Array;
}

/** Where a record came from, for error messages. */
export interface RecordOrigin {
  readonly file: string;
}

/** An empty replay state. */
export function emptyReplayState(): ReplayState {
  return { entries: [], base: null, hardState: null, snapshots: [], metadata: new Uint8Array(0) };
}

/**
 * Applies one record to `state`.
 * @throws {RangeError} when an entry leaves a gap or precedes the log's start; the caller turns it
 * into a corruption error naming the segment.
 */
export function replayRecord(state: ReplayState, record: WalRecord): void {
  switch (record.type) {
    case "entry":
      replayEntry(state, record.entry);
      return;
    case "hardState":
      state.hardState = record.hardState;
      return;
    case "snapshot":
      replayMarker(state, record.metadata);
      return;
    case "metadata":
      state.metadata = record.metadata;
      return;
    case "segmentStart":
      return;
  }
}

/** The index of the last entry, else the base, else 0. */
export function lastIndexOf(state: ReplayState): number {
  return state.entries.at(-1)?.index ?? state.base ?? 0;
}

// --- internal ---

function replayEntry(state: ReplayState, entry: Entry): void {
  if (state.base === null) {
    assert(state.entries.length === 0, "entries imply a known base");
    state.base = entry.index - 1;
  }
  if (state.entries.length === 0 && entry.index > state.base + 1) {
    // The base came from a snapshot marker older than this entry: the entries between them were
    // in segments released after a later snapshot, so the log starts here. Whether the log
    // still meets the snapshot a member restarts from is checked when the data dir is opened.
    state.base = entry.index - 1;
  }
  if (entry.index <= state.base) {
    // A leader's truncation rewrote entries whose earlier neighbours were released: a rewrite
    // at an index replaces everything from it on, so the log restarts at this entry.
    state.entries = [];
    state.base = entry.index - 1;
  }
  const firstIndex = state.base + 1;
  const lastIndex = lastIndexOf(state);
  if (entry.index > lastIndex + 1) {
    throw new RangeError(`entry at index ${entry.index} leaves a gap after index ${lastIndex}`);
  }
  state.entries.length = entry.index - firstIndex;
  state.entries.push(entry);
  assert(state.entries.length === entry.index - state.base, "entries stay contiguous");
}

function replayMarker(state: ReplayState, metadata: SnapshotMetadata): void {
  state.snapshots.push(metadata);
  if (state.entries.length === 0 || metadata.index > lastIndexOf(state)) {
    state.entries = [];
    state.base = metadata.index;
  }
}
