/**
 * @module
 * The flags of `cairn check` and their parsing into `CheckOptions`. Pure: the default seed and
 * everything else that depends on the process are passed in.
 */
import { parseHttpUrl } from "../../config.ts";
import {
  type FlagSpec,
  type FlagValue,
  type FlagValues,
  parseBooleanValue,
  parseFlagArguments,
  parseIntegerValue,
  UsageError,
} from "../flags.ts";

/** A workload run, or a re-check of a saved history. */
export type CheckOptions = WorkloadCheckOptions | SavedCheckOptions;

/** Re-check a history file written by `--history`. */
export interface SavedCheckOptions {
  readonly mode: "check-only";
  readonly historyPath: string;
  readonly checkBudgetS: number;
  readonly json: boolean;
}

/** Run a workload against endpoints, then check what it recorded. */
export interface WorkloadCheckOptions {
  readonly mode: "workload";
  readonly endpoints: readonly string[];
  /** Concurrent client loops, each with one request in flight. */
  readonly clients: number;
  /** Keys the clients draw from (one checker partition each). */
  readonly keys: number;
  /** Seconds to run; `Infinity` when `--operations` alone bounds the run. */
  readonly durationS: number;
  /** Operations to invoke in all; `Infinity` when the run is timed. */
  readonly operations: number;
  readonly seed: number;
  /** Per-request timeout; a write that times out is indeterminate. */
  readonly timeoutMs: number;
  /** Directory the run's own subdirectory of keys goes under. */
  readonly prefix: string;
  /** Shell command run alongside the workload, or undefined. */
  readonly faults: string | undefined;
  /** File to write the recorded history to (JSON lines), or undefined. */
  readonly historyPath: string | undefined;
  readonly checkBudgetS: number;
  readonly json: boolean;
}

const workload = "Workload";
const faultsGroup = "Faults";
const checking = "Checking and output";

/** Every flag of `cairn check`. */
export const checkFlags: readonly FlagSpec[] = [
  spec(
    "endpoints",
    "<url,...>",
    "etcd v2 endpoints; clients are spread over them and fail over when one refuses.",
    "http://127.0.0.1:4001",
  ),
  spec("clients", "<n>", "Concurrent client loops (keep ≤ 10 per key for a fast check).", "10"),
  spec("keys", "<n>", "Keys the workload uses, under <prefix>/<run-id>/.", "4"),
  spec("duration-s", "<s>", "Seconds to run the workload.", "10"),
  spec("operations", "<n>", "Operations to run in all (instead of --duration-s).", ""),
  spec("seed", "<n>", "Seed of the workload's choices; printed so a run can be repeated.", "time"),
  spec("timeout-ms", "<ms>", "Per-request timeout; a timed-out write is indeterminate.", "2000"),
  {
    ...spec("quorum", "", "GETs use quorum=true; false is refused (not linearizable).", "true"),
    kind: "boolean",
  },
  spec("prefix", "<key>", "Directory for the run's keys.", "/cairn-check"),
  {
    ...spec(
      "faults",
      "<command>",
      "Shell command run alongside the workload (e.g. killing and restarting members), " +
        "with CAIRN_CHECK_ENDPOINTS set; its output is shown prefixed. When the workload " +
        "ends the shell gets SIGTERM (SIGKILL 2 s later); what it started in the background " +
        "keeps running, so trap TERM to heal what is still broken (e.g. SIGCONT a member).",
      "",
    ),
    group: faultsGroup,
  },
  {
    ...spec("history", "<file>", "Write the recorded history as JSON lines.", ""),
    group: checking,
  },
  {
    ...spec("check-only", "<file>", "Re-check a history written by --history; no workload.", ""),
    group: checking,
  },
  {
    ...spec("check-budget-s", "<s>", "Checker time budget; exhausted means inconclusive.", "60"),
    group: checking,
  },
  {
    ...spec("json", "", "Print one JSON object instead of text.", "false"),
    kind: "boolean",
    group: checking,
  },
];

