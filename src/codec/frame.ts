/**
 * @module
 * Versioned, CRC-checked, 8-byte aligned frames: the unit of every WAL record, peer message and
 * snapshot header. Layout (little-endian), 16-byte header then payload then zero padding:
 *
 * | bytes | field |
 * | --- | --- |
 * | 0–3 | payload length in bytes |
 * | 4 | record type (1–255, chosen by the caller) |
 * | 5 | format version |
 * | 6 | padding bytes after the payload (0–7) |
 * | 7 | magic `0xCA`, so a real header is never all zeros |
 * | 8–11 | CRC-32 of bytes 0–7 followed by the payload |
 * | 12–15 | CRC-32 of bytes 0–11 |
 *
 * The header checks itself, so a damaged length word is reported as corruption, never mistaken
 * for a file that ends early.
 *
 * Frames start at 8-byte aligned offsets, so the first header word never straddles a 512-byte
 * sector and cannot tear on its own.
 */
import { assert } from "../lib/assert.ts";
import { CorruptionError, TruncatedError } from "./errors.ts";

/** Bytes in a frame header. */
export const frameHeaderBytes = 16;
/** Frames (and so every offset in a WAL segment) are multiples of this. */
export const frameAlignmentBytes = 8;
/** The format version written into every new frame. */
export const frameFormatVersion = 1;
/** Torn-write detection works at the granularity of disk sectors. */
export const sectorBytes = 512;

const frameMagic = 0xca;

/** A frame that passed every check. `payload` is a view into the decoded buffer. */
export interface Frame {
  readonly type: number;
  readonly version: number;
  readonly payload: Uint8Array;
  /** CRC-32 of the frame (header word and payload); the WAL chains these. */
  readonly crc: number;
  /** Bytes the whole frame occupies, padding included. */
  readonly frameBytes: number;
}

/**
 * The outcome of reading one frame at an offset; never throws for bad data. A truncated frame
 * whose header is intact reports the bytes the header declares (`declaredBytes`), so a reader
 * can tell what lies inside the torn frame from what follows it.
 */
export type FrameReadResult =
  | { readonly status: "ok"; readonly frame: Frame }
  | { readonly status: "end" }
  | { readonly status: "truncated"; readonly reason: string; readonly declaredBytes?: number }
  | { readonly status: "corrupt"; readonly reason: string };

/** Bytes a frame with a payload of `payloadBytes` occupies, padding included. */
export function frameBytesFor(payloadBytes: number): number {
  const unpadded = frameHeaderBytes + payloadBytes;
  return unpadded + padBytesFor(unpadded);
}

/**
 * Writes a frame into `target` at `offset` and returns the frame's CRC.
 * @throws {AssertionError} when the frame does not fit, the offset is unaligned or the type is
 * out of range; callers check sizes first.
 */
export function writeFrame(
  target: Uint8Array,
  offset: number,
  frame: { readonly type: number; readonly payload: Uint8Array },
): number {
  const { type, payload } = frame;
  assert(offset + frameBytesFor(payload.byteLength) <= target.byteLength, "frame must fit");
  target.set(payload, offset + frameHeaderBytes);
  return sealFrame(target, offset, type, payload.byteLength);
}

/**
 * Completes a frame whose payload was written in place, `frameHeaderBytes` after `offset`:
 * writes the header and the padding, and returns the frame's CRC.
 * @throws {AssertionError} as `writeFrame` does.
 */
export function sealFrame(
  target: Uint8Array,
  offset: number,
  type: number,
  payloadBytes: number,
): number {
  const total = frameBytesFor(payloadBytes);
  assert(offset % frameAlignmentBytes === 0, `frame offset ${offset} must be 8-byte aligned`);
  assert(offset + total <= target.byteLength, "frame must fit in its target buffer");
  assert(Number.isInteger(type) && type >= 1 && type <= 255, `frame type ${type} out of range`);
  const view = new DataView(target.buffer, target.byteOffset + offset, frameHeaderBytes);
  view.setUint32(0, payloadBytes, true);
  view.setUint8(4, type);
  view.setUint8(5, frameFormatVersion);
  view.setUint8(6, total - frameHeaderBytes - payloadBytes);
  view.setUint8(7, frameMagic);
  const payloadStart = offset + frameHeaderBytes;
  const payload = target.subarray(payloadStart, payloadStart + payloadBytes);
  const crc = Bun.hash.crc32(payload, Bun.hash.crc32(target.subarray(offset, offset + 8)));
  view.setUint32(8, crc, true);
  view.setUint32(12, Bun.hash.crc32(target.subarray(offset, offset + 12)), true);
  target.fill(0, payloadStart + payloadBytes, offset + total);
  return crc;
}

/**
 * Encodes one frame into a fresh buffer.
 * @throws {RangeError} when the frame would exceed `frameBytesMax`.
 */
export function encodeFrame(type: number, payload: Uint8Array, frameBytesMax: number): Uint8Array {
  const total = frameBytesFor(payload.byteLength);
  if (total > frameBytesMax) {
    throw new RangeError(
      `Cannot encode frame of type ${type}: ${total} bytes exceeds frameBytesMax ${frameBytesMax}`,
    );
  }
  const target = new Uint8Array(total);
  writeFrame(target, 0, { type, payload });
  return target;
}

/**
 * Reads the frame at `offset`. Sector boundaries for torn-write detection are taken relative to
 * the start of `bytes`, so pass whole files (or buffers that start at a sector boundary).
 * Returns `end` only when `offset` is exactly the end of `bytes`.
 */
