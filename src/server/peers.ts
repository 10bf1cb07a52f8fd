/**
 * @module
 * Connecting a member to its peers: the TCP transport on the listen peer URL, every other member
 * of the replicated member list as a peer, and the transport's callbacks fed back into the node
 * (messages stepped into Raft, dropped sends reported unreachable, snapshot streams reported).
 */
import type { Config } from "../config.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { sameStrings } from "../lib/same-strings.ts";
import { createPrng } from "../lib/prng.ts";
import type { Message, MemberId } from "../raft/index.ts";
import type { MemberMeta, PeerMeta } from "../storage/index.ts";
import { type ClusterInfo, TcpTransport, type TransportStats } from "../transport/index.ts";
import { formatMemberId } from "./identity.ts";
import type { FollowerStats } from "./types.ts";

/** What the transport delivers into. */
export interface PeerSink {
  step(message: Message): void;
  reportUnreachable(peer: MemberId): void;
  reportSnapshot(peer: MemberId, ok: boolean): void;
  /** A peer refused this member as removed from the cluster. */
  removedFromCluster(): void;
}

export interface PeerDependencies {
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What `PeerLinks` is built from. */
export interface PeerLinksOptions {
  readonly config: Config;
  readonly meta: MemberMeta;
  /** Read on every callback, so the node can be built after the links it sends through. */
  readonly sink: () => PeerSink;
  /** The member list a joining member's cluster query gets. */
  readonly clusterInfo: () => ClusterInfo;
  /** This member's cluster clock, told to peers in pings. */
  readonly clusterClockMs: () => number;
  readonly dependencies: PeerDependencies;
  /** Told when the transport cannot listen (the member cannot work without it). */
  readonly onFatal: (error: unknown) => void;
}

/**
 * The member's links to its peers, kept equal to the replicated member list: a peer is dialed
 * once the list names it, redialed at new URLs when they change, and cut off (its handshakes
 * refused) once it is removed. The transport starts with the first peer, so a lone member binds
 * no peer port until the cluster grows.
 */
export class PeerLinks {
  readonly #options: PeerLinksOptions;
  #transport: TcpTransport | null = null;
  #started: Promise<void> = Promise.resolve();
  readonly #urls = new Map<MemberId, readonly string[]>();

  constructor(options: PeerLinksOptions) {
    this.#options = options;
  }

  /**
   * Follows the member list. Members missing from it but not removed are kept: a member replaying
   * its log passes through older lists that lack members added later.
   */
  update(members: readonly PeerMeta[], removed: readonly MemberId[]): void {
    const self = this.#options.meta.memberId;
    for (const member of members) {
      if (member.id === self || member.peerURLs.length === 0) continue;
      const known = this.#urls.get(member.id);
      if (known !== undefined && sameStrings(known, member.peerURLs)) continue;
      this.#urls.set(member.id, member.peerURLs);
      this.#ensureTransport().addPeer(member.id, member.peerURLs);
    }
    for (const id of removed) {
      if (id === self || this.#transport === null) continue;
      this.#urls.delete(id);
      this.#transport.removePeer(id);
    }
  }

  /** Sends to peers; with no transport yet there is nobody to send to, and Raft retries. */
  send(messages: readonly Message[]): void {
    if (this.#transport !== null) {
      this.#transport.send(messages);
      return;
    }
    const sink = this.#options.sink();
    for (const message of messages) sink.reportUnreachable(message.to);
  }

  /** See `TcpTransport.peerClockOffsetMs`. */
  peerClockOffsetMs(id: MemberId): number | undefined {
    return this.#transport?.peerClockOffsetMs(id);
  }

  isConnected(id: MemberId): boolean {
    return this.#transport?.stats().peers.some((peer) => peer.id === id && peer.connected) ?? false;
  }

  followerStats(): Record<string, FollowerStats> {
    return this.#transport === null ? {} : followerStatsOf(this.#transport.stats());
  }

  /** Waits for the listener to be bound (a no-op while there are no peers). */
  ready(): Promise<void> {
    return this.#started;
  }

  async stop(): Promise<void> {
    await this.#started.catch(() => {});
    await this.#transport?.stop();
  }

  // --- internal ---

  #ensureTransport(): TcpTransport {
    if (this.#transport !== null) return this.#transport;
    const { config, meta, sink, clusterInfo, clusterClockMs, dependencies, onFatal } =
      this.#options;
    const listenUrl = config.listenPeerUrls[0];
    if (listenUrl === undefined) throw new Error("Cannot reach peers: no --listen-peer-urls");
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
      onRemovedFromCluster: () => sink().removedFromCluster(),
      clusterInfo,
      clusterClockMs,
    });
    this.#transport = transport;
    this.#started = transport.start();
    this.#started.catch(onFatal);
    return transport;
  }
}

/** The transport's per-peer statistics keyed like `/v2/members` ids. */
export function followerStatsOf(stats: TransportStats): Record<string, FollowerStats> {
  const followers: Record<string, FollowerStats> = {};
  for (const peer of stats.peers) {
    followers[formatMemberId(peer.id)] = { latency: peer.latency, counts: peer.counts };
  }
  return followers;
}
