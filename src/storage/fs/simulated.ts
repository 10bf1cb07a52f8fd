/**
 * @module
 * An in-memory `FileSystem` that models what survives a power cut. Each file keeps the bytes
 * written so far and the bytes made durable by its last `datasync`; each directory keeps its
 * entries and the entries made durable by its last `fsyncDir`. `crash(prng, mode)` throws away
 * whatever was not durable, or (by mode) keeps a random prefix of the unsynced appends, torn at
 * 512-byte sectors and followed by zeroed sectors. Every promise resolves without timers, so the
 * Raft simulator stays deterministic.
 */
import { posix } from "node:path";
import { assert } from "../../lib/assert.ts";
import type { Prng } from "../../lib/prng.ts";
import {
  type FileHandle,
  type FileLock,
  type FileStat,
  type FileSystem,
  FileSystemError,
  type FileSystemErrorCode,
  LockHeldError,
  type OpenMode,
} from "./types.ts";
import { SimulatedDirectory, SimulatedFile, crashFile } from "./simulated-node.ts";
import type { CrashMode } from "./simulated-node.ts";

export type { CrashMode } from "./simulated-node.ts";

/** The operations a fault hook can fail. */
export type FaultOperation =
  | "open"
  | "read"
  | "write"
  | "truncate"
  | "datasync"
  | "rename"
  | "unlink"
  | "readdir"
  | "mkdir"
  | "fsyncDir"
  | "lock";

/** Decides whether an operation fails; return null to let it through. */
export type FaultHook = (operation: FaultOperation, path: string) => FileSystemErrorCode | null;

/** The simulated disk. One instance is one machine's disk; crash it to model a power cut. */
export class SimulatedFileSystem implements FileSystem {
  readonly #root = new SimulatedDirectory();
  readonly #locks = new Set<string>();
  #generation = 0;
  #faultHook: FaultHook | null = null;

  /** Installs (or with null removes) a hook that injects errors such as EIO or ENOSPC. */
  setFaultHook(hook: FaultHook | null): void {
    this.#faultHook = hook;
  }

