/**
 * @module
 * `cairn bench`: a closed-loop load generator against any etcd v2 endpoint.
 */
import { defineCommand } from "citty";
import type { CliIo } from "../io.ts";
import { parseBenchArgs } from "./bench-args.ts";
import { formatBenchJson, formatBenchText } from "./report.ts";
import { runBench } from "./run.ts";
import { createBenchConnection } from "./transport.ts";

/** Builds the `bench` command. */
export function createBenchCommand(io: CliIo) {
  return defineCommand({
    meta: { name: "bench", description: "Benchmark an etcd v2 endpoint (cairn or etcd)" },
    async run(context) {
      const options = parseBenchArgs(context.rawArgs);
      const report = await runBench(options, {
        now: () => performance.now(),
        cpuTimeMs: io.cpuTimeMs,
        connect: (endpoint) => createBenchConnection(options.transport, endpoint),
      });
      io.stdout(options.json ? formatBenchJson(report) : formatBenchText(report));
    },
  });
}
