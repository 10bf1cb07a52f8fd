/**
 * @module
 * A fixed-size set of small integers backed by 32-bit words: the set of operations linearized
 * so far. It keeps an order-independent hash up to date on every change (Zobrist hashing: the
 * XOR of a fixed mix of each member), so the memoisation cache can look it up in O(1). It also
 * tracks its window: every word before `lowWord` is full and every word after `highWord()` is
 * empty. With operations numbered in call order, the window spans only the operations still in
 * flight, so the cache can store a few words per configuration instead of the whole set.
 */
import { assert } from "../lib/assert.ts";

const fullWord = 0xffffffff;

/** A set of integers in [0, size). */
export class Bitset {
  readonly size: number;
  readonly #words: Uint32Array;
  #hash = 0;
  /** The first word that is not full (or the word count). */
  #lowWord = 0;
  /** No word after this one has ever been non-empty since it was last trimmed. */
  #highWordBound = -1;

  constructor(size: number) {
    assert(Number.isInteger(size) && size >= 0, `Cannot create a bitset of size ${size}`);
    this.size = size;
    this.#words = new Uint32Array(Math.ceil(size / 32));
  }

  /** Adds `position`; it must be absent. */
  set(position: number): void {
    assert(!this.has(position), "Cannot set a bit that is already set");
    const index = position >>> 5;
    this.#words[index] = ((this.#words[index] ?? 0) | (1 << (position & 31))) >>> 0;
    this.#hash = (this.#hash ^ mixPosition(position)) >>> 0;
    if (index > this.#highWordBound) this.#highWordBound = index;
    while (this.#lowWord < this.#words.length && this.#words[this.#lowWord] === fullWord) {
      this.#lowWord += 1;
    }
  }

  /** Removes `position`; it must be present. */
  clear(position: number): void {
    assert(this.has(position), "Cannot clear a bit that is not set");
    const index = position >>> 5;
    this.#words[index] = ((this.#words[index] ?? 0) & ~(1 << (position & 31))) >>> 0;
    this.#hash = (this.#hash ^ mixPosition(position)) >>> 0;
    if (index < this.#lowWord) this.#lowWord = index;
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

  /** The first word that is not full; every word before it is. */
  get lowWord(): number {
    return this.#lowWord;
  }

  /** The last non-empty word at or after `lowWord`, or `lowWord - 1` if there is none. */
  highWord(): number {
    while (this.#highWordBound >= this.#lowWord && this.#words[this.#highWordBound] === 0) {
      this.#highWordBound -= 1;
    }
    return Math.max(this.#highWordBound, this.#lowWord - 1);
  }

  /** Copies the words [`lowWord`, `highWord()`] into `target` from `offset` on. */
  copyWindowTo(target: Uint32Array, offset: number): void {
    const end = this.highWord() + 1;
    assert(offset + end - this.#lowWord <= target.length, "The copy target is too short");
    target.set(this.#words.subarray(this.#lowWord, end), offset);
  }

  /**
   * Tells whether this set equals the one whose window (starting at word `lowWord`, `length`
   * words long) is stored in `source` at `offset`.
   */
  equalsWindowAt(source: Uint32Array, offset: number, lowWord: number, length: number): boolean {
    if (lowWord !== this.#lowWord || length !== this.highWord() + 1 - this.#lowWord) return false;
    for (let position = 0; position < length; position++) {
      if (source[offset + position] !== this.#words[lowWord + position]) return false;
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
