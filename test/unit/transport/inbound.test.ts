/**
 * An accepted peer connection, driven with a fake socket: the handshake is checked (another
 * cluster, a wrong target, a removed member, a foreign version are refused with a reason), and
 * a corrupt frame or a message from someone else closes the connection.
 */
import { describe, expect, test } from "bun:test";
import { createMsgpackCodec, encodeFrame } from "../../../src/codec/index.ts";
import type { LogFields, Logger } from "../../../src/lib/log.ts";
import type { MemberId, Message } from "../../../src/raft/index.ts";
import { InboundConnection, type InboundSocket } from "../../../src/transport/inbound.ts";
import { FrameDecoder } from "../../../src/transport/frame-decoder.ts";
import {
  type Handshake,
  PeerFrameType,
  decodeClusterInfo,
  decodePing,
  decodeReject,
  encodeClusterQuery,
  encodeHandshake,
  encodeMessage,
  encodePing,
  peerProtocolVersion,
} from "../../../src/transport/wire.ts";
import { clusterId, everyMessage } from "./helpers.ts";

const codec = createMsgpackCodec();
const frameBytesMax = 1 << 20;

class FakeSocket implements InboundSocket {
  readonly written: Uint8Array[] = [];
  ended = false;
  /** Bytes accepted per write; the rest pushes back. */
  acceptBytes = Infinity;

  write(data: Uint8Array): number {
    const accepted = Math.min(data.byteLength, this.acceptBytes);
    this.written.push(data.slice(0, accepted));
    return accepted;
  }

  end(): void {
    this.ended = true;
  }
}

