/**
 * @module
 * The TCP transport: a `Bun.listen` listener whose accepted connections are only read (save
 * pongs), and one dialed connection per peer for sending. Ties the peers, inbound connections
 * and counters together behind the `Transport` interface.
 */
import type { Socket, TCPSocketListener } from "bun";
import { type MsgpackCodec, createMsgpackCodec } from "../codec/index.ts";
import { assert } from "../lib/assert.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { Prng } from "../lib/prng.ts";
import { type TransportLimits, checkTransportLimits } from "../limits.ts";
import type { MemberId, Message } from "../raft/index.ts";
import { Backoff, type BackoffOptions, defaultBackoffOptions } from "./backoff.ts";
import { guarded } from "./guard.ts";
import { InboundConnection, type InboundContext } from "./inbound.ts";
import { OutboundPeer, type PeerEvents } from "./peer.ts";
import { parsePeerUrl } from "./peer-url.ts";
import { RateMeter } from "./rate-meter.ts";
import { SocketRegistry } from "./socket-registry.ts";
import type { ClusterInfo } from "./wire.ts";
import {
  type MessageHandler,
  type PeerStats,
  type SnapshotStatusHandler,
  type Timers,
  type Transport,
  type TransportStats,
  type UnreachableHandler,
  systemTimers,
} from "./types.ts";

/** Everything a TCP transport is built from. */
export interface TcpTransportOptions {
  /** This member's id, announced in every handshake it dials. */
  readonly memberId: MemberId;
  /** Handshakes from members of any other cluster are refused. */
  readonly clusterId: bigint;
  /** `http://host:port` to listen on; port 0 picks a free port (see `listenPort`). */
  readonly listenUrl: string;
  readonly clock: Clock;
  /** Jitter for reconnect delays; each peer forks its own generator. */
  readonly prng: Prng;
  readonly logger: Logger;
  /** The largest frame sent or accepted (a larger message is dropped, a larger frame closes). */
  readonly frameBytesMax: number;
  readonly limits: TransportLimits;
  /** Reconnect delays (default `defaultBackoffOptions`). */
  readonly backoff?: BackoffOptions;
  /** How often each peer connection is pinged for latency (default 1000 ms). */
  readonly pingIntervalMs?: number;
  /** How long a dial may take before it is retried (default 3000 ms). */
  readonly connectTimeoutMs?: number;
  /** How long an open connection may go without a pong before re-dialing (default 5000 ms). */
  readonly pongTimeoutMs?: number;
  /** How long `stop()` waits for sockets to close gracefully (default 1000 ms). */
  readonly closeGraceMs?: number;
  readonly timers?: Timers;
  readonly onMessage?: MessageHandler;
  readonly onUnreachable?: UnreachableHandler;
  readonly onSnapshotStatus?: SnapshotStatusHandler;
  /**
   * This member's cluster clock (the time it would stamp into proposals as leader), carried in
   * pings and pongs (default: the wall clock).
   */
  readonly clusterClockMs?: () => number;
  /** Told when a peer refuses this member because it was removed from the cluster. */
  readonly onRemovedFromCluster?: () => void;
  /** The member list a joining member's cluster query gets (default: no members). */
  readonly clusterInfo?: () => ClusterInfo;
}

const defaultPingIntervalMs = 1000;

interface Counters {
  messages: number;
  bytes: number;
}

type InboundSocketData = InboundConnection | undefined;

/** Raft messages between members over Bun TCP sockets. */
export class TcpTransport implements Transport {
  readonly #options: TcpTransportOptions;
  readonly #codec: MsgpackCodec = createMsgpackCodec();
  readonly #timers: Timers;
  readonly #registry = new SocketRegistry();
  readonly #peers = new Map<MemberId, OutboundPeer>();
  readonly #inbound = new Map<MemberId, Set<InboundConnection>>();
  readonly #inboundOpen = new Set<InboundConnection>();
  readonly #removed = new Set<MemberId>();
  readonly #receivedByPeer = new Map<MemberId, Counters>();
  /** Each peer's cluster clock minus our wall clock, at its latest ping or pong. */
  readonly #peerClockOffsets = new Map<MemberId, number>();
  readonly #sent: Counters = { messages: 0, bytes: 0 };
  readonly #received: Counters = { messages: 0, bytes: 0 };
  readonly #sendRate = new RateMeter();
  readonly #receiveRate = new RateMeter();
  #listener: TCPSocketListener<InboundSocketData> | undefined;
  #state: "new" | "started" | "stopped" = "new";
  #onMessage: MessageHandler;
  #onUnreachable: UnreachableHandler;
  #onSnapshotStatus: SnapshotStatusHandler;
  #idleSweepTimer: unknown;
  readonly #inboundContext: InboundContext;

