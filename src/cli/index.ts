/**
 * @module
 * The command line: `cairn [serve]`, `cairn bench` and `cairn check`, as citty commands. The
 * composition root injects what `serve` runs and the process's I/O; `runCli` returns the exit
 * status (0, 1 for a failure, 2 for a usage error) instead of exiting.
 */
import { type CommandDef, defineCommand, runCommand } from "citty";
import packageJson from "../../package.json" with { type: "json" };
import type { Config } from "../config.ts";
import { createBenchCommand } from "./bench/command.ts";
import { createCheckCommand } from "./check/command.ts";
import { UsageError } from "./flags.ts";
import { benchHelp, checkHelp, serveHelp } from "./help.ts";
import type { CliIo } from "./io.ts";
import { parseServeArgs } from "./serve-args.ts";

export type { CliIo } from "./io.ts";
export { parseServeArgs, type ServeArgsResult } from "./serve-args.ts";

/** What the command line needs from the composition root. */
export interface CliDependencies extends CliIo {
  /** Runs a member with a validated config; resolves when it has stopped. */
  serve(config: Config): Promise<void>;
}

/** cairn's version, from package.json. */
export const cairnVersion: string = packageJson.version;

/** The exit status of a usage error, as in Go's `flag` package. */
export const usageExitStatus = 2;

/**
 * Builds the root citty command with its `serve` (default), `bench` and `check` sub-commands.
 * @example
 * ```ts
 * const main = createMainCommand({ ...io, serve: async (config) => startServer(config) });
 * ```
 */
export function createMainCommand(dependencies: CliDependencies): CommandDef {
  const serve = defineCommand({
    meta: { name: "serve", description: "Start a cairn member (the default command)" },
    async run(context) {
      const result = parseServeArgs(context.rawArgs, dependencies.env);
      if (!result.ok) throw new UsageError(result.message);
      for (const warning of result.warnings) dependencies.stderr(`cairn: ${warning}`);
      await dependencies.serve(result.config);
    },
  });
  return defineCommand({
    meta: { name: "cairn", version: cairnVersion, description: packageJson.description },
    default: "serve",
    subCommands: {
      serve,
      bench: createBenchCommand(dependencies),
      check: createCheckCommand(dependencies),
    },
  });
}

/**
 * Runs the command line and returns the exit status. Handles `--help` and `--version` itself so
 * that etcd's single-dash spellings (`-help`, `-version`) work too.
 */
export async function runCli(
  argv: readonly string[],
  dependencies: CliDependencies,
): Promise<number> {
  const first = argv[0];
  const command = first === "bench" || first === "check" ? first : "serve";
  const rest = command === first ? argv.slice(1) : [...argv];
  if (first !== undefined && command !== first && !first.startsWith("-")) {
    dependencies.stderr(`cairn: Unknown command "${first}": expected serve, bench or check`);
    return usageExitStatus;
  }
  if (rest.some((argument) => ["-h", "-help", "--help"].includes(argument))) {
    dependencies.stdout(helpFor(command));
    return 0;
  }
  if (command === "serve" && rest.some((argument) => /^--?version$/.test(argument))) {
    dependencies.stdout(`cairn ${cairnVersion}`);
    return 0;
  }
  try {
    await runCommand(createMainCommand(dependencies), { rawArgs: [command, ...rest] });
    return 0;
  } catch (error) {
    return reportFailure(error, dependencies);
  }
}

// --- internal ---

function helpFor(command: "serve" | "bench" | "check"): string {
  if (command === "bench") return benchHelp(cairnVersion);
  if (command === "check") return checkHelp(cairnVersion);
  return serveHelp(cairnVersion);
}

function reportFailure(error: unknown, io: CliIo): number {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError || (error instanceof Error && error.name === "CLIError")) {
    io.stderr(`cairn: ${message}`);
    io.stderr("Run 'cairn --help' for usage.");
    return usageExitStatus;
  }
  io.stderr(`cairn: ${message}`);
  return 1;
}
