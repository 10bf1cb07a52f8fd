/**
 * @module
 * The segmented write-ahead log. `save` appends one buffer per call (no sync); `sync` makes every
 * earlier save durable with one fdatasync, so callers batch many saves per sync (group commit).
 * Segments are cut past `segmentBytes`: the old one is synced, the new one is written as a
 * temporary file, synced, renamed into place and its directory synced, and it opens with a record
 * carrying the previous segment's final CRC chain value. Opening reads every segment, repairs only
 * a torn tail of the last one, and refuses any other damage.
 */
import { posix } from "node:path";
import { type MsgpackCodec, createMsgpackCodec } from "../../codec/index.ts";
import { assert } from "../../lib/assert.ts";
import { type Logger, silentLogger } from "../../lib/log.ts";
import type { Entry, HardState, SnapshotMetadata } from "../../raft/types.ts";
import { makeDirectoryDurably } from "../fs/durable-directory.ts";
import type { FileHandle, FileSystem } from "../fs/types.ts";
import { type WalRecord, encodeRecords } from "./records.ts";
import { parseSegmentFileName, segmentFileName, type SegmentName } from "./segment-name.ts";
import { readSegments } from "./wal-reader.ts";

/** How to create or open a WAL. */
export interface WalOptions {
  readonly fs: FileSystem;
  /** The WAL directory itself (`<data-dir>/member/wal`). */
  readonly dir: string;
  /** A segment is cut once it grows past this many bytes. */
  readonly segmentBytes: number;
  /** The largest record frame. */
  readonly frameBytesMax: number;
  /**
   * Zeros written ahead of the data, this many bytes at a time (0: none). An fdatasync of data
   * written over blocks the file already has need not commit a new size or new blocks to the
   * file system's journal, and costs a fraction of one that grows the file.
   */
  readonly preallocateBytes?: number;
  readonly logger?: Logger;
}

/** Everything a WAL held when it was opened. */
export interface WalContents {
  readonly wal: Wal;
  /** The metadata given to `Wal.create`. */
  readonly metadata: Uint8Array;
  readonly hardState: HardState | null;
  /** Contiguous entries in index order; they may begin at or below `snapshot.index`. */
  readonly entries: readonly Entry[];
  /** The latest snapshot marker, or null. */
  readonly snapshot: SnapshotMetadata | null;
  /** Every snapshot marker still in the log, oldest first. */
  readonly snapshots: readonly SnapshotMetadata[];
}

/** The state of the open last segment. */
interface Tail {
  handle: FileHandle;
  segment: SegmentName;
  offset: number;
  /** The file's size: the data and the zeros preallocated after it. */
  allocatedBytes: number;
  chain: number;
}

/** A segmented, CRC-chained write-ahead log. One writer; calls must not overlap. */
export class Wal {
  readonly #options: Required<WalOptions>;
  readonly #codec: MsgpackCodec;
  readonly #segments: SegmentName[];
  readonly #metadata: Uint8Array;
  #tail: Tail;
  #lastIndex: number;
  #hardState: HardState | null;
  #failure: unknown = null;
  #busy = false;
  #closed = false;
  /**
   * The zeros written ahead of the data, allocated once: a fresh megabyte per preallocation step
   * costs a page fault per 4 KiB and a memset, several times a second under load.
   */
  #zeros: Uint8Array | null = null;

  private constructor(
    options: Required<WalOptions>,
    state: {
      segments: SegmentName[];
      tail: Tail;
      lastIndex: number;
      hardState: HardState | null;
      metadata: Uint8Array;
    },
  ) {
    this.#options = options;
    this.#codec = createMsgpackCodec();
    this.#segments = state.segments;
    this.#tail = state.tail;
    this.#lastIndex = state.lastIndex;
    this.#hardState = state.hardState;
    this.#metadata = state.metadata;
  }

  /** Tells whether `dir` holds at least one WAL segment. */
  static async exists(fs: FileSystem, dir: string): Promise<boolean> {
    if ((await fs.stat(dir)) === null) return false;
    return (await fs.readdir(dir)).some((name) => parseSegmentFileName(name) !== null);
  }