  /**
   * Simulates a power cut: drops every directory entry and byte that was not durable (see
   * `CrashMode`), invalidates every open handle and releases every lock.
   */
  crash(prng: Prng, mode: CrashMode | "random" = "random"): void {
    const modes: readonly CrashMode[] = ["drop", "prefix", "torn"];
    this.#generation += 1;
    this.#locks.clear();
    const visited = new Set<SimulatedFile>();
    const pending: SimulatedDirectory[] = [this.#root];
    while (pending.length > 0) {
      const directory = pending.pop();
      assert(directory !== undefined, "pending directories are never undefined");
      directory.entries = new Map(directory.durableEntries);
      for (const node of directory.entries.values()) {
        if (node instanceof SimulatedDirectory) {
          pending.push(node);
        } else if (!visited.has(node)) {
          visited.add(node);
          const chosen = mode === "random" ? modes[prng.nextInt(modes.length)] : mode;
          assert(chosen !== undefined, "a crash mode is always chosen");
          crashFile(node, prng, chosen);
        }
      }
    }
  }

  /** The durable bytes of a file as a crash would leave them in `drop` mode, or null. */
  durableBytes(path: string): Uint8Array | null {
    const node = this.#lookup(path);
    return node instanceof SimulatedFile ? node.durableBytes() : null;
  }

  /** XORs `mask` into the byte at `offset` of a file, written and durable alike (bit rot). */
  corruptByte(path: string, offset: number, mask: number): void {
    const node = this.#lookup(path);
    assert(node instanceof SimulatedFile, `corruptByte needs an existing file: ${path}`);
    assert(offset < node.length, "corruptByte offset must lie within the file");
    node.corrupt(offset, mask);
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    this.#fault("open", path);
    const { parent, name } = this.#parentOf(path, "open");
    let node = parent.entries.get(name);
    if (node instanceof SimulatedDirectory) throw new FileSystemError("EISDIR", "open", path);
    if (node !== undefined && mode === "createExclusive") {
      throw new FileSystemError("EEXIST", "open", path);
    }
    if (node === undefined) {
      if (mode === "read" || mode === "readWrite") {
        throw new FileSystemError("ENOENT", "open", path);
      }
      node = new SimulatedFile();
      parent.entries.set(name, node);
    } else if (mode === "createTruncate") {
      node.truncate(0);
    }
    return new SimulatedHandle(this, node, { path, writable: mode !== "read" });
  }

  async readFile(path: string): Promise<Uint8Array> {
    this.#fault("read", path);
    return this.#file(path, "read").contents();
  }

  mapFile(path: string): Promise<Uint8Array> {
    return this.readFile(path);
  }

  async rename(from: string, to: string): Promise<void> {
    this.#fault("rename", from);
    const source = this.#parentOf(from, "rename");
    const target = this.#parentOf(to, "rename");
    const node = source.parent.entries.get(source.name);
    if (node === undefined) throw new FileSystemError("ENOENT", "rename", from);
    if (target.parent.entries.get(target.name) instanceof SimulatedDirectory) {
      throw new FileSystemError("EISDIR", "rename", to);
    }
    source.parent.entries.delete(source.name);
    target.parent.entries.set(target.name, node);
  }

  async unlink(path: string): Promise<void> {
    this.#fault("unlink", path);
    const { parent, name } = this.#parentOf(path, "unlink");
    const node = parent.entries.get(name);
    if (node === undefined) throw new FileSystemError("ENOENT", "unlink", path);
    if (node instanceof SimulatedDirectory) throw new FileSystemError("EISDIR", "unlink", path);
    parent.entries.delete(name);
  }

  async readdir(path: string): Promise<string[]> {
    this.#fault("readdir", path);
    return [...this.#directory(path, "readdir").entries.keys()];
  }

  async mkdirp(path: string): Promise<void> {
    this.#fault("mkdir", path);
    let directory = this.#root;
    for (const name of components(path)) {
      const node = directory.entries.get(name);
      if (node instanceof SimulatedFile) throw new FileSystemError("ENOTDIR", "mkdir", path);
      if (node === undefined) {
        const created = new SimulatedDirectory();
        directory.entries.set(name, created);
        directory = created;
      } else {
        directory = node;
      }
    }
  }

  async stat(path: string): Promise<FileStat | null> {
    const node = this.#lookup(path);
    if (node === null) return null;
    if (node instanceof SimulatedDirectory) return { size: 0, isDirectory: true };
    return { size: node.length, isDirectory: false };
  }

  async fsyncDir(path: string): Promise<void> {
    this.#fault("fsyncDir", path);
    const directory = this.#directory(path, "fsync");
    directory.durableEntries = new Map(directory.entries);
  }

  async lockExclusive(path: string): Promise<FileLock> {
    this.#fault("lock", path);
    const absolute = posix.resolve("/", path);
    if (this.#locks.has(absolute)) throw new LockHeldError(path);
    const handle = await this.open(path, "create");
    await handle.close();
    this.#locks.add(absolute);
    const generation = this.#generation;
    return {
      path,
      release: async () => {
        // A crash already released it, and a later holder's lock must survive.
        if (generation === this.#generation) this.#locks.delete(absolute);
      },
    };
  }

  /** @internal Used by handles: throws when the machine crashed since the handle was opened. */
  checkGeneration(generation: number, path: string): void {
    if (generation !== this.#generation) throw new FileSystemError("EBADF", "use", path);
  }

  /** @internal The current crash generation. */
  get generation(): number {
    return this.#generation;
  }

  /** @internal Applies the fault hook. */
  fault(operation: FaultOperation, path: string): void {
    this.#fault(operation, path);
  }

  // --- internal ---

  #fault(operation: FaultOperation, path: string): void {
    const code = this.#faultHook?.(operation, path) ?? null;
    if (code !== null) throw new FileSystemError(code, operation, path);
  }

  #lookup(path: string): SimulatedDirectory | SimulatedFile | null {
    let node: SimulatedDirectory | SimulatedFile = this.#root;
    for (const name of components(path)) {
      if (!(node instanceof SimulatedDirectory)) return null;
      const next: SimulatedDirectory | SimulatedFile | undefined = node.entries.get(name);
      if (next === undefined) return null;
      node = next;
    }
    return node;
  }

  #directory(path: string, operation: string): SimulatedDirectory {
    const node = this.#lookup(path);
    if (node === null) throw new FileSystemError("ENOENT", operation, path);
    if (!(node instanceof SimulatedDirectory)) {
      throw new FileSystemError("ENOTDIR", operation, path);
    }
    return node;
  }

  #file(path: string, operation: string): SimulatedFile {
    const node = this.#lookup(path);
    if (node === null) throw new FileSystemError("ENOENT", operation, path);
    if (node instanceof SimulatedDirectory) throw new FileSystemError("EISDIR", operation, path);
    return node;
  }

  #parentOf(path: string, operation: string): { parent: SimulatedDirectory; name: string } {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined) throw new FileSystemError("EISDIR", operation, path);
    return { parent: this.#directory(`/${parts.join("/")}`, operation), name };
  }
}

// --- internal ---

function components(path: string): string[] {
  return posix.resolve("/", path).split("/").filter((part) => part.length > 0);
}

class SimulatedHandle implements FileHandle {
  readonly path: string;
  readonly #fs: SimulatedFileSystem;
  readonly #file: SimulatedFile;
  readonly #writable: boolean;
  readonly #generation: number;
  #closed = false;

  constructor(
    fs: SimulatedFileSystem,
    file: SimulatedFile,
    options: { path: string; writable: boolean },
  ) {
    this.#fs = fs;
    this.#file = file;
    this.path = options.path;
    this.#writable = options.writable;
    this.#generation = fs.generation;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    this.#check("read", false);
    assert(position >= 0 && length >= 0, "read range must be non-negative");
    return this.#file.read(position, length);
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    this.#check("write", true);
    assert(position >= 0, "write position must be non-negative");
    this.#file.write(data, position);
  }

  async append(data: Uint8Array): Promise<void> {
    this.#check("write", true);
    this.#file.write(data, this.#file.length);
  }

  async size(): Promise<number> {
    this.#check("read", false);
    return this.#file.length;
  }

  async truncate(length: number): Promise<void> {
    this.#check("truncate", true);
    assert(length >= 0, "truncate length must be non-negative");
    this.#file.truncate(length);
  }

  async datasync(): Promise<void> {
    this.#check("datasync", false);
    this.#file.sync();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(operation: FaultOperation, needsWrite: boolean): void {
    if (this.#closed) throw new FileSystemError("EBADF", operation, this.path);
    this.#fs.checkGeneration(this.#generation, this.path);
    if (needsWrite && !this.#writable) throw new FileSystemError("EBADF", operation, this.path);
    this.#fs.fault(operation, this.path);
  }
}
