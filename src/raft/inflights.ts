/**
 * @module
 * The window of MsgApp messages sent to one follower and not yet acknowledged, bounded by a
 * message count and a byte total. The leader stops sending entries while it is full.
 */

import { assert } from "../lib/assert.ts";

interface Inflight {
  /** The last entry index the message carried. */
  readonly index: number;
  readonly bytes: number;
}

export class Inflights {
  readonly #countMax: number;
  readonly #bytesMax: number;
  #items: Inflight[] = [];
  #head = 0;
  #bytes = 0;

  constructor(countMax: number, bytesMax: number) {
    assert(Number.isInteger(countMax) && countMax > 0, `Inflight count limit ${countMax} invalid`);
    assert(bytesMax > 0, `Inflight byte limit ${bytesMax} must be positive`);
    this.#countMax = countMax;
    this.#bytesMax = bytesMax;
  }

  get count(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Records a message whose last entry is `index`. Indexes must increase. */
  add(index: number, bytes: number): void {
    assert(!this.full(), "Cannot add to a full inflight window");
    const last = this.#items[this.#items.length - 1];
    assert(this.count === 0 || last === undefined || index > last.index, "Inflights out of order");
    this.#items.push({ index, bytes });
    this.#bytes += bytes;
  }

  /** Releases every message whose last index is ≤ `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head] as Inflight;
      if (item.index > index) break;
      this.#bytes -= item.bytes;
      this.#head++;
    }
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    assert(this.#bytes >= 0 && this.count >= 0, "Inflight accounting went negative");
  }

  full(): boolean {
    return this.count >= this.#countMax || this.#bytes >= this.#bytesMax;
  }

  reset(): void {
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
