/**
 * cairn check end to end: 3-second runs against real etcd 3.4 (`/usr/bin/etcd --enable-v2`,
 * skipped with the reason printed only when it is not installed) and against the compiled
 * cairn binary, with a `--faults` command that must be started, shown and stopped. Both must
 * pass the linearizability check.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CliDependencies, runCli } from "../../src/cli/index.ts";
import {
  etcdAvailable,
  etcdBinary,
  type EtcdProcess,
  startEtcd,
} from "../unit/client/etcd-process.ts";
import {
  killAll,
  removeDir,
  type ServerProcess,
  startServer,
  tempDir,
} from "../support/server-process.ts";

if (!etcdAvailable) {
  console.log(`skipping cairn check against etcd: ${etcdBinary} is not installed`);
}

interface Captured {
  readonly dependencies: CliDependencies;
  readonly stdout: string[];
  readonly stderr: string[];
}

function capture(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const dependencies: CliDependencies = {
    env: { PATH: process.env["PATH"] },
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
    cpuTimeMs: () => 0,
    serve: () => Promise.reject(new Error("serve must not run during a check")),
  };
  return { dependencies, stdout, stderr };
}

interface JsonReport {
  readonly result: string;
  readonly operations: number;
  readonly indeterminate: number;
  readonly checkMs: number;
  readonly byKind: Record<string, Record<string, number>>;
  readonly workload: { readonly failedByReason: Record<string, number> };
}

async function check(endpoint: string, extra: readonly string[] = []) {
  const captured = capture();
  const argv = ["check", `--endpoints=${endpoint}`, "--duration-s=3", "--json", ...extra];
  const status = await runCli(argv, captured.dependencies);
  const report = JSON.parse(captured.stdout.join("\n")) as JsonReport;
  console.log(
    `cairn check ${endpoint}: ${report.result}, ${report.operations} operations, ` +
      `${report.indeterminate} indeterminate, check ${report.checkMs.toFixed(0)} ms`,
  );
  return { status, report, stderr: captured.stderr };
}

describe.skipIf(!etcdAvailable)("cairn check against etcd 3.4", () => {
  let etcd: EtcdProcess | undefined;

  beforeAll(async () => {
    etcd = await startEtcd();
  }, 30_000);

  afterAll(async () => {
    await etcd?.stop();
  }, 30_000);

  test("a 3-second run passes", async () => {
    const { status, report } = await check(etcd?.clientUrl ?? "");
    expect(report.result).toBe("ok");
    expect(status).toBe(0);
    expect(report.operations).toBeGreaterThan(100);
    expect(report.indeterminate).toBe(0);
    for (const kind of ["get", "set", "compareAndSwap", "create", "delete", "compareAndDelete"]) {
      expect(Object.keys(report.byKind)).toContain(kind);
    }
  }, 20_000);
});

describe("cairn check against the compiled cairn binary", () => {
  let server: ServerProcess | undefined;
  const scratch = tempDir("check");

  beforeAll(async () => {
    server = await startServer();
  }, 30_000);

  afterAll(async () => {
    await killAll();
    if (server !== undefined) removeDir(server.dataDir);
    removeDir(scratch);
  }, 30_000);

  test("a 3-second run with --faults passes; the command is shown and stopped", async () => {
    const marker = join(scratch, "faults-ended");
    const faults = [
      `echo "faults on $CAIRN_CHECK_ENDPOINTS"`,
      `trap 'echo stopped > ${marker}; exit 0' TERM`,
      "while true; do sleep 0.1; done",
    ].join("; ");
    const history = join(scratch, "history.jsonl");
    const endpoint = server?.clientUrl ?? "";
    const run = await check(endpoint, [`--faults=${faults}`, `--history=${history}`]);
    expect(run.report.result).toBe("ok");
    expect(run.status).toBe(0);
    expect(run.report.operations).toBeGreaterThan(100);
    expect(run.stderr).toContain(`[faults] faults on ${endpoint}`);
    expect(existsSync(marker)).toBe(true);
    const lines = readFileSync(history, "utf8").trim().split("\n");
    expect(lines).toHaveLength(run.report.operations);
    const recheck = capture();
    expect(await runCli(["check", "--check-only", history], recheck.dependencies)).toBe(0);
    expect(recheck.stdout.join("\n")).toContain("result      ok");
  }, 20_000);
});
