/**
 * @module
 * The peer wire protocol. Every connection carries the codec's CRC-checked frames (types from
 * `messageTypeMin` up). The dialing member first sends a handshake; then Raft messages, pings and
 * snapshot streams (a begin frame with the message minus its data, then raw chunk frames)
 * follow. The accepting member only answers pings and, when it refuses a handshake, one reject
 * frame with the reason before it closes. A member joining a running cluster instead opens with
 * a cluster query, answered with the cluster id and member list before the acceptor closes.
 */
import {
  CorruptionError,
  type Frame,
  type MsgpackCodec,
  MsgpackWriter,
  appendMessageBytes,
  encodeFrame,
  encodeValueFrame,
  expectCount,
  expectArray,
  expectId,
  expectText,
  expectTexts,
  expectTuple,
  frameBytesFor,
  frameHeaderBytes,
  messageTypeMin,
  readAppendMessage,
  sealFrame,
  writeAppendMessage,
} from "../codec/index.ts";
import { assert } from "../lib/assert.ts";
import type { Message, MsgApp, MsgSnap } from "../raft/index.ts";
import { toMessage } from "./message-shape.ts";

/** Frame types of the peer protocol. */
export const PeerFrameType = {
  handshake: messageTypeMin,
  message: messageTypeMin + 1,
  snapshotBegin: messageTypeMin + 2,
  snapshotChunk: messageTypeMin + 3,
  ping: messageTypeMin + 4,
  pong: messageTypeMin + 5,
  reject: messageTypeMin + 6,
  clusterQuery: messageTypeMin + 7,
  clusterInfo: messageTypeMin + 8,
  /** The answer to a handshake from a member removed from the cluster: it must stop. */
  removed: messageTypeMin + 9,
} as const;

/** The protocol version a handshake announces; a different version is refused. */
export const peerProtocolVersion = 2;

/** The first frame on every connection, from the dialing member. */
export interface Handshake {
  readonly version: number;
  readonly clusterId: bigint;
  /** The dialing member. */
  readonly from: bigint;
  /** The member the dialer believes it reached. */
  readonly to: bigint;
}

/** The start of a streamed snapshot: the message without its data, and the data's length. */
export interface SnapshotBegin {
  readonly message: MsgSnap;
  readonly dataBytes: number;
}

/**
 * Encodes a handshake frame.
 * @throws {RangeError} when it does not fit in `frameBytesMax`.
 */
export function encodeHandshake(
  codec: MsgpackCodec,
  handshake: Handshake,
  frameBytesMax: number,
): Uint8Array {
  const value = [handshake.version, handshake.clusterId, handshake.from, handshake.to];
  return encodeValueFrame(codec, { type: PeerFrameType.handshake, value }, frameBytesMax);
}

/**
 * Decodes a handshake frame's payload.
 * @throws {CorruptionError} when it is not a handshake.
 */
export function decodeHandshake(codec: MsgpackCodec, frame: Frame): Handshake {
  const fields = expectTuple(unpackFrame(codec, frame, PeerFrameType.handshake), 4, "handshake");
  return {
    version: expectCount(fields[0], "handshake version"),
    clusterId: expectId(fields[1], "handshake cluster id"),
    from: expectId(fields[2], "handshake sender"),
    to: expectId(fields[3], "handshake target"),
  };
}

/** What a member accepting a connection knows about itself. */
export interface HandshakeExpectation {
  readonly clusterId: bigint;
  readonly memberId: bigint;
  /** Members removed from the cluster, which may never connect again. */
  readonly removed: ReadonlySet<bigint>;
}

/** Returns why a handshake must be refused, or undefined to accept it. */
export function handshakeRefusal(
  handshake: Handshake,
  expected: HandshakeExpectation,
): string | undefined {
  if (handshake.version !== peerProtocolVersion) {
    return `protocol version ${handshake.version} is not ${peerProtocolVersion}`;
  }
  if (handshake.clusterId !== expected.clusterId) {
    const theirs = handshake.clusterId.toString(16);
    return `cluster id ${theirs} is not this cluster's ${expected.clusterId.toString(16)}`;
  }
  if (handshake.to !== expected.memberId) {
    const theirs = handshake.to.toString(16);
    return `target member ${theirs} is not this member ${expected.memberId.toString(16)}`;
  }
  if (handshake.from === expected.memberId) return "the sender claims this member's own id";
  if (expected.removed.has(handshake.from)) {
    return `member ${handshake.from.toString(16)} was removed from the cluster`;
  }
  return undefined;
}

