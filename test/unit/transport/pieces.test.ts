/**
 * The transport's pure pieces: the bounded send queue, the reconnect backoff schedule, latency
 * statistics, peer URLs, message shape checks and snapshot chunking.
 */
import { describe, expect, test } from "bun:test";
import {
  CorruptionError,
  createMsgpackCodec,
  encodeFrame,
  readAppendMessage,
} from "../../../src/codec/index.ts";
import { createPrng } from "../../../src/lib/prng.ts";
import { checkTransportLimits, defaultTransportLimits } from "../../../src/limits.ts";
import { EntryType, type MsgApp, type MsgSnap } from "../../../src/raft/index.ts";
import {
  Backoff,
  LatencyRecorder,
  RateMeter,
  SendQueue,
  etcdFollowerStats,
  parsePeerUrl,
} from "../../../src/transport/index.ts";
import { toMessage } from "../../../src/transport/message-shape.ts";
import { SnapshotAssembly, SnapshotFrames } from "../../../src/transport/snapshot-stream.ts";
import { FrameDecoder } from "../../../src/transport/frame-decoder.ts";
import {
  PeerFrameType,
  decodeMessage,
  decodeSnapshotBegin,
  encodeMessage,
} from "../../../src/transport/wire.ts";
import { bytesOf, everyMessage } from "./helpers.ts";

describe("SendQueue", () => {
  test("refuses the item past the count bound and keeps FIFO order", () => {
    const queue = new SendQueue<number>({ itemsMax: 3, bytesMax: 1000 });
    expect([1, 2, 3, 4].map((item) => queue.push(item, 1))).toEqual([true, true, true, false]);
    expect(queue.length).toBe(3);
    expect(queue.shift()).toBe(1);
    expect(queue.push(5, 1)).toBe(true);
    const drained = [queue.shift(), queue.shift(), queue.shift(), queue.shift()];
    expect(drained).toEqual([2, 3, 5, undefined]);
  });

  test("refuses the item past the byte bound and frees bytes on shift", () => {
    const queue = new SendQueue<string>({ itemsMax: 100, bytesMax: 10 });
    expect(queue.push("a", 6)).toBe(true);
    expect(queue.push("b", 5)).toBe(false);
    expect(queue.push("c", 4)).toBe(true);
    expect(queue.bytes).toBe(10);
    queue.shift();
    expect(queue.bytes).toBe(4);
    expect(queue.push("b", 5)).toBe(true);
    expect(queue.clear()).toBe(2);
    expect([queue.length, queue.bytes]).toEqual([0, 0]);
  });

  test("stays consistent across many pushes and shifts", () => {
    const queue = new SendQueue<number>({ itemsMax: 5000, bytesMax: 1e9 });
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let index = 0; index < 100; index++) expect(queue.push(next++, 3)).toBe(true);
      for (let index = 0; index < 90; index++) expect(queue.shift()).toBe(expected++);
    }
    expect(queue.length).toBe(500);
    expect(queue.bytes).toBe(1500);
  });
});

