/**
 * Command-line dependencies that record output, for running `runCli` in tests.
 */
import type { CliDependencies } from "../../src/cli/index.ts";

/** Dependencies whose stdout and stderr lines are collected; `serve` must not run. */
export function checkHarness(): {
  dependencies: CliDependencies;
  stdout: string[];
  stderr: string[];
} {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const dependencies: CliDependencies = {
    env: {},
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
    cpuTimeMs: () => 0,
    serve: () => Promise.reject(new Error("serve must not run during a check")),
  };
  return { dependencies, stdout, stderr };
}
