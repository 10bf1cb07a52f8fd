/**
 * @module
 * A fixed-size set of small integers backed by 32-bit words: the set of operations linearized
 * so far, with a compact string key for the memoisation cache.
 */
import { assert } from "../lib/assert.ts";

/** A set of integers in [0, size). */
export class Bitset {
  readonly size: number;
  readonly #words: Uint32Array;

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
  }

  /** Removes `position`; it must be present. */
  clear(position: number): void {
    assert(this.has(position), "Cannot clear a bit that is not set");
    const word = this.#words[position >>> 5] ?? 0;
    this.#words[position >>> 5] = (word & ~(1 << (position & 31))) >>> 0;
  }

  /** Tells whether `position` is in the set. */
  has(position: number): boolean {
    // Messages are constant: this runs on every search step.
    assert(position >= 0 && position < this.size, "A bit position is outside the bitset");
    const word = this.#words[position >>> 5] ?? 0;
    return ((word >>> (position & 31)) & 1) === 1;
  }

  /** A string equal for equal sets of the same size: two UTF-16 units per word. */
  key(): string {
    let key = "";
    for (const word of this.#words) {
      key += String.fromCharCode(word & 0xffff, word >>> 16);
    }
    return key;
  }
}
