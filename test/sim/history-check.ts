/**
 * @module
 * The end-of-run client history checks: linearizability against the etcd model (partitioned
 * per key, indeterminate writes may or may not have happened) and the etcd index rules. A
 * checker that runs out of budget fails the seed: "unknown" is never a pass.
 */
import {
  type EtcdOperation,
  checkEtcdIndexes,
  checkOperations,
  etcdModel,
  formatCheckResult,
} from "../../src/check/index.ts";

/** Search steps allowed per history; workloads are sized to stay far below it. */
export const historyCheckSteps = 2_000_000;

/** A description of what is wrong with the history, or null when it is fine. */
export function checkClientHistory(history: readonly EtcdOperation[]): string | null {
  const check = checkOperations(etcdModel, history, { budgetSteps: historyCheckSteps });
  if (check.result === "unknown") {
    return `linearizability checker budget exhausted (${check.steps} steps): size the ` +
      `workload down; unknown is not a pass`;
  }
  if (check.result !== "ok") return formatCheckResult(etcdModel, check);
  const violations = checkEtcdIndexes(history);
  const first = violations[0];
  if (first === undefined) return null;
  const operations = first.operations.map((operation) => JSON.stringify(operation)).join("\n  ");
  return `etcd index rule ${first.rule} broken ${violations.length} times; first: ` +
    `${first.message}\n  ${operations}`;
}
