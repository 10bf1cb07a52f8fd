/**
 * @module
 * The report of a `cairn check` run: what the workload did, what the checker said, and how to
 * print both as text for people or as one JSON object for scripts.
 */
import {
  type EtcdCheckResult,
  type EtcdOperation,
  type Verdict,
  formatEtcdCheck,
  isIndeterminate,
} from "../../check/index.ts";
import type { FaultsOutcome } from "./faults.ts";

/** The settings of a workload run, as reported. */
export interface ReportedWorkload {
  readonly runId: string;
  readonly seed: number;
  readonly endpoints: readonly string[];
  readonly clients: number;
  readonly keys: number;
  readonly directory: string;
  readonly timeoutMs: number;
  readonly elapsedS: number;
  /** Operations with certainly no effect, left out of the history, by reason. */
  readonly failedByReason: Readonly<Record<string, number>>;
  readonly indeterminateByReason: Readonly<Record<string, number>>;
  readonly faults: FaultsOutcome | undefined;
}

/** Everything a run reports. */
export interface CheckReport {
  /** Absent for `--check-only`. */
  readonly workload: ReportedWorkload | undefined;
  /** Operations in the checked history. */
  readonly operations: number;
  /** Per operation kind, counts per outcome (`indeterminate` included). */
  readonly byKind: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly indeterminate: number;
  readonly result: Verdict;
  readonly checkMs: number;
  readonly steps: number;
  readonly partitions: number;
  readonly indexViolations: number;
  /** The checker's own rendering (failing partition, index violations), capped in length. */
  readonly details: string;
}

/** The most lines of checker output a report carries. */
export const detailLinesMax = 400;

/** Builds the report from a history and its verdict. */
export function buildReport(
  history: readonly EtcdOperation[],
  check: EtcdCheckResult,
  checkMs: number,
  workload: ReportedWorkload | undefined,
): CheckReport {
  const byKind: Record<string, Record<string, number>> = {};
  let indeterminateCount = 0;
  for (const operation of history) {
    const outcome = isIndeterminate(operation.output) ? "indeterminate" : operation.output.outcome;
    if (outcome === "indeterminate") indeterminateCount++;
    const counts = (byKind[operation.input.kind] ??= {});
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return {
    workload,
    operations: history.length,
    byKind,
    indeterminate: indeterminateCount,
    result: check.result,
    checkMs,
    steps: check.linearizability.steps,
    partitions: check.linearizability.partitions.length,
    indexViolations: check.indexViolations.length,
    details: capLines(formatEtcdCheck(check), detailLinesMax),
  };
}

/** One line saying what the verdict means. */
export function verdictLine(result: Verdict): string {
  switch (result) {
    case "ok":
      return "ok: the history is linearizable and the index rules hold";
    case "illegal":
      return "illegal: the history is NOT linearizable (or breaks an index rule)";
    case "unknown":
      return "unknown: inconclusive: budget exhausted (never a pass; raise --check-budget-s)";
  }
}

/** The report as text. */
export function formatCheckText(report: CheckReport): string {
  const lines: string[] = [];
  const workload = report.workload;
  if (workload !== undefined) lines.push(...workloadLines(workload));
  const failed = workload === undefined ? 0 : total(workload.failedByReason);
  lines.push(
    `operations  ${report.operations} recorded, ${report.indeterminate} indeterminate` +
      (workload === undefined ? "" : `, ${failed} failed (no effect; not recorded)`),
  );
  for (const [kind, counts] of Object.entries(report.byKind).sort()) {
    const parts = Object.entries(counts)
      .sort()
      .map(([outcome, count]) => `${outcome} ${count}`);
    lines.push(`  ${kind.padEnd(17)} ${parts.join(", ")}`);
  }
  if (workload !== undefined) {
    lines.push(...reasonLines("indeterminate", workload.indeterminateByReason));
    lines.push(...reasonLines("failed", workload.failedByReason));
  }
  lines.push(
    `check       ${report.result} in ${report.checkMs.toFixed(0)} ms ` +
      `(${report.partitions} partitions, ${report.steps} steps, ` +
      `${report.indexViolations} index-rule violations)`,
  );
  if (report.result !== "ok") lines.push(report.details);
  lines.push(`result      ${verdictLine(report.result)}`);
  return lines.join("\n");
}

/** The report as one line of JSON. */
export function formatCheckJson(report: CheckReport): string {
  return JSON.stringify(report);
}

// --- internal ---

function workloadLines(workload: ReportedWorkload): string[] {
  const lines = [
    `run         ${workload.runId}, seed ${workload.seed}`,
    `target      ${workload.endpoints.join(",")}`,
    `workload    ${workload.clients} clients, ${workload.keys} keys under ` +
      `${workload.directory}, timeout ${workload.timeoutMs} ms, ` +
      `${workload.elapsedS.toFixed(2)} s`,
  ];
  const faults = workload.faults;
  if (faults !== undefined) {
    const end =
      faults.signal !== null ? `ended by ${faults.signal}` : `exited ${faults.exitCode ?? "?"}`;
    const how = faults.stopped ? "stopped at the end of the workload, " : "";
    lines.push(`faults      ${JSON.stringify(faults.command)}: ${how}${end}`);
  }
  return lines;
}

function reasonLines(label: string, counts: Readonly<Record<string, number>>): string[] {
  return Object.entries(counts)
    .sort(([, first], [, second]) => second - first)
    .map(([reason, count]) => `  ${label}: ${reason} × ${count}`);
}

function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

function capLines(text: string, max: number): string {
  const lines = text.split("\n");
  if (lines.length <= max) return text;
  const rest = lines.length - max;
  return [
    ...lines.slice(0, max),
    `… ${rest} more lines (write the whole history with --history and inspect it offline)`,
  ].join("\n");
}
