/**
 * @module
 * The shape of consensus as the node loop drives it: the Ready/advance contract of the Raft core,
 * reduced to what the loop needs. A single member uses `SoloConsensus`; a cluster uses Raft.
 */
import type { Entry, HardState } from "../raft/types.ts";

/** One batch of work: persist `hardState` and `entries` (sync if `mustSync`), then apply. */
export interface ConsensusReady {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly committedEntries: readonly Entry[];
  readonly mustSync: boolean;
}

export type ProposeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface ConsensusStatus {
  readonly term: number;
  readonly commit: number;
  readonly lastIndex: number;
  readonly isLeader: boolean;
  /** 0n when no leader is known. */
  readonly leaderId: bigint;
}

export interface Consensus {
  propose(data: Uint8Array): ProposeResult;
  tick(): void;
  hasReady(): boolean;
  /** The next batch; the caller must persist it and then call `advance()`. */
  ready(): ConsensusReady;
  advance(): void;
  status(): ConsensusStatus;
}
