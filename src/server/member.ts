/**
 * @module
 * Opening a member: lock and read its data dir, settle its identity, restore the store from the
 * newest snapshot plus the WAL after it, and start the node loop. Everything a restart needs
 * comes from what was durable.
 */
import { type MsgpackCodec, createMsgpackCodec } from "../codec/index.ts";
import type { Config } from "../config.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { sameStringSet } from "../lib/same-strings.ts";
import { createPrng } from "../lib/prng.ts";
import {
  type Entry,
  type HardState,
  MemoryStorage,
  type MemberId,
  type RaftConfig,
  RawNode,
  type Snapshot,
  bootstrapLog,
  emptyHardState,
} from "../raft/index.ts";
import {
  type DataDir,
  type FileSystem,
  type MemberMeta,
  type PeerMeta,
  openDataDir,
} from "../storage/index.ts";
import { Store, type StoreOptions } from "../store/index.ts";
import { type ClusterInfo, queryClusterInfo } from "../transport/index.ts";
import { computeClusterId, computeMemberId, formatMemberId } from "./identity.ts";
import { encodeConfChangeContext } from "./member-commands.ts";
import { MemberRegistry } from "./member-registry.ts";
import { Node, type NodeIdentity } from "./node.ts";
import { PeerLinks, type PeerSink } from "./peers.ts";
import { decodeStateSnapshot } from "./state-snapshot.ts";

export interface MemberDependencies {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called once if the member hits an error it cannot survive. */
  readonly onFatal: (error: unknown) => void;
  /** Called once when this member's removal from the cluster is applied: it must stop. */
  readonly onRemoved?: () => void;
}

/** A started member. */
export interface Member {
  readonly node: Node;
  /** Stops the loop after the batch in progress, then closes the WAL and releases the LOCK. */
  close(): Promise<void>;
}

/** Raised for a configuration this build cannot run. */
export class MemberConfigError extends Error {
  override readonly name = "MemberConfigError";
}

/**
 * The node's tick and Raft's timeouts counted in it. One tick drives both Raft and the expiry
 * check, so it is the finer of the two intervals, and Raft's tick counts are scaled to it.
 */
export function raftTicks(
  config: Pick<Config, "heartbeatIntervalMs" | "electionTimeoutMs" | "expiryIntervalMs">,
): { tickIntervalMs: number; heartbeatTicks: number; electionTicks: number } {
  const tickMs = Math.min(config.heartbeatIntervalMs, config.expiryIntervalMs);
  const heartbeatTicks = Math.max(1, Math.round(config.heartbeatIntervalMs / tickMs));
  const electionTicks = Math.max(heartbeatTicks + 1, Math.round(config.electionTimeoutMs / tickMs));
  return { tickIntervalMs: tickMs, heartbeatTicks, electionTicks };
}

/**
 * Opens the data dir and starts the member.
 * @throws {DataDirLockedError} when another process uses the data dir.
 * @throws {MemberConfigError} when the configuration does not match the data dir.
 */
export async function openMember(
  config: Config,
  dependencies: MemberDependencies,
): Promise<Member> {
  const { limits } = config;
  const dataDir = await openDataDir({
    fs: dependencies.fs,
    path: config.dataDir,
    segmentBytes: limits.walSegmentBytes,
    frameBytesMax: limits.frameBytesMax,
    logger: dependencies.logger,
  });
  try {
    return await startOnDataDir(config, dataDir, dependencies);
  } catch (error) {
    await dataDir.close();
    throw error;
  }
}

// --- internal ---

