/**
 * @module
 * The linearizability checker (RAFT.md §3): Wing–Gong search with Lowe's memoisation and
 * per-partition checking, the etcd v2 key-value model and its index rules, a register model,
 * a brute-force reference check for tests, a printer for failures, and a history recorder.
 *
 * ```ts
 * const recorder = new HistoryRecorder<EtcdInput, EtcdOutput>();
 * const handle = recorder.invoke(clientId, { kind: "get", key: "/a" }, now());
 * recorder.complete(handle, { outcome: "ok", value: "x", index: 7 }, now()); // or abandon()
 * const history = recorder.operations();
 * const check = checkEtcdHistory(history, { budgetMs: 10_000, now });
 * if (check.result !== "ok") report(formatEtcdCheck(check));
 * // The parts: checkOperations(etcdModel, history, options) and checkEtcdIndexes(history).
 * ```
 */
export {
  type CheckOptions,
  type CheckResult,
  type Indeterminate,
  type Model,
  type Operation,
  type Outcome,
  type PartitionResult,
  type Verdict,
  indeterminate,
  isIndeterminate,
} from "./types.ts";
export { checkStepsDefault } from "./budget.ts";
export { checkOperations } from "./check-operations.ts";
export {
  type EtcdInput,
  type EtcdOperation,
  type EtcdOutcome,
  type EtcdOutput,
  type EtcdState,
  describeEtcdOperation,
  etcdModel,
  partitionByKey,
  stepEtcd,
} from "./etcd-model.ts";
export {
  type IndexRule,
  type IndexViolation,
  checkEtcdIndexes,
  indexViolationsMax,
} from "./etcd-index.ts";
export { type RegisterInput, type RegisterOutput, registerModel } from "./register-model.ts";
export {
  bruteForceLinearization,
  bruteForceOperationsMax,
  isLinearization,
} from "./brute-force.ts";
export { formatCheckResult, formatPartition } from "./format.ts";
export { type EtcdCheckResult, checkEtcdHistory, formatEtcdCheck } from "./etcd-check.ts";
export { HistoryRecorder, historyOperationsMax } from "./history-recorder.ts";
