/**
 * @module
 * The doubly linked list of call and return events that the Wing–Gong search walks. Lifting an
 * operation unlinks its call and return in O(1); unlifting relinks them, which is exact as long
 * as operations are unlifted in the reverse order they were lifted (the search's stack order).
 */
import { assert } from "../lib/assert.ts";

/** The index that ends the list. */
export const listEnd = -1;

/**
 * Event `2 × op` is the call of operation `op` and `2 × op + 1` its return; the head sentinel is
 * event `2 × count`. Times are the operations' call and return times.
 */
export class EventList {
  readonly head: number;
  readonly #next: Int32Array;
  readonly #previous: Int32Array;

  /**
   * Orders events by time; at equal times calls come before returns, which makes intervals
   * closed (operations that touch at one instant overlap). Ties break by operation number so
   * the walk is deterministic.
   */
  constructor(callTimes: readonly number[], returnTimes: readonly number[]) {
    const count = callTimes.length;
    assert(returnTimes.length === count, "Every operation needs a call and a return time");
    this.head = 2 * count;
    this.#next = new Int32Array(2 * count + 1).fill(listEnd);
    this.#previous = new Int32Array(2 * count + 1).fill(listEnd);
    const events = Array.from({ length: 2 * count }, (_, event) => event);
    const timeOf = (event: number): number => {
      const times = event % 2 === 0 ? callTimes : returnTimes;
      return times[event >>> 1] ?? Number.NaN;
    };
    events.sort((first, second) => {
      const difference = timeOf(first) - timeOf(second);
      if (difference !== 0 && !Number.isNaN(difference)) return difference;
      if (first % 2 !== second % 2) return (first % 2) - (second % 2);
      return first - second;
    });
    let previous = this.head;
    for (const event of events) {
      this.#next[previous] = event;
      this.#previous[event] = previous;
      previous = event;
    }
  }

  /** The event after `event`, or `listEnd`. */
  next(event: number): number {
    return this.#next[event] ?? listEnd;
  }

  /** True once every operation has been lifted. */
  empty(): boolean {
    return this.next(this.head) === listEnd;
  }

  /** Unlinks operation `operation`'s call and return. */
  lift(operation: number): void {
    this.#unlink(2 * operation);
    this.#unlink(2 * operation + 1);
  }

  /** Relinks operation `operation`; it must be the one lifted most recently. */
  unlift(operation: number): void {
    this.#relink(2 * operation + 1);
    this.#relink(2 * operation);
  }

  #unlink(event: number): void {
    const previous = this.#previous[event] ?? listEnd;
    const next = this.#next[event] ?? listEnd;
    assert(previous !== listEnd, "An event has no predecessor to unlink from");
    this.#next[previous] = next;
    if (next !== listEnd) this.#previous[next] = previous;
  }

  #relink(event: number): void {
    const previous = this.#previous[event] ?? listEnd;
    const next = this.#next[event] ?? listEnd;
    assert(this.#next[previous] === next, "Events must be relinked in stack order");
    this.#next[previous] = event;
    if (next !== listEnd) this.#previous[next] = event;
  }
}
