/**
 * @module
 * `cairn check`: a concurrent client workload against etcd v2 endpoints, with its history
 * checked for linearizability. The only part of the command that touches the process: the
 * clock, `fetch`, files and the fault command.
 */
import { defineCommand } from "citty";
import type { CliIo } from "../io.ts";
import { parseCheckArgs } from "./check-args.ts";
import { startFaults } from "./faults.ts";
import { formatCheckJson, formatCheckText, verdictLine } from "./report.ts";
import { type CheckEnvironment, runCheck } from "./run.ts";

/** Thrown after the report when the verdict is not `ok`; the command line exits with 1. */
export class CheckFailedError extends Error {
  override readonly name = "CheckFailedError";
}

/** Builds the `check` command. */
export function createCheckCommand(io: CliIo) {
  return defineCommand({
    meta: { name: "check", description: "Check etcd v2 endpoints for linearizability" },
    async run(context) {
      const options = parseCheckArgs(context.rawArgs, { seed: Date.now() % 0x1_0000_0000 });
      const report = await runCheck(options, createCheckEnvironment(io));
      io.stdout(options.json ? formatCheckJson(report) : formatCheckText(report));
      if (report.result !== "ok") {
        throw new CheckFailedError(`check failed: ${verdictLine(report.result)}`);
      }
    },
  });
}

/** The real process environment of a check. */
export function createCheckEnvironment(io: CliIo): CheckEnvironment {
  return {
    io,
    now: () => performance.now(),
    sleep: (milliseconds) => Bun.sleep(milliseconds),
    fetch,
    wallClockMs: () => Date.now(),
    readFile: (path) => Bun.file(path).text(),
    writeFile: async (path, text) => {
      await Bun.write(path, text);
    },
    startFaults: (command, endpoints) => startFaults(command, io, endpoints),
  };
}
