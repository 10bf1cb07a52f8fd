/**
 * @module
 * Files and directories of the simulated disk, with their written and durable states, and what a
 * crash leaves of a file.
 */
import { assert } from "../../lib/assert.ts";
import type { Prng } from "../../lib/prng.ts";

/**
 * What a crash keeps of a file's unsynced writes, taken as reaching the disk in file order from
 * the lowest offset written since the last datasync (appends, and overwrites of preallocated
 * space, go forward):
 * - `drop`: nothing; the file is exactly as of its last datasync.
 * - `prefix`: a random byte prefix of the unsynced range (a write torn anywhere).
 * - `torn`: a random prefix cut at a 512-byte sector boundary; past the old end of the file it
 *   is followed by up to three zeroed sectors (the size reached the disk, the data did not),
 *   never longer than what was written.
 * A file truncated inside its durable part since the last sync goes back to its durable
 * contents in every mode.
 */
export type CrashMode = "drop" | "prefix" | "torn";

const sectorBytes = 512;

/** A directory: its current entries and those made durable by its last fsync. */
export class SimulatedDirectory {
  entries = new Map<string, SimulatedDirectory | SimulatedFile>();
  durableEntries = new Map<string, SimulatedDirectory | SimulatedFile>();
}

/** A file (an inode): shared by every name that refers to it. */
export class SimulatedFile {
  #bytes: Uint8Array = new Uint8Array(0);
  #length = 0;
  #durableLength = 0;
  /** The durable contents, kept only once a write or truncate touched the durable part. */
  #durableCopy: Uint8Array | null = null;
  /** The lowest offset written since the last sync (the durable length when none was). */
  #dirtyFrom = 0;
  /** Whether a truncate cut into the durable part since the last sync. */
  #truncatedDurable = false;

  get length(): number {
    return this.#length;
  }

  read(position: number, length: number): Uint8Array {
    const end = Math.min(this.#length, position + length);
    return position >= end ? new Uint8Array(0) : this.#bytes.slice(position, end);
  }

  contents(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  write(data: Uint8Array, position: number): void {
    if (position < this.#durableLength) this.#preserveDurable();
    if (data.byteLength > 0) this.#dirtyFrom = Math.min(this.#dirtyFrom, position);
    const end = position + data.byteLength;
    this.#reserve(end);
    this.#bytes.set(data, position);
    this.#length = Math.max(this.#length, end);
  }

  truncate(length: number): void {
    if (length < this.#durableLength) {
      this.#preserveDurable();
      this.#truncatedDurable = true;
    }
    this.#reserve(length);
    if (length < this.#length) this.#bytes.fill(0, length, this.#length);
    this.#length = length;
  }

  sync(): void {
    this.#durableLength = this.#length;
    this.#durableCopy = null;
    this.#dirtyFrom = this.#length;
    this.#truncatedDurable = false;
  }

  durableBytes(): Uint8Array {
    return this.#durableCopy?.slice() ?? this.#bytes.slice(0, this.#durableLength);
  }

  corrupt(offset: number, mask: number): void {
    this.#bytes[offset] = (this.#bytes[offset] ?? 0) ^ mask;
    if (this.#durableCopy !== null && offset < this.#durableCopy.length) {
      this.#durableCopy[offset] = (this.#durableCopy[offset] ?? 0) ^ mask;
    }
  }

  /** Replaces the contents with `bytes` and marks them durable (used by a crash). */
  reset(bytes: Uint8Array): void {
    this.#bytes = bytes;
    this.#length = bytes.byteLength;
    this.sync();
  }

  /**
   * The durable contents and the unsynced range (from the lowest offset written since the last
   * sync to the end), or null when a truncate cut into the durable part.
   */
  unsyncedWrites(): { durable: Uint8Array; from: number; bytes: Uint8Array } | null {
    if (this.#truncatedDurable) return null;
    const from = Math.min(this.#dirtyFrom, this.#length);
    return {
      durable: this.durableBytes(),
      from,
      bytes: this.#bytes.subarray(from, this.#length),
    };
  }

  #preserveDurable(): void {
    if (this.#durableCopy === null) this.#durableCopy = this.#bytes.slice(0, this.#durableLength);
  }

  #reserve(length: number): void {
    if (length <= this.#bytes.byteLength) return;
    const grown = new Uint8Array(Math.max(length, this.#bytes.byteLength * 2, 4096));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}

/** Leaves `file` as a power cut in `mode` would, drawing choices from `prng`. */
export function crashFile(file: SimulatedFile, prng: Prng, mode: CrashMode): void {
  const unsynced = file.unsyncedWrites();
  if (unsynced === null || unsynced.bytes.byteLength === 0) {
    file.reset(file.durableBytes());
    return;
  }
  const { durable, from, bytes } = unsynced;
  const drawn = mode === "drop" ? 0 : prng.nextInt(bytes.byteLength + 1);
  const kept = keptBytes({ durableLength: durable.byteLength, from, drawn });
  if (mode !== "torn") {
    file.reset(overlay(durable, from, bytes.subarray(0, kept)));
    return;
  }
  const sectorCut = Math.floor((from + kept) / sectorBytes) * sectorBytes;
  const cut = Math.max(from, sectorCut);
  const survivor = overlay(durable, from, bytes.subarray(0, cut - from));
  // Zeroed sectors stand for appends whose size reached the disk but whose data did not, so they
  // lie past the old end and never reach past what was written.
  const zeroedSectors = prng.nextInt(4);
  const zeroedEnd = (Math.floor(cut / sectorBytes) + zeroedSectors) * sectorBytes;
  const end = Math.min(from + bytes.byteLength, Math.max(cut, zeroedEnd));
  if (end <= survivor.byteLength) {
    file.reset(survivor);
    return;
  }
  const grown = new Uint8Array(end);
  grown.set(survivor);
  file.reset(grown);
}

// --- internal ---

/**
 * How much of the unsynced range survives when `drawn` bytes were drawn: a write over bytes the
 * file already had lands whole sectors or none (so an overwrite cannot leave a sector half new,
 * half old); past the old end, the file size may stop anywhere.
 */
function keptBytes(options: { durableLength: number; from: number; drawn: number }): number {
  const { durableLength, from, drawn } = options;
  const end = from + drawn;
  if (end >= durableLength) return drawn;
  return Math.max(from, Math.floor(end / sectorBytes) * sectorBytes) - from;
}

/** `base` with `bytes` written over it at `position`, grown as needed. */
function overlay(base: Uint8Array, position: number, bytes: Uint8Array): Uint8Array {
  assert(position <= Math.max(base.byteLength, position), "overlay position is in range");
  const result = new Uint8Array(Math.max(base.byteLength, position + bytes.byteLength));
  result.set(base);
  result.set(bytes, position);
  return result;
}
