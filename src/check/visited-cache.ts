/**
 * @module
 * Lowe's memoisation cache for the Wing–Gong search: the configurations (set of linearized
 * operations, set of possible model states) already explored. Lookups start from the bitset's
 * running hash and a precomputed hash of the state key, so a miss costs O(1); a hit is confirmed
 * by exact comparison, so a hash collision can never prune a branch wrongly. Bitsets are copied
 * into one growing word pool rather than allocated one by one.
 */
import { assert } from "../lib/assert.ts";
import type { Bitset } from "./bitset.ts";

/** The explored configurations of one partition's search. */
export class VisitedCache {
  /** Entry numbers by hash: one, or several when hashes collide. */
  readonly #buckets = new Map<number, number | number[]>();
  readonly #statesKeys: string[] = [];
  readonly #wordCount: number;
  #pool: Uint32Array;

  constructor(wordCount: number) {
    assert(Number.isInteger(wordCount) && wordCount >= 0, "A word count must be a natural number");
    this.#wordCount = wordCount;
    this.#pool = new Uint32Array(Math.max(64, 64 * wordCount));
  }

  /** How many configurations are stored. */
  get count(): number {
    return this.#statesKeys.length;
  }

  /**
   * Adds the configuration unless present. Returns true if it was new.
   * `statesHash` must be `hashString(statesKey)`.
   */
  add(linearized: Bitset, statesKey: string, statesHash: number): boolean {
    assert(linearized.wordCount === this.#wordCount, "A bitset does not fit this cache");
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
    return linearized.equalsWordsAt(this.#pool, entry * this.#wordCount);
  }

  #store(linearized: Bitset, statesKey: string): number {
    const entry = this.#statesKeys.length;
    const end = (entry + 1) * this.#wordCount;
    if (end > this.#pool.length) {
      const grown = new Uint32Array(Math.max(end, 2 * this.#pool.length));
      grown.set(this.#pool);
      this.#pool = grown;
    }
    linearized.copyWordsTo(this.#pool, entry * this.#wordCount);
    this.#statesKeys.push(statesKey);
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