/**
 * Encodes a Raft message (never a MsgSnap with data: those are streamed).
 * @throws {RangeError} when the message does not fit in `frameBytesMax`.
 */
export function encodeMessage(
  codec: MsgpackCodec,
  message: Message,
  frameBytesMax: number,
): Uint8Array {
  if (message.type === "MsgApp") return encodeAppendFrame(message, frameBytesMax);
  return encodeValueFrame(codec, { type: PeerFrameType.message, value: message }, frameBytesMax);
}

/** A MsgApp, the bulk of a leader's traffic, packed by hand straight into its frame. */
function encodeAppendFrame(message: MsgApp, frameBytesMax: number): Uint8Array {
  const payloadBytes = appendMessageBytes(message);
  const total = frameBytesFor(payloadBytes);
  if (total > frameBytesMax) {
    throw new RangeError(
      `Cannot encode MsgApp: ${total} bytes exceeds frameBytesMax ${frameBytesMax}`,
    );
  }
  const bytes = new Uint8Array(total);
  const writer = new MsgpackWriter(bytes, frameHeaderBytes);
  writeAppendMessage(writer, message);
  assert(writer.offset === frameHeaderBytes + payloadBytes, "a MsgApp fills its frame exactly");
  sealFrame(bytes, 0, PeerFrameType.message, payloadBytes);
  return bytes;
}

/**
 * Decodes a message frame.
 * @throws {CorruptionError} when the payload is not a well-formed message.
 */
export function decodeMessage(codec: MsgpackCodec, frame: Frame): Message {
  assert(frame.type === PeerFrameType.message, `frame type ${frame.type} is not a message`);
  const append = readAppendMessage(frame.payload);
  if (append !== undefined) return toMessage(append);
  return toMessage(unpackFrame(codec, frame, PeerFrameType.message));
}

/**
 * Encodes the begin frame of a snapshot stream.
 * @throws {RangeError} when the metadata does not fit in `frameBytesMax`.
 */
export function encodeSnapshotBegin(
  codec: MsgpackCodec,
  message: MsgSnap,
  frameBytesMax: number,
): Uint8Array {
  const bare = { ...message, snapshot: { ...message.snapshot, data: new Uint8Array(0) } };
  const value = [bare, message.snapshot.data.byteLength];
  return encodeValueFrame(codec, { type: PeerFrameType.snapshotBegin, value }, frameBytesMax);
}

/**
 * Decodes a snapshot begin frame.
 * @throws {CorruptionError} when it is malformed.
 */
export function decodeSnapshotBegin(codec: MsgpackCodec, frame: Frame): SnapshotBegin {
  const fields = expectTuple(unpackFrame(codec, frame, PeerFrameType.snapshotBegin), 2, "begin");
  const message = toMessage(fields[0]);
  if (message.type !== "MsgSnap") {
    throw new CorruptionError(`Cannot decode snapshot begin: carries ${message.type}`, 0);
  }
  return { message, dataBytes: expectCount(fields[1], "snapshot data bytes") };
}

/**
 * Encodes one chunk of snapshot data (raw bytes, no msgpack).
 * @throws {RangeError} when the chunk does not fit in `frameBytesMax`.
 */
export function encodeSnapshotChunk(chunk: Uint8Array, frameBytesMax: number): Uint8Array {
  assert(chunk.byteLength > 0, "a snapshot chunk must not be empty");
  return encodeFrame(PeerFrameType.snapshotChunk, chunk, frameBytesMax);
}

/**
 * A ping or pong: a sequence number (a pong echoes its ping's) and the sender's cluster clock
 * when it sent it, so each member knows how the leader's clock compares with its own.
 */
export interface Ping {
  readonly sequence: number;
  readonly clockMs: number;
}

/**
 * Encodes a ping or pong.
 * @throws {AssertionError} when `type` is neither.
 */
