/**
 * @module
 * Raft's data types shared with storage and transport. The Raft core owns these shapes.
 */

/** Member identifiers are unsigned 64-bit values, kept as bigint so none is ever rounded. */
export type MemberId = bigint;

export const EntryType = {
  /** Application data (a store command); empty data is a leader's election no-op. */
  normal: 0,
  /** A membership change. */
  confChange: 1,
} as const;
export type EntryTypeValue = (typeof EntryType)[keyof typeof EntryType];

/** One log entry. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryTypeValue;
  readonly data: Uint8Array;
}

/** What must be durable before votes and acknowledgements (Raft paper Figure 2). */
export interface HardState {
  readonly term: number;
  /** The member voted for in `term`, or 0n for none. */
  readonly vote: MemberId;
  readonly commit: number;
}

/** The membership a snapshot (or the log up to a point) implies. */
export interface ConfState {
  readonly voters: readonly MemberId[];
  readonly learners: readonly MemberId[];
}

/** Identifies the log prefix a snapshot replaces. */
export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

/** A state-machine snapshot with its metadata; `data` is opaque to Raft. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}
