/**
 * @module
 * The checker's entry point: partition a history with the model, check the partitions from
 * smallest to largest under one shared budget, and combine the verdicts.
 */
import { assert } from "../lib/assert.ts";
import { Budget } from "./budget.ts";
import { checkPartition } from "./search.ts";
import type {
  CheckOptions,
  CheckResult,
  Model,
  Operation,
  PartitionResult,
  Verdict,
} from "./types.ts";

/**
 * Decides whether `history` is linearizable with respect to `model`. The verdict is `illegal`
 * if any partition is, `unknown` if the budget ran out first, and `ok` only when every partition
 * was proven linearizable. Partitions are checked smallest first, so once the budget is gone the
 * remaining (larger) ones are reported `unknown` without being searched.
 * @throws {AssertionError} when an operation's times are malformed or a time budget has no clock.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const budget = new Budget(options);
  const partitions = model.partition?.(history) ?? [[...history]];
  const partitionedCount = partitions.reduce((sum, partition) => sum + partition.length, 0);
  assert(partitionedCount <= history.length, "A partition function invented operations");
  const order = partitions
    .map((partition, position) => ({ partition, position }))
    .sort((first, second) => first.partition.length - second.partition.length);
  const results: PartitionResult<I, O>[] = new Array(partitions.length);
  for (const { partition, position } of order) {
    results[position] = checkPartition(model, partition, budget);
  }
  const result = combineVerdicts(results.map((partition) => partition.result));
  const failure = smallestIllegal(results);
  const steps = budget.stepsUsed;
  if (failure === undefined) return { result, partitions: results, steps };
  assert(result === "illegal", "A failing partition must make the whole history illegal");
  return { result, partitions: results, failure, steps };
}

function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes("illegal")) return "illegal";
  if (verdicts.includes("unknown")) return "unknown";
  return "ok";
}

function smallestIllegal<I, O>(
  results: readonly PartitionResult<I, O>[],
): PartitionResult<I, O> | undefined {
  let smallest: PartitionResult<I, O> | undefined;
  for (const partition of results) {
    if (partition.result !== "illegal") continue;
    if (smallest === undefined || partition.operations.length < smallest.operations.length) {
      smallest = partition;
    }
  }
  return smallest;
}
