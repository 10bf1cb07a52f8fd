/**
 * @module
 * Connecting a member to its peers: the TCP transport on the listen peer URL, every other member
 * added as a peer, and the transport's callbacks fed back into the node (messages stepped into
 * Raft, dropped sends reported unreachable, snapshot streams reported).
 */
import type { Config } from "../config.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { createPrng } from "../lib/prng.ts";
import type { Message, MemberId } from "../raft/index.ts";
import type { MemberMeta } from "../storage/index.ts";
import { TcpTransport, type TransportStats } from "../transport/index.ts";
import { formatMemberId } from "./identity.ts";
import type { FollowerStats } from "./types.ts";

/** What the transport delivers into. */
export interface PeerSink {
  step(message: Message): void;
  reportUnreachable(peer: MemberId): void;
  reportSnapshot(peer: MemberId, ok: boolean): void;
}

export interface PeerDependencies {
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Starts the transport for a member of a multi-member cluster. `sink()` is read on every
 * callback, so the node can be built after the transport it sends through.
 * @throws {Error} when the peer URL cannot be bound.
 */
export async function startPeerTransport(
  config: Config,
  meta: MemberMeta,
  sink: () => PeerSink,
  dependencies: PeerDependencies,
): Promise<TcpTransport> {
  const listenUrl = config.listenPeerUrls[0];
  if (listenUrl === undefined) throw new Error("Cannot start peers: no --listen-peer-urls");
  const transport = new TcpTransport({
    memberId: meta.memberId,
    clusterId: meta.clusterId,
    listenUrl,
    clock: dependencies.clock,
    prng: createPrng(crypto.getRandomValues(new Uint32Array(1))[0] ?? 1),
    logger: dependencies.logger.child({ component: "transport" }),
    frameBytesMax: config.limits.frameBytesMax,
    limits: config.limits,
    onMessage: (message) => sink().step(message),
    onUnreachable: (peer) => sink().reportUnreachable(peer),
    onSnapshotStatus: (peer, ok) => sink().reportSnapshot(peer, ok),
  });
  for (const peer of meta.peers) {
    if (peer.id !== meta.memberId) transport.addPeer(peer.id, peer.peerURLs);
  }
  await transport.start();
  return transport;
}

/** The transport's per-peer statistics keyed like `/v2/members` ids. */
export function followerStatsOf(stats: TransportStats): Record<string, FollowerStats> {
  const followers: Record<string, FollowerStats> = {};
  for (const peer of stats.peers) {
    followers[formatMemberId(peer.id)] = { latency: peer.latency, counts: peer.counts };
  }
  return followers;
}
