/**
 * @module
 * The `FileSystem` on the real disk: node:fs/promises file handles, `datasync` for fdatasync,
 * a directory fsync by opening the directory, `Bun.mmap` for whole-file reads and flock for the
 * data-dir lock.
 */
import { constants as fsConstants, writeSync } from "node:fs";
import { mkdir, open, readFile, readdir, rename, stat, unlink } from "node:fs/promises";
import type { FileHandle as NodeFileHandle } from "node:fs/promises";
import { assert } from "../../lib/assert.ts";
import { type FlockLibrary, loadFlock, lockFile } from "./flock.ts";
import type { FileHandle, FileStat, FileSystem, OpenMode } from "./types.ts";
import { hasErrorCode } from "./types.ts";

/** Options of the real file system. */
export interface RealFileSystemOptions {
  /** Use the pid-file lock instead of flock (for tests of the fallback). */
  readonly pidFileLock?: boolean;
}

/** Creates the real file system. */
export function createRealFileSystem(options: RealFileSystemOptions = {}): FileSystem {
  const flock: FlockLibrary | null = options.pidFileLock === true ? null : loadFlock();
  return {
    open: async (path, mode) => new RealFileHandle(path, await open(path, nodeFlags[mode])),
    readFile: async (path) => {
      const buffer = await readFile(path);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    },
    mapFile: async (path) => {
      const info = await stat(path);
      // mmap refuses empty files; an empty read needs no mapping.
      return info.size === 0 ? new Uint8Array(0) : Bun.mmap(path, { shared: false });
    },
    rename: (from, to) => rename(from, to),
    unlink: (path) => unlink(path),
    readdir: (path) => readdir(path),
    mkdirp: async (path) => {
      await mkdir(path, { recursive: true });
    },
    stat: statOrNull,
    fsyncDir: async (path) => {
      const handle = await open(path, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    lockExclusive: (path) => lockFile(path, flock),
  };
}

// --- internal ---

// Numeric flags: Node's "a+" would turn every positional write into an append on Linux.
const nodeFlags: Record<OpenMode, number> = {
  read: fsConstants.O_RDONLY,
  readWrite: fsConstants.O_RDWR,
  create: fsConstants.O_RDWR | fsConstants.O_CREAT,
  createExclusive: fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL,
  createTruncate: fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_TRUNC,
};

async function statOrNull(path: string): Promise<FileStat | null> {
  try {
    const info = await stat(path);
    return { size: info.size, isDirectory: info.isDirectory() };
  } catch (error) {
    if (hasErrorCode(error, "ENOENT")) return null;
    throw error;
  }
}

class RealFileHandle implements FileHandle {
  readonly path: string;
  readonly #handle: NodeFileHandle;

  constructor(path: string, handle: NodeFileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    assert(position >= 0 && length >= 0, "read range must be non-negative");
    const buffer = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const remaining = length - filled;
      const { bytesRead } = await this.#handle.read(buffer, filled, remaining, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === length ? buffer : buffer.subarray(0, filled);
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    assert(position >= 0, "write position must be non-negative");
    // A write only reaches the page cache, which takes microseconds: doing it in place saves a
    // thread-pool round trip per WAL batch. fdatasync, which waits on the disk, stays async.
    let written = 0;
    while (written < data.byteLength) {
      const remaining = data.byteLength - written;
      const bytesWritten = writeSync(this.#handle.fd, data, written, remaining, position + written);
      assert(bytesWritten > 0, "a write must make progress");
      written += bytesWritten;
    }
  }

  async append(data: Uint8Array): Promise<void> {
    await this.write(data, await this.size());
  }

  async size(): Promise<number> {
    return (await this.#handle.stat()).size;
  }

  truncate(length: number): Promise<void> {
    return this.#handle.truncate(length);
  }

  datasync(): Promise<void> {
    return this.#handle.datasync();
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}
