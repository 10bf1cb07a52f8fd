/**
 * @module
 * A fixed-size set of small integers backed by 32-bit words: the set of operations linearized
 * so far. It keeps an order-independent hash up to date on every change (Zobrist hashing: the
 * XOR of a fixed mix of each member), so the memoisation cache can look it up in O(1).
 */
import { assert } from "../lib/assert.ts";

/** A set of integers in [0, size). */
export class Bitset {
  readonly size: number;
  readonly #words: Uint32Array;
  #hash = 0;

  constructor(size: number) {
    assert(Number.isInteger(size) && size >= 0, `Cannot create a bitset of size ${size}`);
    this.size = size;
    this.#words = new Uint32Array(Math.ceil(size / 32));
  }

  /** Adds `position`; it must be absent. */
  set(position: number): void {
    assert(!this.has(position), "Cannot set a bit that is already set");
    const word = this.#words[position >>> 5] ?? 0;
    this.#words[position >>> 5] = (word | (1 << (position & 31))) >>> 0;
    this.#hash = (this.#hash ^ mixPosition(position)) >>> 0;
  }

  /** Removes `position`; it must be present. */
  clear(position: number): void {
    assert(this.has(position), "Cannot clear a bit that is not set");
    const word = this.#words[position >>> 5] ?? 0;
    this.#words[position >>> 5] = (word & ~(1 << (position & 31))) >>> 0;
    this.#hash = (this.#hash ^ mixPosition(position)) >>> 0;
  }

  /** Tells whether `position` is in the set. */
  has(position: number): boolean {
    // Messages are constant: this runs on every search step.
    assert(position >= 0 && position < this.size, "A bit position is outside the bitset");
    const word = this.#words[position >>> 5] ?? 0;
    return ((word >>> (position & 31)) & 1) === 1;
  }

  /** A 32-bit hash, equal for equal sets. */
  get hash(): number {
    return this.#hash;
  }

  /** How many 32-bit words hold the set. */
  get wordCount(): number {
    return this.#words.length;
  }

  /** Copies the words into `target` from `offset` on. */
  copyWordsTo(target: Uint32Array, offset: number): void {
    assert(offset + this.#words.length <= target.length, "The copy target is too short");
    target.set(this.#words, offset);
  }

  /** Tells whether the words stored in `source` at `offset` are this set's. */
  equalsWordsAt(source: Uint32Array, offset: number): boolean {
    for (let position = 0; position < this.#words.length; position++) {
      if (source[offset + position] !== this.#words[position]) return false;
    }
    return true;
  }
}

/** A fixed pseudo-random 32-bit value per position (the murmur3 finaliser). */
function mixPosition(position: number): number {
  let mixed = Math.imul(position + 1, 0x9e3779b1);
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}
