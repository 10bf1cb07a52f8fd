/**
 * @module
 * The whole verdict on an etcd v2 history, as the simulator and `cairn check` want it: per-key
 * linearizability and the index rules together, and a printer for both.
 */
import { checkOperations } from "./check-operations.ts";
import { type IndexViolation, checkEtcdIndexes } from "./etcd-index.ts";
import {
  type EtcdInput,
  type EtcdOperation,
  type EtcdOutput,
  describeEtcdOperation,
  etcdModel,
} from "./etcd-model.ts";
import { formatCheckResult } from "./format.ts";
import type { CheckOptions, CheckResult, Verdict } from "./types.ts";

/** Both checks of one etcd history. */
export interface EtcdCheckResult {
  /** `illegal` if either check failed; else the linearizability verdict. */
  readonly result: Verdict;
  readonly linearizability: CheckResult<EtcdInput, EtcdOutput>;
  readonly indexViolations: readonly IndexViolation[];
}

/**
 * Checks an etcd history for per-key linearizability and for the index rules.
 * @throws {AssertionError} when an operation's times are malformed or a time budget has no clock.
 */
export function checkEtcdHistory(
  history: readonly EtcdOperation[],
  options: CheckOptions = {},
): EtcdCheckResult {
  const linearizability = checkOperations(etcdModel, history, options);
  const indexViolations = checkEtcdIndexes(history);
  const result = indexViolations.length > 0 ? "illegal" : linearizability.result;
  return { result, linearizability, indexViolations };
}

/** Renders both checks: the linearizability summary and failure, then each index violation. */
export function formatEtcdCheck(check: EtcdCheckResult): string {
  const lines = [formatCheckResult(etcdModel, check.linearizability)];
  lines.push(`index rules: ${check.indexViolations.length} violations`);
  for (const violation of check.indexViolations) {
    lines.push(`  ${violation.rule}: ${violation.message}`);
    for (const operation of violation.operations) {
      const interval = `[${operation.callTime}, ${operation.returnTime}]`;
      const description = describeEtcdOperation(operation.input, operation.output);
      lines.push(`    client ${operation.clientId} ${interval} ${description}`);
    }
  }
  return lines.join("\n");
}