describe("Backoff", () => {
  const options = { initialMs: 50, maxMs: 2000, jitter: 0.5 };

  test("delays grow exponentially within their jitter band and stay under the cap", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const backoff = new Backoff(options, createPrng(seed));
      for (let attempt = 0; attempt < 40; attempt++) {
        const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** attempt);
        const delay = backoff.nextDelayMs();
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling * 0.5));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  test("the same seed gives the same schedule, and reset starts it over", () => {
    const first = new Backoff(options, createPrng(42));
    const second = new Backoff(options, createPrng(42));
    const schedule = Array.from({ length: 10 }, () => first.nextDelayMs());
    expect(Array.from({ length: 10 }, () => second.nextDelayMs())).toEqual(schedule);
    expect(schedule[9]).toBeGreaterThanOrEqual(1000);
    first.reset();
    expect(first.attempts).toBe(0);
    expect(first.nextDelayMs()).toBeLessThanOrEqual(50);
  });

  test("jitter spreads delays of different members apart", () => {
    const delays = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const backoff = new Backoff(options, createPrng(seed));
      for (let attempt = 0; attempt < 5; attempt++) backoff.nextDelayMs();
      delays.add(backoff.nextDelayMs());
    }
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe("LatencyRecorder", () => {
  test("matches the directly computed mean and population standard deviation", () => {
    const samples = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3.5];
    const recorder = new LatencyRecorder();
    expect(recorder.stats()).toEqual({
      current: 0,
      average: 0,
      standardDeviation: 0,
      minimum: 0,
      maximum: 0,
    });
    for (const sample of samples) recorder.record(sample);
    const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
    const variance =
      samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / samples.length;
    const stats = recorder.stats();
    expect(stats.average).toBeCloseTo(mean, 10);
    expect(stats.standardDeviation).toBeCloseTo(Math.sqrt(variance), 10);
    expect([stats.current, stats.minimum, stats.maximum]).toEqual([3.5, 1, 9]);
  });

  test("etcdFollowerStats keys followers by hex id", () => {
    const latency = new LatencyRecorder().stats();
    const peer = {
      id: 0xabcn,
      connected: true,
      latency,
      counts: { success: 2, fail: 1 },
      queuedMessages: 0,
      sentMessages: 2,
      sentBytes: 10,
      receivedMessages: 0,
      receivedBytes: 0,
    };
    const stats = {
      peers: [peer],
      sentMessages: 2,
      sentBytes: 10,
      receivedMessages: 0,
      receivedBytes: 0,
      inboundConnections: 0,
      socketsOpen: 0,
      sendRate: { messagesPerSecond: 0, bytesPerSecond: 0 },
      receiveRate: { messagesPerSecond: 0, bytesPerSecond: 0 },
    };
    expect(etcdFollowerStats(stats)).toEqual({ abc: { latency, counts: { success: 2, fail: 1 } } });
  });
});

describe("RateMeter", () => {
  test("rates cover the recent window and forget older seconds", () => {
    const meter = new RateMeter(5);
    expect(meter.rate(0)).toEqual({ messagesPerSecond: 0, bytesPerSecond: 0 });
    // 10 messages of 100 bytes each second for 10 seconds.
    for (let ms = 0; ms < 10_000; ms += 100) meter.record(ms, 1, 100);
    const steady = meter.rate(10_000);
    expect(steady.messagesPerSecond).toBeCloseTo(10, 5);
    expect(steady.bytesPerSecond).toBeCloseTo(1000, 5);
    // Silence: the rate falls, and after the window it is zero.
    expect(meter.rate(12_500).messagesPerSecond).toBeLessThan(10);
    expect(meter.rate(17_000)).toEqual({ messagesPerSecond: 0, bytesPerSecond: 0 });
  });

  test("a young meter divides by the time since its first record, not the window", () => {
    const meter = new RateMeter(5);
    meter.record(60_000, 4, 400);
    meter.record(60_500, 4, 400);
    expect(meter.rate(61_000)).toEqual({ messagesPerSecond: 8, bytesPerSecond: 800 });
  });
});

describe("peer URLs and limits", () => {
  test("parsePeerUrl takes http://host:port and refuses the rest", () => {
    expect(parsePeerUrl("http://127.0.0.1:7001")).toEqual({ hostname: "127.0.0.1", port: 7001 });
    expect(parsePeerUrl("http://[::1]:7001")).toEqual({ hostname: "::1", port: 7001 });
    expect(() => parsePeerUrl("http://127.0.0.1")).toThrow(RangeError);
    expect(() => parsePeerUrl("unix:///tmp/x")).toThrow(RangeError);
    expect(() => parsePeerUrl("127.0.0.1:7001")).toThrow(RangeError);
  });

  test("transport limits must hold a largest frame and fit a chunk in a frame", () => {
    expect(() => checkTransportLimits(defaultTransportLimits, 32 << 20)).not.toThrow();
    const small = { ...defaultTransportLimits, peerSendQueueBytesMax: 1024 };
    expect(() => checkTransportLimits(small, 32 << 20)).toThrow(RangeError);
    expect(() => checkTransportLimits(defaultTransportLimits, 1 << 20)).toThrow(RangeError);
    const zero = { ...defaultTransportLimits, peerSendQueueMessagesMax: 0 };
    expect(() => checkTransportLimits(zero, 32 << 20)).toThrow(RangeError);
  });
});

describe("message shape", () => {
  test("every variant survives msgpack and the shape check unchanged", () => {
    const codec = createMsgpackCodec();
    for (const message of everyMessage(3n, 0xffff_ffff_ffff_ffffn)) {
      expect(toMessage(codec.unpack(codec.pack(message)))).toEqual(message);
    }
  });

  test("a MsgApp packed by hand is byte for byte msgpackr's frame, at every size boundary", () => {
    const codec = createMsgpackCodec();
    const frameBytesMax = 1 << 24;
    const counts = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
    const ids = [1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
    const entryCounts = [0, 1, 15, 16, 70];
    for (const [position, count] of counts.entries()) {
      const id = ids[position % ids.length] ?? 1n;
      const entryCount = entryCounts[position % entryCounts.length] ?? 0;
      const entries = Array.from({ length: entryCount }, (_, offset) => ({
        term: count,
        index: count + offset,
        type: offset % 2 === 0 ? EntryType.normal : EntryType.confChange,
        data: bytesOf([0, 1, 255, 256, 65_535, 65_536][offset % 6] ?? 0, offset),
      }));
      const message: MsgApp = { type: "MsgApp", from: id, to: ids[0] ?? 1n, term: count,
        index: count, logTerm: count, entries, commit: count };
      const expected = encodeFrame(PeerFrameType.message, codec.pack(message), frameBytesMax);
      const packed = encodeMessage(codec, message, frameBytesMax);
      expect(packed).toEqual(expected);
      const [frame] = new FrameDecoder(frameBytesMax).push(packed).frames;
      if (frame === undefined) throw new Error("no frame");
      expect(decodeMessage(codec, frame)).toEqual(message);
    }
  });

  test("a MsgApp laid out another way is still decoded, and entries never alias the frame", () => {
    const codec = createMsgpackCodec();
    const data = bytesOf(300);
    const entry = { data, type: EntryType.normal, index: 8, term: 3 };
    const reordered = { commit: 7, entries: [entry], logTerm: 3, index: 7, term: 3, to: 2n,
      from: 1n, type: "MsgApp" };
    const expected: MsgApp = { type: "MsgApp", from: 1n, to: 2n, term: 3, index: 7, logTerm: 3,
      entries: [{ term: 3, index: 8, type: EntryType.normal, data }], commit: 7 };
    for (const bytes of [
      encodeFrame(PeerFrameType.message, codec.pack(reordered), 1 << 20),
      encodeMessage(codec, expected, 1 << 20),
    ]) {
      const [frame] = new FrameDecoder(1 << 20).push(bytes).frames;
      if (frame === undefined) throw new Error("no frame");
      const decoded = decodeMessage(codec, frame);
      expect(decoded).toEqual(expected);
      frame.payload.fill(0);
      bytes.fill(0);
      expect(decoded).toEqual(expected);
    }
  });

  test("the hand reader never throws on a damaged MsgApp payload, only gives up", () => {
    const codec = createMsgpackCodec();
    const entries = [0, 1, 2].map((offset) => ({
      term: 2, index: 10 + offset, type: EntryType.normal, data: bytesOf(20 + offset),
    }));
    const message: MsgApp = { type: "MsgApp", from: 2n ** 63n, to: 1n, term: 2, index: 9,
      logTerm: 2, entries, commit: 9 };
    const [frame] = new FrameDecoder(1 << 20).push(encodeMessage(codec, message, 1 << 20)).frames;
    if (frame === undefined) throw new Error("no frame");
    const payload = frame.payload;
    for (let position = 0; position <= payload.byteLength; position++) {
      expect(() => readAppendMessage(payload.subarray(0, position))).not.toThrow();
      for (const value of [0x00, 0x7f, 0xc4, 0xcb, 0xdd, 0xff]) {
        const damaged = payload.slice();
        if (position < damaged.byteLength) damaged[position] = value;
        expect(() => readAppendMessage(damaged)).not.toThrow();
      }
    }
    expect(readAppendMessage(payload.subarray(0, payload.byteLength - 1))).toBeUndefined();
  });

  test("a MsgApp over frameBytesMax is refused before anything is written", () => {
    const [app] = everyMessage(1n, 2n);
    if (app?.type !== "MsgApp") throw new Error("no MsgApp sample");
    expect(() => encodeMessage(createMsgpackCodec(), app, 64)).toThrow(RangeError);
  });

  test("damaged or foreign values are refused with CorruptionError", () => {
    const [app] = everyMessage(1n, 2n);
    const bad: unknown[] = [
      null,
      [1, 2],
      { ...app, type: "MsgBogus" },
      { ...app, from: 1 },
      { ...app, term: -1 },
      { ...app, entries: [{ term: 1, index: 1, type: 9, data: new Uint8Array() }] },
      { ...app, entries: "x" },
      { type: "MsgHeartbeat", from: 1n, to: 2n, term: 1, commit: 1, context: "text" },
      { type: "MsgVoteResp", from: 1n, to: 2n, term: 1, reject: 1 },
      { type: "MsgSnap", from: 1n, to: 2n, term: 1, snapshot: { metadata: {}, data: null } },
    ];
    for (const value of bad) expect(() => toMessage(value)).toThrow(CorruptionError);
  });
});

describe("snapshot streaming", () => {
  function snapshotOf(bytes: number): MsgSnap {
    const metadata = { index: 9, term: 2, confState: { voters: [1n, 2n], learners: [3n] } };
    const snapshot = { metadata, data: bytesOf(bytes) };
    return { type: "MsgSnap", from: 1n, to: 2n, term: 2, snapshot };
  }

  test("frames carry chunks of at most chunkBytes and reassemble exactly", () => {
    const codec = createMsgpackCodec();
    for (const size of [0, 1, 999, 1000, 1001, 5500]) {
      const message = snapshotOf(size);
      const frames = new SnapshotFrames(codec, message, { chunkBytes: 1000, frameBytesMax: 4096 });
      const decoder = new FrameDecoder(4096);
      let assembly: SnapshotAssembly | undefined;
      let delivered: MsgSnap | undefined;
      let count = 0;
      for (let bytes = frames.next(); bytes !== undefined; bytes = frames.next()) {
        count += 1;
        for (const frame of decoder.push(bytes).frames) {
          if (assembly === undefined) {
            assembly = new SnapshotAssembly(decodeSnapshotBegin(codec, frame), 1e6);
            if (assembly.complete) delivered = assembly.message();
            continue;
          }
          const result = assembly.add(frame.payload);
          if (result.status === "complete") delivered = result.message;
          expect(frame.payload.byteLength).toBeLessThanOrEqual(1000);
        }
      }
      expect(frames.done).toBe(true);
      expect(count).toBe(1 + Math.ceil(size / 1000));
      expect(delivered).toEqual(message);
    }
  });

  test("a chunk past the announced size is invalid", () => {
    const codec = createMsgpackCodec();
    const message = snapshotOf(10);
    const frames = new SnapshotFrames(codec, message, { chunkBytes: 1000, frameBytesMax: 4096 });
    const [begin] = new FrameDecoder(4096).push(frames.next() ?? new Uint8Array()).frames;
    if (begin === undefined) throw new Error("no begin frame");
    const assembly = new SnapshotAssembly(decodeSnapshotBegin(codec, begin), 1e6);
    expect(assembly.add(bytesOf(6)).status).toBe("partial");
    expect(assembly.add(bytesOf(6)).status).toBe("invalid");
  });
});