function recordingLogger(lines: { event: string; fields?: LogFields }[]): Logger {
  const log = (event: string, fields?: LogFields) => {
    lines.push(fields === undefined ? { event } : { event, fields });
  };
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

function connection(removed: ReadonlySet<MemberId> = new Set()) {
  const socket = new FakeSocket();
  const delivered: Message[] = [];
  const logs: { event: string; fields?: LogFields }[] = [];
  const accepted: MemberId[] = [];
  const clocks: [MemberId, number][] = [];
  const clock = { nowMs: 1000 };
  const inbound = new InboundConnection(socket, {
    codec,
    frameBytesMax,
    snapshotReceiveBytesMax: 1 << 20,
    logger: recordingLogger(logs),
    expectation: { clusterId, memberId: 1n, removed },
    accepted: (_connection, peerId) => accepted.push(peerId),
    deliver: (_peerId, message) => delivered.push(message),
    received: () => {},
    clusterClockMs: () => 5000,
    peerClock: (peerId, clockMs) => clocks.push([peerId, clockMs]),
    nowMs: () => clock.nowMs,
    clusterInfo: () => ({
      clusterId,
      members: [{ id: 1n, name: "n1", peerURLs: ["http://127.0.0.1:7001"], clientURLs: [] }],
    }),
  });
  return { socket, delivered, logs, accepted, inbound, clocks, clock };
}

function handshake(overrides: Partial<Handshake> = {}): Uint8Array {
  const value = { version: peerProtocolVersion, clusterId, from: 2n, to: 1n, ...overrides };
  return encodeHandshake(codec, value, frameBytesMax);
}

function rejectReason(socket: FakeSocket): string {
  const frames = new FrameDecoder(frameBytesMax).push(Buffer.concat(socket.written)).frames;
  expect(frames.map((frame) => frame.type)).toEqual([PeerFrameType.reject]);
  const [frame] = frames;
  if (frame === undefined) throw new Error("no reject frame");
  return decodeReject(codec, frame);
}

describe("InboundConnection handshake", () => {
  test("every read, even a partial frame, counts as activity for idle detection", () => {
    const { inbound, clock } = connection();
    expect(inbound.lastReceivedMs).toBe(1000);
    clock.nowMs = 1500;
    const bytes = handshake();
    inbound.receive(bytes.subarray(0, 3));
    expect(inbound.lastReceivedMs).toBe(1500);
    clock.nowMs = 2100;
    inbound.receive(bytes.subarray(3));
    expect(inbound.lastReceivedMs).toBe(2100);
  });

  test("a member of another cluster is refused with the reason, and nothing is delivered", () => {
    const { socket, delivered, logs, accepted, inbound } = connection();
    const message = encodeMessage(codec, everyMessage(2n, 1n)[0]!, frameBytesMax);
    inbound.receive(Buffer.concat([handshake({ clusterId: 0xbadn }), message]));
    expect(socket.ended).toBe(true);
    expect(delivered).toEqual([]);
    expect(accepted).toEqual([]);
    expect(rejectReason(socket)).toContain("cluster id bad is not this cluster's");
    expect(logs.some((line) => line.event === "peer handshake refused")).toBe(true);
    expect(inbound.peerId).toBeUndefined();
  });

  test("a removed member is told so (it then stops), and nothing of it is delivered", () => {
    const { socket, inbound, delivered } = connection(new Set([9n]));
    inbound.receive(handshake({ from: 9n }));
    expect(socket.ended).toBe(true);
    const frames = new FrameDecoder(frameBytesMax).push(Buffer.concat(socket.written)).frames;
    expect(frames.map((frame) => frame.type)).toEqual([PeerFrameType.removed]);
    expect(delivered).toEqual([]);
  });

  test("a cluster query gets the member list, then the connection ends", () => {
    const { socket, inbound, accepted } = connection();
    inbound.receive(encodeClusterQuery(codec));
    expect(socket.ended).toBe(true);
    const frames = new FrameDecoder(frameBytesMax).push(Buffer.concat(socket.written)).frames;
    const [frame] = frames;
    if (frame === undefined) throw new Error("no answer");
    expect(decodeClusterInfo(codec, frame)).toEqual({
      clusterId,
      members: [{ id: 1n, name: "n1", peerURLs: ["http://127.0.0.1:7001"], clientURLs: [] }],
    });
    expect(accepted).toEqual([]);
  });

  test("a wrong target, another version and a self-dial are refused", () => {
    const cases: [Partial<Handshake>, string][] = [
      [{ to: 3n }, "target member 3 is not this member 1"],
      [{ version: peerProtocolVersion + 1 }, `protocol version ${peerProtocolVersion + 1}`],
      [{ from: 1n }, "own id"],
    ];
    for (const [overrides, reason] of cases) {
      const { socket, inbound } = connection(new Set([9n]));
      inbound.receive(handshake(overrides));
      expect(socket.ended).toBe(true);
      expect(rejectReason(socket)).toContain(reason);
    }
  });

  test("a frame before the handshake closes the connection", () => {
    const { socket, delivered, inbound } = connection();
    inbound.receive(encodeMessage(codec, everyMessage(2n, 1n)[0]!, frameBytesMax));
    expect(socket.ended).toBe(true);
    expect(delivered).toEqual([]);
  });

  test("an accepted dialer's messages are delivered and its pings answered, clocks swapped", () => {
    const { socket, delivered, accepted, inbound, clocks } = connection();
    const messages = everyMessage(2n, 1n).filter((m) => m.type !== "MsgSnap");
    const frames = messages.map((m) => encodeMessage(codec, m, frameBytesMax));
    const ping = encodePing(codec, PeerFrameType.ping, { sequence: 7, clockMs: 1234.5 });
    inbound.receive(Buffer.concat([handshake(), ...frames, ping]));
    expect(accepted).toEqual([2n]);
    expect(delivered).toEqual(messages);
    expect(socket.ended).toBe(false);
    const [pong] = new FrameDecoder(frameBytesMax).push(Buffer.concat(socket.written)).frames;
    expect(pong?.type).toBe(PeerFrameType.pong);
    if (pong !== undefined) expect(decodePing(codec, pong)).toEqual({ sequence: 7, clockMs: 5000 });
    expect(clocks).toEqual([[2n, 1234.5]]);
  });

  test("a pong that meets backpressure is finished on drain", () => {
    const { socket, inbound } = connection();
    socket.acceptBytes = 5;
    const ping = encodePing(codec, PeerFrameType.ping, { sequence: 3, clockMs: 1 });
    inbound.receive(Buffer.concat([handshake(), ping]));
    socket.acceptBytes = Infinity;
    inbound.drain();
    const frames = new FrameDecoder(frameBytesMax).push(Buffer.concat(socket.written)).frames;
    expect(frames.map((frame) => decodePing(codec, frame).sequence)).toEqual([3]);
  });
});

describe("InboundConnection after the handshake", () => {
  test("a corrupt frame closes the connection after delivering what came before", () => {
    const { socket, delivered, inbound } = connection();
    const [first, second] = everyMessage(2n, 1n);
    const good = encodeMessage(codec, first!, frameBytesMax);
    const damaged = encodeMessage(codec, second!, frameBytesMax);
    damaged[damaged.byteLength - 9]! ^= 0xff;
    inbound.receive(Buffer.concat([handshake(), good, damaged]));
    expect(delivered).toEqual([first!]);
    expect(socket.ended).toBe(true);
    inbound.receive(good);
    expect(delivered.length).toBe(1);
  });

  test("a frame over frameBytesMax closes the connection", () => {
    const { socket, inbound } = connection();
    inbound.receive(handshake());
    inbound.receive(encodeFrame(PeerFrameType.message, new Uint8Array(frameBytesMax), 1 << 22));
    expect(socket.ended).toBe(true);
  });

  test("a message claiming another sender closes the connection", () => {
    const { socket, delivered, inbound } = connection();
    const forged = encodeMessage(codec, everyMessage(3n, 1n)[0]!, frameBytesMax);
    inbound.receive(Buffer.concat([handshake(), forged]));
    expect(delivered).toEqual([]);
    expect(socket.ended).toBe(true);
  });

  test("a malformed message payload closes the connection", () => {
    const { socket, delivered, inbound } = connection();
    const payload = codec.pack({ type: "MsgApp", from: 2n, to: 1n });
    const frame = encodeFrame(PeerFrameType.message, payload, frameBytesMax);
    inbound.receive(Buffer.concat([handshake(), frame]));
    expect(delivered).toEqual([]);
    expect(socket.ended).toBe(true);
  });
});
