/**
 * @module
 * The peer transport: Raft messages between members over Bun TCP sockets, in the codec's
 * CRC-checked frames, with bounded per-peer queues, reconnect with backoff, chunked snapshot
 * streams and per-peer latency and counters.
 *
 * ```ts
 * const transport = new TcpTransport({ memberId, clusterId, listenUrl: "http://127.0.0.1:7001",
 *   clock, prng, logger, frameBytesMax: limits.frameBytesMax, limits: transportLimits });
 * transport.onMessage((message) => node.step(message));
 * transport.onUnreachable((peer) => node.reportUnreachable(peer));
 * transport.onSnapshotStatus((peer, ok) => node.reportSnapshot(peer, ok));
 * transport.addPeer(2n, ["http://10.0.0.2:7001"]);
 * await transport.start();
 * transport.send(ready.messages); // after the Ready is durable
 * const followers = etcdFollowerStats(transport.stats()); // for /v2/stats/leader
 * await transport.stop();
 * ```
 *
 * The wire protocol is described in `wire.ts`: the dialer's handshake (version, cluster id,
 * sender, target), then message frames, pings, and snapshot streams (a begin frame plus raw
 * chunk frames of `snapshotChunkBytes`); the acceptor answers pings and refuses a bad handshake
 * with a reason. `stats()` reports per-peer ping latency (Welford mean and deviation), success
 * and fail counts, byte and message totals, and recent send and receive rates.
 */
export { type ClusterQueryOptions, queryClusterInfo } from "./cluster-query.ts";
export { Backoff, type BackoffOptions, defaultBackoffOptions } from "./backoff.ts";
export { FrameDecoder, type FrameDecodeResult } from "./frame-decoder.ts";
export { type LatencyStats, LatencyRecorder } from "./latency.ts";
export { type PeerAddress, parsePeerUrl } from "./peer-url.ts";
export { RateMeter, type TransferRate } from "./rate-meter.ts";
export { SendQueue, type SendQueueLimits } from "./send-queue.ts";
export { TcpTransport, type TcpTransportOptions } from "./tcp-transport.ts";
export {
  type EtcdFollowerStats,
  type MessageHandler,
  type PeerStats,
  type SnapshotStatusHandler,
  type Timers,
  type Transport,
  type TransportStats,
  type UnreachableHandler,
  etcdFollowerStats,
  systemTimers,
} from "./types.ts";
export {
  type ClusterInfo,
  type ClusterMember,
  PeerFrameType,
  peerProtocolVersion,
} from "./wire.ts";
