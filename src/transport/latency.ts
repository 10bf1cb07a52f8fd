/**
 * @module
 * Round-trip latency statistics for one peer: current, minimum, maximum, and a running mean and
 * standard deviation (Welford's method, so no samples are kept).
 */
import { assert } from "../lib/assert.ts";

/** Latency in milliseconds, named as etcd's `/v2/stats/leader` names them. */
export interface LatencyStats {
  readonly current: number;
  readonly average: number;
  readonly standardDeviation: number;
  readonly minimum: number;
  readonly maximum: number;
}

/** Accumulates round-trip samples. */
export class LatencyRecorder {
  #count = 0;
  #mean = 0;
  #squaredDistances = 0;
  #current = 0;
  #minimum = 0;
  #maximum = 0;

  /** Samples recorded. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds one round trip.
   * @throws {AssertionError} when `ms` is negative or not finite.
   */
  record(ms: number): void {
    assert(Number.isFinite(ms) && ms >= 0, `latency sample ${ms} must be a finite duration`);
    this.#count += 1;
    const delta = ms - this.#mean;
    this.#mean += delta / this.#count;
    this.#squaredDistances += delta * (ms - this.#mean);
    this.#current = ms;
    this.#minimum = this.#count === 1 ? ms : Math.min(this.#minimum, ms);
    this.#maximum = this.#count === 1 ? ms : Math.max(this.#maximum, ms);
  }

  /** The statistics so far; all zero before the first sample. */
  stats(): LatencyStats {
    const variance = this.#count > 0 ? this.#squaredDistances / this.#count : 0;
    return {
      current: this.#current,
      average: this.#mean,
      standardDeviation: Math.sqrt(Math.max(0, variance)),
      minimum: this.#minimum,
      maximum: this.#maximum,
    };
  }
}
