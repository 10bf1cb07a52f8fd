/**
 * @module
 * Recent transfer rates (messages and bytes per second) for `/v2/stats/self`: counts go into
 * one-second buckets on a ring, and a rate is the sum over the last few whole seconds plus the
 * current one, divided by the time they span. Time comes from the caller's clock.
 */
import { assert } from "../lib/assert.ts";

/** Messages and bytes per second. */
export interface TransferRate {
  readonly messagesPerSecond: number;
  readonly bytesPerSecond: number;
}

const bucketMs = 1000;

/** A sliding-window rate over one-second buckets. */
export class RateMeter {
  readonly #windowBuckets: number;
  readonly #messages: number[];
  readonly #bytes: number[];
  /** The bucket number (monotonic ms / 1000) the newest bucket holds, or -1 before any. */
  #newest = -1;
  #startMs: number | undefined;

  /** @throws {AssertionError} when `windowSeconds` is not a positive integer. */
  constructor(windowSeconds = 5) {
    assert(Number.isSafeInteger(windowSeconds) && windowSeconds > 0, "window must be seconds");
    this.#windowBuckets = windowSeconds + 1;
    this.#messages = new Array<number>(this.#windowBuckets).fill(0);
    this.#bytes = new Array<number>(this.#windowBuckets).fill(0);
  }

  /** Adds a transfer at `nowMs` (monotonic). */
  record(nowMs: number, messages: number, bytes: number): void {
    assert(messages >= 0 && bytes >= 0, "a transfer counts forward");
    this.#startMs ??= nowMs;
    const slot = this.#advance(nowMs);
    this.#messages[slot] = (this.#messages[slot] ?? 0) + messages;
    this.#bytes[slot] = (this.#bytes[slot] ?? 0) + bytes;
  }

  /** The rates over the window ending at `nowMs`; zero before anything was recorded. */
  rate(nowMs: number): TransferRate {
    if (this.#startMs === undefined) return { messagesPerSecond: 0, bytesPerSecond: 0 };
    this.#advance(nowMs);
    const windowStartMs = (this.#newest - this.#windowBuckets + 1) * bucketMs;
    const spanMs = nowMs - Math.max(windowStartMs, this.#startMs);
    if (spanMs <= 0) return { messagesPerSecond: 0, bytesPerSecond: 0 };
    const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
    return {
      messagesPerSecond: (sum(this.#messages) * 1000) / spanMs,
      bytesPerSecond: (sum(this.#bytes) * 1000) / spanMs,
    };
  }

  // --- internal ---

  /** Moves the ring forward to the bucket of `nowMs`, clearing skipped buckets. */
  #advance(nowMs: number): number {
    const bucket = Math.floor(nowMs / bucketMs);
    if (this.#newest < 0) this.#newest = bucket;
    const steps = Math.min(Math.max(0, bucket - this.#newest), this.#windowBuckets);
    for (let step = 1; step <= steps; step++) {
      const slot = (this.#newest + step) % this.#windowBuckets;
      this.#messages[slot] = 0;
      this.#bytes[slot] = 0;
    }
    this.#newest = Math.max(this.#newest, bucket);
    return this.#newest % this.#windowBuckets;
  }
}
