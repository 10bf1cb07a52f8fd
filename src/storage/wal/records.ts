/**
 * @module
 * WAL records: the typed union read back from segments, how one segment's records are encoded into
 * a single buffer for one write, and the CRC chain that links frames across segments.
 */
import {
  type MsgpackCodec,
  RecordType,
  type SegmentStart,
  encodeEntry,
  encodeHardState,
  encodeMetadata,
  encodeSegmentStart,
  encodeSnapshotMetadata,
  entryTupleBytes,
  frameBytesFor,
  frameHeaderBytes,
  MsgpackWriter,
  sealFrame,
  writeEntryTuple,
  writeFrame,
} from "../../codec/index.ts";
import { assert } from "../../lib/assert.ts";
import type { Entry, HardState, SnapshotMetadata } from "../../raft/types.ts";

/** One decoded WAL record. */
export type WalRecord =
  | { readonly type: "entry"; readonly entry: Entry }
  | { readonly type: "hardState"; readonly hardState: HardState }
  | { readonly type: "snapshot"; readonly metadata: SnapshotMetadata }
  | { readonly type: "segmentStart"; readonly start: SegmentStart }
  | { readonly type: "metadata"; readonly metadata: Uint8Array };

/** Frames ready to be written: the bytes and the chain value after the last of them. */
export interface EncodedRecords {
  readonly bytes: Uint8Array;
  readonly chain: number;
}

/** Continues the CRC chain with the CRC of the next frame. */
export function nextChain(chain: number, frameCrc: number): number {
  assert(frameCrc >>> 0 === frameCrc, "a frame CRC is an unsigned 32-bit value");
  const word = Uint8Array.of(
    frameCrc & 0xff,
    (frameCrc >>> 8) & 0xff,
    (frameCrc >>> 16) & 0xff,
    frameCrc >>> 24,
  );
  return Bun.hash.crc32(word, chain);
}

/**
 * Encodes records into one buffer of consecutive frames, continuing the chain from `chain`.
 * @throws {RangeError} naming the first record whose frame would exceed `frameBytesMax`.
 */
export function encodeRecords(
  codec: MsgpackCodec,
  records: readonly WalRecord[],
  options: { chain: number; frameBytesMax: number },
): EncodedRecords {
  // Entries are packed straight into the buffer; the rare other records go through msgpackr.
  const payloads = records.map((record) =>
    record.type === "entry" ? entryTupleBytes(record.entry) : payloadOf(codec, record)
  );
  let total = 0;
  for (const [position, payload] of payloads.entries()) {
    const frameBytes = frameBytesFor(typeof payload === "number" ? payload : payload.byteLength);
    if (frameBytes > options.frameBytesMax) {
      const record = records[position];
      const what = record?.type === "entry" ? `entry at index ${record.entry.index}` : "record";
      throw new RangeError(
        `Cannot save ${what}: ${frameBytes} bytes exceeds frameBytesMax ${options.frameBytesMax}`,
      );
    }
    total += frameBytes;
  }
  const bytes = new Uint8Array(total);
  const writer = new MsgpackWriter(bytes);
  let offset = 0;
  let chain = options.chain;
  for (const [position, record] of records.entries()) {
    const payload = payloads[position];
    assert(payload !== undefined, "every record has a payload");
    let crc: number;
    let payloadBytes: number;
    if (typeof payload === "number") {
      assert(record.type === "entry", "only entries are packed in place");
      writer.offset = offset + frameHeaderBytes;
      writeEntryTuple(writer, record.entry);
      payloadBytes = payload;
      assert(writer.offset === offset + frameHeaderBytes + payload, "an entry fills its frame");
      crc = sealFrame(bytes, offset, RecordType.entry, payload);
    } else {
      payloadBytes = payload.byteLength;
      crc = writeFrame(bytes, offset, { type: frameTypeOf(record), payload });
    }
    chain = nextChain(chain, crc);
    offset += frameBytesFor(payloadBytes);
  }
  assert(offset === total, "encoded frames must fill the buffer exactly");
  return { bytes, chain };
}

// --- internal ---

function frameTypeOf(record: WalRecord): number {
  switch (record.type) {
    case "entry":
      return RecordType.entry;
    case "hardState":
      return RecordType.hardState;
    case "snapshot":
      return RecordType.snapshotMarker;
    case "segmentStart":
      return RecordType.segmentStart;
    case "metadata":
      return RecordType.metadata;
  }
}

function payloadOf(codec: MsgpackCodec, record: WalRecord): Uint8Array {
  switch (record.type) {
    case "entry":
      return encodeEntry(record.entry);
    case "hardState":
      return encodeHardState(codec, record.hardState);
    case "snapshot":
      return encodeSnapshotMetadata(codec, record.metadata);
    case "segmentStart":
      return encodeSegmentStart(codec, record.start);
    case "metadata":
      return encodeMetadata(codec, record.metadata);
  }
}
