/**
 * @module
 * A log entry's msgpack tuple `[term, index, type, data]`, written by hand: byte for byte what
 * msgpackr writes for it (so msgpackr reads it back), without msgpackr's per-call work, which
 * the WAL and every follower pay for each entry of every batch.
 */
import type { Entry } from "../raft/types.ts";
import { assert } from "../lib/assert.ts";

/** The msgpack encoding of `[entry.term, entry.index, entry.type, entry.data]`. */
export function packEntryTuple(entry: Entry): Uint8Array {
  const { term, index, type, data } = entry;
  assert(Number.isSafeInteger(type) && type >= 0 && type < 128, "entry type is a small count");
  const dataHeaderBytes = data.byteLength < 0x100 ? 2 : data.byteLength < 0x10000 ? 3 : 5;
  const total = 1 + uintBytes(term) + uintBytes(index) + 1 + dataHeaderBytes + data.byteLength;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x94; // fixarray of 4
  let offset = writeUint(view, 1, term);
  offset = writeUint(view, offset, index);
  bytes[offset] = type; // positive fixint
  offset += 1;
  if (dataHeaderBytes === 2) {
    view.setUint8(offset, 0xc4);
    view.setUint8(offset + 1, data.byteLength);
  } else if (dataHeaderBytes === 3) {
    view.setUint8(offset, 0xc5);
    view.setUint16(offset + 1, data.byteLength);
  } else {
    view.setUint8(offset, 0xc6);
    view.setUint32(offset + 1, data.byteLength);
  }
  offset += dataHeaderBytes;
  bytes.set(data, offset);
  assert(offset + data.byteLength === total, "the tuple fills its buffer exactly");
  return bytes;
}

// --- internal ---

const uint32Limit = 2 ** 32;

/** Bytes msgpackr uses for a non-negative safe integer (float64 from 2^32 on, as it does). */
function uintBytes(value: number): number {
  assert(Number.isSafeInteger(value) && value >= 0, "a count is a non-negative safe integer");
  if (value < 0x80) return 1;
  if (value < 0x100) return 2;
  if (value < 0x10000) return 3;
  return value < uint32Limit ? 5 : 9;
}

/** Writes `value` as msgpackr would at `offset`; returns the offset after it. */
function writeUint(view: DataView, offset: number, value: number): number {
  const size = uintBytes(value);
  switch (size) {
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
  return offset + size;
}
