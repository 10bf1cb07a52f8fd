/**
 * @module
 * What the node loop needs from storage and from the store, as narrow interfaces: the loop is
 * the same over the real WAL, the simulated disk, and any store that honours the contract.
 */
import type { Entry, HardState, Snapshot, SnapshotMetadata } from "../raft/types.ts";
import type { StoreSnapshot } from "../store/index.ts";
import type { EtcdError } from "../store/errors.ts";
import type { ApplyOutcome, StoreCommand, StoreReader } from "../store/types.ts";

/** The write-ahead log as the loop uses it. */
export interface LogPersistence {
  /** Appends a hard state and entries; durable only after `sync`. */
  save(hardState: HardState | null, entries: readonly Entry[]): Promise<void>;
  /** fdatasync: everything saved before is durable when this resolves. */
  sync(): Promise<void>;
  /** Records that a durable snapshot covers the log up to `metadata.index`. */
  saveSnapshotMarker(metadata: SnapshotMetadata): Promise<void>;
  /** Drops segments wholly covered by a durable snapshot at `index`. */
  releaseTo(index: number): Promise<void>;
}

/** The snapshot files as the loop uses them. */
export interface SnapshotPersistence {
  /** Writes a snapshot atomically and durably. */
  save(snapshot: Snapshot): Promise<void>;
  /** Deletes all but the `keep` newest snapshots. */
  purge(keep: number): Promise<number>;
}

/** The replicated state machine: the store plus what replication needs of it. */
export interface ReplicatedStore extends StoreReader {
  apply(command: StoreCommand, raftIndex: number, nowMs: number): ApplyOutcome;
  /** Records an applied entry that carries no command (a leader's no-op). */
  markApplied(raftIndex: number): void;
  /** The earliest TTL deadline in the tree, or null when nothing expires. */
  nextExpirationMs(): number | null;
  /** Plain data that restores the store exactly. */
  toSnapshot(): StoreSnapshot;
  /** Replaces the whole state with a snapshot's (installed from the leader). */
  restore(snapshot: StoreSnapshot): void;
  /** Ends every registered watch with `reason`; returns how many. */
  closeWatchers(reason: EtcdError): number;
}
