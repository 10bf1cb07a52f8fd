/**
 * @module
 * Renders a `BenchReport` as text for people or as one JSON object for scripts.
 */
import type { BenchReport } from "./run.ts";

/** The report as a few aligned lines of text. */
export function formatBenchText(report: BenchReport): string {
  const latency = report.latencyMs;
  const reads = report.operation === "put" ? "" : report.quorum ? ", quorum GETs" : ", local GETs";
  return [
    `target      ${report.endpoints.join(",")}`,
    `workload    ${report.operation}${reads}, ${report.clients} clients, ${report.keys} keys, ` +
      `${report.valueBytes}-byte values, ${report.transport} transport`,
    `requests    ${report.requests} in ${report.durationS.toFixed(2)} s, ${report.errors} errors`,
    `throughput  ${report.throughputPerS.toFixed(1)} req/s`,
    `latency ms  p50 ${fixed(latency.p50)}  p99 ${fixed(latency.p99)}  ` +
      `p99.9 ${fixed(latency.p999)}  max ${fixed(latency.max)}  mean ${fixed(latency.mean)}`,
    `client cpu  ${report.clientCpuPerRequestUs.toFixed(1)} us/request`,
  ].join("\n");
}

/** The report as one line of JSON. */
export function formatBenchJson(report: BenchReport): string {
  return JSON.stringify(report);
}

// --- internal ---

function fixed(milliseconds: number): string {
  return milliseconds.toFixed(milliseconds < 10 ? 3 : 1);
}
