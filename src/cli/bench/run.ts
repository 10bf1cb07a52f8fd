/**
 * @module
 * The benchmark engine. A fixed number of client loops each await their own request before
 * sending the next (closed loop), so concurrency is exactly `clients`. Requests that start
 * during warm-up are not measured; every measured request's latency goes into one array that is
 * sorted for the percentiles. Throughput is successful measured requests divided by the time from
 * the end of warm-up to the last measured completion.
 */
import { createPrng, type Prng } from "../../lib/prng.ts";
import type { BenchOptions } from "./bench-args.ts";
import type { BenchConnection, BenchRequest } from "./transport.ts";

/** What the engine needs from its surroundings. */
export interface BenchEnvironment {
  /** Monotonic milliseconds. */
  now(): number;
  /** CPU time used by this process, in milliseconds (user + system). */
  cpuTimeMs(): number;
  /** Opens a connection for one client loop. */
  connect(endpoint: string): BenchConnection;
}

/** The measured outcome of a run. */
export interface BenchReport {
  readonly operation: string;
  readonly endpoints: readonly string[];
  readonly clients: number;
  readonly keys: number;
  readonly valueBytes: number;
  readonly quorum: boolean;
  readonly transport: string;
  /** Measured requests, successful or not. */
  readonly requests: number;
  readonly errors: number;
  readonly durationS: number;
  readonly throughputPerS: number;
  readonly latencyMs: { p50: number; p99: number; p999: number; max: number; mean: number };
  /** Client CPU per measured request, in microseconds: the bench's own cost. */
  readonly clientCpuPerRequestUs: number;
}

/**
 * Runs the benchmark: preflight, key population (for reads), warm-up, measurement.
 * @throws {Error} when an endpoint cannot be reached or refuses the first write.
 */
export async function runBench(
  options: BenchOptions,
  environment: BenchEnvironment,
): Promise<BenchReport> {
  const connections = Array.from({ length: options.clients }, (_, index) =>
    environment.connect(options.endpoints[index % options.endpoints.length] ?? ""),
  );
  try {
    await preflight(options, connections);
    if (options.operation !== "put") await populate(options, connections);
    const state = createRunState(options, environment.now());
    const prngs = Array.from({ length: options.clients }, (_, index) =>
      createPrng(options.seed * 7919 + index),
    );
    await Promise.all(
      connections.map((connection, index) =>
        clientLoop({
          options,
          environment,
          state,
          connection,
          prng: prngs[index] ?? createPrng(0),
        }),
      ),
    );
    const cpuMs = environment.cpuTimeMs() - (state.cpuAtMeasureStartMs ?? environment.cpuTimeMs());
    return buildReport(options, state, cpuMs);
  } finally {
    for (const connection of connections) connection.close();
  }
}

/** The value at quantile `q` (0..1) of an ascending array, by the nearest-rank method. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

// --- internal ---

interface RunState {
  readonly measureStartMs: number;
  readonly measureEndMs: number;
  requestsLeft: number;
  lastCompletionMs: number;
  errors: number;
  readonly latenciesMs: number[];
  /** Process CPU time when the first measured request started. */
  cpuAtMeasureStartMs: number | undefined;
}

interface LoopContext {
  readonly options: BenchOptions;
  readonly environment: BenchEnvironment;
  readonly state: RunState;
  readonly connection: BenchConnection;
  readonly prng: Prng;
}

function createRunState(options: BenchOptions, startMs: number): RunState {
  const measureStartMs = startMs + options.warmupS * 1000;
  const timed = options.requests === undefined;
  return {
    measureStartMs,
    measureEndMs: timed ? measureStartMs + options.durationS * 1000 : Number.POSITIVE_INFINITY,
    requestsLeft: options.requests ?? Number.POSITIVE_INFINITY,
    lastCompletionMs: measureStartMs,
    errors: 0,
    latenciesMs: [],
    cpuAtMeasureStartMs: undefined,
  };
}

async function clientLoop(context: LoopContext): Promise<void> {
  const { options, environment, state, connection, prng } = context;
  const value = valueBody(options);
  for (;;) {
    const startMs = environment.now();
    if (startMs >= state.measureEndMs) return;
    const measured = startMs >= state.measureStartMs;
    if (measured) {
      if (state.requestsLeft <= 0) return;
      state.requestsLeft--;
      state.cpuAtMeasureStartMs ??= environment.cpuTimeMs();
    }
    const request = nextRequest(options, prng, value);
    let ok = false;
    try {
      const status = await connection.send(request);
      ok = status >= 200 && status < 300;
    } catch {
      ok = false;
    }
    const endMs = environment.now();
    if (!measured) continue;
    state.lastCompletionMs = Math.max(state.lastCompletionMs, endMs);
    if (ok) state.latenciesMs.push(endMs - startMs);
    else state.errors++;
  }
}

function nextRequest(options: BenchOptions, prng: Prng, value: string): BenchRequest {
  const path = `/v2/keys${options.prefix}/k${prng.nextInt(options.keys)}`;
  const read =
    options.operation === "get" ||
    (options.operation === "mixed" && prng.nextInt(100) < options.readPercent);
  if (!read) return { method: "PUT", path, body: value };
  return { method: "GET", path: options.quorum ? `${path}?quorum=true` : path, body: "" };
}

function valueBody(options: BenchOptions): string {
  return `value=${"x".repeat(options.valueBytes)}`;
}

async function preflight(
  options: BenchOptions,
  connections: readonly BenchConnection[],
): Promise<void> {
  for (const [index, endpoint] of options.endpoints.entries()) {
    const connection = connections[index];
    if (connection === undefined) break;
    let status: number;
    try {
      status = await connection.send({ method: "GET", path: "/version", body: "" });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot reach ${endpoint}: ${reason}`);
    }
    if (status !== 200) throw new Error(`Cannot use ${endpoint}: GET /version answered ${status}`);
  }
}

async function populate(
  options: BenchOptions,
  connections: readonly BenchConnection[],
): Promise<void> {
  const value = valueBody(options);
  let next = 0;
  const loop = async (connection: BenchConnection): Promise<void> => {
    while (next < options.keys) {
      const key = next++;
      const path = `/v2/keys${options.prefix}/k${key}`;
      const status = await connection.send({ method: "PUT", path, body: value });
      if (status >= 300) throw new Error(`Cannot populate ${path}: the server answered ${status}`);
    }
  };
  await Promise.all(connections.map(loop));
}

function buildReport(options: BenchOptions, state: RunState, cpuMs: number): BenchReport {
  const sorted = Float64Array.from(state.latenciesMs).sort();
  const requests = sorted.length + state.errors;
  const durationS = Math.max(state.lastCompletionMs - state.measureStartMs, 1e-3) / 1000;
  const sum = sorted.reduce((total, latency) => total + latency, 0);
  return {
    operation: options.operation,
    endpoints: options.endpoints,
    clients: options.clients,
    keys: options.keys,
    valueBytes: options.valueBytes,
    quorum: options.quorum,
    transport: options.transport,
    requests,
    errors: state.errors,
    durationS,
    throughputPerS: sorted.length / durationS,
    latencyMs: {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      p999: percentile(sorted, 0.999),
      max: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] ?? 0),
      mean: sorted.length === 0 ? 0 : sum / sorted.length,
    },
    clientCpuPerRequestUs: requests === 0 ? 0 : (cpuMs * 1000) / requests,
  };
}
