/**
 * @module
 * The data-dir lock: flock(2) with LOCK_EX|LOCK_NB through `bun:ffi` on an open file, so the
 * kernel refuses a second holder and drops the lock when the holder dies, even by `kill -9`.
 * Where libc cannot be loaded, falls back to an O_EXCL pid file with stale-pid detection.
 */
import { dlopen, FFIType, read as readPointer } from "bun:ffi";
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { open, readFile, unlink } from "node:fs/promises";
import { assert } from "../../lib/assert.ts";
import { type FileLock, LockHeldError, hasErrorCode } from "./types.ts";

const lockExclusiveFlag = 2;
const lockNonBlockingFlag = 4;
const unlockFlag = 8;
const wouldBlockErrno = 11;
const interruptedErrno = 4;

/** The libc calls the lock needs, or null when no libc could be loaded. */
export interface FlockLibrary {
  flock(fd: number, operation: number): number;
  errno(): number;
}

/** Loads flock from the C library; null when `bun:ffi` or libc is unavailable. */
export function loadFlock(): FlockLibrary | null {
  for (const name of ["libc.so.6", "libc.so", "libc.dylib", "/usr/lib/libSystem.B.dylib"]) {
    try {
      const errnoSymbol = process.platform === "darwin" ? "__error" : "__errno_location";
      const library = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoSymbol]: { args: [], returns: FFIType.ptr },
      });
      const errnoLocation = library.symbols[errnoSymbol];
      assert(errnoLocation !== undefined, "errno symbol must load with flock");
      return {
        flock: (fd, operation) => library.symbols.flock(fd, operation),
        errno: () => {
          const pointer = errnoLocation();
          return pointer === null ? 0 : readPointer.i32(pointer, 0);
        },
      };
    } catch {
      // Try the next name; a missing library is expected on some platforms.
    }
  }
  return null;
}

/**
 * Locks `path` with flock, or with a pid file when `library` is null.
 * @throws {LockHeldError} when another process (or handle) holds the lock.
 */
export async function lockFile(path: string, library: FlockLibrary | null): Promise<FileLock> {
  if (library === null) return lockWithPidFile(path);
  // A plain descriptor, not a FileHandle: the garbage collector closes unreachable FileHandles,
  // which would drop the lock while the process still relies on it.
  const fd = openSync(path, "a+");
  let result = -1;
  let errno = interruptedErrno;
  for (let attempt = 0; attempt < 10 && result !== 0 && errno === interruptedErrno; attempt++) {
    result = library.flock(fd, lockExclusiveFlag | lockNonBlockingFlag);
    errno = result === 0 ? 0 : library.errno();
  }
  if (result !== 0) {
    closeSync(fd);
    if (errno === wouldBlockErrno || errno === 35) throw new LockHeldError(path);
    throw new Error(`Cannot lock ${path}: flock failed with errno ${errno}`);
  }
  // The pid is only for people reading the file; the kernel holds the lock.
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  return flockRelease(path, fd, library);
}

// --- internal ---

function flockRelease(path: string, fd: number, library: FlockLibrary): FileLock {
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      library.flock(fd, unlockFlag);
      closeSync(fd);
    },
  };
}

async function lockWithPidFile(path: string): Promise<FileLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.write(`${process.pid}\n`, 0);
      await handle.datasync();
      await handle.close();
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await unlink(path);
        },
      };
    } catch (error) {
      if (!hasErrorCode(error, "EEXIST")) throw error;
      if (await holderIsAlive(path)) throw new LockHeldError(path);
      await unlink(path).catch(() => undefined);
    }
  }
  throw new LockHeldError(path);
}

async function holderIsAlive(path: string): Promise<boolean> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  if (!(Number.isSafeInteger(pid) && pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    return hasErrorCode(error, "EPERM");
  }
}
