/**
 * The stream frame decoder: frames split at every byte boundary or merged into one read come out
 * whole and in order; oversized and corrupt frames fail the stream for good.
 */
import { describe, expect, test } from "bun:test";
import { createMsgpackCodec, encodeFrame, frameHeaderBytes } from "../../../src/codec/index.ts";
import { FrameDecoder } from "../../../src/transport/index.ts";
import { encodeMessage } from "../../../src/transport/wire.ts";
import { bytesOf, everyMessage } from "./helpers.ts";

const frameBytesMax = 64 * 1024;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

/** Three frames of different sizes (empty payload, 1 byte, a few hundred bytes). */
function sampleStream(): { stream: Uint8Array; payloads: Uint8Array[] } {
  const payloads = [new Uint8Array(0), bytesOf(1, 7), bytesOf(333, 2)];
  const frames = payloads.map((payload, index) => encodeFrame(40 + index, payload, frameBytesMax));
  return { stream: concat(frames), payloads };
}

/** Feeds `reads` in order and collects payload copies and the final error. */
function decodeAll(decoder: FrameDecoder, reads: readonly Uint8Array[]) {
  const payloads: Uint8Array[] = [];
  const types: number[] = [];
  let error: string | undefined;
  for (const read of reads) {
    const result = decoder.push(read);
    for (const frame of result.frames) {
      payloads.push(frame.payload.slice());
      types.push(frame.type);
    }
    error ??= result.error;
  }
  return { payloads, types, error };
}

describe("FrameDecoder", () => {
  test("a stream split into two reads at every byte boundary decodes the same frames", () => {
    const { stream, payloads } = sampleStream();
    for (let cut = 0; cut <= stream.byteLength; cut++) {
      const decoded = decodeAll(new FrameDecoder(frameBytesMax), [
        stream.subarray(0, cut),
        stream.subarray(cut),
      ]);
      expect(decoded.error).toBeUndefined();
      expect(decoded.payloads).toEqual(payloads);
      expect(decoded.types).toEqual([40, 41, 42]);
    }
  });

  test("a stream fed one byte at a time decodes the same frames", () => {
    const { stream, payloads } = sampleStream();
    const decoder = new FrameDecoder(frameBytesMax);
    const reads = [...stream].map((byte) => new Uint8Array([byte]));
    expect(decodeAll(decoder, reads).payloads).toEqual(payloads);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test("many frames in one read all come out, in order", () => {
    const codec = createMsgpackCodec();
    const messages = everyMessage(1n, 2n).filter((m) => m.type !== "MsgSnap");
    const stream = concat(messages.map((m) => encodeMessage(codec, m, frameBytesMax)));
    const doubled = concat([stream, stream]);
    const result = new FrameDecoder(frameBytesMax).push(doubled);
    expect(result.error).toBeUndefined();
    expect(result.frames.length).toBe(messages.length * 2);
    const decoded = result.frames.map((frame) => codec.unpack(frame.payload));
    expect(decoded).toEqual([...messages, ...messages]);
  });

  test("a frame larger than the buffer grows it across reads of 1000 bytes", () => {
    const payload = bytesOf(50_000, 3);
    const stream = concat([encodeFrame(50, payload, frameBytesMax), encodeFrame(51, payload, 1e6)]);
    const reads: Uint8Array[] = [];
    for (let offset = 0; offset < stream.byteLength; offset += 1000) {
      reads.push(stream.subarray(offset, offset + 1000));
    }
    const decoded = decodeAll(new FrameDecoder(frameBytesMax), reads);
    expect(decoded.error).toBeUndefined();
    expect(decoded.payloads).toEqual([payload, payload]);
  });

  test("a header declaring more than frameBytesMax fails the stream before its payload", () => {
    const oversized = encodeFrame(40, bytesOf(frameBytesMax), frameBytesMax * 2);
    const decoder = new FrameDecoder(frameBytesMax);
    const result = decoder.push(oversized.subarray(0, frameHeaderBytes));
    expect(result.frames).toEqual([]);
    expect(result.error).toContain("exceeds frameBytesMax");
    // The failure sticks: even a good frame is refused afterwards.
    const after = decoder.push(encodeFrame(40, bytesOf(3), frameBytesMax));
    expect(after.frames).toEqual([]);
    expect(after.error).toBe(result.error ?? "");
  });

  test("a flipped bit anywhere in a frame fails the stream, after the frames before it", () => {
    const { stream } = sampleStream();
    const good = encodeFrame(40, bytesOf(24, 1), frameBytesMax);
    for (let bit = 0; bit < good.byteLength * 8; bit++) {
      const damaged = good.slice();
      damaged[bit >> 3]! ^= 1 << (bit & 7);
      const decoded = decodeAll(new FrameDecoder(frameBytesMax), [stream, damaged]);
      expect(decoded.payloads.length).toBe(3);
      // The header checks itself, so even a damaged length is caught before waiting for bytes.
      expect(decoded.error).toBeDefined();
    }
  });

  test("a zeroed header is damage on a stream, not a torn tail", () => {
    const result = new FrameDecoder(frameBytesMax).push(new Uint8Array(frameHeaderBytes));
    expect(result.error).toBeDefined();
  });
});
