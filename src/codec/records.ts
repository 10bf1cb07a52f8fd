/**
 * @module
 * The typed records cairn stores: WAL records (entry, hard state, snapshot marker, segment start,
 * metadata), the snapshot file header and the data-dir meta file. Each is a msgpack tuple inside
 * a frame of its own record type; these functions turn records into payloads and back.
 */
import type {
  ConfState,
  Entry,
  EntryTypeValue,
  HardState,
  SnapshotMetadata,
} from "../raft/types.ts";
import { EntryType } from "../raft/types.ts";
import { assert } from "../lib/assert.ts";
import { packEntryTuple } from "./entry-pack.ts";
import type { MsgpackCodec } from "./msgpack.ts";
import {
  expectBytes,
  expectCount,
  expectId,
  expectIds,
  expectTuple,
  malformed,
} from "./shape.ts";

/** Frame types 1–31 are storage records; peer messages use 32–255. */
export const RecordType = {
  entry: 1,
  hardState: 2,
  snapshotMarker: 3,
  segmentStart: 4,
  metadata: 5,
  snapshotHeader: 16,
  dataDirMeta: 17,
} as const;
export type RecordTypeValue = (typeof RecordType)[keyof typeof RecordType];

/** The first record of every WAL segment: it continues the CRC chain of the previous segment. */
export interface SegmentStart {
  /** The segment's sequence number (also in its file name). */
  readonly sequence: number;
  /** The index the segment's first entry is expected at (also in its file name). */
  readonly firstIndex: number;
  /** The CRC chain value at the end of the previous segment, 0 for the first segment. */
  readonly previousChain: number;
}

/** The header of a snapshot file: metadata plus the size and checksum of the body after it. */
export interface SnapshotHeader {
  readonly metadata: SnapshotMetadata;
  readonly dataBytes: number;
  readonly dataCrc: number;
}

/** Encodes a log entry. */
export function encodeEntry(entry: Entry): Uint8Array {
  assert(Number.isSafeInteger(entry.index) && entry.index >= 1, "entry index must be >= 1");
  assert(Number.isSafeInteger(entry.term) && entry.term >= 0, "entry term must be >= 0");
  return packEntryTuple(entry);
}

/**
 * Decodes a log entry.
 * @throws {CorruptionError} when the payload is not an entry.
 */
export function decodeEntry(codec: MsgpackCodec, payload: Uint8Array): Entry {
  const fields = expectTuple(unpack(codec, payload, "entry"), 4, "entry");
  const type = expectCount(fields[2], "entry type");
  if (type !== EntryType.normal && type !== EntryType.confChange) {
    throw malformed("entry", `unknown entry type ${type}`);
  }
  return {
    term: expectCount(fields[0], "entry term"),
    index: expectCount(fields[1], "entry index"),
    type: type as EntryTypeValue,
    data: expectBytes(fields[3], "entry data"),
  };
}

/** Encodes a hard state. */
export function encodeHardState(codec: MsgpackCodec, state: HardState): Uint8Array {
  assert(state.vote >= 0n, "vote must be an unsigned id");
  return codec.pack([state.term, BigInt.asUintN(64, state.vote), state.commit]);
}

/**
 * Decodes a hard state.
 * @throws {CorruptionError} when the payload is not a hard state.
 */
export function decodeHardState(codec: MsgpackCodec, payload: Uint8Array): HardState {
  const fields = expectTuple(unpack(codec, payload, "hard state"), 3, "hard state");
  return {
    term: expectCount(fields[0], "hard state term"),
    vote: expectId(fields[1], "hard state vote"),
    commit: expectCount(fields[2], "hard state commit"),
  };
}

/** Encodes snapshot metadata (the WAL's snapshot marker). */
export function encodeSnapshotMetadata(
  codec: MsgpackCodec,
  metadata: SnapshotMetadata,
): Uint8Array {
  return codec.pack(snapshotMetadataFields(metadata));
}

