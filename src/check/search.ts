/**
 * @module
 * The Wing–Gong linearizability search with Lowe's memoisation, over one partition. It walks
 * the event list; any call before the first remaining return may be linearized next if the model
 * accepts it and the pair (set of linearized operations, model states) has not been seen; when a
 * return is reached with its operation still pending, it backtracks. The search is iterative with
 * an explicit stack. Non-deterministic models are handled by carrying the set of possible states.
 */
import { assert } from "../lib/assert.ts";
import { Bitset } from "./bitset.ts";
import type { Budget } from "./budget.ts";
import { EventList, listEnd } from "./event-list.ts";
import { VisitedCache, hashString } from "./visited-cache.ts";
import { isIndeterminate } from "./types.ts";
import type { Model, Operation, PartitionResult, Verdict } from "./types.ts";

/** The possible model states at one point of the search, sorted by key. */
interface StateSet<S> {
  readonly states: readonly S[];
  /** One string for the whole set, and its hash, for the cache. */
  readonly key: string;
  readonly hash: number;
}

/**
 * Checks one partition against `model`, spending steps from `budget`. The result numbers the
 * operations in call order (`PartitionResult.operations`).
 * @throws {AssertionError} when an operation's times are malformed.
 */
export function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  partition: readonly Operation<I, O>[],
  budget: Budget,
): PartitionResult<I, O> {
  // Numbering operations in call order keeps the bitset window (and the cache) small.
  const operations = [...partition].sort((first, second) => first.callTime - second.callTime);
  const search = new Search(model, operations);
  const stepsBefore = budget.stepsUsed;
  const result = search.run(budget);
  return {
    result,
    operations,
    linearization: result === "ok" ? [...search.stackOperations] : [],
    longestPrefix: search.longestPrefix,
    longestPrefixStates: search.longestPrefixStates,
    steps: budget.stepsUsed - stepsBefore,
  };
}

/** The effective return time: +∞ for an indeterminate operation. */
export function returnTimeOf<I, O>(operation: Operation<I, O>): number {
  if (isIndeterminate(operation.output)) return Infinity;
  return operation.returnTime;
}

class Search<S, I, O> {
  readonly stackOperations: number[] = [];
  longestPrefix: readonly number[] = [];
  longestPrefixStates: readonly string[] = [];
  /**
   * The deepest stack seen. It is copied out only when the search is about to leave it (or
   * ends), not every time it grows, which would cost O(n²) on a long linearizable partition.
   */
  #longestLength = 0;
  #longestPending = false;
  readonly #stackStates: StateSet<S>[] = [];
  readonly #model: Model<S, I, O>;
  readonly #operations: readonly Operation<I, O>[];
  readonly #list: EventList;
  readonly #linearized: Bitset;
  readonly #cache: VisitedCache;
  #current: StateSet<S>;

  constructor(model: Model<S, I, O>, operations: readonly Operation<I, O>[]) {
    for (const operation of operations) {
      const returnTime = returnTimeOf(operation);
      assert(Number.isFinite(operation.callTime), "An operation's call time must be finite");
      assert(
        returnTime >= operation.callTime,
        `An operation returned at ${returnTime}, before its call at ${operation.callTime}`,
      );
    }
    this.#model = model;
    this.#operations = operations;
    this.#list = new EventList(
      operations.map((operation) => operation.callTime),
      operations.map(returnTimeOf),
    );
    this.#linearized = new Bitset(operations.length);
    this.#cache = new VisitedCache();
    const initial = model.init();
    this.#current = stateSet([initial], [model.key(initial)]);
    this.longestPrefixStates = [this.#describeState(initial)];
  }

  run(budget: Budget): Verdict {
    const verdict = this.#walk(budget);
    this.#recordLongest();
    return verdict;
  }

  #walk(budget: Budget): Verdict {
    let event = this.#list.next(this.#list.head);
    while (!this.#list.empty()) {
      if (!budget.spend()) return "unknown";
      assert(event !== listEnd, "The walk ran off the end of a non-empty event list");
      const operation = event >>> 1;
      if (event % 2 === 0) {
        const linearized = this.#tryLinearize(operation);
        event = this.#list.next(linearized ? this.#list.head : event);
        continue;
      }
      // A return whose operation is still pending: nothing before it can be linearized next.
      const resumed = this.#backtrack();
      if (resumed === listEnd) return "illegal";
      event = this.#list.next(resumed);
    }
    assert(this.stackOperations.length === this.#operations.length, "Not every op linearized");
    return "ok";
  }

  /** Linearizes `operation` next if the model allows it and the result is new. */
  #tryLinearize(operation: number): boolean {
    const input = this.#operations[operation];
    assert(input !== undefined, "The event list names an operation that does not exist");
    const next = this.#step(input);
    if (next === undefined) return false;
    this.#linearized.set(operation);
    if (!this.#cache.add(this.#linearized, next.key, next.hash)) {
      this.#linearized.clear(operation);
      return false;
    }
    this.stackOperations.push(operation);
    this.#stackStates.push(this.#current);
    this.#current = next;
    this.#list.lift(operation);
    if (this.stackOperations.length > this.#longestLength) {
      this.#longestLength = this.stackOperations.length;
      this.#longestPending = true;
    }
    return true;
  }

  /** Copies out the deepest stack if the current one is it and it was not copied yet. */
  #recordLongest(): void {
    if (!this.#longestPending) return;
    assert(this.stackOperations.length === this.#longestLength, "The deepest stack was left");
    this.longestPrefix = [...this.stackOperations];
    this.longestPrefixStates = this.#current.states.map((state) => this.#describeState(state));
    this.#longestPending = false;
  }

  #describeState(state: S): string {
    return this.#model.describeState?.(state) ?? this.#model.key(state);
  }

  /** Undoes the latest linearization; returns its call event, or `listEnd` if none is left. */
  #backtrack(): number {
    this.#recordLongest();
    const operation = this.stackOperations.pop();
    const states = this.#stackStates.pop();
    if (operation === undefined || states === undefined) return listEnd;
    this.#list.unlift(operation);
    this.#linearized.clear(operation);
    this.#current = states;
    return 2 * operation;
  }

  /** Applies one operation to every possible state; undefined when none accepts it. */
  #step(operation: Operation<I, O>): StateSet<S> | undefined {
    const model = this.#model;
    const only = this.#current.states[0];
    if (only !== undefined && this.#current.states.length === 1) {
      // The common deterministic case, without the map and the sort.
      const next = model.step(only, operation.input, operation.output);
      if (next.length === 0) return undefined;
      const [state] = next;
      if (state !== undefined && next.length === 1) {
        return stateSet(next, [model.key(state)]);
      }
    }
    const nextByKey = new Map<string, S>();
    for (const state of this.#current.states) {
      for (const next of this.#model.step(state, operation.input, operation.output)) {
        const key = this.#model.key(next);
        if (!nextByKey.has(key)) nextByKey.set(key, next);
      }
    }
    if (nextByKey.size === 0) return undefined;
    const entries = [...nextByKey.entries()].sort(([first], [second]) =>
      first < second ? -1 : first > second ? 1 : 0,
    );
    return stateSet(
      entries.map(([, state]) => state),
      entries.map(([key]) => key),
    );
  }
}

/** Builds a state set from states and their keys, sorted by key, with its cache key. */
function stateSet<S>(states: readonly S[], keys: readonly string[]): StateSet<S> {
  assert(states.length === keys.length && states.length > 0, "A state set needs keyed states");
  const key = keys.length === 1 ? `1${keys[0] ?? ""}` : `n${JSON.stringify(keys)}`;
  return { states, key, hash: hashString(key) };
}
