/**
 * @module
 * A brute-force linearizability check for tiny histories: try every ordering that respects
 * real time and run the model over it. Exponential on purpose; it exists so that tests can
 * compare the real checker against a definition too simple to be wrong. Not for production use.
 */
import { assert } from "../lib/assert.ts";
import { isIndeterminate } from "./types.ts";
import type { Model, Operation } from "./types.ts";

/** The largest history the brute-force check accepts (8! orderings). */
export const bruteForceOperationsMax = 8;

/**
 * Returns an ordering that linearizes `history` (operation numbers), or undefined if none does.
 * The whole history is checked as one; the model's partition function is not used.
 * @throws {AssertionError} when the history is longer than `bruteForceOperationsMax`.
 */
export function bruteForceLinearization<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
): number[] | undefined {
  assert(
    history.length <= bruteForceOperationsMax,
    `Cannot brute-force ${history.length} operations: the limit is ${bruteForceOperationsMax}`,
  );
  const order = history.map((_, position) => position);
  do {
    if (isLinearization(model, history, order)) return order;
  } while (nextPermutation(order));
  return undefined;
}

/**
 * Tells whether `order` (a permutation of operation numbers) respects real time and is accepted
 * by the model from its initial state: the definition of a linearization.
 */
export function isLinearization<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  order: readonly number[],
): boolean {
  const distinct = new Set(order);
  if (order.length !== history.length || distinct.size !== history.length) return false;
  if (order.some((position) => history[position] === undefined)) return false;
  return respectsRealTime(history, order) && modelAccepts(model, history, order);
}

/** No operation is placed after one that was invoked strictly after it returned. */
function respectsRealTime<I, O>(
  history: readonly Operation<I, O>[],
  order: readonly number[],
): boolean {
  for (let earlier = 0; earlier < order.length; earlier++) {
    for (let later = earlier + 1; later < order.length; later++) {
      const first = history[order[earlier] ?? -1];
      const second = history[order[later] ?? -1];
      assert(first !== undefined && second !== undefined, "An ordering lost an operation");
      // Written out here, not shared with the checker, so the two stay independent.
      const secondReturnTime = isIndeterminate(second.output) ? Infinity : second.returnTime;
      if (secondReturnTime < first.callTime) return false;
    }
  }
  return true;
}

function modelAccepts<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  order: readonly number[],
): boolean {
  let states: S[] = [model.init()];
  for (const position of order) {
    const operation = history[position];
    assert(operation !== undefined, `Operation ${position} does not exist`);
    const next = new Map<string, S>();
    for (const state of states) {
      for (const candidate of model.step(state, operation.input, operation.output)) {
        next.set(model.key(candidate), candidate);
      }
    }
    if (next.size === 0) return false;
    states = [...next.values()];
  }
  return true;
}

/** Advances `order` to the next lexicographic permutation; false after the last one. */
function nextPermutation(order: number[]): boolean {
  let pivot = order.length - 2;
  while (pivot >= 0 && (order[pivot] ?? 0) >= (order[pivot + 1] ?? 0)) pivot--;
  if (pivot < 0) return false;
  let successor = order.length - 1;
  while ((order[successor] ?? 0) <= (order[pivot] ?? 0)) successor--;
  swap(order, pivot, successor);
  for (let low = pivot + 1, high = order.length - 1; low < high; low++, high--) {
    swap(order, low, high);
  }
  return true;
}

function swap(order: number[], first: number, second: number): void {
  const value = order[first] ?? 0;
  order[first] = order[second] ?? 0;
  order[second] = value;
}
