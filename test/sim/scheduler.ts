/**
 * @module
 * The simulator's only notion of time: a single-threaded queue of events on virtual time,
 * ordered by (time, sequence) so that events scheduled for the same instant run in the order
 * they were scheduled. Nothing in the simulated world reads a real clock or a real timer.
 */
import { assert } from "../../src/lib/assert.ts";

/** One scheduled action. `node` names the host it concerns, or -1 for none. */
export interface SimEvent {
  readonly time: number;
  readonly sequence: number;
  readonly label: string;
  readonly node: number;
  readonly run: () => void | Promise<void>;
}

/** A binary min-heap of events on virtual time. */
export class Scheduler {
  readonly #heap: SimEvent[] = [];
  #sequence = 0;
  #now = 0;

  /** The virtual time of the event being run (milliseconds). */
  get now(): number {
    return this.#now;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `run` at virtual time `time` (not in the past). */
  at(time: number, label: string, node: number, run: () => void | Promise<void>): void {
    assert(time >= this.#now, `Cannot schedule ${label} in the past (${time} < ${this.#now})`);
    const event: SimEvent = { time, sequence: this.#sequence++, label, node, run };
    const heap = this.#heap;
    heap.push(event);
    let position = heap.length - 1;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (!before(event, heap[parent] as SimEvent)) break;
      heap[position] = heap[parent] as SimEvent;
      position = parent;
    }
    heap[position] = event;
  }

  /** Schedules `run` after `delay` milliseconds of virtual time. */
  after(delay: number, label: string, node: number, run: () => void | Promise<void>): void {
    assert(delay >= 0 && Number.isFinite(delay), `Invalid delay ${delay} for ${label}`);
    this.at(this.#now + delay, label, node, run);
  }

  /** The time of the next event, or Infinity when none is left. */
  peekTime(): number {
    return this.#heap[0]?.time ?? Infinity;
  }

  /** Removes the next event and moves virtual time to it. */
  next(): SimEvent | null {
    const heap = this.#heap;
    const first = heap[0];
    if (first === undefined) return null;
    const last = heap.pop() as SimEvent;
    if (heap.length > 0) siftDown(heap, last);
    assert(first.time >= this.#now, "Virtual time never goes backwards");
    this.#now = first.time;
    return first;
  }
}

// --- internal ---

function before(left: SimEvent, right: SimEvent): boolean {
  return left.time < right.time || (left.time === right.time && left.sequence < right.sequence);
}

function siftDown(heap: SimEvent[], event: SimEvent): void {
  let position = 0;
  const length = heap.length;
  for (;;) {
    const left = 2 * position + 1;
    if (left >= length) break;
    const right = left + 1;
    let child = left;
    if (right < length && before(heap[right] as SimEvent, heap[left] as SimEvent)) child = right;
    if (!before(heap[child] as SimEvent, event)) break;
    heap[position] = heap[child] as SimEvent;
    position = child;
  }
  heap[position] = event;
}
