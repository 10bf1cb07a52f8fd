/**
 * @module
 * The etcd index rules that value-level linearizability does not see (RAFT.md §3): a write that
 * returned before another was invoked has the smaller index; no index is issued to two
 * successful writes; a quorum get's `X-Etcd-Index` is at least the index of every write
 * acknowledged before it was invoked; and a get's `modifiedIndex` is the index of the write that
 * stored the value it read. Intervals are closed, so "before" means strictly earlier.
 */
import { isIndeterminate } from "./types.ts";
import type { EtcdOperation } from "./etcd-model.ts";

/** Which rule an index violation breaks. */
export type IndexRule = "realTimeOrder" | "duplicateIndex" | "staleReadIndex" | "readModifiedIndex";

/** One broken index rule, with the operations involved (the earlier one first). */
export interface IndexViolation {
  readonly rule: IndexRule;
  readonly message: string;
  readonly operations: readonly EtcdOperation[];
}

/** The most violations reported; one bug often breaks the rules many times over. */
export const indexViolationsMax = 1000;

/** An operation that carries the index its answer reported. */
interface Indexed {
  readonly operation: EtcdOperation;
  readonly index: number;
}

/** Checks every index rule over a whole (unpartitioned) etcd history. */
export function checkEtcdIndexes(history: readonly EtcdOperation[]): IndexViolation[] {
  const writes: Indexed[] = [];
  const reads: Indexed[] = [];
  for (const operation of history) {
    const output = operation.output;
    if (isIndeterminate(output) || output.index === undefined) continue;
    const indexed = { operation, index: output.index };
    if (operation.input.kind === "get") reads.push(indexed);
    else if (output.outcome === "ok") writes.push(indexed);
  }
  const violations = [
    ...checkDuplicateIndexes(writes),
    ...checkRealTimeOrder(writes, reads),
    ...checkReadModifiedIndexes(writes, reads),
  ];
  return violations.slice(0, indexViolationsMax);
}

function checkDuplicateIndexes(writes: readonly Indexed[]): IndexViolation[] {
  const violations: IndexViolation[] = [];
  const byIndex = new Map<number, EtcdOperation>();
  for (const { operation, index } of writes) {
    const earlier = byIndex.get(index);
    if (earlier === undefined) {
      byIndex.set(index, operation);
      continue;
    }
    violations.push({
      rule: "duplicateIndex",
      message: `Index ${index} was issued to two successful writes`,
      operations: [earlier, operation],
    });
  }
  return violations;
}

/**
 * One sweep in call-time order keeps the highest-index write acknowledged strictly before the
 * current call: a later write must exceed it, and a later get must not fall below it.
 */
function checkRealTimeOrder(
  writes: readonly Indexed[],
  reads: readonly Indexed[],
): IndexViolation[] {
  const acknowledged = [...writes].sort(
    (first, second) => first.operation.returnTime - second.operation.returnTime,
  );
  const subjects = [...writes, ...reads].sort(
    (first, second) => first.operation.callTime - second.operation.callTime,
  );
  const violations: IndexViolation[] = [];
  let position = 0;
  let highest: Indexed | undefined;
  for (const subject of subjects) {
    for (; position < acknowledged.length; position++) {
      const candidate = acknowledged[position];
      if (candidate === undefined) break;
      if (candidate.operation.returnTime >= subject.operation.callTime) break;
      if (highest === undefined || candidate.index > highest.index) highest = candidate;
    }
    if (highest === undefined) continue;
    const violation = realTimeViolation(highest, subject);
    if (violation !== undefined) violations.push(violation);
  }
  return violations;
}

function realTimeViolation(earlier: Indexed, later: Indexed): IndexViolation | undefined {
  const isRead = later.operation.input.kind === "get";
  if (isRead && later.index < earlier.index) {
    return {
      rule: "staleReadIndex",
      message:
        `A quorum get reported X-Etcd-Index ${later.index}, below index ${earlier.index} ` +
        `of a write acknowledged before the get was invoked`,
      operations: [earlier.operation, later.operation],
    };
  }
  if (!isRead && later.index <= earlier.index) {
    return {
      rule: "realTimeOrder",
      message:
        `A write got index ${later.index}, not above index ${earlier.index} ` +
        `of a write acknowledged before it was invoked`,
      operations: [earlier.operation, later.operation],
    };
  }
  return undefined;
}

function checkReadModifiedIndexes(
  writes: readonly Indexed[],
  reads: readonly Indexed[],
): IndexViolation[] {
  const writerOf = new Map<string, Indexed>();
  for (const write of writes) {
    const input = write.operation.input;
    if (!("value" in input)) continue;
    writerOf.set(JSON.stringify([input.key, input.value]), write);
  }
  const violations: IndexViolation[] = [];
  for (const read of reads) {
    const output = read.operation.output;
    if (isIndeterminate(output) || output.outcome !== "ok") continue;
    if (output.modifiedIndex === undefined || output.value === undefined) continue;
    const writer = writerOf.get(JSON.stringify([read.operation.input.key, output.value]));
    if (writer === undefined || writer.index === output.modifiedIndex) continue;
    violations.push({
      rule: "readModifiedIndex",
      message:
        `A get read ${JSON.stringify(output.value)} with modifiedIndex ` +
        `${output.modifiedIndex}, but the write of that value got index ${writer.index}`,
      operations: [writer.operation, read.operation],
    });
  }
  return violations;
}
