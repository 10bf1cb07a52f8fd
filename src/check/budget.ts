/**
 * @module
 * The search budget shared by all partitions of one check: a step count that needs no clock,
 * and an optional deadline read from an injected clock every few hundred steps.
 */
import { assert } from "../lib/assert.ts";
import type { CheckOptions } from "./types.ts";

/**
 * The default step budget: a few seconds of search, and a bound on the cache, which holds at
 * most one configuration per step.
 */
export const checkStepsDefault = 10_000_000;

/** How many steps pass between clock readings. */
const clockIntervalSteps = 256;

/** Counts search steps against the limits of one `checkOperations` call. */
export class Budget {
  #stepsUsed = 0;
  #exhausted = false;
  readonly #stepsMax: number;
  readonly #deadlineMs: number;
  readonly #now: (() => number) | undefined;

  constructor(options: CheckOptions) {
    this.#stepsMax = options.budgetSteps ?? checkStepsDefault;
    assert(this.#stepsMax >= 0, `The step budget must not be negative: ${this.#stepsMax}`);
    assert(
      options.budgetMs === undefined || options.now !== undefined,
      "A time budget needs an injected clock: pass `now` with `budgetMs`",
    );
    this.#now = options.now;
    const startMs = options.now?.() ?? 0;
    this.#deadlineMs = options.budgetMs === undefined ? Infinity : startMs + options.budgetMs;
  }

  /** Steps spent so far. */
  get stepsUsed(): number {
    return this.#stepsUsed;
  }

  /** Spends one step; returns false once the budget is gone (and forever after). */
  spend(): boolean {
    if (this.#exhausted) return false;
    this.#stepsUsed += 1;
    if (this.#stepsUsed > this.#stepsMax) this.#exhausted = true;
    const clockDue = this.#stepsUsed % clockIntervalSteps === 0;
    if (clockDue && this.#now !== undefined && this.#now() > this.#deadlineMs) {
      this.#exhausted = true;
    }
    return !this.#exhausted;
  }
}
