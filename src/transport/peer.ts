/**
 * @module
 * The outbound side of one peer: a single connection it dials (and re-dials with backoff), a
 * bounded queue of encoded messages written as the socket drains, at most one snapshot stream
 * interleaved with them, and pings that measure round trips.
 */
import type { Socket } from "bun";
import { CorruptionError, type Frame, type MsgpackCodec } from "../codec/index.ts";
import { assert } from "../lib/assert.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { TransportLimits } from "../limits.ts";
import type { MemberId, Message, MsgSnap } from "../raft/index.ts";
import type { Backoff } from "./backoff.ts";
import { FrameDecoder } from "./frame-decoder.ts";
import { guarded } from "./guard.ts";
import { LatencyRecorder } from "./latency.ts";
import { parsePeerUrl } from "./peer-url.ts";
import { SendQueue } from "./send-queue.ts";
import { SnapshotFrames } from "./snapshot-stream.ts";
import type { SocketRegistry } from "./socket-registry.ts";
import type { PeerStats, Timers } from "./types.ts";
import {
  PeerFrameType,
  decodePing,
  decodeReject,
  encodeHandshake,
  encodeMessage,
  encodePing,
  peerProtocolVersion,
} from "./wire.ts";

/** What a peer reports to its transport. */
export interface PeerEvents {
  unreachable(peerId: MemberId): void;
  /** A peer refused us because this member was removed from the cluster. */
  removedFromCluster(peerId: MemberId): void;
  /** A peer's cluster clock as its pong stated it. */
  peerClock(peerId: MemberId, clockMs: number): void;
  /** This member's cluster clock, sent in pings. */
  clusterClockMs(): number;
  snapshotStatus(peerId: MemberId, ok: boolean): void;
  sent(bytes: number, messages: number): void;
}

/** Everything an outbound peer is built from. */
export interface OutboundPeerOptions {
  readonly id: MemberId;
  readonly urls: readonly string[];
  readonly clusterId: bigint;
  readonly memberId: MemberId;
  readonly codec: MsgpackCodec;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly backoff: Backoff;
  readonly logger: Logger;
  readonly frameBytesMax: number;
  readonly limits: TransportLimits;
  /** How often the connection is pinged (and timeouts checked). */
  readonly pingIntervalMs: number;
  /** A dial still pending after this long is abandoned and retried. */
  readonly connectTimeoutMs: number;
  /** An open connection with no pong for this long is presumed dead and re-dialed. */
  readonly pongTimeoutMs: number;
  readonly registry: SocketRegistry;
  readonly events: PeerEvents;
}

type PeerState = "idle" | "connecting" | "open" | "waiting" | "closed";

/** A unit handed to `socket.write`: bytes plus what completing it means. */
interface WriteUnit {
  readonly bytes: Uint8Array;
  readonly messages: number;
  readonly snapshotDone: boolean;
}

/** Small messages are coalesced into writes of about this size. */
const coalesceBytes = 64 * 1024;
/** Outstanding pings remembered for round-trip measurement. */
const pingsRemembered = 8;

/** The outbound connection to one peer. */
export class OutboundPeer {
  readonly id: MemberId;
  readonly #options: OutboundPeerOptions;
  readonly #queue: SendQueue<Uint8Array>;
  readonly #latency = new LatencyRecorder();
  readonly #pings = new Map<number, number>();
  #urls: readonly string[];
  #urlIndex = 0;
  #state: PeerState = "idle";
  #generation = 0;
  #socket: Socket<undefined> | undefined;
  #decoder: FrameDecoder;
  #pending: WriteUnit | undefined;
  #snapshot: SnapshotFrames | undefined;
  #pingDue = false;
  #pingSequence = 0;
  #reconnectTimer: unknown;
  #tickTimer: unknown;
  /** Settles when the latest `Bun.connect` has opened or failed. */
  #dial: Promise<void> = Promise.resolve();
  #lastRefusal: string | undefined;
  /** Whether the current connection has answered a ping, proving its handshake was accepted. */
  #answered = false;
  /** When the current dial began, or the last pong (or open) on the current connection. */
  #lastProgressMs = 0;
  #success = 0;
  #fail = 0;
  #sentMessages = 0;
  #sentBytes = 0;

