import { describe, expect, test } from "bun:test";
import {
  CorruptionError,
  createMsgpackCodec,
  decodeEntry,
  decodeHardState,
  decodeSegmentStart,
  decodeSnapshotHeader,
  decodeSnapshotMetadata,
  decodeValueFrame,
  encodeEntry,
  encodeHardState,
  encodeSegmentStart,
  encodeSnapshotHeader,
  encodeSnapshotMetadata,
  encodeValueFrame,
} from "../../../src/codec/index.ts";
import type { Entry } from "../../../src/raft/types.ts";

const codec = createMsgpackCodec();

describe("records", () => {
  test("an entry round-trips with byte-exact data", () => {
    const data = Uint8Array.from({ length: 300 }, (_, index) => (index * 31) & 0xff);
    const entry: Entry = { term: 7, index: 2 ** 40, type: 1, data };
    const decoded = decodeEntry(codec, encodeEntry(entry));
    expect(decoded).toEqual(entry);
    expect(decoded.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(decoded.data)).toBe(false);
  });

  test("an entry is written byte for byte as msgpackr writes its tuple, at every size boundary", () => {
    const counts = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
    const sizes = [0, 1, 255, 256, 65_535, 65_536, 70_000];
    for (const count of counts) {
      for (const size of sizes) {
        const data = Uint8Array.from({ length: size }, (_, index) => index & 0xff);
        const entry: Entry = { term: count, index: Math.max(1, count), type: 1, data };
        const expected = codec.pack([entry.term, entry.index, entry.type, entry.data]);
        expect(encodeEntry(entry)).toEqual(expected);
        expect(decodeEntry(codec, encodeEntry(entry))).toEqual(entry);
      }
    }
  });

  test("an empty entry (election no-op) round-trips", () => {
    const entry: Entry = { term: 1, index: 1, type: 0, data: new Uint8Array(0) };
    expect(decodeEntry(codec, encodeEntry(entry))).toEqual(entry);
  });

  test("decoded entry data does not alias the payload buffer", () => {
    const payload = encodeEntry({ term: 1, index: 1, type: 0, data: new Uint8Array([5]) });
    const decoded = decodeEntry(codec, payload);
    payload.fill(0);
    expect(decoded.data).toEqual(new Uint8Array([5]));
  });

  test("member ids round-trip as bigint across the whole unsigned 64-bit range", () => {
    for (const vote of [0n, 1n, 0xffff_ffffn, 2n ** 53n + 1n, 0xffff_ffff_ffff_ffffn]) {
      const state = { term: 3, vote, commit: 9 };
      expect(decodeHardState(codec, encodeHardState(codec, state))).toEqual(state);
    }
  });

  test("snapshot metadata round-trips with its ConfState", () => {
    const metadata = {
      index: 100,
      term: 4,
      confState: { voters: [1n, 0xdead_beef_cafe_f00dn], learners: [3n] },
    };
    const encoded = encodeSnapshotMetadata(codec, metadata);
    expect(decodeSnapshotMetadata(codec, encoded)).toEqual(metadata);
    const header = { metadata, dataBytes: 12345, dataCrc: 0xffff_fffe };
    expect(decodeSnapshotHeader(codec, encodeSnapshotHeader(codec, header))).toEqual(header);
  });

  test("a segment start round-trips", () => {
    const start = { sequence: 3, firstIndex: 1001, previousChain: 0x8000_0001 };
    expect(decodeSegmentStart(codec, encodeSegmentStart(codec, start))).toEqual(start);
  });

  test("payloads of the wrong shape are corrupt", () => {
    const wrong = codec.pack(["x", 1]);
    expect(() => decodeEntry(codec, wrong)).toThrow(CorruptionError);
    expect(() => decodeHardState(codec, wrong)).toThrow(CorruptionError);
    expect(() => decodeSegmentStart(codec, wrong)).toThrow(CorruptionError);
    expect(() => decodeEntry(codec, codec.pack([1, 1, 9, new Uint8Array(0)]))).toThrow(
      "unknown entry type 9",
    );
    expect(() => decodeHardState(codec, codec.pack([1, 2, 3]))).toThrow("unsigned 64-bit id");
    expect(() => decodeEntry(codec, new Uint8Array([0xc1]))).toThrow(CorruptionError);
  });

  test("generic value frames carry nested bigints and bytes", () => {
    const value = { from: 2n ** 63n, to: 5n, entries: [{ data: new Uint8Array([1, 2]) }] };
    const bytes = encodeValueFrame(codec, { type: 40, value }, 1 << 20);
    expect(decodeValueFrame(codec, bytes, 1 << 20)).toEqual({ type: 40, value });
  });
});
