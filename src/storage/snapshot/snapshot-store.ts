/**
 * @module
 * Snapshot files in `<data-dir>/member/snap`. Each file is a CRC-checked header frame (metadata,
 * body length, body CRC) followed by the body at an 8-byte aligned offset, so a mapped file can
 * hand the body out without copying. Saving is atomic and durable: temporary file, fdatasync,
 * rename, directory fsync. Loading takes the newest file that passes its checks; one that fails
 * is renamed `.broken` and the next is tried.
 */
import { posix } from "node:path";
import {
  CorruptionError,
  type MsgpackCodec,
  RecordType,
  createMsgpackCodec,
  decodeSnapshotHeader,
  encodeFrame,
  encodeSnapshotHeader,
  readFrame,
} from "../../codec/index.ts";
import { assert } from "../../lib/assert.ts";
import { type Logger, silentLogger } from "../../lib/log.ts";
import type { Snapshot, SnapshotMetadata } from "../../raft/types.ts";
import type { FileSystem } from "../fs/types.ts";
import {
  type SnapshotName,
  newestFirst,
  parseSnapshotFileName,
  snapshotFileName,
} from "./snapshot-name.ts";

/** How to reach the snapshot directory. */
export interface SnapshotStoreOptions {
  readonly fs: FileSystem;
  /** The snapshot directory itself (`<data-dir>/member/snap`). */
  readonly dir: string;
  /** The largest header frame. */
  readonly frameBytesMax: number;
  readonly logger?: Logger;
}

/** The snapshot files of one member. */
export class SnapshotStore {
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #frameBytesMax: number;
  readonly #logger: Logger;
  readonly #codec: MsgpackCodec = createMsgpackCodec();

  constructor(options: SnapshotStoreOptions) {
    this.#fs = options.fs;
    this.#dir = options.dir;
    this.#frameBytesMax = options.frameBytesMax;
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Writes a snapshot atomically and durably: when this resolves the file survives a crash.
   * @throws {FileSystemError} when a write, sync or rename fails (no partial file is visible).
   */
  async save(snapshot: Snapshot): Promise<void> {
    const { metadata, data } = snapshot;
    assert(Number.isSafeInteger(metadata.index) && metadata.index >= 0, "snapshot index >= 0");
    const header = encodeSnapshotHeader(this.#codec, {
      metadata,
      dataBytes: data.byteLength,
      dataCrc: Bun.hash.crc32(data),
    });
    const headerFrame = encodeFrame(RecordType.snapshotHeader, header, this.#frameBytesMax);
    const path = posix.join(this.#dir, snapshotFileName(metadata.term, metadata.index));
    const temporary = `${path}.tmp`;
    const handle = await this.#fs.open(temporary, "createTruncate");
    try {
      await handle.write(headerFrame, 0);
      await handle.write(data, headerFrame.byteLength);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await this.#fs.rename(temporary, path);
    await this.#fs.fsyncDir(this.#dir);
    this.#logger.info("snapshot_saved", { file: path, bytes: data.byteLength });
  }

  /** The snapshot files present, newest first, by name only (nothing is read). */
  async list(): Promise<SnapshotName[]> {
    const names = await this.#fs.readdir(this.#dir);
    return names
      .map(parseSnapshotFileName)
      .filter((name): name is SnapshotName => name !== null)
      .sort(newestFirst);
  }

  /**
   * Loads the newest snapshot that passes its checks and that `accept` admits (by default any).
   * A file that fails its checks is renamed `<name>.broken` and the next one is tried. The data
   * may be a read-only view of a mapped file: copy it to keep it past a later purge of the file.
   * @throws {FileSystemError} when the directory cannot be read.
   */
  async loadNewest(
    accept: (name: SnapshotName) => boolean = () => true,
  ): Promise<Snapshot | null> {
    for (const name of await this.list()) {
      if (!accept(name)) continue;
      const path = posix.join(this.#dir, name.fileName);
      const bytes = await this.#fs.mapFile(path);
      try {
        return this.#decode(bytes, name);
      } catch (error) {
        if (!(error instanceof CorruptionError)) throw error;
        this.#logger.warn("snapshot_broken", { file: path, reason: error.message });
        await this.#fs.rename(path, `${path}.broken`);
        await this.#fs.fsyncDir(this.#dir);
      }
    }
    return null;
  }

  /**
   * Deletes all but the `keep` newest snapshot files, and leftover temporary files.
   * @returns the number of snapshot files deleted.
   */
  async purge(keep: number): Promise<number> {
    assert(Number.isSafeInteger(keep) && keep >= 1, "purge must keep at least one snapshot");
    const stale = (await this.list()).slice(keep).map((name) => name.fileName);
    const temporaries = (await this.#fs.readdir(this.#dir)).filter((name) =>
      name.endsWith(".snap.tmp"),
    );
    for (const fileName of [...stale, ...temporaries]) {
      await this.#fs.unlink(posix.join(this.#dir, fileName));
    }
    if (stale.length + temporaries.length > 0) await this.#fs.fsyncDir(this.#dir);
    return stale.length;
  }

  // --- internal ---

  #decode(bytes: Uint8Array, name: SnapshotName): Snapshot {
    const result = readFrame(bytes, 0, this.#frameBytesMax);
    if (result.status !== "ok") {
      const reason = result.status === "end" ? "the file is empty" : result.reason;
      throw new CorruptionError(`Cannot load snapshot ${name.fileName}: ${reason}`, 0);
    }
    const { frame } = result;
    if (frame.type !== RecordType.snapshotHeader) {
      throw new CorruptionError(`Cannot load snapshot ${name.fileName}: not a snapshot`, 0);
    }
    const header = decodeSnapshotHeader(this.#codec, frame.payload);
    const data = bytes.subarray(frame.frameBytes);
    if (data.byteLength !== header.dataBytes || Bun.hash.crc32(data) !== header.dataCrc) {
      throw new CorruptionError(
        `Cannot load snapshot ${name.fileName}: the body fails its length or checksum`,
        frame.frameBytes,
      );
    }
    const { metadata } = header;
    if (metadata.term !== name.term || metadata.index !== name.index) {
      const named = `${metadata.term}-${metadata.index}`;
      const message = `Cannot load snapshot ${name.fileName}: its header names ${named}`;
      throw new CorruptionError(message, 0);
    }
    return { metadata: metadata satisfies SnapshotMetadata, data };
  }
}