/**
 * Decodes snapshot metadata.
 * @throws {CorruptionError} when the payload is not snapshot metadata.
 */
export function decodeSnapshotMetadata(codec: MsgpackCodec, payload: Uint8Array): SnapshotMetadata {
  return snapshotMetadataFrom(unpack(codec, payload, "snapshot marker"));
}

/** Encodes a segment-start record. */
export function encodeSegmentStart(codec: MsgpackCodec, start: SegmentStart): Uint8Array {
  assert(start.previousChain >>> 0 === start.previousChain, "chain must be an unsigned 32-bit");
  return codec.pack([start.sequence, start.firstIndex, start.previousChain]);
}

/**
 * Decodes a segment-start record.
 * @throws {CorruptionError} when the payload is not a segment start.
 */
export function decodeSegmentStart(codec: MsgpackCodec, payload: Uint8Array): SegmentStart {
  const fields = expectTuple(unpack(codec, payload, "segment start"), 3, "segment start");
  const previousChain = expectCount(fields[2], "segment start chain");
  if (previousChain > 0xffff_ffff) throw malformed("segment start", "chain is not 32-bit");
  return {
    sequence: expectCount(fields[0], "segment sequence"),
    firstIndex: expectCount(fields[1], "segment first index"),
    previousChain,
  };
}

/** Encodes WAL metadata (opaque bytes chosen by the WAL's creator). */
export function encodeMetadata(codec: MsgpackCodec, metadata: Uint8Array): Uint8Array {
  return codec.pack([metadata]);
}

/**
 * Decodes WAL metadata.
 * @throws {CorruptionError} when the payload is not metadata.
 */
export function decodeMetadata(codec: MsgpackCodec, payload: Uint8Array): Uint8Array {
  const fields = expectTuple(unpack(codec, payload, "WAL metadata"), 1, "WAL metadata");
  return expectBytes(fields[0], "WAL metadata");
}

/** Encodes a snapshot file header. */
export function encodeSnapshotHeader(codec: MsgpackCodec, header: SnapshotHeader): Uint8Array {
  assert(header.dataCrc >>> 0 === header.dataCrc, "snapshot CRC must be an unsigned 32-bit");
  return codec.pack([snapshotMetadataFields(header.metadata), header.dataBytes, header.dataCrc]);
}

/**
 * Decodes a snapshot file header.
 * @throws {CorruptionError} when the payload is not a snapshot header.
 */
export function decodeSnapshotHeader(codec: MsgpackCodec, payload: Uint8Array): SnapshotHeader {
  const fields = expectTuple(unpack(codec, payload, "snapshot header"), 3, "snapshot header");
  const dataCrc = expectCount(fields[2], "snapshot data CRC");
  if (dataCrc > 0xffff_ffff) throw malformed("snapshot header", "CRC is not 32-bit");
  return {
    metadata: snapshotMetadataFrom(fields[0]),
    dataBytes: expectCount(fields[1], "snapshot data length"),
    dataCrc,
  };
}

// --- internal ---

function snapshotMetadataFields(metadata: SnapshotMetadata): unknown[] {
  const { confState } = metadata;
  return [metadata.index, metadata.term, [...confState.voters], [...confState.learners]];
}

function snapshotMetadataFrom(value: unknown): SnapshotMetadata {
  const fields = expectTuple(value, 4, "snapshot metadata");
  const confState: ConfState = {
    voters: expectIds(fields[2], "snapshot voters"),
    learners: expectIds(fields[3], "snapshot learners"),
  };
  return {
    index: expectCount(fields[0], "snapshot index"),
    term: expectCount(fields[1], "snapshot term"),
    confState,
  };
}

function unpack(codec: MsgpackCodec, payload: Uint8Array, what: string): unknown {
  try {
    return codec.unpack(payload);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw malformed(what, `bad msgpack: ${detail}`);
  }
}
