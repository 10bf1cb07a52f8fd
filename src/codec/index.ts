/**
 * @module
 * The codec: msgpack payloads inside versioned, CRC-checked, 8-byte aligned frames, and the typed
 * records storage and transport exchange through them.
 */
export { CorruptionError, TruncatedError } from "./errors.ts";
export {
  type Frame,
  type FrameReadResult,
  containsZeroSector,
  decodeFrame,
  encodeFrame,
  frameAlignmentBytes,
  frameBytesFor,
  frameFormatVersion,
  frameHeaderBytes,
  isZero,
  readFrame,
  sealFrame,
  sectorBytes,
  writeFrame,
} from "./frame.ts";
export {
  appendMessageBytes,
  entryTupleBytes,
  readAppendMessage,
  writeAppendMessage,
  writeEntryTuple,
} from "./entry-pack.ts";
export { MsgpackWriter, isPackedAsInteger } from "./msgpack-writer.ts";
export { type MsgpackCodec, createMsgpackCodec } from "./msgpack.ts";
export {
  type FramedValue,
  decodeValueFrame,
  encodeValueFrame,
  messageTypeMin,
} from "./message.ts";
export {
  RecordType,
  type RecordTypeValue,
  type SegmentStart,
  type SnapshotHeader,
  decodeEntry,
  decodeHardState,
  decodeMetadata,
  decodeSegmentStart,
  decodeSnapshotHeader,
  decodeSnapshotMetadata,
  encodeEntry,
  encodeHardState,
  encodeMetadata,
  encodeSegmentStart,
  encodeSnapshotHeader,
  encodeSnapshotMetadata,
} from "./records.ts";
export {
  expectArray,
  expectBytes,
  expectCount,
  expectId,
  expectIds,
  expectText,
  expectTexts,
  expectTuple,
} from "./shape.ts";