  /**
   * Creates a new WAL with its first segment, durably.
   * @throws {Error} when `dir` already holds segments.
   */
  static async create(options: WalOptions, metadata = new Uint8Array(0)): Promise<WalContents> {
    const full = fillOptions(options);
    checkOptions(full);
    await makeDirectoryDurably(full.fs, full.dir);
    if (await Wal.exists(full.fs, full.dir)) {
      throw new Error(`Cannot create WAL in ${full.dir}: it already holds segments`);
    }
    const codec = createMsgpackCodec();
    const segment = { sequence: 1, firstIndex: 0, fileName: segmentFileName(1, 0) };
    const tail = await writeSegment(full, codec, { segment, chain: 0, metadata, hardState: null });
    const state = { segments: [segment], tail, lastIndex: 0, hardState: null, metadata };
    const wal = new Wal(full, state);
    return { wal, metadata, hardState: null, entries: [], snapshot: null, snapshots: [] };
  }

  /**
   * Opens an existing WAL, reading every record. A torn tail of the last segment is cut off
   * (and logged, with a `.broken` copy of the segment kept beside it).
   * @throws {WalCorruptionError} on any damage that is not a torn tail of the last segment.
   * @throws {Error} when `dir` holds no segments.
   */
  static async open(options: WalOptions): Promise<WalContents> {
    const full = fillOptions(options);
    checkOptions(full);
    const read = await readSegments(full);
    const last = read.segments.at(-1);
    assert(last !== undefined, "an opened WAL has a last segment");
    const handle = await full.fs.open(posix.join(full.dir, last.fileName), "readWrite");
    const tail = {
      handle,
      segment: last,
      offset: read.validBytes,
      allocatedBytes: read.fileBytes,
      chain: read.chain,
    };
    const { state } = read;
    const wal = new Wal(full, {
      segments: [...read.segments],
      tail,
      // With no entry or marker left (all released), the last segment's name is all we know.
      lastIndex: state.base === null ? Math.max(0, last.firstIndex - 1) : read.lastIndex,
      hardState: state.hardState,
      metadata: state.metadata,
    });
    return {
      wal,
      metadata: state.metadata,
      hardState: state.hardState,
      entries: state.entries,
      snapshot: state.snapshots.at(-1) ?? null,
      snapshots: state.snapshots,
    };
  }

  /** The index of the last entry saved (or implied by a snapshot marker). */
  get lastIndex(): number {
    return this.#lastIndex;
  }

  /** The segment files, oldest first. */
  get segmentFileNames(): readonly string[] {
    return this.#segments.map((segment) => segment.fileName);
  }

  /**
   * Appends entries, then the hard state, in one write; not durable until `sync`. Writing entry
   * i replaces any saved entries at i and beyond. Cuts a new segment when this one is full.
   * @throws {RangeError} when an entry is larger than a frame may be (nothing is written).
   * @throws {AssertionError} when the entries are not consecutive or would leave a gap after the
   * last index (save a snapshot's marker before the entries that follow it).
   * @throws {FileSystemError} when the write fails; the WAL then refuses every later call.
   */
  async save(hardState: HardState | null, entries: readonly Entry[]): Promise<void> {
    if (hardState === null && entries.length === 0) return;
    const records: WalRecord[] = entries.map((entry) => ({ type: "entry", entry }));
    if (hardState !== null) records.push({ type: "hardState", hardState });
    checkEntries(entries, this.#lastIndex);
    await this.#exclusive(async () => {
      await this.#append(records);
      const last = entries.at(-1);
      if (last !== undefined) this.#lastIndex = last.index;
      if (hardState !== null) this.#hardState = hardState;
      if (this.#tail.offset >= this.#options.segmentBytes) await this.#cut();
    });
  }

  /**
   * Makes every earlier save durable (one fdatasync).
   * @throws {FileSystemError} when the sync fails; the WAL then refuses every later call.
   */
  async sync(): Promise<void> {
    await this.#exclusive(() => this.#tail.handle.datasync());
  }

