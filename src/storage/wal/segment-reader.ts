/**
 * @module
 * Reads one WAL segment: every frame in order, checked and decoded, plus where the valid data
 * ends. The data ends cleanly at the end of the file or where only zeros follow (space the WAL
 * preallocated). Tells a torn tail (a frame cut short, and nothing valid follows) from damage (a
 * complete frame failing its checksum, or a bad frame followed by valid ones).
 */
import {
  CorruptionError,
  type MsgpackCodec,
  RecordType,
  decodeEntry,
  decodeHardState,
  decodeMetadata,
  decodeSegmentStart,
  decodeSnapshotMetadata,
  frameAlignmentBytes,
  isZero,
  readFrame,
} from "../../codec/index.ts";
import { assert } from "../../lib/assert.ts";
import { WalCorruptionError } from "./errors.ts";
import { type WalRecord, nextChain } from "./records.ts";
import type { SegmentName } from "./segment-name.ts";

/** What a segment holds. */
export interface SegmentContents {
  readonly records: readonly WalRecord[];
  /** The byte offset of each record, parallel to `records`. */
  readonly offsets: readonly number[];
  /** The chain value the segment's start record carries (the previous segment's final chain). */
  readonly previousChain: number;
  /** The chain value after the last valid frame. */
  readonly chain: number;
  /** Bytes of valid frames from the start of the file. */
  readonly validBytes: number;
  /** Bytes in the file, preallocated zeros after the valid frames included. */
  readonly fileBytes: number;
  /** Set when the segment ends in a torn tail: why the frame at `validBytes` was rejected. */
  readonly tornReason: string | null;
}

/**
 * Scans a whole segment file.
 * @throws {WalCorruptionError} on damage anywhere, or on a torn tail when `isLast` is false (a
 * segment is synced in full before the next one is started, so only the last may be torn).
 */
export function scanSegment(
  codec: MsgpackCodec,
  bytes: Uint8Array,
  options: { segment: SegmentName; path: string; isLast: boolean; frameBytesMax: number },
): SegmentContents {
  const { path, frameBytesMax } = options;
  const records: WalRecord[] = [];
  const offsets: number[] = [];
  let offset = 0;
  let chain = 0;
  let previousChain = 0;
  for (;;) {
    const result = readFrame(bytes, offset, frameBytesMax);
    if (result.status === "end" || isZeroTail(bytes, offset)) break;
    if (result.status === "corrupt") {
      throw damaged(path, offset, problemOf(result.reason));
    }
    if (result.status === "truncated") {
      const scanFrom = offset + (result.declaredBytes ?? frameAlignmentBytes);
      checkTornTail({ bytes, offset, scanFrom, frameBytesMax, path, isLast: options.isLast });
      if (offset === 0) {
        throw damaged(path, offset, "is incomplete and the segment has no valid header");
      }
      const tornReason = result.reason;
      const fileBytes = bytes.byteLength;
      return { records, offsets, previousChain, chain, validBytes: offset, fileBytes, tornReason };
    }
    const record = decodeRecord(codec, result.frame, { path, offset });
    if (offset === 0) {
      previousChain = checkStart(record, options.segment, { path, offset });
      chain = previousChain;
    } else if (record.type === "segmentStart") {
      throw damaged(path, offset, "is a second segment header");
    }
    chain = nextChain(chain, result.frame.crc);
    assert(result.frame.frameBytes % frameAlignmentBytes === 0, "frames read back are aligned");
    records.push(record);
    offsets.push(offset);
    offset += result.frame.frameBytes;
  }
  if (offset === 0) {
    throw damaged(path, offset, "is missing: the segment is empty");
  }
  const validBytes = offset;
  const fileBytes = bytes.byteLength;
  return { records, offsets, previousChain, chain, validBytes, fileBytes, tornReason: null };
}

// --- internal ---

/**
 * Whether everything from `offset` on is zero: preallocated space no frame has reached yet (a
 * frame header is never all zeros). A frame torn part-way leaves some of its bytes behind, so it
 * is not mistaken for this; one of which nothing reached the disk was never acknowledged.
 */
function isZeroTail(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] === 0 && isZero(bytes, offset, bytes.byteLength);
}

function problemOf(reason: string): string {
  if (reason === "the frame fails its checksum") return "fails its checksum";
  if (reason === "the frame header fails its checksum") return "fails its header checksum";
  return `is unreadable (${reason})`;
}

function checkTornTail(options: {
  bytes: Uint8Array;
  offset: number;
  /** Where frames after the torn one may start: past its declared end when its header is intact. */
  scanFrom: number;
  frameBytesMax: number;
  path: string;
  isLast: boolean;
}): void {
  const { bytes, offset, frameBytesMax, path } = options;
  if (!options.isLast) {
    throw new WalCorruptionError({
      file: path,
      offset,
      problem: "is incomplete but its segment is not the last one",
    });
  }
  // A torn write only ever loses the end of the data; valid records after the damage mean the
  // damage is in data that was already synced. Bytes inside the torn frame are its payload and
  // may look like anything, so the scan starts after it when its header says where it ends.
  for (let later = options.scanFrom; later < bytes.byteLength; later += frameAlignmentBytes) {
    if (readFrame(bytes, later, frameBytesMax).status === "ok") {
      throw new WalCorruptionError({
        file: path,
        offset,
        problem: `is damaged yet followed by a valid record at offset ${later}`,
      });
    }
  }
}

function checkStart(
  record: WalRecord,
  segment: SegmentName,
  where: { path: string; offset: number },
): number {
  if (record.type !== "segmentStart") {
    throw new WalCorruptionError({ ...whereOf(where), problem: "is not a segment header" });
  }
  const { sequence, firstIndex, previousChain } = record.start;
  if (sequence !== segment.sequence || firstIndex !== segment.firstIndex) {
    throw new WalCorruptionError({
      ...whereOf(where),
      problem: `names segment ${sequence}-${firstIndex}, not the one in its file name`,
    });
  }
  return previousChain;
}

function damaged(path: string, offset: number, problem: string): WalCorruptionError {
  return new WalCorruptionError({ file: path, offset, problem });
}

function whereOf(where: { path: string; offset: number }): { file: string; offset: number } {
  return { file: where.path, offset: where.offset };
}

function decodeRecord(
  codec: MsgpackCodec,
  frame: { type: number; payload: Uint8Array },
  where: { path: string; offset: number },
): WalRecord {
  try {
    switch (frame.type) {
      case RecordType.entry:
        return { type: "entry", entry: decodeEntry(codec, frame.payload) };
      case RecordType.hardState:
        return { type: "hardState", hardState: decodeHardState(codec, frame.payload) };
      case RecordType.snapshotMarker:
        return { type: "snapshot", metadata: decodeSnapshotMetadata(codec, frame.payload) };
      case RecordType.segmentStart:
        return { type: "segmentStart", start: decodeSegmentStart(codec, frame.payload) };
      case RecordType.metadata:
        return { type: "metadata", metadata: decodeMetadata(codec, frame.payload) };
      default:
        throw new CorruptionError(`unknown record type ${frame.type}`, where.offset);
    }
  } catch (error) {
    assert(error instanceof CorruptionError, "record decoding only fails with CorruptionError");
    throw damaged(where.path, where.offset, `is malformed (${error.message})`);
  }
}
