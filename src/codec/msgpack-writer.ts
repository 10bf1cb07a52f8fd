/**
 * @module
 * Writing the few msgpack value kinds of the hot records by hand, byte for byte as msgpackr
 * writes them (so msgpackr reads them back unchanged): the caller sizes the buffer first with
 * the `*Bytes` functions, then fills it with a `MsgpackWriter`. This skips msgpackr's generic
 * per-value work and its extra copy of every binary field.
 */
import { assert } from "../lib/assert.ts";

const uint32Limit = 2 ** 32;
const int64Limit = 1n << 63n;
const uint64Limit = 1n << 64n;

/** Bytes msgpackr uses for a non-negative safe integer (float64 from 2^32 on, as it does). */
export function uintBytes(value: number): number {
  assert(Number.isSafeInteger(value) && value >= 0, "a count is a non-negative safe integer");
  if (value < 0x80) return 1;
  if (value < 0x100) return 2;
  if (value < 0x10000) return 3;
  return value < uint32Limit ? 5 : 9;
}

/** Whether msgpackr writes `value` in one of its integer forms rather than as a float64. */
export function isPackedAsInteger(value: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** 31) && value < uint32Limit;
}

/** Bytes of a 64-bit id (msgpackr writes every bigint as int64, or uint64 from 2^63 on). */
export const bigintBytes = 9;

/** Bytes of a binary value of `length` bytes, header included. */
export function binBytes(length: number): number {
  const header = length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
  return header + length;
}

/** Bytes of a string of fewer than 32 ASCII characters (a fixstr). */
export function fixStringBytes(text: string): number {
  assert(text.length < 32, "a fixstr holds fewer than 32 bytes");
  return 1 + text.length;
}

/** Bytes of the header of an array of `count` items. */
export function arrayHeaderBytes(count: number): number {
  return count < 16 ? 1 : count < 0x10000 ? 3 : 5;
}

/** Writes msgpack values at a moving offset into a buffer sized beforehand. */
export class MsgpackWriter {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  uint(value: number): void {
    const view = this.#view;
    const offset = this.offset;
    switch (uintBytes(value)) {
      case 1:
        view.setUint8(offset, value);
        break;
      case 2:
        view.setUint8(offset, 0xcc);
        view.setUint8(offset + 1, value);
        break;
      case 3:
        view.setUint8(offset, 0xcd);
        view.setUint16(offset + 1, value);
        break;
      case 5:
        view.setUint8(offset, 0xce);
        view.setUint32(offset + 1, value);
        break;
      default:
        view.setUint8(offset, 0xcb);
        view.setFloat64(offset + 1, value);
    }
    this.offset = offset + uintBytes(value);
  }

  /** A 64-bit id, as msgpackr writes a bigint with `int64AsType: "bigint"`. */
  bigint(value: bigint): void {
    assert(value >= 0n && value < uint64Limit, "an id is an unsigned 64-bit value");
    const view = this.#view;
    if (value < int64Limit) {
      view.setUint8(this.offset, 0xd3);
      view.setBigInt64(this.offset + 1, value);
    } else {
      view.setUint8(this.offset, 0xcf);
      view.setBigUint64(this.offset + 1, value);
    }
    this.offset += bigintBytes;
  }

  /** A string of fewer than 32 ASCII characters. */
  fixString(text: string): void {
    const length = text.length;
    assert(length < 32, "a fixstr holds fewer than 32 bytes");
    const bytes = this.bytes;
    let offset = this.offset;
    bytes[offset++] = 0xa0 | length;
    for (let index = 0; index < length; index++) {
      const code = text.charCodeAt(index);
      assert(code < 0x80, "a fixstr written by hand is ASCII");
      bytes[offset++] = code;
    }
    this.offset = offset;
  }

  bin(data: Uint8Array): void {
    const view = this.#view;
    const length = data.byteLength;
    let offset = this.offset;
    if (length < 0x100) {
      view.setUint8(offset, 0xc4);
      view.setUint8(offset + 1, length);
      offset += 2;
    } else if (length < 0x10000) {
      view.setUint8(offset, 0xc5);
      view.setUint16(offset + 1, length);
      offset += 3;
    } else {
      view.setUint8(offset, 0xc6);
      view.setUint32(offset + 1, length);
      offset += 5;
    }
    this.bytes.set(data, offset);
    this.offset = offset + length;
  }

  /** The header of a map of fewer than 16 entries (msgpackr's fixmap). */
  fixMapHeader(count: number): void {
    assert(Number.isInteger(count) && count >= 0 && count < 16, "a fixmap has under 16 keys");
    this.bytes[this.offset++] = 0x80 | count;
  }

  arrayHeader(count: number): void {
    const view = this.#view;
    if (count < 16) {
      view.setUint8(this.offset, 0x90 | count);
    } else if (count < 0x10000) {
      view.setUint8(this.offset, 0xdc);
      view.setUint16(this.offset + 1, count);
    } else {
      view.setUint8(this.offset, 0xdd);
      view.setUint32(this.offset + 1, count);
    }
    this.offset += arrayHeaderBytes(count);
  }

  /** A positive fixint (0–127). */
  smallUint(value: number): void {
    assert(Number.isInteger(value) && value >= 0 && value < 0x80, "a fixint is 0 to 127");
    this.bytes[this.offset++] = value;
  }
}
