/**
 * @module
 * A log entry's msgpack tuple `[term, index, type, data]` (the WAL's entry record), and the
 * append message peers exchange most, written by hand: byte for byte what msgpackr writes for
 * them (so msgpackr reads them back), without msgpackr's per-call work, which the WAL and every
 * follower pay for each entry of every batch.
 */
import { assert } from "../lib/assert.ts";
import type { MsgApp } from "../raft/messages.ts";
import type { Entry } from "../raft/types.ts";
import {
  MsgpackWriter,
  arrayHeaderBytes,
  bigintBytes,
  binBytes,
  fixStringBytes,
  uintBytes,
} from "./msgpack-writer.ts";
import { MsgpackReader } from "./msgpack-reader.ts";

/** The msgpack encoding of `[entry.term, entry.index, entry.type, entry.data]`. */
export function packEntryTuple(entry: Entry): Uint8Array {
  const bytes = new Uint8Array(entryTupleBytes(entry));
  const writer = new MsgpackWriter(bytes);
  writeEntryTuple(writer, entry);
  assert(writer.offset === bytes.byteLength, "the tuple fills its buffer exactly");
  return bytes;
}

/** Bytes of an entry's tuple. */
export function entryTupleBytes(entry: Entry): number {
  return 1 + uintBytes(entry.term) + uintBytes(entry.index) + 1 + binBytes(entry.data.byteLength);
}

/** Writes an entry's tuple at the writer's offset. */
export function writeEntryTuple(writer: MsgpackWriter, entry: Entry): void {
  writer.arrayHeader(4);
  writer.uint(entry.term);
  writer.uint(entry.index);
  writer.smallUint(entry.type);
  writer.bin(entry.data);
}

/**
 * Bytes of a MsgApp as the msgpack map `{type, from, to, term, index, logTerm, entries, commit}`,
 * each entry the map `{term, index, type, data}`: what msgpackr writes for such objects.
 */
export function appendMessageBytes(message: MsgApp): number {
  let total = 1 + headerBytes(message);
  total += fixStringBytes("index") + uintBytes(message.index);
  total += fixStringBytes("logTerm") + uintBytes(message.logTerm);
  total += fixStringBytes("entries") + arrayHeaderBytes(message.entries.length);
  for (const entry of message.entries) total += entryMapBytes(entry);
  total += fixStringBytes("commit") + uintBytes(message.commit);
  return total;
}

/** Writes a MsgApp (see `appendMessageBytes`) at the writer's offset. */
export function writeAppendMessage(writer: MsgpackWriter, message: MsgApp): void {
  writer.fixMapHeader(8);
  writeHeader(writer, message);
  writer.fixString("index");
  writer.uint(message.index);
  writer.fixString("logTerm");
  writer.uint(message.logTerm);
  writer.fixString("entries");
  writer.arrayHeader(message.entries.length);
  for (const entry of message.entries) {
    writer.fixMapHeader(4);
    writer.fixString("term");
    writer.uint(entry.term);
    writer.fixString("index");
    writer.uint(entry.index);
    writer.fixString("type");
    writer.smallUint(entry.type);
    writer.fixString("data");
    writer.bin(entry.data);
  }
  writer.fixString("commit");
  writer.uint(message.commit);
}

// --- internal ---

function headerBytes(message: MsgApp): number {
  return fixStringBytes("type") + fixStringBytes(message.type) +
    fixStringBytes("from") + bigintBytes + fixStringBytes("to") + bigintBytes +
    fixStringBytes("term") + uintBytes(message.term);
}

function writeHeader(writer: MsgpackWriter, message: MsgApp): void {
  writer.fixString("type");
  writer.fixString(message.type);
  writer.fixString("from");
  writer.bigint(message.from);
  writer.fixString("to");
  writer.bigint(message.to);
  writer.fixString("term");
  writer.uint(message.term);
}

function entryMapBytes(entry: Entry): number {
  return 1 + fixStringBytes("term") + uintBytes(entry.term) + fixStringBytes("index") +
    uintBytes(entry.index) + fixStringBytes("type") + 1 + fixStringBytes("data") +
    binBytes(entry.data.byteLength);
}

/**
 * Reads a MsgApp payload laid out as `writeAppendMessage` writes it, into the plain fields
 * msgpackr would decode (the caller still checks their shape). The entries' data are copied
 * into one fresh buffer, so no entry keeps the payload alive, and each is a view with a real
 * `ArrayBuffer` behind it (small standalone typed arrays are costly to decode from later).
 * @returns undefined when the payload is laid out any other way: decode it generically.
 */
export function readAppendMessage(payload: Uint8Array): Record<string, unknown> | undefined {
  const reader = new MsgpackReader(payload);
  if (!reader.fixMapHeader(8) || !reader.fixString("type") || !reader.fixString("MsgApp")) {
    return undefined;
  }
  const from = reader.fixString("from") ? reader.bigint() : -1n;
  const to = reader.fixString("to") ? reader.bigint() : -1n;
  const term = reader.fixString("term") ? reader.uint() : Number.NaN;
  const index = reader.fixString("index") ? reader.uint() : Number.NaN;
  const logTerm = reader.fixString("logTerm") ? reader.uint() : Number.NaN;
  const count = reader.fixString("entries") ? reader.arrayHeader() : -1;
  const entries: { term: number; index: number; type: number; start: number; length: number }[] =
    [];
  let dataBytes = 0;
  for (let position = 0; position < count && !reader.failed; position++) {
    if (!reader.fixMapHeader(4)) break;
    const entryTerm = reader.fixString("term") ? reader.uint() : Number.NaN;
    const entryIndex = reader.fixString("index") ? reader.uint() : Number.NaN;
    const type = reader.fixString("type") ? reader.uint() : Number.NaN;
    const data = reader.fixString("data") ? reader.bin() : null;
    if (data === null) break;
    entries.push({ term: entryTerm, index: entryIndex, type, ...data });
    dataBytes += data.length;
  }
  const commit = reader.fixString("commit") ? reader.uint() : Number.NaN;
  if (reader.failed || !reader.atEnd) return undefined;
  const store = new Uint8Array(new ArrayBuffer(dataBytes));
  let offset = 0;
  const decoded = entries.map((entry) => {
    store.set(payload.subarray(entry.start, entry.start + entry.length), offset);
    const data = store.subarray(offset, offset + entry.length);
    offset += entry.length;
    return { term: entry.term, index: entry.index, type: entry.type, data };
  });
  return { type: "MsgApp", from, to, term, index, logTerm, entries: decoded, commit };
}
