/**
 * @module
 * One accepted peer connection: it checks the handshake, decodes frames, reassembles snapshot
 * streams and delivers messages. It writes only pongs and, to a refused dialer, one reject frame.
 */
import { CorruptionError, type Frame, type MsgpackCodec } from "../codec/index.ts";
import { assert } from "../lib/assert.ts";
import type { Logger } from "../lib/log.ts";
import type { MemberId, Message } from "../raft/index.ts";
import { FrameDecoder } from "./frame-decoder.ts";
import { SnapshotAssembly } from "./snapshot-stream.ts";
import {
  type ClusterInfo,
  type HandshakeExpectation,
  PeerFrameType,
  decodeClusterQuery,
  encodeClusterInfo,
  encodeRemovedNotice,
  decodeHandshake,
  decodeMessage,
  decodePing,
  decodeSnapshotBegin,
  encodePing,
  encodeReject,
  handshakeRefusal,
  peerProtocolVersion,
} from "./wire.ts";

/** The part of a Bun socket an inbound connection needs. */
export interface InboundSocket {
  write(data: Uint8Array): number;
  end(): void;
}

/** What an inbound connection needs from its transport. */
export interface InboundContext {
  readonly codec: MsgpackCodec;
  readonly frameBytesMax: number;
  readonly snapshotReceiveBytesMax: number;
  readonly logger: Logger;
  readonly expectation: HandshakeExpectation;
  /** A handshake was accepted: the connection now belongs to `peerId`. */
  accepted(connection: InboundConnection, peerId: MemberId): void;
  /** A complete message arrived. */
  deliver(peerId: MemberId, message: Message): void;
  /** Bytes arrived (before the handshake `peerId` is undefined). */
  received(peerId: MemberId | undefined, bytes: number): void;
  /** The member list, for a joining member's cluster query. */
  clusterInfo(): ClusterInfo;
  /** This member's cluster clock, sent in pongs. */
  clusterClockMs(): number;
  /** A peer's cluster clock as its ping stated it. */
  peerClock(peerId: MemberId, clockMs: number): void;
  /** The monotonic clock, for idle detection. */
  nowMs(): number;
}

/** The reading side of one peer connection. */
export class InboundConnection {
  readonly #socket: InboundSocket;
  readonly #context: InboundContext;
  readonly #decoder: FrameDecoder;
  #peerId: MemberId | undefined;
  #assembly: SnapshotAssembly | undefined;
  #pendingWrite: Uint8Array | undefined;
  #closing = false;
  #lastReceivedMs: number;

  constructor(socket: InboundSocket, context: InboundContext) {
    this.#socket = socket;
    this.#context = context;
    this.#decoder = new FrameDecoder(context.frameBytesMax);
    this.#lastReceivedMs = context.nowMs();
  }

  /** When bytes last arrived (or the connection opened), on the monotonic clock. */
  get lastReceivedMs(): number {
    return this.#lastReceivedMs;
  }

  /** The sending member, once its handshake was accepted. */
  get peerId(): MemberId | undefined {
    return this.#peerId;
  }

