/**
 * @module
 * Opening a member: lock and read its data dir, settle its identity, restore the store from the
 * newest snapshot plus the WAL after it, and start the node loop. Everything a restart needs
 * comes from what was durable.
 */
import { createMsgpackCodec } from "../codec/index.ts";
import type { Config } from "../config.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
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
import { type DataDir, type FileSystem, type MemberMeta, openDataDir } from "../storage/index.ts";
import { Store, type StoreOptions, type StoreSnapshot } from "../store/index.ts";
import { computeClusterId, computeMemberId } from "./identity.ts";
import { Node, type NodeIdentity } from "./node.ts";
import { type PeerSink, followerStatsOf, startPeerTransport } from "./peers.ts";

export interface MemberDependencies {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called once if the member hits an error it cannot survive. */
  readonly onFatal: (error: unknown) => void;
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
  if (config.initialClusterState === "existing") {
    throw new MemberConfigError(
      "Cannot join an existing cluster: adding members at runtime (/v2/members) is not " +
        "implemented yet; start every member with --initial-cluster-state new",
    );
  }
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
  const meta = await settleMeta(config, dataDir);
  const codec = createMsgpackCodec();
  const storeOptions: StoreOptions = {
    historyEventsMax: config.limits.historyEventsMax,
    watchersMax: config.limits.watchersMax,
    nodesMax: config.limits.nodesMax,
  };
  const store = restoreStore(dataDir.snapshot, storeOptions, codec.unpack);
  const snapshotIndex = dataDir.snapshot?.metadata.index ?? 0;
  const snapshotTerm = dataDir.snapshot?.metadata.term ?? 0;
  const { raft, raftStorage } = await startRaft(config, meta, dataDir, dependencies.logger);
  const holder: { node: Node | null } = { node: null };
  const transport = meta.peers.length > 1
    ? await startPeerTransport(config, meta, () => sinkOf(holder.node), dependencies)
    : null;
  const node = new Node({
    identity: identityOf(config, meta),
    store,
    raft,
    raftStorage,
    send: (messages) => {
      if (transport !== null) transport.send(messages);
      else dependencies.logger.warn("messages with no peers dropped", { count: messages.length });
    },
    followerStats: () => (transport === null ? {} : followerStatsOf(transport.stats())),
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
    tickIntervalMs: tickIntervalMs(config),
    expiryIntervalMs: config.expiryIntervalMs,
    onFatal: dependencies.onFatal,
  });
  holder.node = node;
  node.start();
  return {
    node,
    close: async () => {
      await node.stop();
      await transport?.stop();
      await dataDir.close();
    },
  };
}

/** Raft over the recovered (or bootstrapped) log, with its in-memory mirror of the WAL. */
async function startRaft(
  config: Config,
  meta: MemberMeta,
  dataDir: DataDir,
  logger: Logger,
): Promise<{ raft: RawNode; raftStorage: MemoryStorage }> {
  const log = await recoverOrBootstrapLog(dataDir, meta.peers.map((peer) => peer.id));
  const raftStorage = new MemoryStorage();
  if (dataDir.snapshot !== null) raftStorage.applySnapshot(dataDir.snapshot);
  raftStorage.append(log.entries);
  raftStorage.setHardState(log.hardState);
  const applied = dataDir.snapshot?.metadata.index ?? 0;
  const raft = new RawNode(raftConfig(config, meta.memberId, logger), raftStorage, { applied });
  return { raft, raftStorage };
}

/** One tick drives both Raft's timers and the expiry check, so it is the finer of the two. */
function tickIntervalMs(config: Config): number {
  return raftTicks(config).tickIntervalMs;
}

/**
 * The log to start from: what the WAL holds, or, on a data dir never started, the founders'
 * bootstrap log (their add-voter entries), made durable before Raft sees it.
 */
async function recoverOrBootstrapLog(
  dataDir: DataDir,
  founders: readonly MemberId[],
): Promise<{ entries: readonly Entry[]; hardState: HardState }> {
  const fresh = dataDir.snapshot === null && dataDir.entries.length === 0;
  if (!fresh) return { entries: dataDir.entries, hardState: dataDir.hardState ?? emptyHardState };
  const bootstrap = bootstrapLog(founders);
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

/** Reads the member's identity from the data dir, or records it on first start. */
async function settleMeta(config: Config, dataDir: DataDir): Promise<MemberMeta> {
  const peers = config.initialCluster.map((member) => ({
    id: computeMemberId(member.peerUrls, config.initialClusterToken),
    name: member.name,
    peerURLs: member.peerUrls,
    // Other members' client URLs are learned later (cluster issue); only ours is known now.
    clientURLs: member.name === config.name ? config.advertiseClientUrls : [],
  }));
  const memberId = computeMemberId(config.initialAdvertisePeerUrls, config.initialClusterToken);
  if (!peers.some((peer) => peer.id === memberId)) {
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
  const meta: MemberMeta = {
    clusterId: computeClusterId(peers.map((peer) => peer.id)),
    memberId,
    name: config.name,
    peers,
  };
  await dataDir.writeMeta(meta);
  return meta;
}

function identityOf(config: Config, meta: MemberMeta): NodeIdentity {
  return {
    name: meta.name,
    memberId: meta.memberId,
    clusterId: meta.clusterId,
    // Addresses may change between restarts; the current flags win over the recorded ones.
    peerUrls: config.initialAdvertisePeerUrls,
    clientUrls: config.advertiseClientUrls,
    members: meta.peers.map((peer) =>
      peer.id === meta.memberId ? { ...peer, clientURLs: config.advertiseClientUrls } : peer,
    ),
  };
}

function restoreStore(
  snapshot: Snapshot | null,
  options: StoreOptions,
  unpack: (bytes: Uint8Array) => unknown,
): Store {
  if (snapshot === null) return new Store(options);
  // The snapshot file passed its CRC check; its payload is the store's own plain data.
  const data = unpack(snapshot.data) as StoreSnapshot;
  return Store.fromSnapshot(data, options);
}

/** Messages can arrive before the node exists; Raft retransmits whatever is dropped here. */
const droppingSink: PeerSink = {
  step: () => {},
  reportUnreachable: () => {},
  reportSnapshot: () => {},
};

function sinkOf(node: Node | null): PeerSink {
  return node ?? droppingSink;
}
