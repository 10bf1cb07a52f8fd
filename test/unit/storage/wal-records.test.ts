/**
 * @module
 * WAL record encoding: entries packed in place produce exactly the frames (and CRC chain) that
 * framing each record's encoded payload produces, so WALs written before and after read alike.
 */
import { describe, expect, test } from "bun:test";
import {
  RecordType,
  createMsgpackCodec,
  encodeEntry,
  encodeHardState,
  frameBytesFor,
  writeFrame,
} from "../../../src/codec/index.ts";
import { EntryType } from "../../../src/raft/index.ts";
import { type WalRecord, encodeRecords, nextChain } from "../../../src/storage/wal/records.ts";

const codec = createMsgpackCodec();

describe("WAL records", () => {
  test("a batch is the frames of its records' payloads, chained, whatever their sizes", () => {
    const records: WalRecord[] = [];
    for (const [position, size] of [0, 1, 255, 256, 65_535, 65_536, 3].entries()) {
      const data = Uint8Array.from({ length: size }, (_, index) => (index * 7 + position) & 0xff);
      const type = position === 3 ? EntryType.confChange : EntryType.normal;
      records.push({ type: "entry", entry: { term: 2 ** 32, index: 127 + position, type, data } });
      if (position === 2) {
        records.push({ type: "hardState", hardState: { term: 9, vote: 2n ** 64n - 1n,
          commit: 128 } });
      }
    }
    const encoded = encodeRecords(codec, records, { chain: 0x1234, frameBytesMax: 1 << 20 });
    const payloads = records.map((record) => {
      if (record.type === "entry") {
        return { type: RecordType.entry, payload: encodeEntry(record.entry) };
      }
      if (record.type !== "hardState") throw new Error(`unexpected ${record.type}`);
      return { type: RecordType.hardState, payload: encodeHardState(codec, record.hardState) };
    });
    const total = payloads.reduce((sum, frame) => sum + frameBytesFor(frame.payload.byteLength),
      0);
    const expected = new Uint8Array(total);
    let offset = 0;
    let chain = 0x1234;
    for (const frame of payloads) {
      chain = nextChain(chain, writeFrame(expected, offset, frame));
      offset += frameBytesFor(frame.payload.byteLength);
    }
    expect(encoded.bytes).toEqual(expected);
    expect(encoded.chain).toBe(chain);
  });

  test("an entry over frameBytesMax is named and nothing is encoded", () => {
    const entry = { term: 1, index: 42, type: EntryType.normal, data: new Uint8Array(100) };
    expect(() => encodeRecords(codec, [{ type: "entry", entry }], { chain: 0, frameBytesMax: 64 }))
      .toThrow("entry at index 42");
  });
});