  /** @throws {RangeError} when `listenUrl` is not a peer URL or the limits do not fit. */
  constructor(options: TcpTransportOptions) {
    parsePeerUrl(options.listenUrl);
    checkTransportLimits(options.limits, options.frameBytesMax);
    this.#options = options;
    this.#timers = options.timers ?? systemTimers();
    this.#onMessage = options.onMessage ?? (() => {});
    this.#onUnreachable = options.onUnreachable ?? (() => {});
    this.#onSnapshotStatus = options.onSnapshotStatus ?? (() => {});
    this.#inboundContext = this.#createInboundContext();
  }

  /** The port the listener is bound to; only after `start()`. */
  get listenPort(): number {
    assert(this.#listener !== undefined, "the transport listens only once started");
    return this.#listener.port;
  }

  /**
   * Listens for peers and dials the known ones.
   * @throws {Error} (as a rejection) when the listen address cannot be bound.
   */
  async start(): Promise<void> {
    assert(this.#state === "new", "a transport starts once");
    const { hostname, port } = parsePeerUrl(this.#options.listenUrl);
    const logger = this.#options.logger;
    this.#listener = Bun.listen<InboundSocketData>({
      hostname,
      port,
      data: undefined,
      socket: {
        open: guarded(logger, "inbound open", (socket) => this.#inboundOpened(socket)),
        data: guarded(logger, "inbound data", (socket, data) => socket.data?.receive(data)),
        drain: guarded(logger, "inbound drain", (socket) => socket.data?.drain()),
        end: (socket) => {
          socket.end();
        },
        close: guarded(logger, "inbound close", (socket) => this.#inboundClosed(socket)),
        error: (_socket, error) => {
          logger.debug("peer inbound socket error", { detail: error.message });
        },
      },
    });
    this.#state = "started";
    this.#scheduleIdleSweep();
    for (const peer of this.#peers.values()) peer.start();
    this.#options.logger.info("peer transport listening", { port: this.#listener.port });
  }

  /** Closes the listener and every connection; resolves once all sockets are closed. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    this.#timers.clearTimeout(this.#idleSweepTimer);
    this.#listener?.stop(false);
    const dials = [...this.#peers.values()].map((peer) => peer.dialSettled());
    for (const peer of this.#peers.values()) void peer.close();
    for (const connection of this.#inboundOpen) connection.close();
    // A dial to an unresponsive host may stay pending long after this; wait a grace period.
    await this.#settleWithin(Promise.all(dials), this.#closeGraceMs);
    const stillOpen = await this.#registry.closeAll(this.#timers, this.#closeGraceMs);
    if (stillOpen > 0) this.#options.logger.warn("peer sockets did not close", { stillOpen });
    this.#listener?.stop(true);
  }

  /** See `Transport.send`: never blocks, never throws for network trouble. */
  send(messages: readonly Message[]): void {
    const unreachable = new Set<MemberId>();
    const queued = new Set<OutboundPeer>();
    for (const message of messages) {
      if (message.from !== this.#options.memberId) {
        // Raft relays a proposal or read request it got from another member to the leader it
        // now follows, keeping the asker as `from`. A connection carries only its dialer's
        // messages (the receiver refuses others), so drop it: the asker times out and retries.
        const from = message.from.toString(16);
        this.#options.logger.warn("relayed peer message dropped", { type: message.type, from });
        continue;
      }
      if (message.to === this.#options.memberId) {
        this.#options.logger.error("peer message to self dropped", { type: message.type });
        continue;
      }
      const peer = this.#peers.get(message.to);
      if (this.#state !== "stopped" && peer !== undefined && peer.enqueue(message)) {
        queued.add(peer);
        continue;
      }
      if (message.type === "MsgSnap") this.#onSnapshotStatus(message.to, false);
      unreachable.add(message.to);
    }
    // One flush per peer lets a batch share writes.
    for (const peer of queued) peer.flush();
    for (const peerId of unreachable) this.#onUnreachable(peerId);
  }

  /** Replaces the handler for received messages. */
  onMessage(handler: MessageHandler): void {
    this.#onMessage = handler;
  }

  /** Replaces the handler for dropped sends. */
  onUnreachable(handler: UnreachableHandler): void {
    this.#onUnreachable = handler;
  }

  /** Replaces the handler for finished or failed snapshot streams. */
  onSnapshotStatus(handler: SnapshotStatusHandler): void {
    this.#onSnapshotStatus = handler;
  }

  /**
   * Adds a peer (or updates the URLs of a known one).
   * @throws {RangeError} when `urls` is empty or holds something other than peer URLs.
   */
  addPeer(id: MemberId, urls: readonly string[]): void {
    assert(id !== this.#options.memberId, "a member is not its own peer");
    const known = this.#peers.get(id);
    if (known !== undefined) {
      known.updateUrls(urls);
      return;
    }
    this.#removed.delete(id);
    const peer = new OutboundPeer({
      id,
      urls,
      clusterId: this.#options.clusterId,
      memberId: this.#options.memberId,
      codec: this.#codec,
      clock: this.#options.clock,
      timers: this.#timers,
      backoff: new Backoff(
        this.#options.backoff ?? defaultBackoffOptions,
        this.#options.prng.fork(),
      ),
      logger: this.#options.logger,
      frameBytesMax: this.#options.frameBytesMax,
      limits: this.#options.limits,
      pingIntervalMs: this.#options.pingIntervalMs ?? defaultPingIntervalMs,
      connectTimeoutMs: this.#options.connectTimeoutMs ?? 3000,
      pongTimeoutMs: this.#pongTimeoutMs,
      registry: this.#registry,
      events: this.#peerEvents,
    });
    this.#peers.set(id, peer);
    if (this.#state === "started") peer.start();
  }

  /** Forgets a peer, closes its connections both ways and refuses its future handshakes. */
  removePeer(id: MemberId): void {
    this.#removed.add(id);
    const peer = this.#peers.get(id);
    this.#peers.delete(id);
    void peer?.close();
    for (const connection of this.#inbound.get(id) ?? []) connection.close();
    this.#inbound.delete(id);
    this.#receivedByPeer.delete(id);
  }

  /**
   * Changes a known peer's URLs.
   * @throws {RangeError} when the peer is unknown or the URLs are not peer URLs.
   */
  updatePeer(id: MemberId, urls: readonly string[]): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) {
      throw new RangeError(`Cannot update peer ${id.toString(16)}: not a known peer`);
    }
    peer.updateUrls(urls);
  }

  /**
   * How far `peer`'s cluster clock was ahead of our wall clock (negative: behind) at its latest
   * ping or pong; undefined before the first. The transit time makes it an underestimate.
   */
  peerClockOffsetMs(peer: MemberId): number | undefined {
    return this.#peerClockOffsets.get(peer);
  }

  /** The counters now; per-peer entries for every known peer. */
  stats(): TransportStats {
    const peers: PeerStats[] = [...this.#peers.values()].map((peer) => {
      const received = this.#receivedByPeer.get(peer.id);
      return {
        ...peer.stats(),
        receivedMessages: received?.messages ?? 0,
        receivedBytes: received?.bytes ?? 0,
      };
    });
    return {
      peers,
      sentMessages: this.#sent.messages,
      sentBytes: this.#sent.bytes,
      receivedMessages: this.#received.messages,
      receivedBytes: this.#received.bytes,
      inboundConnections: this.#inboundOpen.size,
      socketsOpen: this.#registry.size,
      sendRate: this.#sendRate.rate(this.#nowMs()),
      receiveRate: this.#receiveRate.rate(this.#nowMs()),
    };
  }

  // --- internal ---

  async #settleWithin(promise: Promise<unknown>, graceMs: number): Promise<void> {
    let handle: unknown;
    const deadline = new Promise<void>((resolve) => {
      handle = this.#timers.setTimeout(resolve, graceMs);
    });
    await Promise.race([promise, deadline]);
    this.#timers.clearTimeout(handle);
  }

  #clusterClockMs(): number {
    return this.#options.clusterClockMs?.() ?? this.#options.clock.wallMs();
  }

  #notePeerClock(peerId: MemberId, clockMs: number): void {
    if (!this.#peers.has(peerId)) return;
    this.#peerClockOffsets.set(peerId, clockMs - this.#options.clock.wallMs());
  }

  #nowMs(): number {
    return this.#options.clock.monotonicMs();
  }

  get #pongTimeoutMs(): number {
    return this.#options.pongTimeoutMs ?? 5000;
  }