async function startOnDataDir(
  config: Config,
  dataDir: DataDir,
  dependencies: MemberDependencies,
): Promise<Member> {
  const meta = await settleMeta(config, dataDir, dependencies.logger);
  const codec = createMsgpackCodec();
  const storeOptions: StoreOptions = {
    historyEventsMax: config.limits.historyEventsMax,
    watchersMax: config.limits.watchersMax,
    nodesMax: config.limits.nodesMax,
  };
  const { store, members } = restoreState(dataDir.snapshot, storeOptions, codec, meta.peers);
  const snapshotIndex = dataDir.snapshot?.metadata.index ?? 0;
  const snapshotTerm = dataDir.snapshot?.metadata.term ?? 0;
  // Only a founder may write the bootstrap log (and only into an empty data dir): a joined
  // member restarted before it received anything must wait for the leader, whatever the flags.
  const founding = computeClusterId(meta.peers.map((peer) => peer.id)) === meta.clusterId;
  const { raft, raftStorage } = await startRaft(
    config,
    meta,
    dataDir,
    founding,
    dependencies.logger,
  );
  const holder: { node: Node | null } = { node: null };
  const links = new PeerLinks({
    config,
    meta,
    sink: () => sinkOf(holder.node),
    clusterInfo: () => ({ clusterId: meta.clusterId, members: members.list() }),
    clusterClockMs: () => holder.node?.clusterNowMs() ?? dependencies.clock.wallMs(),
    dependencies,
    onFatal: dependencies.onFatal,
  });
  // Until the log is replayed, the meta's peers (founders, or what a joiner was told) are whom
  // to reach; applying the log then keeps the links equal to the replicated list.
  links.update(members.size > 0 ? members.list() : meta.peers, members.toSnapshot().removed);
  await links.ready();
  const node = new Node({
    identity: identityOf(config, meta),
    store,
    members,
    onMembersChanged: (view) => links.update(view.members, view.removed),
    ...(dependencies.onRemoved === undefined ? {} : { onRemoved: dependencies.onRemoved }),
    isPeerConnected: (id) => links.isConnected(id),
    peerClockOffsetMs: (id) => links.peerClockOffsetMs(id),
    raft,
    raftStorage,
    send: (messages) => links.send(messages),
    followerStats: () => links.followerStats(),
    wal: dataDir.wal,
    snapshots: dataDir.snapshots,
    codec,
    clock: dependencies.clock,
    logger: dependencies.logger,
    appliedIndex: snapshotIndex,
    appliedTerm: snapshotTerm,
    requestTimeoutMs: config.requestTimeoutMs,
    pendingProposalsMax: config.limits.pendingProposalsMax,
    snapshotEntries: config.limits.snapshotEntries,
    snapshotCatchUpEntries: config.limits.snapshotCatchUpEntries,
    tickIntervalMs: tickIntervalMs(config),
    expiryIntervalMs: config.expiryIntervalMs,
    leaderLostAfterMs: config.electionTimeoutMs,
    onFatal: dependencies.onFatal,
  });
  holder.node = node;
  node.start();
  return {
    node,
    close: async () => {
      await node.stop();
      await links.stop();
      await dataDir.close();
    },
  };
}

/** Raft over the recovered (or bootstrapped) log, with its in-memory mirror of the WAL. */
async function startRaft(
  config: Config,
  meta: MemberMeta,
  dataDir: DataDir,
  founding: boolean,
  logger: Logger,
): Promise<{ raft: RawNode; raftStorage: MemoryStorage }> {
  const log = await recoverOrBootstrapLog(dataDir, founding ? meta.peers : null);
  const raftStorage = new MemoryStorage();
  if (dataDir.snapshot !== null) raftStorage.applySnapshot(dataDir.snapshot);
  raftStorage.append(log.entries);
  raftStorage.setHardState(commitAtLeastSnapshot(log.hardState, dataDir.snapshot, logger));
  const applied = dataDir.snapshot?.metadata.index ?? 0;
  const raft = new RawNode(raftConfig(config, meta.memberId, logger), raftStorage, { applied });
  return { raft, raftStorage };
}

/**
 * A snapshot holds only committed entries, so its index is a commit index too. Data dirs written
 * before the node saved its held-back commit ahead of each snapshot can have a WAL commit below
 * the snapshot; raising it is safe (Raft may lose the commit index, never invent one) and lets
 * such a member start.
 */