export function encodePing(
  codec: MsgpackCodec,
  type: typeof PeerFrameType.ping | typeof PeerFrameType.pong,
  ping: Ping,
): Uint8Array {
  const { sequence, clockMs } = ping;
  assert(Number.isSafeInteger(sequence) && sequence >= 0, "ping sequence must be a count");
  assert(Number.isFinite(clockMs), "a ping carries a finite clock");
  return encodeValueFrame(codec, { type, value: [sequence, clockMs] }, 1024);
}

/**
 * Decodes a ping or pong.
 * @throws {CorruptionError} when it is malformed.
 */
export function decodePing(codec: MsgpackCodec, frame: Frame): Ping {
  const fields = expectTuple(unpackFrame(codec, frame, frame.type), 2, "ping");
  const clockMs = fields[1];
  if (typeof clockMs !== "number" || !Number.isFinite(clockMs)) {
    throw new CorruptionError("Cannot decode ping: the clock is not a finite number", 0);
  }
  return { sequence: expectCount(fields[0], "ping sequence"), clockMs };
}

/** One member as a cluster query answers it. */
export interface ClusterMember {
  readonly id: bigint;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
}

/** What a running member tells a joining one: which cluster this is and who is in it. */
export interface ClusterInfo {
  readonly clusterId: bigint;
  readonly members: readonly ClusterMember[];
}

/** Encodes a cluster query (it carries only the protocol version). */
export function encodeClusterQuery(codec: MsgpackCodec): Uint8Array {
  return encodeValueFrame(
    codec,
    { type: PeerFrameType.clusterQuery, value: [peerProtocolVersion] },
    1024,
  );
}

/**
 * Decodes a cluster query's protocol version.
 * @throws {CorruptionError} when it is malformed.
 */
export function decodeClusterQuery(codec: MsgpackCodec, frame: Frame): number {
  const fields = expectTuple(unpackFrame(codec, frame, PeerFrameType.clusterQuery), 1, "query");
  return expectCount(fields[0], "cluster query version");
}

/**
 * Encodes the answer to a cluster query.
 * @throws {RangeError} when it does not fit in `frameBytesMax`.
 */
export function encodeClusterInfo(
  codec: MsgpackCodec,
  info: ClusterInfo,
  frameBytesMax: number,
): Uint8Array {
  const members = info.members.map((member) => [
    member.id,
    member.name,
    [...member.peerURLs],
    [...member.clientURLs],
  ]);
  const value = [info.clusterId, members];
  return encodeValueFrame(codec, { type: PeerFrameType.clusterInfo, value }, frameBytesMax);
}

/**
 * Decodes the answer to a cluster query.
 * @throws {CorruptionError} when it is malformed.
 */
export function decodeClusterInfo(codec: MsgpackCodec, frame: Frame): ClusterInfo {
  const fields = expectTuple(unpackFrame(codec, frame, PeerFrameType.clusterInfo), 2, "info");
  const members = expectArray(fields[1], "cluster members").map((item) => {
    const member = expectTuple(item, 4, "cluster member");
    return {
      id: expectId(member[0], "member id"),
      name: expectText(member[1], "member name"),
      peerURLs: expectTexts(member[2], "member peer URLs"),
      clientURLs: expectTexts(member[3], "member client URLs"),
    };
  });
  return { clusterId: expectId(fields[0], "cluster id"), members };
}

/** Tells a removed member that it was removed (it carries the member's id). */
export function encodeRemovedNotice(codec: MsgpackCodec, memberId: bigint): Uint8Array {
  return encodeValueFrame(codec, { type: PeerFrameType.removed, value: memberId }, 1024);
}

/** Encodes a refusal with its reason, cut to a sane length. */
export function encodeReject(codec: MsgpackCodec, reason: string): Uint8Array {
  return encodeValueFrame(codec, { type: PeerFrameType.reject, value: reason.slice(0, 500) }, 4096);
}

/**
 * Decodes a refusal's reason.
 * @throws {CorruptionError} when it is malformed.
 */
export function decodeReject(codec: MsgpackCodec, frame: Frame): string {
  return expectText(unpackFrame(codec, frame, PeerFrameType.reject), "reject reason");
}

// --- internal ---

function unpackFrame(codec: MsgpackCodec, frame: Frame, type: number): unknown {
  assert(frame.type === type, `frame type ${frame.type} is not ${type}`);
  try {
    return codec.unpack(frame.payload);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new CorruptionError(`Cannot decode frame of type ${frame.type}: ${detail}`, 0);
  }
}
