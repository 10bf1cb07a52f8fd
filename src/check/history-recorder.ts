/**
 * @module
 * Records a client history as it happens: a call when a request is sent, a return when its
 * answer arrives, or nothing when it is lost. Whatever has not returned when the history is taken
 * is indeterminate. Times are passed in by the caller (virtual time in the simulator, the
 * monotonic clock in `cairn check`), so the recorder stays pure.
 */
import { assert } from "../lib/assert.ts";
import { indeterminate } from "./types.ts";
import type { Operation, Outcome } from "./types.ts";

/** The most operations one recorder holds. */
export const historyOperationsMax = 1_000_000;

interface Entry<I, O> {
  readonly clientId: number | string;
  readonly input: I;
  readonly callTime: number;
  output: Outcome<O>;
  returnTime: number;
  settled: boolean;
}

/** Collects operations for `checkOperations`. */
export class HistoryRecorder<I, O> {
  readonly #entries: Entry<I, O>[] = [];

  /**
   * Records the call of an operation and returns its handle.
   * @throws {AssertionError} when the recorder is full or the time is not finite.
   */
  invoke(clientId: number | string, input: I, callTime: number): number {
    assert(Number.isFinite(callTime), `A call time must be finite, not ${callTime}`);
    assert(
      this.#entries.length < historyOperationsMax,
      `Cannot record more than ${historyOperationsMax} operations`,
    );
    const handle = this.#entries.length;
    this.#entries.push({
      clientId,
      input,
      callTime,
      output: indeterminate,
      returnTime: Infinity,
      settled: false,
    });
    return handle;
  }

  /**
   * Records a definite answer.
   * @throws {AssertionError} when the handle is unknown, already settled, or the time is earlier
   * than the call.
   */
  complete(handle: number, output: O, returnTime: number): void {
    const entry = this.#unsettled(handle);
    assert(
      Number.isFinite(returnTime) && returnTime >= entry.callTime,
      `Operation ${handle} cannot return at ${returnTime}: it was invoked at ${entry.callTime}`,
    );
    entry.output = output;
    entry.returnTime = returnTime;
    entry.settled = true;
  }

  /**
   * Records that the client will never learn the outcome (a timeout, a lost connection, an
   * ambiguous error): the operation is indeterminate.
   * @throws {AssertionError} when the handle is unknown or already settled.
   */
  abandon(handle: number): void {
    const entry = this.#unsettled(handle);
    entry.settled = true;
  }

  /** How many operations have been invoked. */
  get size(): number {
    return this.#entries.length;
  }

  /** The history so far; operations still outstanding are indeterminate. */
  operations(): Operation<I, O>[] {
    return this.#entries.map(({ clientId, input, output, callTime, returnTime }) => ({
      clientId,
      input,
      output,
      callTime,
      returnTime,
    }));
  }

  #unsettled(handle: number): Entry<I, O> {
    const entry = this.#entries[handle];
    assert(entry !== undefined, `Operation ${handle} was never invoked`);
    assert(!entry.settled, `Operation ${handle} has already been settled`);
    return entry;
  }
}