function commitAtLeastSnapshot(
  hardState: HardState,
  snapshot: Snapshot | null,
  logger: Logger,
): HardState {
  const snapshotIndex = snapshot?.metadata.index ?? 0;
  if (hardState.commit >= snapshotIndex) return hardState;
  logger.warn("hard state commit raised to the snapshot index", {
    commit: hardState.commit,
    snapshotIndex,
  });
  return { ...hardState, commit: snapshotIndex };
}

/** One tick drives both Raft's timers and the expiry check, so it is the finer of the two. */
function tickIntervalMs(config: Config): number {
  return raftTicks(config).tickIntervalMs;
}

/**
 * The log to start from: what the WAL holds, or, on a data dir never started, the founders'
 * bootstrap log (their add-voter entries, each naming its member), made durable before Raft
 * sees it. A member joining a running cluster (`founders` null) starts empty: the leader sends
 * it the log or a snapshot.
 */
async function recoverOrBootstrapLog(
  dataDir: DataDir,
  founders: readonly PeerMeta[] | null,
): Promise<{ entries: readonly Entry[]; hardState: HardState }> {
  const fresh = dataDir.snapshot === null && dataDir.entries.length === 0;
  if (!fresh || founders === null) {
    return { entries: dataDir.entries, hardState: dataDir.hardState ?? emptyHardState };
  }
  const codec = createMsgpackCodec();
  const contexts = new Map(
    founders.map((peer) => [
      peer.id,
      encodeConfChangeContext(codec, {
        proposer: 0n,
        requestId: 0,
        name: peer.name,
        peerURLs: peer.peerURLs,
      }),
    ]),
  );
  const bootstrap = bootstrapLog(founders.map((peer) => peer.id), contexts);
  await dataDir.wal.save(bootstrap.hardState, bootstrap.entries);
  await dataDir.wal.sync();
  return bootstrap;
}

/** Raft's settings from the member's. */
function raftConfig(config: Config, memberId: MemberId, logger: Logger): RaftConfig {
  const { heartbeatTicks, electionTicks } = raftTicks(config);
  return {
    id: memberId,
    heartbeatTicks,
    electionTicks,
    prng: createPrng(crypto.getRandomValues(new Uint32Array(1))[0] ?? 1),
    maxSizePerMsgBytes: config.limits.raftMessageBytesMax,
    maxInflightMsgs: config.limits.raftInflightMessagesMax,
    maxUncommittedEntriesBytes: config.limits.raftUncommittedBytesMax,
    maxCommittedSizePerReadyBytes: config.limits.raftApplyBatchBytesMax,
    maxPendingReadIndex: config.limits.readIndexPendingMax,
    logger: logger.child({ component: "raft" }),
  };
}

/**
 * Reads the member's identity from the data dir, or settles it on first start: founders derive
 * it from `--initial-cluster`, a joining member asks the running cluster. Once recorded, the
 * identity wins over the flags (as with etcd, `--initial-*` only matter on first start).
 */
async function settleMeta(config: Config, dataDir: DataDir, logger: Logger): Promise<MemberMeta> {
  const own = config.initialCluster.find((member) => member.name === config.name);
  if (own === undefined || !sameStringSet(own.peerUrls, config.initialAdvertisePeerUrls)) {
    throw new MemberConfigError(
      `Cannot start member "${config.name}": its --initial-advertise-peer-urls do not match ` +
        "its entry in --initial-cluster",
    );
  }
  if (dataDir.meta !== null) {
    if (dataDir.meta.name !== config.name) {
      throw new MemberConfigError(
        `Cannot start member "${config.name}": data dir ${config.dataDir} belongs to ` +
          `member "${dataDir.meta.name}"`,
      );
    }
    return dataDir.meta;
  }
  const meta = config.initialClusterState === "existing"
    ? await joinMeta(config, logger)
    : foundingMeta(config);
  await dataDir.writeMeta(meta);
  return meta;
}

