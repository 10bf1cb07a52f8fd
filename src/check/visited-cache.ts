/**
 * @module
 * Lowe's memoisation cache for the Wing–Gong search: the configurations (set of linearized
 * operations, set of possible model states) already explored. Lookups hash in O(1) from the
 * bitset's running hash and a precomputed hash of the state key; a hit is confirmed by exact
 * comparison, so a hash collision can never prune a branch wrongly.
 */
import type { Bitset } from "./bitset.ts";

interface Visited {
  readonly words: Uint32Array;
  readonly statesKey: string;
}

/** The explored configurations of one partition's search. */
export class VisitedCache {
  readonly #buckets = new Map<number, Visited[]>();
  #count = 0;

  /** How many configurations are stored. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds the configuration unless present. Returns true if it was new.
   * `statesHash` must be `hashString(statesKey)`.
   */
  add(linearized: Bitset, statesKey: string, statesHash: number): boolean {
    const bucketKey = (linearized.hash ^ Math.imul(statesHash, 0x9e3779b1)) >>> 0;
    const bucket = this.#buckets.get(bucketKey);
    if (bucket !== undefined) {
      for (const visited of bucket) {
        if (visited.statesKey === statesKey && linearized.equalsWords(visited.words)) {
          return false;
        }
      }
    }
    const visited = { words: linearized.snapshot(), statesKey };
    if (bucket === undefined) this.#buckets.set(bucketKey, [visited]);
    else bucket.push(visited);
    this.#count += 1;
    return true;
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
