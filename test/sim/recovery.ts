/**
 * @module
 * Starting a host from its simulated disk through the real recovery code: `openDataDir` opens
 * (or creates) the WAL, repairs a torn tail, picks the newest snapshot the WAL has a marker for,
 * and returns the hard state and the entries after the snapshot. The state machine is rebuilt
 * from the snapshot; the entries after it are re-applied by Raft as committed entries.
 */
import type { Logger } from "../../src/lib/log.ts";
import {
  type BootstrapLog,
  type ConfState,
  type HardState,
  MemoryStorage,
  emptyHardState,
} from "../../src/raft/index.ts";
import { type DataDir, type FileSystem, openDataDir } from "../../src/storage/index.ts";
import { KvStore } from "./kv.ts";
import { LogChain } from "./log-chain.ts";

export const dataDirPath = "/data";
export const frameBytesMax = 1 << 20;

/** Everything a host restarts from. */
export interface Recovered {
  readonly dataDir: DataDir;
  readonly storage: MemoryStorage;
  readonly kv: KvStore;
  readonly hardState: HardState;
  readonly snapshotIndex: number;
  readonly confState: ConfState;
  /** The log as recovered, for the ghost state. */
  readonly chain: LogChain;
}

/** Opens the data dir on `fs` and rebuilds storage, state machine and log chain from it. */
export async function recoverHost(options: {
  fs: FileSystem;
  segmentBytes: number;
  preallocateBytes: number;
  initialConf: ConfState;
  /** For a founder: the log written on its very first start, before anything else. */
  bootstrap: BootstrapLog | null;
  logger: Logger;
  onEntry: (index: number, term: number, hash: number) => void;
}): Promise<Recovered> {
  const dataDir = await openDataDir({
    fs: options.fs,
    path: dataDirPath,
    segmentBytes: options.segmentBytes,
    preallocateBytes: options.preallocateBytes,
    frameBytesMax,
    logger: options.logger,
  });
  const fresh = dataDir.hardState === null && dataDir.snapshot === null &&
    dataDir.entries.length === 0;
  const bootstrap = fresh ? options.bootstrap : null;
  if (bootstrap !== null) {
    await dataDir.wal.save(bootstrap.hardState, bootstrap.entries);
    await dataDir.wal.sync();
  }
  const entries = bootstrap?.entries ?? dataDir.entries;
  const storage = new MemoryStorage(options.initialConf);
  const snapshot = dataDir.snapshot;
  const kv = snapshot === null ? new KvStore() : KvStore.restore(snapshot.data);
  const snapshotIndex = snapshot?.metadata.index ?? 0;
  const snapshotTerm = snapshot?.metadata.term ?? 0;
  if (snapshot !== null) storage.applySnapshot(snapshot);
  storage.append(entries);
  const stored = bootstrap?.hardState ?? dataDir.hardState ?? emptyHardState;
  // A snapshot marker is synced before the hard state that follows it, so a crash in between
  // leaves a commit below the snapshot; the snapshot itself proves its index committed.
  const hardState = { ...stored, commit: Math.max(stored.commit, snapshotIndex) };
  storage.setHardState(hardState);
  const chain = new LogChain();
  chain.reset(snapshotIndex, snapshotTerm, kv.chain);
  chain.append(entries, options.onEntry);
  return {
    dataDir,
    storage,
    kv,
    hardState,
    snapshotIndex,
    confState: snapshot?.metadata.confState ?? options.initialConf,
    chain,
  };
}

/** A logger that only counts the storage events the coverage counters want. */
export function countingLogger(count: (event: string) => void): Logger {
  const logger: Logger = {
    debug: () => {},
    info: (event) => count(event),
    warn: (event) => count(event),
    error: (event) => count(event),
    child: () => logger,
  };
  return logger;
}
