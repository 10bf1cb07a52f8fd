/**
 * @module
 * Reconnect delays: exponential growth from an initial delay up to a cap, with jitter drawn from
 * an injected `Prng` so members do not reconnect in lockstep; reset after a success.
 */
import { assert } from "../lib/assert.ts";
import type { Prng } from "../lib/prng.ts";

/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  readonly initialMs: number;
  /** No delay exceeds this, jitter included. */
  readonly maxMs: number;
  /** The fraction of each delay that is random: 0 none, 1 anywhere in [0, delay]. */
  readonly jitter: number;
}

/** Default reconnect delays: 50 ms doubling to 2 s, half of each delay random. */
export const defaultBackoffOptions: BackoffOptions = { initialMs: 50, maxMs: 2000, jitter: 0.5 };

/** The state of one peer's reconnect schedule. */
export class Backoff {
  readonly #options: BackoffOptions;
  readonly #prng: Prng;
  #attempts = 0;

  /** @throws {AssertionError} when the options are inconsistent. */
  constructor(options: BackoffOptions, prng: Prng) {
    assert(options.initialMs > 0, "backoff initialMs must be positive");
    assert(options.maxMs >= options.initialMs, "backoff maxMs must be at least initialMs");
    assert(options.jitter >= 0 && options.jitter <= 1, "backoff jitter must lie in [0, 1]");
    this.#options = options;
    this.#prng = prng;
  }

  /** Failures since the last success. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * The delay before the next attempt, in [ceiling × (1 − jitter), ceiling] where the ceiling
   * is initialMs × 2^failures capped at maxMs.
   */
  nextDelayMs(): number {
    const exponent = Math.min(this.#attempts, 30);
    const ceiling = Math.min(this.#options.maxMs, this.#options.initialMs * 2 ** exponent);
    this.#attempts += 1;
    const delay = ceiling * (1 - this.#options.jitter * this.#prng.nextFloat());
    assert(delay >= 0 && delay <= this.#options.maxMs, "backoff delay must stay within its cap");
    return Math.round(delay);
  }

  /** Starts the schedule over after a connection succeeded. */
  reset(): void {
    this.#attempts = 0;
  }
}
