/**
 * @module
 * Swarm testing: every parameter of a run (cluster size, timing, network faults, disk latency,
 * crash and partition rates, snapshot cadence, Raft limits, workload shape) is drawn from the
 * seed, so a batch of seeds covers many configurations and any one of them replays exactly.
 */
import type { Prng } from "../../src/lib/prng.ts";

export interface NetworkOptions {
  /** Every message takes at least this long. */
  readonly delayMinMs: number;
  /** Mean of the exponential extra delay (reordering emerges from it). */
  readonly delayMeanMs: number;
  readonly dropRate: number;
  readonly duplicateRate: number;
  /** Messages in flight per directed link; beyond it the transport drops (bounded queue). */
  readonly linkCapacity: number;
}

export interface FaultOptions {
  /** Mean virtual time between fault actions. */
  readonly actionMeanMs: number;
  readonly partitions: boolean;
  readonly crashes: boolean;
  readonly pauses: boolean;
  readonly transfers: boolean;
  /** The most nodes down (crashed or paused) at once; may reach a majority. */
  readonly downMax: number;
}

export interface DiskOptions {
  readonly writeLatencyMaxMs: number;
  readonly syncLatencyMaxMs: number;
  readonly segmentBytes: number;
  /** Zeros the WAL writes ahead of its data (0: none; see `WalOptions.preallocateBytes`). */
  readonly preallocateBytes: number;
}

export interface RaftLimits {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly maxSizePerMsgBytes: number;
  readonly maxInflightMsgs: number;
  readonly maxUncommittedEntriesBytes: number;
  readonly maxCommittedSizePerReadyBytes: number;
  /** Always on in the swarm; scenarios turn them off to show what they prevent. */
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
}

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  /** Mean pause of a client between operations. */
  readonly thinkMeanMs: number;
  readonly timeoutMs: number;
  readonly readRatio: number;
  readonly casRatio: number;
  readonly deleteRatio: number;
}

export interface SimOptions {
  readonly seed: number;
  readonly nodeCount: number;
  readonly tickMs: number;
  readonly raft: RaftLimits;
  readonly network: NetworkOptions;
  readonly faults: FaultOptions;
  readonly disk: DiskOptions;
  /** Snapshot and compact once this many entries were applied since the last snapshot. */
  readonly snapshotEveryEntries: number;
  /** Entries kept below a snapshot when compacting. */
  readonly compactKeepEntries: number;
  readonly workload: WorkloadOptions;
  readonly faultPhaseMs: number;
  /** The liveness bound after healing, in election timeouts. */
  readonly livenessElectionTimeouts: number;
  /** Heal only a random majority core in the liveness phase (else every node). */
  readonly healCoreOnly: boolean;
  /** Add learners, promote them and remove voters during the fault phase. */
  readonly membership: { readonly enabled: boolean; readonly actionMeanMs: number };
  /**
   * Hosts apply what was durable before a Ready ahead of its write, and take the core's
   * write-free work while it is written, as the real node does (else the plain Ready cycle).
   */
  readonly writeFreeReadys: boolean;
}

/** Draws every option of a run from `prng` (the seed's options stream). */
export function drawOptions(seed: number, prng: Prng): SimOptions {
  const nodeCount = pick(prng, [3, 3, 5, 5, 4]);
  const electionTicks = 5 + prng.nextInt(6);
  return {
    seed,
    nodeCount,
    tickMs: 10,
    raft: drawRaftLimits(prng, electionTicks),
    network: {
      delayMinMs: 1 + prng.nextInt(5),
      delayMeanMs: 1 + prng.nextInt(15),
      dropRate: prng.chance(0.3) ? 0 : prng.nextFloat() * 0.3,
      duplicateRate: prng.chance(0.3) ? 0 : prng.nextFloat() * 0.5,
      linkCapacity: prng.chance(0.5) ? 1000 : 8 + prng.nextInt(64),
    },
    faults: {
      // A quarter of the seeds churn hard: leaders crash and partitions flip within an election
      // timeout, which is what Figure 8 style histories need.
      actionMeanMs: prng.chance(0.25) ? 20 + prng.nextInt(60) : 100 + prng.nextInt(400),
      partitions: prng.chance(0.8),
      crashes: prng.chance(0.8),
      pauses: prng.chance(0.4),
      transfers: prng.chance(0.5),
      downMax: prng.chance(0.2) ? nodeCount : Math.floor((nodeCount - 1) / 2),
    },
    disk: {
      writeLatencyMaxMs: prng.nextInt(3),
      syncLatencyMaxMs: 1 + prng.nextInt(6),
      segmentBytes: pick(prng, [2048, 8192, 65536]),
      preallocateBytes: pick(prng, [0, 512, 4096, 1024 * 1024]),
    },
    snapshotEveryEntries: pick(prng, [8, 20, 50, 1_000_000]),
    compactKeepEntries: pick(prng, [0, 2, 10]),
    workload: {
      clients: 2 + prng.nextInt(4),
      keys: 1 + prng.nextInt(3),
      thinkMeanMs: 5 + prng.nextInt(40),
      timeoutMs: (2 + prng.nextInt(4)) * electionTicks * 10,
      readRatio: 0.2 + prng.nextFloat() * 0.4,
      casRatio: prng.nextFloat() * 0.3,
      deleteRatio: prng.nextFloat() * 0.1,
    },
    faultPhaseMs: 1500 + prng.nextInt(1500),
    livenessElectionTimeouts: 20,
    healCoreOnly: prng.chance(0.3),
    membership: { enabled: prng.chance(0.4), actionMeanMs: 100 + prng.nextInt(300) },
    // Drawn last, so the options above are those each seed drew before it existed.
    writeFreeReadys: prng.chance(0.75),
  };
}

// --- internal ---

function drawRaftLimits(prng: Prng, electionTicks: number): RaftLimits {
  return {
    electionTicks,
    heartbeatTicks: 1 + prng.nextInt(2),
    maxSizePerMsgBytes: pick(prng, [0, 128, 1024, 1 << 20]),
    maxInflightMsgs: pick(prng, [1, 4, 256]),
    maxUncommittedEntriesBytes: pick(prng, [512, 1 << 30]),
    maxCommittedSizePerReadyBytes: pick(prng, [64, 1 << 20]),
    preVote: true,
    checkQuorum: true,
  };
}

function pick<T>(prng: Prng, values: readonly T[]): T {
  const value = values[prng.nextInt(values.length)];
  if (value === undefined) throw new RangeError("pick needs a non-empty list");
  return value;
}
