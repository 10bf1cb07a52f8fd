/**
 * @module
 * One `cairn check`: preflight the endpoints, start the fault command, run the workload, stop
 * the faults, clean up the run's keys, save the history if asked, and check it — or, with
 * `--check-only`, just check a saved history.
 */
import { checkEtcdHistory, type EtcdOperation } from "../../check/index.ts";
import { EtcdClient } from "../../client/index.ts";
import { UsageError } from "../flags.ts";
import type { CliIo } from "../io.ts";
import type { CheckOptions, SavedCheckOptions, WorkloadCheckOptions } from "./check-args.ts";
import type { FaultsOutcome, FaultsProcess } from "./faults.ts";
import { formatHistoryLines, parseHistoryLines } from "./history-file.ts";
import { buildReport, type CheckReport, type ReportedWorkload } from "./report.ts";
import { runWorkload, type WorkloadEnvironment } from "./workload.ts";

/** What a check needs from the process. */
export interface CheckEnvironment extends WorkloadEnvironment {
  readonly io: CliIo;
  /** Milliseconds since the epoch, for the run id. */
  wallClockMs(): number;
  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  startFaults(command: string, endpoints: readonly string[]): FaultsProcess;
}

/**
 * Runs a check and returns its report; the verdict is `report.result`.
 * @throws {UsageError} when a `--check-only` file cannot be read or parsed.
 * @throws {Error} when no endpoint answers before the workload starts.
 */
export async function runCheck(
  options: CheckOptions,
  environment: CheckEnvironment,
): Promise<CheckReport> {
  if (options.mode === "check-only") return checkSaved(options, environment);
  return checkWorkload(options, environment);
}

/** A run id unique per run: the start time and the seed, in base 36. */
export function createRunId(wallClockMs: number, seed: number): string {
  return `${Math.floor(wallClockMs).toString(36)}-${seed.toString(36)}`;
}

// --- internal ---

async function checkSaved(
  options: SavedCheckOptions,
  environment: CheckEnvironment,
): Promise<CheckReport> {
  let history: EtcdOperation[];
  try {
    history = parseHistoryLines(await environment.readFile(options.historyPath));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`Cannot read the history in ${options.historyPath}: ${reason}`);
  }
  return checkHistory(history, options.checkBudgetS, environment, undefined);
}

async function checkWorkload(
  options: WorkloadCheckOptions,
  environment: CheckEnvironment,
): Promise<CheckReport> {
  const runId = createRunId(environment.wallClockMs(), options.seed);
  const directory = `${options.prefix}/${runId}`;
  await preflight(options, environment);
  if (!options.json) {
    environment.io.stdout(
      `cairn check: run ${runId}, seed ${options.seed}: ${options.clients} clients on ` +
        `${options.keys} keys under ${directory}`,
    );
  }
  const faults =
    options.faults === undefined
      ? undefined
      : environment.startFaults(options.faults, options.endpoints);
  let faultsOutcome: FaultsOutcome | undefined;
  let result: Awaited<ReturnType<typeof runWorkload>>;
  try {
    result = await runWorkload({ ...options, runId, directory }, environment);
  } finally {
    faultsOutcome = await faults?.stop();
  }
  await removeDirectory(options, environment, directory);
  if (options.historyPath !== undefined) {
    await environment.writeFile(options.historyPath, formatHistoryLines(result.history));
  }
  const workload: ReportedWorkload = {
    runId,
    seed: options.seed,
    endpoints: options.endpoints,
    clients: options.clients,
    keys: options.keys,
    directory,
    timeoutMs: options.timeoutMs,
    elapsedS: result.elapsedS,
    failedByReason: result.failedByReason,
    indeterminateByReason: result.indeterminateByReason,
    faults: faultsOutcome,
  };
  return checkHistory(result.history, options.checkBudgetS, environment, workload);
}

function checkHistory(
  history: readonly EtcdOperation[],
  budgetS: number,
  environment: CheckEnvironment,
  workload: ReportedWorkload | undefined,
): CheckReport {
  const startMs = environment.now();
  const check = checkEtcdHistory(history, {
    budgetMs: budgetS * 1000,
    now: () => environment.now(),
  });
  return buildReport(history, check, environment.now() - startMs, workload);
}

/** At least one endpoint must answer `/version` before the run starts. */
async function preflight(
  options: WorkloadCheckOptions,
  environment: CheckEnvironment,
): Promise<void> {
  const failures: string[] = [];
  for (const endpoint of options.endpoints) {
    const client = new EtcdClient({
      endpoints: [endpoint],
      timeoutMs: options.timeoutMs,
      fetch: environment.fetch,
    });
    try {
      await client.version();
      return;
    } catch (error) {
      failures.push(`${endpoint}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`Cannot start the check: no endpoint answers.\n  ${failures.join("\n  ")}`);
}

/** Deletes the run's keys, best effort: the history is already recorded. */
async function removeDirectory(
  options: WorkloadCheckOptions,
  environment: CheckEnvironment,
  directory: string,
): Promise<void> {
  const client = new EtcdClient({
    endpoints: options.endpoints,
    timeoutMs: options.timeoutMs,
    fetch: environment.fetch,
  });
  try {
    await client.delete(directory, { recursive: true });
  } catch {
    // Left behind under a unique name; it cannot disturb later runs.
  }
}
