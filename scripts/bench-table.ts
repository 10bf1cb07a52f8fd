/**
 * @module
 * Prints the JSON lines written by `scripts/bench-vs-etcd.sh` as a Markdown table, with the
 * cairn/etcd ratios when both targets ran. The server column names the cluster size when it is
 * more than one member. With several rounds, each row names its round and each ratio is the
 * median of the rounds' ratios, followed by every round's own.
 */
import { readFileSync } from "node:fs";

interface Row {
  readonly target: string;
  /** The comparison round (from 1); absent in files written before rounds existed. */
  readonly round?: number;
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

const roundOf = (row: Row): number => row.round ?? 1;
const rounds = [...new Set(rows.map(roundOf))].sort((left, right) => left - right);
const several = rounds.length > 1;
const lines = [
  `| workload | server |${several ? " round |" : ""} req/s | p50 ms | p99 ms | p99.9 ms | ` +
    "max ms | errors | requests |",
  `| --- | --- |${several ? " ---: |" : ""} ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
];
for (const row of rows) {
  const { report } = row;
  const latency = report.latencyMs;
  lines.push(
    `| ${workload(row)} | ${server(row)} |${several ? ` ${roundOf(row)} |` : ""} ` +
      `${report.throughputPerS.toFixed(0)} | ` +
      `${ms(latency.p50)} | ${ms(latency.p99)} | ${ms(latency.p999)} | ${ms(latency.max)} | ` +
      `${report.errors} | ${report.requests} |`,
  );
}
const ratios = [...new Set(rows.map(workload))].flatMap((name) => {
  const throughputs: number[] = [];
  const p99s: number[] = [];
  for (const round of rounds) {
    const find = (target: string): Row | undefined =>
      rows.find((row) => row.target === target && roundOf(row) === round && workload(row) === name);
    const etcd = find("etcd");
    const cairn = find("cairn");
    if (etcd === undefined || cairn === undefined) continue;
    throughputs.push(cairn.report.throughputPerS / etcd.report.throughputPerS);
    p99s.push(cairn.report.latencyMs.p99 / etcd.report.latencyMs.p99);
  }
  if (throughputs.length === 0) return [];
  return [`| ${name} | ${summary(throughputs)} | ${summary(p99s)} |`];
});
console.log(lines.join("\n"));
if (ratios.length > 0) {
  console.log(
    ["", ...(several ? ["Ratios: the median of the rounds, then each round's.", ""] : []),
      "| workload | cairn/etcd req/s | cairn/etcd p99 |", "| --- | ---: | ---: |"]
      .concat(ratios)
      .join("\n"),
  );
}

/** The median ratio, then each round's when there are several. */
function summary(values: readonly number[]): string {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  const text = `${median.toFixed(2)}x`;
  if (values.length === 1) return text;
  return `${text} (${values.map((value) => value.toFixed(2)).join(", ")})`;
}
