/**
 * @module
 * The transport as the node loop sees it: send Raft messages to peers (never blocking, never
 * throwing for network trouble), receive theirs, hear which sends were dropped and how snapshot
 * streams ended, manage the peer list and read per-peer statistics.
 */
import type { Message, MemberId } from "../raft/index.ts";
import type { LatencyStats } from "./latency.ts";
import type { TransferRate } from "./rate-meter.ts";

/**
 * Receives every well-formed message addressed to this member, in arrival order per peer (a
 * streamed MsgSnap arrives once complete, so messages sent after it may overtake it). Handlers
 * must not throw: what a handler throws from a socket callback is logged and rethrown as an
 * uncaught exception.
 */
export type MessageHandler = (message: Message) => void;
/** Told that a message to `peerId` was dropped (call `RawNode.reportUnreachable`). */
export type UnreachableHandler = (peerId: MemberId) => void;
/** Told how a snapshot stream to `peerId` ended (call `RawNode.reportSnapshot`). */
export type SnapshotStatusHandler = (peerId: MemberId, ok: boolean) => void;

/** Counters and latency for one peer, the parts etcd's `/v2/stats/leader` reports and more. */
export interface PeerStats {
  readonly id: MemberId;
  /** Whether the outbound connection is open and has answered a ping (so was accepted). */
  readonly connected: boolean;
  /** Round trips of transport pings, in milliseconds. */
  readonly latency: LatencyStats;
  /** Messages written to the peer's connection (success) and dropped (fail). */
  readonly counts: { readonly success: number; readonly fail: number };
  /** Messages waiting in the peer's send queue. */
  readonly queuedMessages: number;
  /** Messages (a snapshot counts once) and bytes (frames, pings included) written. */
  readonly sentMessages: number;
  readonly sentBytes: number;
  /** Messages delivered from the peer and bytes read from its connections. */
  readonly receivedMessages: number;
  readonly receivedBytes: number;
}

/** The whole transport's statistics; totals feed `/v2/stats/self` rates. */
export interface TransportStats {
  readonly peers: readonly PeerStats[];
  readonly sentMessages: number;
  readonly sentBytes: number;
  readonly receivedMessages: number;
  readonly receivedBytes: number;
  /** Inbound connections currently open (handshaken or not). */
  readonly inboundConnections: number;
  /** Sockets of either direction not yet closed; 0 once `stop()` resolved. */
  readonly socketsOpen: number;
  /** Recent rates (the last few seconds), for `sendPkgRate` and `sendBandwidthRate`. */
  readonly sendRate: TransferRate;
  /** Recent rates, for `recvPkgRate` and `recvBandwidthRate`. */
  readonly receiveRate: TransferRate;
}

/** A follower entry of etcd's `/v2/stats/leader`. */
export interface EtcdFollowerStats {
  readonly latency: LatencyStats;
  readonly counts: { readonly fail: number; readonly success: number };
}

/** Moves Raft messages between members. */
export interface Transport {
  /** Opens the listener for inbound peers and begins dialing known peers. */
  start(): Promise<void>;
  /** Closes the listener and every connection; resolves once all are closed. */
  stop(): Promise<void>;
  /**
   * Queues messages to their `to` peers. Never blocks and never throws for network trouble:
   * a message that cannot be queued is dropped and its peer reported unreachable (and a dropped
   * MsgSnap reported as a failed snapshot). Callbacks may run before `send` returns. Messages
   * are encoded at once, except a MsgSnap's data, which is read chunk by chunk as the socket
   * drains: it must stay unchanged until `onSnapshotStatus` reports the stream's end.
   */
  send(messages: readonly Message[]): void;
  /** Sets the handler for received messages. */
  onMessage(handler: MessageHandler): void;
  /** Sets the handler for dropped sends. */
  onUnreachable(handler: UnreachableHandler): void;
  /** Sets the handler for finished or failed snapshot streams. */
  onSnapshotStatus(handler: SnapshotStatusHandler): void;
  /** Starts talking to a peer at `urls` (`http://host:port`, tried in turn). */
  addPeer(id: MemberId, urls: readonly string[]): void;
  /** Forgets a peer: its connections close and it may not connect again. */
  removePeer(id: MemberId): void;
  /** Changes a peer's URLs; the connection is re-dialed if they changed. */
  updatePeer(id: MemberId, urls: readonly string[]): void;
  /** A snapshot of the counters. */
  stats(): TransportStats;
}

/** Timers, injected so tests and the simulator can drive them. */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's real timers. */
export function systemTimers(): Timers {
  return {
    setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** The followers map of etcd's `/v2/stats/leader`, keyed by hex member id. */
export function etcdFollowerStats(stats: TransportStats): Record<string, EtcdFollowerStats> {
  const followers: Record<string, EtcdFollowerStats> = {};
  for (const peer of stats.peers) {
    followers[peer.id.toString(16)] = { latency: peer.latency, counts: peer.counts };
  }
  return followers;
}
