/**
 * @module
 * Files and directories of the simulated disk, with their written and durable states, and what a
 * crash leaves of a file.
 */
import { assert } from "../../lib/assert.ts";
import type { Prng } from "../../lib/prng.ts";

/**
 * What a crash keeps of a file's unsynced appends:
 * - `drop`: nothing; the file is exactly as of its last datasync.
 * - `prefix`: a random byte prefix of the unsynced appends (a write torn anywhere).
 * - `torn`: a random prefix cut at a 512-byte sector boundary, followed by up to three zeroed
 *   sectors (the size reached the disk, the data did not), never longer than what was written.
 * A file rewritten or truncated inside its durable part since the last sync goes back to its
 * durable contents in every mode.
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
    const end = position + data.byteLength;
    this.#reserve(end);
    this.#bytes.set(data, position);
    this.#length = Math.max(this.#length, end);
  }

  truncate(length: number): void {
    if (length < this.#durableLength) this.#preserveDurable();
    this.#reserve(length);
    if (length < this.#length) this.#bytes.fill(0, length, this.#length);
    this.#length = length;
  }

  sync(): void {
    this.#durableLength = this.#length;
    this.#durableCopy = null;
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

  /** The written-but-unsynced tail, or null when the durable part itself was changed. */
  unsyncedAppend(): { durableLength: number; bytes: Uint8Array } | null {
    if (this.#durableCopy !== null) return null;
    assert(this.#length >= this.#durableLength, "an append-only file never shrinks unsynced");
    return {
      durableLength: this.#durableLength,
      bytes: this.#bytes.subarray(this.#durableLength, this.#length),
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
  const unsynced = file.unsyncedAppend();
  if (unsynced === null) {
    file.reset(file.durableBytes());
    return;
  }
  const { durableLength, bytes } = unsynced;
  const kept = mode === "drop" ? 0 : prng.nextInt(bytes.byteLength + 1);
  if (mode !== "torn") {
    const survivor = new Uint8Array(durableLength + kept);
    survivor.set(file.read(0, durableLength + kept));
    file.reset(survivor);
    return;
  }
  const sectorCut = Math.floor((durableLength + kept) / sectorBytes) * sectorBytes;
  const cut = Math.max(durableLength, sectorCut);
  const zeroedSectors = prng.nextInt(4);
  // Zeroed sectors stand for appends whose size reached the disk but whose data did not, so they
  // never reach past what was written.
  const zeroedEnd = (Math.floor(cut / sectorBytes) + zeroedSectors) * sectorBytes;
  const end = Math.min(durableLength + bytes.byteLength, Math.max(cut, zeroedEnd));
  const survivor = new Uint8Array(end);
  survivor.set(file.read(0, cut));
  file.reset(survivor);
}
