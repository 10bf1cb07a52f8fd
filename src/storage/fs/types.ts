/**
 * @module
 * The `FileSystem` interface everything in storage goes through, so the same WAL and snapshot
 * code runs on real disks and on the simulated disk of the tests and the Raft simulator.
 */

/**
 * How to open a file:
 * - `read`: read only; the file must exist.
 * - `readWrite`: read and write; the file must exist.
 * - `create`: read and write; created empty if missing, kept as is otherwise.
 * - `createExclusive`: read and write; fails with `EEXIST` if the file exists.
 * - `createTruncate`: read and write; created if missing, emptied otherwise.
 */
export type OpenMode = "read" | "readWrite" | "create" | "createExclusive" | "createTruncate";

/** An open file. Positions are byte offsets; writes never extend past what they name. */
export interface FileHandle {
  readonly path: string;
  /** Reads up to `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Writes all of `data` at `position`. */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Writes all of `data` at the end of the file. */
  append(data: Uint8Array): Promise<void>;
  /** The file's current size in bytes. */
  size(): Promise<number>;
  /** Cuts or zero-extends the file to `length` bytes. */
  truncate(length: number): Promise<void>;
  /** Makes the file's data and size durable (fdatasync). */
  datasync(): Promise<void>;
  close(): Promise<void>;
}

/** What `stat` reports. */
export interface FileStat {
  readonly size: number;
  readonly isDirectory: boolean;
}

/** A held exclusive lock; `release` is idempotent. */
export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/** File-system operations used by storage. Every path is absolute or relative to the cwd. */
export interface FileSystem {
  /**
   * Opens a file.
   * @throws {FileSystemError} `ENOENT`, `EEXIST`, `EIO`, ...
   */
  open(path: string, mode: OpenMode): Promise<FileHandle>;
  /** Reads a whole file into memory. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Maps a whole file read-only (mmap on a real disk, a copy on the simulated one). The bytes
   * stay valid while the file is not truncated or rewritten in place.
   */
  mapFile(path: string): Promise<Uint8Array>;
  /** Atomically replaces `to` with `from`; durable after `fsyncDir` of both directories. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; durable after `fsyncDir` of its directory. */
  unlink(path: string): Promise<void>;
  /** The names in a directory (not paths), in no particular order. */
  readdir(path: string): Promise<string[]>;
  /** Creates a directory and any missing parents; existing ones are fine. */
  mkdirp(path: string): Promise<void>;
  /** Size and kind of a path, or null when it does not exist. */
  stat(path: string): Promise<FileStat | null>;
  /** Makes the directory's entries (creates, renames, unlinks) durable. */
  fsyncDir(path: string): Promise<void>;
  /**
   * Takes an exclusive lock on `path` (created if missing), refused while any other holder has
   * it and released automatically when the holding process dies.
   * @throws {LockHeldError} when another holder has the lock.
   */
  lockExclusive(path: string): Promise<FileLock>;
}

/** Error codes the storage layer distinguishes, as Node reports them. */
export type FileSystemErrorCode =
  | "ENOENT"
  | "EEXIST"
  | "EIO"
  | "ENOSPC"
  | "EISDIR"
  | "ENOTDIR"
  | "ENOTEMPTY"
  | "EBADF";

/** A failed file-system call, with the errno-style code Node uses. */
export class FileSystemError extends Error {
  override readonly name = "FileSystemError";
  readonly code: FileSystemErrorCode;
  readonly path: string;

  constructor(code: FileSystemErrorCode, operation: string, path: string) {
    super(`Cannot ${operation} ${path}: ${code}`);
    this.code = code;
    this.path = path;
  }
}

/** The lock is held by another process (or another handle). */
export class LockHeldError extends Error {
  override readonly name = "LockHeldError";
  readonly path: string;

  constructor(path: string) {
    super(`Cannot lock ${path}: it is held by another process`);
    this.path = path;
  }
}

/** Tells whether `error` is a Node-style error with the errno code `code`. */
export function hasErrorCode(error: unknown, code: string): boolean {
  return (
    typeof error === "object" && error !== null && "code" in error && error.code === code
  );
}
