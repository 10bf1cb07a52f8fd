/**
 * cairn check end to end: 3-second runs against real etcd 3.4 (`/usr/bin/etcd --enable-v2`,
 * skipped with the reason printed only when it is not installed) — one member, and three with
 * the leader killed by `--faults` — and against the compiled cairn binary, with a `--faults`
 * command that must be started, shown and stopped. All must pass the linearizability check.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { type CliDependencies, runCli } from "../../src/cli/index.ts";
import {
  etcdAvailable,
  etcdBinary,
  type EtcdProcess,
  freePort,
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
  readonly workload: {
    readonly failedByReason: Record<string, number>;
    readonly indeterminateByReason: Record<string, number>;
  };
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

interface EtcdMember {
  readonly clientUrl: string;
  readonly process: Subprocess;
}

/** Three etcd members on loopback, fast elections, logs into `directory`. */
function startEtcdCluster(directory: string): EtcdMember[] {
  const peers = [0, 1, 2].map(() => `http://127.0.0.1:${freePort()}`);
  const initialCluster = peers.map((url, index) => `m${index}=${url}`).join(",");
  return peers.map((peerUrl, index) => {
    const clientUrl = `http://127.0.0.1:${freePort()}`;
    const child = Bun.spawn(
      [
        etcdBinary,
        "--enable-v2",
        `--name=m${index}`,
        `--data-dir=${join(directory, `m${index}`)}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=${initialCluster}`,
        "--heartbeat-interval=50",
        "--election-timeout=500",
      ],
      { stdout: "ignore", stderr: Bun.file(join(directory, `m${index}.log`)), env: {} },
    );
    return { clientUrl, process: child };
  });
}

/** Polls (with a deadline) until a write commits; returns the index of the leader. */
async function waitForLeader(members: readonly EtcdMember[], deadlineMs: number) {
  const deadline = performance.now() + deadlineMs;
  while (performance.now() < deadline) {
    for (const [index, member] of members.entries()) {
      const state = await fetch(`${member.clientUrl}/v2/stats/self`, {
        signal: AbortSignal.timeout(500),
      }).then(
        async (response) => ((await response.json()) as { state?: string }).state,
        () => undefined,
      );
      if (state !== "StateLeader") continue;
      const put = await fetch(`${member.clientUrl}/v2/keys/ready`, {
        method: "PUT",
        body: new URLSearchParams({ value: "1" }),
        signal: AbortSignal.timeout(1000),
      }).then(
        (response) => response.ok,
        () => false,
      );
      if (put) return index;
    }
    await Bun.sleep(25);
  }
  throw new Error(`The etcd cluster elected no leader within ${deadlineMs} ms`);
}

describe.skipIf(!etcdAvailable)("cairn check against a 3-member etcd 3.4 cluster", () => {
  const directory = mkdtempSync(join(tmpdir(), "cairn-check-etcd-cluster-"));
  let members: EtcdMember[] = [];

  beforeAll(() => {
    members = startEtcdCluster(directory);
  });

  afterAll(async () => {
    for (const member of members) member.process.kill("SIGKILL");
    await Promise.all(members.map((member) => member.process.exited));
    rmSync(directory, { recursive: true, force: true });
  }, 30_000);

  test("killing the leader with kill -9 a second in: the run still passes", async () => {
    const leader = members[await waitForLeader(members, 15_000)];
    const endpoints = members.map((member) => member.clientUrl).join(",");
    const faults = `sleep 1; echo "kill -9 leader"; kill -9 ${leader?.process.pid ?? 0}`;
    const run = await check(endpoints, [`--faults=${faults}`]);
    expect(run.report.result).toBe("ok");
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("[faults] kill -9 leader");
    expect(leader?.process.signalCode).toBe("SIGKILL");
    const failed = Object.values(run.report.workload.failedByReason);
    const unsure = Object.values(run.report.workload.indeterminateByReason);
    expect([...failed, ...unsure].reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  }, 25_000);
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