  /**
   * Records, durably, that a snapshot covers the log up to `metadata.index`. Save the snapshot
   * file first; release segments only after this resolves.
   * @throws {FileSystemError} when the write or sync fails.
   */
  async saveSnapshotMarker(metadata: SnapshotMetadata): Promise<void> {
    assert(Number.isSafeInteger(metadata.index) && metadata.index >= 0, "marker index >= 0");
    await this.#exclusive(async () => {
      await this.#append([{ type: "snapshot", metadata }]);
      await this.#tail.handle.datasync();
      this.#lastIndex = Math.max(this.#lastIndex, metadata.index);
    });
  }

  /**
   * Deletes the segments whose entries all lie below `index`. Call only once a snapshot at
   * `index` and its WAL marker are durable. The last segment is always kept.
   * @throws {FileSystemError} when a sync or unlink fails.
   */
  async releaseTo(index: number): Promise<void> {
    assert(Number.isSafeInteger(index) && index >= 0, "release index must be >= 0");
    await this.#exclusive(async () => {
      // The hard state that supersedes the released segments' must be durable first.
      await this.#tail.handle.datasync();
      let released = 0;
      while (released + 1 < this.#segments.length) {
        const next = this.#segments[released + 1];
        assert(next !== undefined, "a following segment exists");
        if (next.firstIndex > index) break;
        const segment = this.#segments[released];
        assert(segment !== undefined, "a released segment exists");
        await this.#options.fs.unlink(posix.join(this.#options.dir, segment.fileName));
        released += 1;
      }
      if (released === 0) return;
      this.#segments.splice(0, released);
      await this.#options.fs.fsyncDir(this.#options.dir);
      this.#options.logger.info("wal_released", { index, segments: released });
    });
  }

  /** Closes the last segment; the WAL refuses every later call. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail.handle.close();
  }

  // --- internal ---

  async #exclusive(operation: () => Promise<void>): Promise<void> {
    if (this.#closed) throw new Error(`Cannot use WAL in ${this.#options.dir}: it is closed`);
    if (this.#failure !== null) {
      throw new Error(`Cannot use WAL in ${this.#options.dir}: an earlier write or sync failed`, {
        cause: this.#failure,
      });
    }
    assert(!this.#busy, "WAL calls must not overlap: await each save, sync and release");
    this.#busy = true;
    try {
      await operation();
    } catch (error) {
      // After a failed write or fsync the file's state is unknown (fsyncgate): stop using it.
      if (!(error instanceof RangeError)) this.#failure = error;
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  async #append(records: readonly WalRecord[]): Promise<void> {
    const tail = this.#tail;
    const frameBytesMax = this.#options.frameBytesMax;
    const encoded = encodeRecords(this.#codec, records, { chain: tail.chain, frameBytesMax });
    assert(tail.offset % 8 === 0, "WAL frames start at 8-byte aligned offsets");
    assert(encoded.bytes.byteLength % 8 === 0, "WAL frames are padded to 8 bytes");
    const end = tail.offset + encoded.bytes.byteLength;
    await tail.handle.write(encoded.bytes, tail.offset);
    const allocateTo = this.#allocationEnd(end);
    // The zeros go in a write of their own, after the frames: a crash tears either, not a
    // frame halfway through a large write.
    if (allocateTo > end) await tail.handle.write(this.#zerosOf(allocateTo - end), end);
    tail.allocatedBytes = Math.max(tail.allocatedBytes, allocateTo);
    tail.offset = end;
    tail.chain = encoded.chain;
  }

  #zerosOf(size: number): Uint8Array {
    assert(size > 0 && size <= this.#options.preallocateBytes, "zeros fill one preallocation step");
    this.#zeros ??= new Uint8Array(this.#options.preallocateBytes);
    return this.#zeros.subarray(0, size);
  }

  /** Where the file should end after data up to `end` is written: past it when preallocating. */
  #allocationEnd(end: number): number {
    const { preallocateBytes, segmentBytes } = this.#options;
    if (preallocateBytes === 0 || end <= this.#tail.allocatedBytes) return end;
    const next = (Math.floor(end / preallocateBytes) + 1) * preallocateBytes;
    // Space past the point where the segment is cut would never be used.
    return Math.max(end, Math.min(next, segmentBytes));
  }

  async #cut(): Promise<void> {
    const previous = this.#tail;
    await previous.handle.datasync();
    const sequence = previous.segment.sequence + 1;
    const firstIndex = this.#lastIndex + 1;
    const segment = { sequence, firstIndex, fileName: segmentFileName(sequence, firstIndex) };
    const next = await writeSegment(this.#options, this.#codec, {
      segment,
      chain: previous.chain,
      metadata: this.#metadata,
      hardState: this.#hardState,
    });
    await previous.handle.close();
    this.#tail = next;
    this.#segments.push(segment);
    this.#options.logger.debug("wal_segment_cut", { file: segment.fileName });
  }
}

