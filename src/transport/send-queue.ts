/**
 * @module
 * A per-peer send queue bounded by a message count and a byte total. A full queue refuses the
 * new item: the caller drops it and reports the peer unreachable (Raft retransmits).
 */
import { assert } from "../lib/assert.ts";

/** The bounds of one queue. */
export interface SendQueueLimits {
  /** Items the queue holds at most. */
  readonly itemsMax: number;
  /** Bytes (the sum of item sizes) the queue holds at most. */
  readonly bytesMax: number;
}

/** A FIFO with a count bound and a byte bound. */
export class SendQueue<T> {
  readonly #limits: SendQueueLimits;
  #items: { readonly item: T; readonly bytes: number }[] = [];
  #head = 0;
  #bytes = 0;

  /** @throws {AssertionError} when a limit is not a positive integer. */
  constructor(limits: SendQueueLimits) {
    assert(Number.isSafeInteger(limits.itemsMax) && limits.itemsMax > 0, "bad itemsMax");
    assert(Number.isSafeInteger(limits.bytesMax) && limits.bytesMax > 0, "bad bytesMax");
    this.#limits = limits;
  }

  /** Items waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Appends `item` of `bytes` bytes unless either bound would be exceeded.
   * @returns false when the queue is full (the item was not added).
   * @throws {AssertionError} when `bytes` is negative.
   */
  push(item: T, bytes: number): boolean {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, "item bytes must be a count");
    if (this.length + 1 > this.#limits.itemsMax) return false;
    if (this.#bytes + bytes > this.#limits.bytesMax) return false;
    this.#items.push({ item, bytes });
    this.#bytes += bytes;
    return true;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    const entry = this.#items[this.#head];
    if (entry === undefined) return undefined;
    this.#head += 1;
    this.#bytes -= entry.bytes;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    assert(this.#bytes >= 0, "queue bytes must not go negative");
    return entry.item;
  }

  /** Empties the queue and returns how many items it held. */
  clear(): number {
    const dropped = this.length;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return dropped;
  }
}
