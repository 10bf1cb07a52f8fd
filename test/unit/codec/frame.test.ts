import { describe, expect, test } from "bun:test";
import {
  CorruptionError,
  TruncatedError,
  decodeFrame,
  encodeFrame,
  frameBytesFor,
  frameHeaderBytes,
  readFrame,
} from "../../../src/codec/index.ts";

const frameBytesMax = 1024 * 1024;

function payloadOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 7 + 1) & 0xff);
}

describe("frames", () => {
  test("round-trip payloads of every length up to 40 bytes, always 8-byte aligned", () => {
    for (let length = 0; length <= 40; length++) {
      const payload = payloadOf(length);
      const bytes = encodeFrame(9, payload, frameBytesMax);
      expect(bytes.byteLength % 8).toBe(0);
      expect(bytes.byteLength).toBe(frameBytesFor(length));
      const frame = decodeFrame(bytes, frameBytesMax);
      expect(frame.type).toBe(9);
      expect(frame.version).toBe(1);
      expect(frame.payload).toEqual(payload);
    }
  });

  test("consecutive frames are read one after another and then end", () => {
    const first = encodeFrame(1, payloadOf(3), frameBytesMax);
    const second = encodeFrame(2, payloadOf(11), frameBytesMax);
    const bytes = new Uint8Array([...first, ...second]);
    const one = readFrame(bytes, 0, frameBytesMax);
    expect(one.status).toBe("ok");
    const two = readFrame(bytes, first.byteLength, frameBytesMax);
    expect(two.status === "ok" && two.frame.type).toBe(2);
    expect(readFrame(bytes, bytes.byteLength, frameBytesMax).status).toBe("end");
  });

  test("a frame cut at any byte is truncated, never corrupt", () => {
    const bytes = encodeFrame(3, payloadOf(100), frameBytesMax);
    for (let cut = 1; cut < bytes.byteLength; cut++) {
      const result = readFrame(bytes.subarray(0, cut), 0, frameBytesMax);
      expect(result.status).toBe("truncated");
      expect(() => decodeFrame(bytes.subarray(0, cut), frameBytesMax)).toThrow(TruncatedError);
    }
  });

  test("a flipped bit anywhere in the header or payload is corrupt", () => {
    const bytes = encodeFrame(3, payloadOf(60), frameBytesMax);
    for (let offset = 0; offset < frameHeaderBytes + 60; offset++) {
      for (const mask of [0x01, 0x80]) {
        const damaged = bytes.slice();
        damaged[offset] = (damaged[offset] ?? 0) ^ mask;
        expect(readFrame(damaged, 0, frameBytesMax).status).toBe("corrupt");
        expect(() => decodeFrame(damaged, frameBytesMax)).toThrow(CorruptionError);
      }
    }
  });

  test("non-zero padding is corrupt", () => {
    const bytes = encodeFrame(3, payloadOf(5), frameBytesMax);
    bytes[bytes.byteLength - 1] = 1;
    expect(readFrame(bytes, 0, frameBytesMax).status).toBe("corrupt");
  });

  test("an all-zero header reads as truncated (zeroed or preallocated space)", () => {
    expect(readFrame(new Uint8Array(64), 0, frameBytesMax).status).toBe("truncated");
  });

  test("a frame whose later sector was zeroed is truncated (a torn write)", () => {
    const bytes = encodeFrame(3, payloadOf(2000), frameBytesMax);
    bytes.fill(0, 1024, 1536);
    expect(readFrame(bytes, 0, frameBytesMax).status).toBe("truncated");
  });

  test("frames above frameBytesMax are refused on encode and reported corrupt on read", () => {
    expect(() => encodeFrame(3, payloadOf(100), 64)).toThrow(RangeError);
    const bytes = encodeFrame(3, payloadOf(100), frameBytesMax);
    expect(readFrame(bytes, 0, 64).status).toBe("corrupt");
  });

  test("trailing bytes after a single frame are corrupt", () => {
    const bytes = encodeFrame(3, payloadOf(8), frameBytesMax);
    const longer = new Uint8Array(bytes.byteLength + 8);
    longer.set(bytes);
    expect(() => decodeFrame(longer, frameBytesMax)).toThrow(CorruptionError);
  });

  test("an empty buffer is truncated", () => {
    expect(() => decodeFrame(new Uint8Array(0), frameBytesMax)).toThrow(TruncatedError);
  });
});
