/**
 * @module
 * Prints the JSON lines written by `scripts/bench-vs-etcd.sh` as a Markdown table, with the
 * cairn/etcd ratios when both targets ran. The server column names the cluster size when it is
 * more than one member.
 */
import { readFileSync } from "node:fs";

interface Row {
  readonly target: string;
  /** Members of the server's cluster; absent in files written before clusters were benched. */
  readonly members?: number;
  /** Where the clients went: "all" members or the "leader". */
  readonly placement?: string;
  readonly report: {
    readonly operation: string;
    readonly clients: number;
    readonly quorum: boolean;
    readonly requests: number;
    readonly errors: number;
    readonly throughputPerS: number;
    readonly durationS: number;
    readonly latencyMs: { p50: number; p99: number; p999: number; max: number };
    readonly clientCpuPerRequestUs: number;
  };
}

const path = process.argv[2];
if (path === undefined) throw new Error("Cannot print a table: give the results file");
const rows = readFileSync(path, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as Row);

const workload = (row: Row): string =>
  `${row.report.operation.toUpperCase()}${row.report.quorum ? " (quorum)" : ""}, ` +
  `${row.report.clients} client${row.report.clients === 1 ? "" : "s"}`;
const ms = (value: number): string => value.toFixed(value < 10 ? 2 : 1);
const server = (row: Row): string => {
  const members = row.members ?? 1;
  if (members === 1) return row.target;
  const leader = row.placement === "leader" ? ", clients on leader" : "";
  return `${row.target}, ${members} members${leader}`;
};

const lines = [
  "| workload | server | req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | requests |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
];
for (const row of rows) {
  const { report } = row;
  const latency = report.latencyMs;
  lines.push(
    `| ${workload(row)} | ${server(row)} | ${report.throughputPerS.toFixed(0)} | ` +
      `${ms(latency.p50)} | ${ms(latency.p99)} | ${ms(latency.p999)} | ${ms(latency.max)} | ` +
      `${report.errors} | ${report.requests} |`,
  );
}
const ratios = [...new Set(rows.map(workload))].flatMap((name) => {
  const etcd = rows.find((row) => row.target === "etcd" && workload(row) === name);
  const cairn = rows.find((row) => row.target === "cairn" && workload(row) === name);
  if (etcd === undefined || cairn === undefined) return [];
  const throughput = cairn.report.throughputPerS / etcd.report.throughputPerS;
  const p99 = cairn.report.latencyMs.p99 / etcd.report.latencyMs.p99;
  return [`| ${name} | ${throughput.toFixed(2)}x | ${p99.toFixed(2)}x |`];
});
console.log(lines.join("\n"));
if (ratios.length > 0) {
  console.log(
    ["", "| workload | cairn/etcd req/s | cairn/etcd p99 |", "| --- | ---: | ---: |"]
      .concat(ratios)
      .join("\n"),
  );
}