// --- internal ---

function fillOptions(options: WalOptions): Required<WalOptions> {
  return {
    ...options,
    preallocateBytes: options.preallocateBytes ?? 0,
    logger: options.logger ?? silentLogger,
  };
}

function checkOptions(options: Required<WalOptions>): void {
  if (!(Number.isSafeInteger(options.frameBytesMax) && options.frameBytesMax >= 64)) {
    throw new RangeError(`Invalid frameBytesMax ${options.frameBytesMax}: must be >= 64`);
  }
  if (!(Number.isSafeInteger(options.segmentBytes) && options.segmentBytes > 0)) {
    throw new RangeError(`Invalid segmentBytes ${options.segmentBytes}: must be positive`);
  }
  const { preallocateBytes } = options;
  if (!(Number.isSafeInteger(preallocateBytes) && preallocateBytes >= 0)) {
    throw new RangeError(`Invalid preallocateBytes ${preallocateBytes}: must be >= 0`);
  }
  if (preallocateBytes % 8 !== 0) {
    throw new RangeError(`Invalid preallocateBytes ${preallocateBytes}: must be a multiple of 8`);
  }
}

function checkEntries(entries: readonly Entry[], lastIndex: number): void {
  const first = entries[0];
  if (first === undefined) return;
  assert(first.index >= 1, "entry indexes start at 1");
  assert(first.index <= lastIndex + 1, `entry ${first.index} would leave a gap after ${lastIndex}`);
  for (let position = 1; position < entries.length; position++) {
    const previous = entries[position - 1];
    const entry = entries[position];
    assert(previous !== undefined && entry !== undefined, "entries are dense");
    assert(entry.index === previous.index + 1, "entries in one save must be consecutive");
  }
}

/** Writes a new segment as a temporary file, syncs it, renames it into place, syncs the dir. */
async function writeSegment(
  options: Required<WalOptions>,
  codec: MsgpackCodec,
  start: {
    segment: SegmentName;
    chain: number;
    metadata: Uint8Array;
    hardState: HardState | null;
  },
): Promise<Tail> {
  const { fs, dir, frameBytesMax } = options;
  const { segment } = start;
  const records: WalRecord[] = [
    {
      type: "segmentStart",
      start: { ...segment, previousChain: start.chain },
    },
    { type: "metadata", metadata: start.metadata },
  ];
  if (start.hardState !== null) records.push({ type: "hardState", hardState: start.hardState });
  const encoded = encodeRecords(codec, records, { chain: start.chain, frameBytesMax });
  const path = posix.join(dir, segment.fileName);
  const temporary = `${path}.tmp`;
  const handle = await fs.open(temporary, "createTruncate");
  await handle.write(encoded.bytes, 0);
  await handle.datasync();
  await handle.close();
  await fs.rename(temporary, path);
  await fs.fsyncDir(dir);
  const reopened = await fs.open(path, "readWrite");
  const offset = encoded.bytes.byteLength;
  return { handle: reopened, segment, offset, allocatedBytes: offset, chain: encoded.chain };
}