/** A founder's identity: every founder computes the same ids from the same flags. */
function foundingMeta(config: Config): MemberMeta {
  const peers = config.initialCluster.map((member) => ({
    id: computeMemberId(member.peerUrls, config.initialClusterToken),
    name: member.name,
    peerURLs: member.peerUrls,
    // Client URLs are published through the log once each member runs.
    clientURLs: member.name === config.name ? config.advertiseClientUrls : [],
  }));
  const memberId = computeMemberId(config.initialAdvertisePeerUrls, config.initialClusterToken);
  return {
    clusterId: computeClusterId(peers.map((peer) => peer.id)),
    memberId,
    name: config.name,
    peers,
  };
}

/** How long a joining member waits for each member it asks. */
const clusterQueryTimeoutMs = 3000;

/**
 * A joining member's identity: the cluster id, and the id the cluster gave it when it was added
 * (found by its peer URLs), from the first other member of `--initial-cluster` that answers.
 * @throws {MemberConfigError} when nobody answers or the cluster does not list this member.
 */
async function joinMeta(config: Config, logger: Logger): Promise<MemberMeta> {
  const others = config.initialCluster.filter((member) => member.name !== config.name);
  const failures: string[] = [];
  for (const url of others.flatMap((member) => member.peerUrls)) {
    let info: ClusterInfo;
    try {
      info = await queryClusterInfo(url, {
        frameBytesMax: config.limits.frameBytesMax,
        timeoutMs: clusterQueryTimeoutMs,
      });
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
      continue;
    }
    const self = info.members.find((member) =>
      sameStringSet(member.peerURLs, config.initialAdvertisePeerUrls)
    );
    if (self === undefined) {
      throw new MemberConfigError(
        `Cannot join the cluster: the member at ${url} lists no member with peer URLs ` +
          `${config.initialAdvertisePeerUrls.join(",")}; add this member first ` +
          "(POST /v2/members, or etcdctl member add)",
      );
    }
    logger.info("joining a running cluster", {
      cluster: formatMemberId(info.clusterId),
      member: formatMemberId(self.id),
      askedAt: url,
    });
    return { clusterId: info.clusterId, memberId: self.id, name: config.name, peers: info.members };
  }
  throw new MemberConfigError(
    "Cannot join the cluster (--initial-cluster-state existing): no other member of " +
      `--initial-cluster answered: ${failures.join("; ") || "it names no other member"}`,
  );
}

function identityOf(config: Config, meta: MemberMeta): NodeIdentity {
  return {
    name: meta.name,
    memberId: meta.memberId,
    clusterId: meta.clusterId,
    // Addresses may change between restarts; the current flags win over the recorded ones.
    peerUrls: config.initialAdvertisePeerUrls,
    clientUrls: config.advertiseClientUrls,
    founders: meta.peers,
  };
}

/** The store and member list as of the newest snapshot (empty without one). */
function restoreState(
  snapshot: Snapshot | null,
  options: StoreOptions,
  codec: MsgpackCodec,
  founders: readonly PeerMeta[],
): { store: Store; members: MemberRegistry } {
  if (snapshot === null) return { store: new Store(options), members: new MemberRegistry() };
  // The snapshot file passed its CRC check; its payload is our own state's data.
  const state = decodeStateSnapshot(codec, snapshot.data);
  return {
    store: Store.fromSnapshot(state.store, options),
    members: MemberRegistry.fromSnapshot(state.members ?? { members: founders, removed: [] }),
  };
}

/** Messages can arrive before the node exists; Raft retransmits whatever is dropped here. */
const droppingSink: PeerSink = {
  step: () => {},
  reportUnreachable: () => {},
  reportSnapshot: () => {},
  removedFromCluster: () => {},
};

function sinkOf(node: Node | null): PeerSink {
  return node ?? droppingSink;
}
