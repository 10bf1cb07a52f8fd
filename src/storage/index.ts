/**
 * @module
 * The durable layer: file systems (real and simulated), the WAL, snapshot files, the member meta
 * file and the locked data directory that ties them together.
 */
export {
  type CrashMode,
  type FaultHook,
  type FaultOperation,
  type FileHandle,
  type FileLock,
  type FileStat,
  type FileSystem,
  FileSystemError,
  type FileSystemErrorCode,
  LockHeldError,
  type OpenMode,
  type RealFileSystemOptions,
  SimulatedFileSystem,
  createRealFileSystem,
  makeDirectoryDurably,
} from "./fs/index.ts";
export {
  Wal,
  WalCorruptionError,
  type WalContents,
  type WalOptions,
} from "./wal/index.ts";
export {
  type SnapshotName,
  SnapshotStore,
  type SnapshotStoreOptions,
} from "./snapshot/index.ts";
export { type MemberMeta, type PeerMeta, metaFormatVersion, readMeta, writeMeta } from "./meta.ts";
export {
  type DataDir,
  DataDirLockedError,
  type DataDirOptions,
  dataDirLayout,
  openDataDir,
} from "./data-dir.ts";
