/**
 * @module
 * The flags of `cairn bench` and their parsing into `BenchOptions`. Pure: no process access.
 */
import { parseHttpUrl } from "../../config.ts";
import {
  type FlagSpec,
  type FlagValue,
  parseBooleanValue,
  parseFlagArguments,
  parseIntegerValue,
  UsageError,
} from "../flags.ts";

/** The workload kinds: all writes, all reads, or a mix. */
export type BenchOperation = "put" | "get" | "mixed";

/** How the bench sends HTTP requests. */
export type BenchTransportKind = "raw" | "fetch";

/** A fully specified benchmark run. */
export interface BenchOptions {
  readonly endpoints: readonly string[];
  readonly operation: BenchOperation;
  /** Concurrent client loops; each has one request in flight at a time. */
  readonly clients: number;
  /** Measured requests to run; when undefined the run is timed by `durationS`. */
  readonly requests: number | undefined;
  readonly durationS: number;
  /** Seconds of load before measuring starts; their requests are not counted. */
  readonly warmupS: number;
  /** Distinct keys the workload draws from. */
  readonly keys: number;
  readonly valueBytes: number;
  /** GETs with `quorum=true` (linearizable). */
  readonly quorum: boolean;
  /** Percentage of GETs in a mixed workload. */
  readonly readPercent: number;
  readonly json: boolean;
  readonly transport: BenchTransportKind;
  /** Key prefix under `/v2/keys`. */
  readonly prefix: string;
  /** Seed of the key choice, so runs are repeatable. */
  readonly seed: number;
}

const workload = "Workload";
const output = "Output";

/** Every flag of `cairn bench`. */
export const benchFlags: readonly FlagSpec[] = [
  spec(
    "endpoints",
    "<url,...>",
    "etcd v2 endpoints; client loops are spread over them.",
    "http://127.0.0.1:4001",
  ),
  spec(
    "op",
    "<put|get|mixed>",
    "put: PUT only; get: GET only (keys written first); mixed: both.",
    "put",
  ),
  spec("clients", "<n>", "Concurrent client loops, each with one request in flight.", "64"),
  spec("requests", "<n>", "Measured requests to run (instead of --duration-s).", ""),
  spec("duration-s", "<s>", "Seconds to measure when --requests is not given.", "10"),
  spec("warmup-s", "<s>", "Seconds of unmeasured load before measuring.", "1"),
  spec("keys", "<n>", "Size of the key space.", "1000"),
  spec("value-bytes", "<n>", "Bytes per value written.", "256"),
  { ...spec("quorum", "", "Send GETs with quorum=true.", "false"), kind: "boolean" },
  spec("read-percent", "<0-100>", "GET share of a mixed workload.", "50"),
  spec(
    "transport",
    "<raw|fetch>",
    "raw: keep-alive HTTP/1.1 over Bun.connect; fetch: fetch().",
    "raw",
  ),
  spec("prefix", "<key>", "Directory the keys are written under.", "/bench"),
  spec("seed", "<n>", "Seed for the key choice.", "1"),
  {
    ...spec("json", "", "Print one JSON object instead of text.", "false"),
    kind: "boolean",
    group: output,
  },
];

/**
 * Parses `cairn bench` arguments.
 * @throws {UsageError} naming the flag that is wrong.
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const values = parseFlagArguments(argv, benchFlags);
  const text = (name: string, fallback: string): FlagValue =>
    values.get(name) ?? { value: fallback, label: `--${name}`, rank: 0 };
  const integer = (name: string, fallback: string, max = 1_000_000_000): number =>
    parseIntegerValue(text(name, fallback), { min: 1, max });
  const operation = text("op", "put");
  if (!["put", "get", "mixed"].includes(operation.value)) {
    throw new UsageError(`Invalid --op "${operation.value}": expected put, get or mixed`);
  }
  const transport = text("transport", "raw");
  if (transport.value !== "raw" && transport.value !== "fetch") {
    throw new UsageError(`Invalid --transport "${transport.value}": expected raw or fetch`);
  }
  const endpoints = text("endpoints", "http://127.0.0.1:4001");
  const prefix = text("prefix", "/bench").value.replace(/\/+$/, "");
  return {
    endpoints: endpoints.value.split(",").map((url) => parseHttpUrl(url.trim(), "--endpoints")),
    operation: operation.value as BenchOperation,
    clients: integer("clients", "64", 10_000),
    requests: values.has("requests") ? integer("requests", "1") : undefined,
    durationS: integer("duration-s", "10", 86_400),
    warmupS: parseIntegerValue(text("warmup-s", "1"), { min: 0, max: 3600 }),
    keys: integer("keys", "1000", 100_000_000),
    valueBytes: parseIntegerValue(text("value-bytes", "256"), { min: 0, max: 64 * 1024 * 1024 }),
    quorum: parseBooleanValue(text("quorum", "false")),
    readPercent: parseIntegerValue(text("read-percent", "50"), { min: 0, max: 100 }),
    json: parseBooleanValue(text("json", "false")),
    transport: transport.value,
    prefix: prefix.startsWith("/") ? prefix : `/${prefix}`,
    seed: parseIntegerValue(text("seed", "1"), { min: 0, max: 0xffff_ffff }),
  };
}

// --- internal ---

function spec(name: string, valueHint: string, description: string, defaultText: string): FlagSpec {
  return { name, kind: "string", valueHint, description, defaultText, group: workload };
}