/** Flags that only make sense with a workload, refused together with `--check-only`. */
const workloadOnlyFlags = [
  "endpoints",
  "clients",
  "keys",
  "duration-s",
  "operations",
  "seed",
  "timeout-ms",
  "quorum",
  "prefix",
  "faults",
  "history",
];

/**
 * Parses `cairn check` arguments.
 * @throws {UsageError} naming the flag that is wrong.
 */
export function parseCheckArgs(
  argv: readonly string[],
  defaults: { readonly seed: number },
): CheckOptions {
  const values = parseFlagArguments(argv, checkFlags);
  const text = (name: string, fallback: string): FlagValue =>
    values.get(name) ?? { value: fallback, label: `--${name}`, rank: 0 };
  const checkBudgetS = parseIntegerValue(text("check-budget-s", "60"), { min: 1, max: 86_400 });
  const json = parseBooleanValue(text("json", "false"));
  const checkOnly = values.get("check-only");
  if (checkOnly !== undefined) {
    const conflicting = workloadOnlyFlags.find((name) => values.has(name));
    if (conflicting !== undefined) {
      throw new UsageError(
        `${values.get(conflicting)?.label ?? conflicting} cannot be combined with ` +
          `${checkOnly.label}: a saved history is checked without running a workload`,
      );
    }
    if (checkOnly.value === "") throw new UsageError(`${checkOnly.label} needs a file name`);
    return { mode: "check-only", historyPath: checkOnly.value, checkBudgetS, json };
  }
  return parseWorkload(values, text, defaults, { checkBudgetS, json });
}

// --- internal ---

function parseWorkload(
  values: FlagValues,
  text: (name: string, fallback: string) => FlagValue,
  defaults: { readonly seed: number },
  common: { readonly checkBudgetS: number; readonly json: boolean },
): WorkloadCheckOptions {
  const integer = (name: string, fallback: string, max: number): number =>
    parseIntegerValue(text(name, fallback), { min: 1, max });
  if (!parseBooleanValue(text("quorum", "true"))) {
    throw new UsageError(
      "Cannot check with --quorum=false: plain GETs are answered from one member's local " +
        "store and are not linearizable by design, so the check would report false failures",
    );
  }
  const timed = values.has("duration-s") || !values.has("operations");
  const prefix = text("prefix", "/cairn-check").value.replace(/\/+$/, "");
  if (!/^\/?[A-Za-z0-9._\-/]+$/.test(prefix)) {
    throw new UsageError(`Invalid --prefix "${prefix}": use letters, digits, . _ - and /`);
  }
  const endpoints = text("endpoints", "http://127.0.0.1:4001").value.split(",");
  const optional = (name: string): string | undefined => {
    const value = values.get(name);
    if (value !== undefined && value.value === "") {
      throw new UsageError(`${value.label} needs a value`);
    }
    return value?.value;
  };
  return {
    mode: "workload",
    endpoints: endpoints.map(parseEndpoint),
    clients: integer("clients", "10", 1000),
    keys: integer("keys", "4", 10_000),
    durationS: timed ? integer("duration-s", "10", 86_400) : Infinity,
    operations: values.has("operations") ? integer("operations", "1", 1_000_000) : Infinity,
    seed: values.has("seed")
      ? parseIntegerValue(text("seed", "0"), { min: 0, max: 0xffff_ffff })
      : defaults.seed >>> 0,
    timeoutMs: integer("timeout-ms", "2000", 600_000),
    prefix: prefix.startsWith("/") ? prefix : `/${prefix}`,
    faults: optional("faults"),
    historyPath: optional("history"),
    ...common,
  };
}

function parseEndpoint(url: string): string {
  try {
    return parseHttpUrl(url.trim(), "--endpoints");
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function spec(name: string, valueHint: string, description: string, defaultText: string): FlagSpec {
  return { name, kind: "string", valueHint, description, defaultText, group: workload };
}