export function readFrame(
  bytes: Uint8Array,
  offset: number,
  frameBytesMax: number,
): FrameReadResult {
  assert(offset % frameAlignmentBytes === 0, `frame offset ${offset} must be 8-byte aligned`);
  assert(offset <= bytes.byteLength, "frame offset must lie within the buffer");
  if (offset === bytes.byteLength) return { status: "end" };
  if (bytes.byteLength - offset < frameHeaderBytes) {
    return { status: "truncated", reason: "the data ends inside a frame header" };
  }
  const header = checkHeader(bytes, offset, frameBytesMax);
  if (header.status !== "ok") return header;
  const total = frameBytesFor(header.payloadBytes);
  if (offset + total > bytes.byteLength) {
    const reason = `the data ends inside a frame of ${total} bytes`;
    return { status: "truncated", reason, declaredBytes: total };
  }
  const payloadEnd = offset + frameHeaderBytes + header.payloadBytes;
  const payload = bytes.subarray(offset + frameHeaderBytes, payloadEnd);
  const crc = Bun.hash.crc32(payload, Bun.hash.crc32(bytes.subarray(offset, offset + 8)));
  if (crc !== header.crc) {
    if (containsZeroSector(bytes, offset, offset + total)) {
      const reason = "a frame is cut short by zeroed sectors";
      return { status: "truncated", reason, declaredBytes: total };
    }
    return { status: "corrupt", reason: "the frame fails its checksum" };
  }
  for (let index = payloadEnd; index < offset + total; index++) {
    if (bytes[index] !== 0) return { status: "corrupt", reason: "the frame padding is not zero" };
  }
  const frame = { type: header.type, version: header.version, payload, crc, frameBytes: total };
  return { status: "ok", frame };
}

/**
 * Decodes a buffer holding exactly one frame (a peer message, a snapshot header).
 * @throws {TruncatedError} when the buffer ends before the frame does.
 * @throws {CorruptionError} when the frame fails a check or bytes follow it.
 */
export function decodeFrame(bytes: Uint8Array, frameBytesMax: number): Frame {
  const result = readFrame(bytes, 0, frameBytesMax);
  switch (result.status) {
    case "ok":
      if (result.frame.frameBytes !== bytes.byteLength) {
        throw new CorruptionError("Cannot decode frame: unexpected bytes after the frame", 0);
      }
      return result.frame;
    case "end":
      throw new TruncatedError("Cannot decode frame: the buffer is empty", 0);
    case "truncated":
      throw new TruncatedError(`Cannot decode frame: ${result.reason}`, 0);
    case "corrupt":
      throw new CorruptionError(`Cannot decode frame: ${result.reason}`, 0);
  }
}

/**
 * Tells whether any sector-aligned piece of `bytes[start, end)` is entirely zero, the mark a
 * torn or never-completed write leaves behind.
 */
export function containsZeroSector(bytes: Uint8Array, start: number, end: number): boolean {
  assert(start <= end && end <= bytes.byteLength, "sector scan range must lie within the buffer");
  let chunkStart = start;
  while (chunkStart < end) {
    const chunkEnd = Math.min(end, (Math.floor(chunkStart / sectorBytes) + 1) * sectorBytes);
    if (isZero(bytes, chunkStart, chunkEnd)) return true;
    chunkStart = chunkEnd;
  }
  return false;
}

/** Tells whether `bytes[start, end)` is entirely zero. */
export function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    if (bytes[index] !== 0) return false;
  }
  return true;
}

// --- internal ---

type HeaderResult =
  | {
      readonly status: "ok";
      readonly payloadBytes: number;
      readonly type: number;
      readonly version: number;
      readonly crc: number;
    }
  | { readonly status: "truncated"; readonly reason: string }
  | { readonly status: "corrupt"; readonly reason: string };

function checkHeader(bytes: Uint8Array, offset: number, frameBytesMax: number): HeaderResult {
  const headerEnd = offset + frameHeaderBytes;
  if (isZero(bytes, offset, headerEnd)) {
    return { status: "truncated", reason: "the data turns into zeros" };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, frameHeaderBytes);
  if (view.getUint32(12, true) !== Bun.hash.crc32(bytes.subarray(offset, offset + 12))) {
    if (containsZeroSector(bytes, offset, headerEnd)) {
      return { status: "truncated", reason: "a frame header is cut short by zeroed sectors" };
    }
    return { status: "corrupt", reason: "the frame header fails its checksum" };
  }
  const payloadBytes = view.getUint32(0, true);
  const type = view.getUint8(4);
  const version = view.getUint8(5);
  if (view.getUint8(7) !== frameMagic) return { status: "corrupt", reason: "bad frame magic" };
  if (version < 1 || version > frameFormatVersion) {
    return { status: "corrupt", reason: `unsupported frame format version ${version}` };
  }
  if (type === 0) return { status: "corrupt", reason: "frame type 0 is reserved" };
  const total = frameBytesFor(payloadBytes);
  if (view.getUint8(6) !== total - frameHeaderBytes - payloadBytes) {
    return { status: "corrupt", reason: "the frame padding length is inconsistent" };
  }
  if (total > frameBytesMax) {
    const reason = `frame of ${total} bytes exceeds frameBytesMax ${frameBytesMax}`;
    return { status: "corrupt", reason };
  }
  return { status: "ok", payloadBytes, type, version, crc: view.getUint32(8, true) };
}

function padBytesFor(unpaddedBytes: number): number {
  return (frameAlignmentBytes - (unpaddedBytes % frameAlignmentBytes)) % frameAlignmentBytes;
}
