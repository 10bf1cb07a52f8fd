/**
 * @module
 * Renders checker verdicts as text for people: the summary of a check and, for a failure, the
 * smallest failing partition with every operation's client, interval and input → output, then
 * the longest linearizable prefix the search found and the operations left over after it.
 */
import { returnTimeOf } from "./search.ts";
import type { CheckResult, Model, Operation, PartitionResult } from "./types.ts";

/** Renders a whole check: one summary line, then the smallest failing partition if any. */
export function formatCheckResult<S, I, O>(
  model: Model<S, I, O>,
  check: CheckResult<I, O>,
): string {
  const counts = { ok: 0, illegal: 0, unknown: 0 };
  for (const partition of check.partitions) counts[partition.result] += 1;
  const summary =
    `linearizability: ${check.result} (${check.partitions.length} partitions: ` +
    `${counts.ok} ok, ${counts.illegal} illegal, ${counts.unknown} unknown; ` +
    `${check.steps} steps)`;
  if (check.failure === undefined) return summary;
  return `${summary}\n${formatPartition(model, check.failure)}`;
}

/** Renders one partition's operations and, unless it passed, its longest linearizable prefix. */
export function formatPartition<S, I, O>(
  model: Model<S, I, O>,
  partition: PartitionResult<I, O>,
): string {
  const { operations } = partition;
  const lines = [`partition of ${operations.length} operations: ${partition.result}`];
  const labels = operations.map((operation, position) => operationLabel(position, operation));
  const width = Math.max(0, ...labels.map((label) => label.length));
  operations.forEach((operation, position) => {
    const label = (labels[position] ?? "").padEnd(width);
    lines.push(`  ${label}  ${describe(model, operation)}`);
  });
  if (partition.result === "ok") return lines.join("\n");
  const prefix = partition.longestPrefix;
  lines.push(`longest linearizable prefix: ${prefix.length} of ${operations.length}`);
  prefix.forEach((position, step) => {
    const operation = operations[position];
    const text = operation === undefined ? "?" : describe(model, operation);
    lines.push(`  ${step + 1}. #${position} ${text}`);
  });
  lines.push(`  possible states after it: ${partition.longestPrefixStates.join(" | ")}`);
  const inPrefix = new Set(prefix);
  const rest = operations.flatMap((_, position) =>
    inPrefix.has(position) ? [] : [`#${position}`],
  );
  const verb = partition.result === "illegal" ? "none can come next" : "search stopped";
  lines.push(`  not linearized (${verb}): ${rest.join(", ")}`);
  return lines.join("\n");
}

function operationLabel<I, O>(position: number, operation: Operation<I, O>): string {
  const returnTime = returnTimeOf(operation);
  const end = Number.isFinite(returnTime) ? String(returnTime) : "∞";
  return `#${position} client ${operation.clientId} [${operation.callTime}, ${end}]`;
}

function describe<S, I, O>(model: Model<S, I, O>, operation: Operation<I, O>): string {
  if (model.describeOperation !== undefined) {
    return model.describeOperation(operation.input, operation.output);
  }
  return `${JSON.stringify(operation.input)} → ${JSON.stringify(operation.output)}`;
}
