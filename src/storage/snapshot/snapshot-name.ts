/**
 * @module
 * Snapshot file names: `%016x-%016x.snap`, the term and index of the snapshot.
 */
import { hex16 } from "../wal/segment-name.ts";

/** A snapshot as named on disk. */
export interface SnapshotName {
  readonly term: number;
  readonly index: number;
  readonly fileName: string;
}

const snapshotPattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

/** The file name of the snapshot at `term` and `index`. */
export function snapshotFileName(term: number, index: number): string {
  return `${hex16(term)}-${hex16(index)}.snap`;
}

/** Parses a snapshot file name; null for any other name (temporary files, `.broken` copies). */
export function parseSnapshotFileName(fileName: string): SnapshotName | null {
  const match = snapshotPattern.exec(fileName);
  if (match === null || match[1] === undefined || match[2] === undefined) return null;
  const term = Number.parseInt(match[1], 16);
  const index = Number.parseInt(match[2], 16);
  if (!Number.isSafeInteger(term) || !Number.isSafeInteger(index)) return null;
  return { term, index, fileName };
}

/** Orders snapshots newest first: by index, then by term. */
export function newestFirst(left: SnapshotName, right: SnapshotName): number {
  return right.index - left.index || right.term - left.term;
}
