/**
 * @module
 * The vocabulary of the linearizability checker: recorded operations, the sequential models
 * they are checked against, and the verdicts the checker returns.
 */

/**
 * The output of an operation whose outcome the client never learned (a timeout, a dropped
 * connection, an error that does not say whether the write happened). The checker treats its
 * return time as +∞, and the model decides what the operation may have done. The marker is a
 * plain object so that recorded histories survive a round trip through JSON.
 */
export interface Indeterminate {
  readonly indeterminate: true;
}

/** The shared indeterminate marker. Any object shaped like it is recognised as well. */
export const indeterminate: Indeterminate = Object.freeze({ indeterminate: true });

/** What an operation returned, or the indeterminate marker. */
export type Outcome<O> = O | Indeterminate;

/** Tells whether an outcome is the indeterminate marker. */
export function isIndeterminate<O>(outcome: Outcome<O>): outcome is Indeterminate {
  return (
    typeof outcome === "object" &&
    outcome !== null &&
    "indeterminate" in outcome &&
    outcome.indeterminate === true
  );
}

/**
 * One client operation as recorded: invoked at `callTime`, answered at `returnTime`. Intervals
 * are closed, so two operations that touch at one instant are concurrent. An indeterminate
 * operation's `returnTime` is ignored and taken as +∞ (record `Infinity` to be explicit).
 */
export interface Operation<I, O> {
  readonly clientId: number | string;
  readonly input: I;
  readonly output: Outcome<O>;
  readonly callTime: number;
  readonly returnTime: number;
}

/**
 * A sequential specification. `step` lists every state the object may be in after applying
 * `input` with the observed `output` in `state`; an empty list means the output is impossible
 * there. Several states express non-determinism (an indeterminate write that may or may not have
 * taken effect). `key` must map equal states, and only equal states, to equal strings: it feeds
 * the memoisation cache.
 */
export interface Model<S, I, O> {
  /** Splits a history into independent sub-histories (P-compositionality), e.g. per key. */
  partition?(history: readonly Operation<I, O>[]): Operation<I, O>[][];
  /** The state before any operation. */
  init(): S;
  /** The possible next states; empty when the output cannot be observed in `state`. */
  step(state: S, input: I, output: Outcome<O>): readonly S[];
  /** A canonical string for a state. */
  key(state: S): string;
  /** Renders an operation for people, e.g. `set("/a", "x") → ok index=4`. */
  describeOperation?(input: I, output: Outcome<O>): string;
  /** Renders a state for people. */
  describeState?(state: S): string;
}

/** How a partition or a whole history fared. */
export type Verdict = "ok" | "illegal" | "unknown";

/** The outcome of checking one partition. */
export interface PartitionResult<I, O> {
  readonly result: Verdict;
  /** The partition's operations, in the order the checker numbered them. */
  readonly operations: readonly Operation<I, O>[];
  /** When ok: operation numbers in a valid linearization order. Otherwise empty. */
  readonly linearization: readonly number[];
  /**
   * The longest sequence of operations the search managed to linearize (numbers into
   * `operations`), with the possible model states after it, as the model describes them. For
   * an illegal partition this is where the explanation starts: no remaining operation could be
   * appended.
   */
  readonly longestPrefix: readonly number[];
  readonly longestPrefixStates: readonly string[];
  /** Search steps spent on this partition. */
  readonly steps: number;
}

/** The outcome of checking a whole history. */
export interface CheckResult<I, O> {
  /** `illegal` if any partition is; else `unknown` if any ran out of budget; else `ok`. */
  readonly result: Verdict;
  readonly partitions: readonly PartitionResult<I, O>[];
  /** The smallest illegal partition, for printing; absent unless the result is illegal. */
  readonly failure?: PartitionResult<I, O>;
  /** Search steps spent in total. */
  readonly steps: number;
}

/** Limits on the search. Running out of either gives `unknown`, never `ok`. */
export interface CheckOptions {
  /** The most search steps over all partitions (default `checkStepsDefault`). */
  readonly budgetSteps?: number;
  /** The most milliseconds to spend, measured with `now`, which is then required. */
  readonly budgetMs?: number;
  /** A monotonic clock in milliseconds, injected so the checker stays pure. */
  readonly now?: () => number;
}
