/**
 * @module
 * Lowe's memoisation cache for the Wing–Gong search: the configurations (set of linearized
 * operations, set of possible model states) already explored. Lookups start from the bitset's
 * running hash and a precomputed hash of the state key, so a miss costs O(1); a hit is confirmed
 * by exact comparison, so a hash collision can never prune a branch wrongly. Each bitset is
 * stored as its window (see `Bitset.lowWord`) in one growing word pool.
 */
import { assert } from "../lib/assert.ts";
import type { Bitset } from "./bitset.ts";

/** The explored configurations of one partition's search. */
export class VisitedCache {
  /** Entry numbers by hash: one, or several when hashes collide. */
  readonly #buckets = new Map<number, number | number[]>();
  readonly #statesKeys: string[] = [];
  readonly #lowWords: number[] = [];
  readonly #offsets: number[] = [0];
  #pool = new Uint32Array(1024);

  /** How many configurations are stored. */
  get count(): number {
    return this.#statesKeys.length;
  }

  /**
   * Adds the configuration unless present. Returns true if it was new.
   * `statesHash` must be `hashString(statesKey)`.
   */
  add(linearized: Bitset, statesKey: string, statesHash: number): boolean {
    const bucketKey = (linearized.hash ^ Math.imul(statesHash, 0x9e3779b1)) >>> 0;
    const bucket = this.#buckets.get(bucketKey);
    if (bucket !== undefined) {
      const entries = typeof bucket === "number" ? [bucket] : bucket;
      for (const entry of entries) {
        if (this.#matches(entry, linearized, statesKey)) return false;
      }
    }
    const entry = this.#store(linearized, statesKey);
    if (bucket === undefined) this.#buckets.set(bucketKey, entry);
    else if (typeof bucket === "number") this.#buckets.set(bucketKey, [bucket, entry]);
    else bucket.push(entry);
    return true;
  }

  #matches(entry: number, linearized: Bitset, statesKey: string): boolean {
    if (this.#statesKeys[entry] !== statesKey) return false;
    const offset = this.#offsets[entry] ?? 0;
    const length = (this.#offsets[entry + 1] ?? 0) - offset;
    const lowWord = this.#lowWords[entry] ?? -1;
    return linearized.equalsWindowAt(this.#pool, offset, lowWord, length);
  }

  #store(linearized: Bitset, statesKey: string): number {
    const entry = this.#statesKeys.length;
    const offset = this.#offsets[entry] ?? 0;
    const end = offset + linearized.highWord() + 1 - linearized.lowWord;
    assert(end >= offset, "A bitset window cannot have a negative length");
    if (end > this.#pool.length) {
      const grown = new Uint32Array(Math.max(end, 2 * this.#pool.length));
      grown.set(this.#pool);
      this.#pool = grown;
    }
    linearized.copyWindowTo(this.#pool, offset);
    this.#statesKeys.push(statesKey);
    this.#lowWords.push(linearized.lowWord);
    this.#offsets.push(end);
    return entry;
  }
}

/** FNV-1a over UTF-16 units: a fast 32-bit string hash. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let position = 0; position < text.length; position++) {
    hash = Math.imul(hash ^ text.charCodeAt(position), 0x01000193);
  }
  return hash >>> 0;
}