  /** @throws {RangeError} when a URL is not a peer URL. */
  constructor(options: OutboundPeerOptions) {
    assert(options.id !== options.memberId, "a member is not its own peer");
    assert(options.pingIntervalMs > 0, "pingIntervalMs must be positive");
    assert(options.pongTimeoutMs > options.pingIntervalMs, "pongTimeoutMs must exceed a ping");
    assert(options.connectTimeoutMs > 0, "connectTimeoutMs must be positive");
    checkUrls(options.urls);
    this.id = options.id;
    this.#options = options;
    this.#urls = [...options.urls];
    this.#decoder = new FrameDecoder(options.frameBytesMax);
    this.#queue = new SendQueue({
      itemsMax: options.limits.peerSendQueueMessagesMax,
      bytesMax: options.limits.peerSendQueueBytesMax,
    });
  }

  /** Begins dialing and pinging. */
  start(): void {
    assert(this.#state === "idle", "a peer starts once");
    this.#connect();
    this.#scheduleTick();
  }

  /**
   * Queues one message; `flush()` writes it.
   * @returns false when the message was dropped (the caller reports it).
   */
  enqueue(message: Message): boolean {
    assert(message.to === this.id, "a message goes to the peer it names");
    if (this.#state !== "connecting" && this.#state !== "open") {
      this.#fail += 1;
      return false;
    }
    if (message.type === "MsgSnap") return this.#sendSnapshot(message);
    let frame: Uint8Array;
    try {
      frame = encodeMessage(this.#options.codec, message, this.#options.frameBytesMax);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      const detail = error.message;
      this.#options.logger.error("peer message too large", { to: this.#hex, detail });
      this.#fail += 1;
      return false;
    }
    if (!this.#queue.push(frame, frame.byteLength)) {
      this.#fail += 1;
      return false;
    }
    return true;
  }

  /** Writes queued frames until the socket pushes back (then again on drain). */
  flush(): void {
    this.#flush();
  }

  /** Replaces the peer's URLs; a changed list re-dials at once. */
  updateUrls(urls: readonly string[]): void {
    checkUrls(urls);
    const same = urls.length === this.#urls.length && urls.every((u, i) => u === this.#urls[i]);
    if (same || this.#state === "closed") return;
    this.#urls = [...urls];
    this.#urlIndex = 0;
    if (this.#state === "idle") return;
    this.#lose("peer URLs changed");
    this.#options.timers.clearTimeout(this.#reconnectTimer);
    this.#options.backoff.reset();
    this.#connect();
  }

  /** Closes for good, without callbacks; resolves once the socket has closed. */
  close(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    this.#state = "closed";
    this.#generation += 1;
    this.#options.timers.clearTimeout(this.#reconnectTimer);
    this.#options.timers.clearTimeout(this.#tickTimer);
    this.#queue.clear();
    this.#snapshot = undefined;
    this.#pending = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined) return Promise.resolve();
    socket.end();
    return this.#options.registry.whenClosed(socket);
  }

  /**
   * Settles once the latest dial has opened or failed (a dial still pending when the peer
   * closes ends its socket as soon as it opens).
   */
  dialSettled(): Promise<void> {
    return this.#dial;
  }

  /** The peer's counters; received counts are filled in by the transport. */
  stats(): Omit<PeerStats, "receivedMessages" | "receivedBytes"> {
    return {
      id: this.id,
      connected: this.#state === "open" && this.#answered,
      latency: this.#latency.stats(),
      counts: { success: this.#success, fail: this.#fail },
      queuedMessages: this.#queue.length,
      sentMessages: this.#sentMessages,
      sentBytes: this.#sentBytes,
    };
  }

  // --- internal: connection lifecycle ---

  get #hex(): string {
    return this.id.toString(16);
  }

  #connect(): void {
    assert(this.#state !== "closed" && this.#socket === undefined, "connect only when closed");
    const generation = ++this.#generation;
    const url = this.#urls[this.#urlIndex % this.#urls.length];
    this.#urlIndex += 1;
    assert(url !== undefined, "a peer has at least one URL");
    const { hostname, port } = parsePeerUrl(url);
    this.#state = "connecting";
    this.#lastProgressMs = this.#options.clock.monotonicMs();
    this.#decoder = new FrameDecoder(this.#options.frameBytesMax);
    const { registry, logger } = this.#options;
    this.#dial = Bun.connect<undefined>({
      hostname,
      port,
      socket: {
        open: guarded(logger, "outbound open", (socket) => {
          registry.add(socket);
          this.#opened(generation, socket);
        }),
        data: guarded(logger, "outbound data", (_socket, data) => this.#received(generation, data)),
        drain: guarded(logger, "outbound drain", () => {
          if (generation === this.#generation) this.#flush();
        }),
        end: (socket) => {
          socket.end();
        },
        close: guarded(logger, "outbound close", (socket, error) => {
          registry.closed(socket);
          if (generation === this.#generation) this.#lose(error?.message ?? "connection closed");
        }),
        connectError: guarded(logger, "outbound connect error", (_socket, error) => {
          if (generation === this.#generation) this.#lose(`cannot connect: ${error.message}`);
        }),
        error: (_socket, error) => {
          this.#options.logger.debug("peer socket error", { to: this.#hex, detail: error.message });
        },
      },
    }).then(
      () => {},
      (error: unknown) => {
        const detail = error instanceof Error ? error.message : String(error);
        if (generation === this.#generation) this.#lose(`cannot connect: ${detail}`);
      },
    );
  }

  #opened(generation: number, socket: Socket<undefined>): void {
    if (generation !== this.#generation || this.#state !== "connecting") {
      socket.end();
      return;
    }
    this.#socket = socket;
    // Raft's messages are small and each waits on the one before: Nagle's delay would stall them.
    socket.setNoDelay(true);
    this.#state = "open";
    this.#answered = false;
    this.#lastProgressMs = this.#options.clock.monotonicMs();
    const handshake = {
      version: peerProtocolVersion,
      clusterId: this.#options.clusterId,
      from: this.#options.memberId,
      to: this.id,
    };
    const bytes = encodeHandshake(this.#options.codec, handshake, this.#options.frameBytesMax);
    assert(this.#pending === undefined, "a new connection starts with nothing half-written");
    this.#pending = { bytes, messages: 0, snapshotDone: false };
    this.#pingDue = true;
    this.#options.logger.debug("peer connected", { to: this.#hex });
    this.#flush();
  }

  /** The connection failed or closed: drop what was queued, then wait and re-dial. */
  #lose(reason: string): void {
    if (this.#state === "closed" || this.#state === "waiting") return;
    const wasOpen = this.#state === "open";
    this.#generation += 1;
    this.#socket?.end();
    this.#socket = undefined;
    this.#pings.clear();
    const dropped = this.#queue.clear() + (this.#pending?.messages ?? 0);
    this.#pending = undefined;
    this.#fail += dropped;
    const snapshot = this.#snapshot;
    this.#snapshot = undefined;
    this.#state = "waiting";
    const delayMs = this.#options.backoff.nextDelayMs();
    const level = wasOpen ? "info" : "debug";
    this.#options.logger[level]("peer connection lost", { to: this.#hex, reason, delayMs });
    this.#reconnectTimer = this.#options.timers.setTimeout(() => this.#reconnect(), delayMs);
    if (snapshot !== undefined) this.#options.events.snapshotStatus(this.id, false);
    if (dropped > 0 || snapshot !== undefined) this.#options.events.unreachable(this.id);
  }

  #reconnect(): void {
    if (this.#state !== "waiting") return;
    this.#connect();
  }

  #scheduleTick(): void {
    this.#tickTimer = this.#options.timers.setTimeout(() => {
      if (this.#state === "closed") return;
      this.#tick();
      this.#scheduleTick();
    }, this.#options.pingIntervalMs);
  }

  /** Pings an open connection and gives up on a dial or a connection that went silent. */
  #tick(): void {
    const silentMs = this.#options.clock.monotonicMs() - this.#lastProgressMs;
    if (this.#state === "connecting" && silentMs > this.#options.connectTimeoutMs) {
      this.#lose(`no connection after ${Math.round(silentMs)} ms`);
    } else if (this.#state === "open" && silentMs > this.#options.pongTimeoutMs) {
      this.#lose(`no pong for ${Math.round(silentMs)} ms`);
    } else if (this.#state === "open") {
      this.#pingDue = true;
      this.#flush();
    }
  }

  // --- internal: reading pongs and refusals ---

  #received(generation: number, data: Uint8Array): void {
    if (generation !== this.#generation) return;
    const result = this.#decoder.push(data);
    for (const frame of result.frames) {
      try {
        this.#handleFrame(frame);
      } catch (error) {
        if (!(error instanceof CorruptionError)) throw error;
        this.#lose(error.message);
      }
      if (generation !== this.#generation) return;
    }
    if (result.error !== undefined) this.#lose(`corrupt stream: ${result.error}`);
  }

  #handleFrame(frame: Frame): void {
    const codec = this.#options.codec;
    if (frame.type === PeerFrameType.pong) {
      const { sequence, clockMs } = decodePing(codec, frame);
      this.#options.events.peerClock(this.id, clockMs);
      const sentMs = this.#pings.get(sequence);
      if (sentMs === undefined) return;
      this.#pings.delete(sequence);
      const nowMs = this.#options.clock.monotonicMs();
      this.#lastProgressMs = nowMs;
      this.#lastRefusal = undefined;
      this.#answered = true;
      this.#latency.record(Math.max(0, nowMs - sentMs));
      // A pong proves the handshake was accepted: the connection is healthy.
      this.#options.backoff.reset();
    } else if (frame.type === PeerFrameType.removed) {
      this.#options.logger.warn("peer says this member was removed from the cluster", {
        to: this.#hex,
      });
      this.#lose("this member was removed from the cluster");
      this.#options.events.removedFromCluster(this.id);
    } else if (frame.type === PeerFrameType.reject) {
      const reason = decodeReject(codec, frame);
      // Every re-dial is refused the same way until someone fixes the configuration: say it once.
      const level = reason === this.#lastRefusal ? "debug" : "warn";
      this.#lastRefusal = reason;
      this.#options.logger[level]("peer refused the connection", { to: this.#hex, reason });
      this.#lose(`refused: ${reason}`);
    } else {
      this.#lose(`unexpected frame type ${frame.type} from the accepting side`);
    }
  }

  // --- internal: writing ---

  #sendSnapshot(message: MsgSnap): boolean {
    if (this.#snapshot !== undefined) {
      this.#options.logger.warn("peer snapshot already streaming", { to: this.#hex });
      this.#fail += 1;
      return false;
    }
    const { codec, frameBytesMax, limits } = this.#options;
    try {
      const chunkBytes = limits.snapshotChunkBytes;
      this.#snapshot = new SnapshotFrames(codec, message, { chunkBytes, frameBytesMax });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.#options.logger.error("peer snapshot metadata too large", { to: this.#hex });
      this.#fail += 1;
      return false;
    }
    return true;
  }

  /** Writes until the socket pushes back or nothing is left. */
  #flush(): void {
    const socket = this.#socket;
    if (this.#state !== "open" || socket === undefined) return;
    for (;;) {
      const unit = this.#pending ?? this.#nextUnit();
      if (unit === undefined) return;
      this.#pending = unit;
      const written = socket.write(unit.bytes);
      if (written < 0) return;
      this.#sentBytes += written;
      this.#options.events.sent(written, 0);
      if (written < unit.bytes.byteLength) {
        this.#pending = { ...unit, bytes: unit.bytes.subarray(written) };
        return;
      }
      this.#pending = undefined;
      this.#unitWritten(unit);
      if (this.#socket !== socket) return;
    }
  }

  #unitWritten(unit: WriteUnit): void {
    const messages = unit.messages + (unit.snapshotDone ? 1 : 0);
    this.#success += messages;
    this.#sentMessages += messages;
    this.#options.events.sent(0, messages);
    if (unit.snapshotDone) {
      this.#snapshot = undefined;
      this.#options.events.snapshotStatus(this.id, true);
    }
  }

  /** The next bytes to write: a due ping, then queued messages, then a snapshot frame. */
  #nextUnit(): WriteUnit | undefined {
    if (this.#pingDue) {
      this.#pingDue = false;
      const sequence = ++this.#pingSequence;
      this.#pings.set(sequence, this.#options.clock.monotonicMs());
      if (this.#pings.size > pingsRemembered) this.#pings.delete(sequence - pingsRemembered);
      const clockMs = this.#options.events.clusterClockMs();
      const bytes = encodePing(this.#options.codec, PeerFrameType.ping, { sequence, clockMs });
      return { bytes, messages: 0, snapshotDone: false };
    }
    if (this.#queue.length > 0) return this.#coalesceMessages();
    const snapshot = this.#snapshot;
    if (snapshot === undefined) return undefined;
    const bytes = snapshot.next();
    assert(bytes !== undefined, "a snapshot in flight has frames left");
    return { bytes, messages: 0, snapshotDone: snapshot.done };
  }

  #coalesceMessages(): WriteUnit {
    const frames: Uint8Array[] = [];
    let bytes = 0;
    while (this.#queue.length > 0 && bytes < coalesceBytes) {
      const frame = this.#queue.shift();
      assert(frame !== undefined, "a non-empty queue yields a frame");
      frames.push(frame);
      bytes += frame.byteLength;
    }
    const first = frames[0];
    if (frames.length === 1 && first !== undefined) {
      return { bytes: first, messages: 1, snapshotDone: false };
    }
    const joined = new Uint8Array(bytes);
    let offset = 0;
    for (const frame of frames) {
      joined.set(frame, offset);
      offset += frame.byteLength;
    }
    return { bytes: joined, messages: frames.length, snapshotDone: false };
  }
}

/**
 * Checks a peer's URL list.
 * @throws {RangeError} when it is empty or holds something other than a peer URL.
 */
function checkUrls(urls: readonly string[]): void {
  if (urls.length === 0) throw new RangeError("Cannot use peer URLs: the list is empty");
  for (const url of urls) parsePeerUrl(url);
}