  get #closeGraceMs(): number {
    return this.#options.closeGraceMs ?? 1000;
  }

  readonly #peerEvents: PeerEvents = {
    unreachable: (peerId) => this.#onUnreachable(peerId),
    removedFromCluster: () => this.#options.onRemovedFromCluster?.(),
    peerClock: (peerId, clockMs) => this.#notePeerClock(peerId, clockMs),
    clusterClockMs: () => this.#clusterClockMs(),
    snapshotStatus: (peerId, ok) => this.#onSnapshotStatus(peerId, ok),
    sent: (bytes, messages) => {
      this.#sent.bytes += bytes;
      this.#sent.messages += messages;
      this.#sendRate.record(this.#nowMs(), messages, bytes);
    },
  };

  #createInboundContext(): InboundContext {
    const options = this.#options;
    return {
      codec: this.#codec,
      frameBytesMax: options.frameBytesMax,
      snapshotReceiveBytesMax: options.limits.snapshotReceiveBytesMax,
      logger: options.logger,
      expectation: {
        clusterId: options.clusterId,
        memberId: options.memberId,
        removed: this.#removed,
      },
      accepted: (connection, peerId) => {
        // A peer dials one connection at a time: an older one from it is dead or dying.
        for (const older of this.#inbound.get(peerId) ?? []) older.close();
        this.#inbound.set(peerId, new Set([connection]));
      },
      deliver: (peerId, message) => {
        this.#received.messages += 1;
        this.#receiveRate.record(this.#nowMs(), 1, 0);
        const counters = this.#receivedCounters(peerId);
        if (counters !== undefined) counters.messages += 1;
        this.#onMessage(message);
      },
      clusterInfo: () =>
        options.clusterInfo?.() ?? { clusterId: options.clusterId, members: [] },
      clusterClockMs: () => this.#clusterClockMs(),
      peerClock: (peerId, clockMs) => this.#notePeerClock(peerId, clockMs),
      nowMs: () => this.#nowMs(),
      received: (peerId, bytes) => {
        this.#received.bytes += bytes;
        this.#receiveRate.record(this.#nowMs(), 0, bytes);
        const counters = peerId === undefined ? undefined : this.#receivedCounters(peerId);
        if (counters !== undefined) counters.bytes += bytes;
      },
    };
  }

  /** The received counters of a known peer (created on first use); none for strangers. */
  #receivedCounters(peerId: MemberId): Counters | undefined {
    if (!this.#peers.has(peerId)) return undefined;
    let counters = this.#receivedByPeer.get(peerId);
    if (counters === undefined) {
      counters = { messages: 0, bytes: 0 };
      this.#receivedByPeer.set(peerId, counters);
    }
    return counters;
  }

  #inboundOpened(socket: Socket<InboundSocketData>): void {
    this.#registry.add(socket);
    if (this.#state !== "started") {
      socket.end();
      return;
    }
    // Acknowledgements are tiny and a commit waits on them: no Nagle delay.
    socket.setNoDelay(true);
    const connection = new InboundConnection(socket, this.#inboundContext);
    socket.data = connection;
    this.#inboundOpen.add(connection);
  }

  /**
   * Dialers ping every interval, so a silent inbound connection (one that never shakes hands,
   * or whose dialer vanished) is closed after twice the dialer's own pong timeout. Bun's
   * `socket.timeout` cannot do this: it is a one-shot deadline that traffic does not push back,
   * so it closed busy connections too, dropping whatever the dialer had queued.
   */
  #scheduleIdleSweep(): void {
    const intervalMs = this.#options.pingIntervalMs ?? defaultPingIntervalMs;
    this.#idleSweepTimer = this.#timers.setTimeout(() => {
      if (this.#state !== "started") return;
      this.#closeIdleInbound();
      this.#scheduleIdleSweep();
    }, intervalMs);
  }

  #closeIdleInbound(): void {
    const idleLimitMs = this.#pongTimeoutMs * 2;
    const nowMs = this.#nowMs();
    for (const connection of this.#inboundOpen) {
      if (nowMs - connection.lastReceivedMs <= idleLimitMs) continue;
      this.#options.logger.debug("peer inbound connection idle", { from: connection.peerId });
      connection.close();
    }
  }

  #inboundClosed(socket: Socket<InboundSocketData>): void {
    this.#registry.closed(socket);
    const connection = socket.data;
    if (connection === undefined) return;
    this.#inboundOpen.delete(connection);
    const peerId = connection.peerId;
    if (peerId !== undefined) this.#inbound.get(peerId)?.delete(connection);
  }
}
