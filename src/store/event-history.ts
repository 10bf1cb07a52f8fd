/**
 * @module
 * The ring of the most recent events, for `waitIndex` watches. Every etcd index is exactly one
 * event, so the event with index `i` sits in slot `i % capacity`: lookups are O(1).
 */
import { assert } from "../lib/assert.ts";
import type { StoreEvent } from "./types.ts";

/** The last `capacity` events, contiguous in index. */
export class EventHistory {
  readonly capacity: number;
  readonly #slots: (StoreEvent | undefined)[];
  /** Index of the newest event added (the store index when the history is in step). */
  #lastIndex: number;
  #count = 0;

  /** A history whose next event will carry index `lastIndex + 1`. */
  constructor(capacity: number, lastIndex: number) {
    assert(Number.isSafeInteger(capacity) && capacity >= 1, `Invalid history size ${capacity}`);
    assert(Number.isSafeInteger(lastIndex) && lastIndex >= 0, `Invalid index ${lastIndex}`);
    this.capacity = capacity;
    this.#slots = new Array<StoreEvent | undefined>(capacity).fill(undefined);
    this.#lastIndex = lastIndex;
  }

  /** How many events are retained. */
  get count(): number {
    return this.#count;
  }

  get lastIndex(): number {
    return this.#lastIndex;
  }

  /** The oldest retained index; `lastIndex + 1` when nothing is retained. */
  get oldestIndex(): number {
    return this.#lastIndex - this.#count + 1;
  }

  /** Appends the event with the next index, dropping the oldest when full. */
  add(event: StoreEvent): void {
    assert(event.index === this.#lastIndex + 1, `Event ${event.index} breaks the history order`);
    this.#slots[event.index % this.capacity] = event;
    this.#lastIndex = event.index;
    if (this.#count < this.capacity) this.#count += 1;
    assert(this.#count <= this.capacity, "History cannot exceed its capacity");
  }

  /** The event with `index`, or null when it is not retained. */
  at(index: number): StoreEvent | null {
    if (index < this.oldestIndex || index > this.#lastIndex) return null;
    const event = this.#slots[index % this.capacity];
    assert(event !== undefined && event.index === index, `History slot for ${index} is stale`);
    return event;
  }

  /** The retained events, oldest first (for snapshots). */
  events(): StoreEvent[] {
    const events: StoreEvent[] = [];
    for (let index = this.oldestIndex; index <= this.#lastIndex; index += 1) {
      const event = this.at(index);
      assert(event !== null, `History lost event ${index}`);
      events.push(event);
    }
    return events;
  }
}
