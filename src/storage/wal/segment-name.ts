/**
 * @module
 * WAL segment file names: `%016x-%016x.wal`, the segment's sequence number and its first index:
 * one past the last entry written before the segment began (0 for a new log). Every entry in
 * earlier segments lies below it, which is what releasing segments relies on; a leader's
 * truncation may later write lower indexes into this segment.
 */

/** A segment as named on disk. */
export interface SegmentName {
  readonly sequence: number;
  readonly firstIndex: number;
  readonly fileName: string;
}

const segmentPattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

/** The file name of a segment. */
export function segmentFileName(sequence: number, firstIndex: number): string {
  return `${hex16(sequence)}-${hex16(firstIndex)}.wal`;
}

/** Parses a segment file name; null for any other name (temporary files, `.broken` copies). */
export function parseSegmentFileName(fileName: string): SegmentName | null {
  const match = segmentPattern.exec(fileName);
  if (match === null || match[1] === undefined || match[2] === undefined) return null;
  const sequence = Number.parseInt(match[1], 16);
  const firstIndex = Number.parseInt(match[2], 16);
  if (!Number.isSafeInteger(sequence) || !Number.isSafeInteger(firstIndex)) return null;
  return { sequence, firstIndex, fileName };
}

/** Formats a non-negative safe integer as 16 lower-case hex digits. */
export function hex16(value: number): string {
  return value.toString(16).padStart(16, "0");
}
