/**
 * @module
 * The Raft node's configuration, its defaults and the relationships between limits.
 */

import { assert } from "../lib/assert.ts";
import type { Logger } from "../lib/log.ts";
import { silentLogger } from "../lib/log.ts";
import type { Prng } from "../lib/prng.ts";
import type { MemberId } from "./types.ts";

export interface RaftConfig {
  /** This member's id; never 0 and never reused by another member. */
  readonly id: MemberId;
  /** Ticks without hearing from a leader before campaigning (randomized up to twice this). */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats; must be below `electionTicks`. */
  readonly heartbeatTicks: number;
  /** The only randomness the core uses (election jitter). */
  readonly prng: Prng;
  /** Run a PreVote round before bumping the term (default true). */
  readonly preVote?: boolean;
  /** Leaders step down without a recently active quorum; votes are refused in lease. */
  readonly checkQuorum?: boolean;
  /** Soft cap on the entry bytes of one MsgApp (one entry always fits). */
  readonly maxSizePerMsgBytes: number;
  /** Appends in flight per follower in the replicate state. */
  readonly maxInflightMsgs: number;
  /** Entry bytes in flight per follower (default: unbounded beyond the count). */
  readonly maxInflightBytes?: number;
  /** Payload bytes of uncommitted leader entries beyond which proposals are dropped. */
  readonly maxUncommittedEntriesBytes: number;
  /** Soft cap on the committed entry bytes handed out in one Ready. */
  readonly maxCommittedSizePerReadyBytes: number;
  /** Pending ReadIndex requests a leader keeps (default 4096). */
  readonly maxPendingReadIndex?: number;
  /** A leader removed from (or demoted out of) the voters steps down (default true). */
  readonly stepDownOnRemoval?: boolean;
  readonly logger?: Logger;
}

/** The configuration with every default filled in. */
export interface ResolvedRaftConfig {
  readonly id: MemberId;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly prng: Prng;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxSizePerMsgBytes: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly maxUncommittedEntriesBytes: number;
  readonly maxCommittedSizePerReadyBytes: number;
  readonly maxPendingReadIndex: number;
  readonly stepDownOnRemoval: boolean;
  readonly logger: Logger;
}

export function resolveConfig(config: RaftConfig): ResolvedRaftConfig {
  assert(config.id > 0n, "Raft member id must be positive");
  assert(config.heartbeatTicks >= 1, "heartbeatTicks must be at least 1");
  assert(config.electionTicks > config.heartbeatTicks, "electionTicks must exceed heartbeatTicks");
  assert(config.maxSizePerMsgBytes >= 0, "maxSizePerMsgBytes must not be negative");
  assert(config.maxInflightMsgs >= 1, "maxInflightMsgs must be at least 1");
  assert(config.maxUncommittedEntriesBytes > 0, "maxUncommittedEntriesBytes must be positive");
  assert(config.maxCommittedSizePerReadyBytes > 0, "maxCommittedSizePerReadyBytes must be > 0");
  const resolved: ResolvedRaftConfig = {
    id: config.id,
    electionTicks: config.electionTicks,
    heartbeatTicks: config.heartbeatTicks,
    prng: config.prng,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    maxSizePerMsgBytes: config.maxSizePerMsgBytes,
    maxInflightMsgs: config.maxInflightMsgs,
    maxInflightBytes: config.maxInflightBytes ?? Number.MAX_SAFE_INTEGER,
    maxUncommittedEntriesBytes: config.maxUncommittedEntriesBytes,
    maxCommittedSizePerReadyBytes: config.maxCommittedSizePerReadyBytes,
    maxPendingReadIndex: config.maxPendingReadIndex ?? 4096,
    stepDownOnRemoval: config.stepDownOnRemoval ?? true,
    logger: config.logger ?? silentLogger,
  };
  assert(resolved.maxInflightBytes > 0, "maxInflightBytes must be positive");
  assert(resolved.maxPendingReadIndex >= 1, "maxPendingReadIndex must be at least 1");
  return resolved;
}