  /** Whether the connection was closed by this side. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Handles one read. */
  receive(data: Uint8Array): void {
    if (this.#closing) return;
    this.#lastReceivedMs = this.#context.nowMs();
    const result = this.#decoder.push(data);
    for (const frame of result.frames) {
      this.#handleFrame(frame);
      if (this.#closing) break;
    }
    // Counted after the frames, so the bytes of a read that held the handshake count too.
    this.#context.received(this.#peerId, data.byteLength);
    if (result.error !== undefined && !this.#closing) {
      this.#fail(`corrupt stream: ${result.error}`);
    }
  }

  /** Writes what backpressure held back. */
  drain(): void {
    const pending = this.#pendingWrite;
    if (pending === undefined || this.#closing) return;
    this.#pendingWrite = undefined;
    this.#write(pending);
  }

  /** Closes the connection from this side. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#assembly = undefined;
    this.#socket.end();
  }

  // --- internal ---

  #handleFrame(frame: Frame): void {
    try {
      if (this.#peerId === undefined) this.#handleHandshake(frame);
      else this.#handlePeerFrame(frame, this.#peerId);
    } catch (error) {
      if (!(error instanceof CorruptionError)) throw error;
      this.#fail(error.message);
    }
  }

  #handleHandshake(frame: Frame): void {
    if (frame.type === PeerFrameType.clusterQuery) {
      this.#answerClusterQuery(frame);
      return;
    }
    if (frame.type !== PeerFrameType.handshake) {
      this.#fail(`expected a handshake, got frame type ${frame.type}`);
      return;
    }
    const handshake = decodeHandshake(this.#context.codec, frame);
    const refusal = handshakeRefusal(handshake, this.#context.expectation);
    const from = handshake.from.toString(16);
    if (refusal !== undefined) {
      this.#context.logger.warn("peer handshake refused", { from, reason: refusal });
      const { expectation } = this.#context;
      // Only a member of this very cluster is told it was removed (it then stops for good).
      const removed = expectation.removed.has(handshake.from) &&
        handshake.clusterId === expectation.clusterId;
      this.#write(
        removed
          ? encodeRemovedNotice(this.#context.codec, handshake.from)
          : encodeReject(this.#context.codec, refusal),
      );
      this.close();
      return;
    }
    this.#peerId = handshake.from;
    this.#context.logger.debug("peer connection accepted", { from });
    this.#context.accepted(this, handshake.from);
  }

  /** A joining member asks who is in the cluster; it gets one answer, then the connection ends. */
  #answerClusterQuery(frame: Frame): void {
    const { codec, frameBytesMax, logger } = this.#context;
    const version = decodeClusterQuery(codec, frame);
    if (version !== peerProtocolVersion) {
      this.#fail(`cluster query of protocol version ${version} is not ${peerProtocolVersion}`);
      return;
    }
    logger.info("answering a joining member's cluster query", {});
    this.#write(encodeClusterInfo(codec, this.#context.clusterInfo(), frameBytesMax));
    this.close();
  }

  #handlePeerFrame(frame: Frame, peerId: MemberId): void {
    const codec = this.#context.codec;
    switch (frame.type) {
      case PeerFrameType.message:
        this.#deliver(peerId, decodeMessage(codec, frame));
        return;
      case PeerFrameType.snapshotBegin:
        this.#beginSnapshot(peerId, frame);
        return;
      case PeerFrameType.snapshotChunk:
        this.#addSnapshotChunk(peerId, frame);
        return;
      case PeerFrameType.ping: {
        const ping = decodePing(codec, frame);
        this.#context.peerClock(peerId, ping.clockMs);
        if (this.#pendingWrite !== undefined) return;
        const pong = { sequence: ping.sequence, clockMs: this.#context.clusterClockMs() };
        this.#write(encodePing(codec, PeerFrameType.pong, pong));
        return;
      }
      default:
        this.#fail(`unexpected frame type ${frame.type}`);
    }
  }

  #beginSnapshot(peerId: MemberId, frame: Frame): void {
    if (this.#assembly !== undefined) {
      this.#fail("a snapshot began before the previous one ended");
      return;
    }
    const begin = decodeSnapshotBegin(this.#context.codec, frame);
    if (begin.dataBytes > this.#context.snapshotReceiveBytesMax) {
      const limit = this.#context.snapshotReceiveBytesMax;
      this.#fail(`snapshot of ${begin.dataBytes} bytes exceeds snapshotReceiveBytesMax ${limit}`);
      return;
    }
    const assembly = new SnapshotAssembly(begin, this.#context.snapshotReceiveBytesMax);
    if (assembly.complete) this.#deliver(peerId, assembly.message());
    else this.#assembly = assembly;
  }

  #addSnapshotChunk(peerId: MemberId, frame: Frame): void {
    const assembly = this.#assembly;
    if (assembly === undefined) {
      this.#fail("a snapshot chunk arrived outside a snapshot");
      return;
    }
    const result = assembly.add(frame.payload);
    if (result.status === "invalid") {
      this.#fail(`bad snapshot chunk: ${result.reason}`);
    } else if (result.status === "complete") {
      this.#assembly = undefined;
      this.#deliver(peerId, result.message);
    }
  }

  #deliver(peerId: MemberId, message: Message): void {
    const self = this.#context.expectation.memberId;
    if (message.from !== peerId || message.to !== self) {
      const detail = `${message.from.toString(16)} to ${message.to.toString(16)}`;
      this.#fail(`message from ${detail} on a connection from ${peerId.toString(16)}`);
      return;
    }
    assert(!this.#closing, "a closing connection delivers nothing");
    this.#context.deliver(peerId, message);
  }

  #write(bytes: Uint8Array): void {
    const written = this.#socket.write(bytes);
    if (written >= 0 && written < bytes.byteLength) {
      this.#pendingWrite = bytes.subarray(written);
    }
  }

  #fail(reason: string): void {
    const from = this.#peerId?.toString(16);
    this.#context.logger.warn("peer connection closed", { from, reason });
    this.close();
  }
}
