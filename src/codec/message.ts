/**
 * @module
 * Generic framed msgpack values, for peer messages and anything else that needs a typed,
 * CRC-checked envelope around a structured value.
 */
import { assert } from "../lib/assert.ts";
import { CorruptionError } from "./errors.ts";
import { decodeFrame, encodeFrame } from "./frame.ts";
import type { MsgpackCodec } from "./msgpack.ts";

/** Peer message frame types start here; lower types belong to storage records. */
export const messageTypeMin = 32;

/** A decoded framed value. */
export interface FramedValue {
  readonly type: number;
  readonly value: unknown;
}

/**
 * Encodes `value` with msgpack inside a frame of `type`.
 * @throws {RangeError} when the frame would exceed `frameBytesMax`.
 * @throws {AssertionError} when `type` is outside 1–255.
 */
export function encodeValueFrame(
  codec: MsgpackCodec,
  framed: FramedValue,
  frameBytesMax: number,
): Uint8Array {
  assert(Number.isInteger(framed.type) && framed.type >= 1 && framed.type <= 255, "bad type");
  return encodeFrame(framed.type, codec.pack(framed.value), frameBytesMax);
}

/**
 * Decodes a buffer holding exactly one frame made by `encodeValueFrame`.
 * @throws {TruncatedError} when the buffer ends before the frame.
 * @throws {CorruptionError} when the frame or its msgpack payload is damaged.
 */
export function decodeValueFrame(
  codec: MsgpackCodec,
  bytes: Uint8Array,
  frameBytesMax: number,
): FramedValue {
  const frame = decodeFrame(bytes, frameBytesMax);
  try {
    return { type: frame.type, value: codec.unpack(frame.payload) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new CorruptionError(`Cannot decode frame of type ${frame.type}: ${detail}`, 0);
  }
}
