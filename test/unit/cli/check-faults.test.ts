/**
 * cairn check --faults: the command runs with the endpoints in its environment, its output is
 * shown prefixed, and at the end only the shell is stopped (by PID): what it started in the
 * background, such as a restarted member, keeps running.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFaults } from "../../../src/cli/check/faults.ts";
import type { CliIo } from "../../../src/cli/io.ts";

const scratch = mkdtempSync(join(tmpdir(), "cairn-check-faults-"));
const started: number[] = [];

afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

function io(lines: string[]): CliIo {
  return {
    env: { PATH: process.env["PATH"] },
    stdout: (text) => lines.push(`stdout: ${text}`),
    stderr: (text) => lines.push(text),
    cpuTimeMs: () => 0,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startFaults", () => {
  test("a running command is stopped with SIGTERM; its background children survive", async () => {
    const lines: string[] = [];
    const pidFile = join(scratch, "background.pid");
    const command = [
      `sleep 30 & echo $! > ${pidFile}`,
      'echo "endpoints $CAIRN_CHECK_ENDPOINTS"',
      "while true; do sleep 0.1; done",
    ].join("; ");
    const faults = startFaults(command, io(lines), ["http://a:1", "http://b:2"]);
    const deadline = performance.now() + 5000;
    while (!lines.includes("[faults] endpoints http://a:1,http://b:2")) {
      expect(performance.now()).toBeLessThan(deadline);
      await Bun.sleep(10);
    }
    const outcome = await faults.stop();
    expect(outcome).toMatchObject({ command, stopped: true, signal: "SIGTERM" });
    const background = Number(readFileSync(pidFile, "utf8").trim());
    started.push(background);
    expect(alive(background)).toBe(true);
  });

  test("a command that already finished reports its exit status", async () => {
    const lines: string[] = [];
    const faults = startFaults("echo done; printf 'no newline'; exit 3", io(lines), []);
    expect(await faults.exited).toBe(3);
    const outcome = await faults.stop();
    expect(outcome).toMatchObject({ exitCode: 3, signal: null, stopped: false });
    expect(lines).toEqual(["[faults] done", "[faults] no newline"]);
  });
});
