/**
 * @module
 * The file-system layer: the interface, the real disk and the simulated disk.
 */
export {
  type FileHandle,
  type FileLock,
  type FileStat,
  type FileSystem,
  FileSystemError,
  type FileSystemErrorCode,
  LockHeldError,
  type OpenMode,
  hasErrorCode,
} from "./types.ts";
export { makeDirectoryDurably } from "./durable-directory.ts";
export { type RealFileSystemOptions, createRealFileSystem } from "./real.ts";
export {
  type CrashMode,
  type FaultHook,
  type FaultOperation,
  SimulatedFileSystem,
} from "./simulated.ts";
