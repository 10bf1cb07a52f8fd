/**
 * @module
 * The `cairn check` workload: `clients` closed loops, each picking a random key and operation
 * (set 30%, quorum get 30%, compare-and-swap 20%, create 5%, delete 10%, compare-and-delete 5%)
 * with globally unique values `<run>-<client>-<seq>`, and recording every call and return with
 * the monotonic clock into a `HistoryRecorder`. Client `i` prefers endpoint `i mod n`, fails
 * over to the others when its endpoint refuses connections, and moves on to the next endpoint
 * after any operation without a definite answer (a stopped or cut-off member times out).
 */
import {
  type EtcdInput,
  type EtcdOperation,
  type EtcdOutput,
  HistoryRecorder,
} from "../../check/index.ts";
import { EtcdClient } from "../../client/index.ts";
import { createPrng, type Prng } from "../../lib/prng.ts";
import { type Classified, performOperation } from "./classify.ts";

/** What the workload needs from its surroundings. */
export interface WorkloadEnvironment {
  /** Monotonic milliseconds. */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
  /** The `fetch` the clients use. */
  readonly fetch: typeof fetch;
}

/** One workload run. */
export interface WorkloadSettings {
  readonly endpoints: readonly string[];
  readonly clients: number;
  readonly keys: number;
  readonly durationS: number;
  readonly operations: number;
  readonly seed: number;
  readonly timeoutMs: number;
  /** Unique per run; in key names and values. */
  readonly runId: string;
  /** The run's key directory, e.g. `/cairn-check/<run-id>`. */
  readonly directory: string;
}

/** What a run recorded. */
export interface WorkloadResult {
  /** The history to check: definite and indeterminate operations, in call order. */
  readonly history: EtcdOperation[];
  /** Operations that certainly had no effect (dropped from the history), by reason. */
  readonly failedByReason: Readonly<Record<string, number>>;
  /** Indeterminate operations, by reason. */
  readonly indeterminateByReason: Readonly<Record<string, number>>;
  /** Wall time of the workload, in seconds. */
  readonly elapsedS: number;
}

/** How long a client waits after an operation that did not get a definite answer. */
const backoffMs = 50;

/** Values remembered per key for compare operations. */
const recentValuesMax = 8;

/** Runs the workload to its deadline or operation count and returns the recorded history. */
export async function runWorkload(
  settings: WorkloadSettings,
  environment: WorkloadEnvironment,
): Promise<WorkloadResult> {
  const startMs = environment.now();
  const shared: SharedState = {
    recorder: new HistoryRecorder<EtcdInput, EtcdOutput>(),
    dropped: new Set<number>(),
    failedByReason: {},
    indeterminateByReason: {},
    recentValues: Array.from({ length: settings.keys }, () => []),
    deadlineMs: startMs + settings.durationS * 1000,
    operationsLeft: settings.operations,
    clock: () => environment.now() - startMs,
  };
  await Promise.all(
    Array.from({ length: settings.clients }, (_, index) =>
      clientLoop(settings, environment, shared, index),
    ),
  );
  const history = shared.recorder
    .operations()
    .filter((_, handle) => !shared.dropped.has(handle));
  return {
    history,
    failedByReason: shared.failedByReason,
    indeterminateByReason: shared.indeterminateByReason,
    elapsedS: (environment.now() - startMs) / 1000,
  };
}

/** The key names of a run. */
export function workloadKey(directory: string, index: number): string {
  return `${directory}/k${index}`;
}

// --- internal ---

interface SharedState {
  readonly recorder: HistoryRecorder<EtcdInput, EtcdOutput>;
  /** Handles of failed operations, left out of the history. */
  readonly dropped: Set<number>;
  readonly failedByReason: Record<string, number>;
  readonly indeterminateByReason: Record<string, number>;
  /** Per key, values recently written or read, for compare operations. */
  readonly recentValues: string[][];
  readonly deadlineMs: number;
  operationsLeft: number;
  /** Milliseconds since the run started. */
  readonly clock: () => number;
}

interface ClientState {
  readonly index: number;
  readonly prng: Prng;
  /** Per key, the value this client last saw (null: absent; undefined: unknown). */
  readonly observed: (string | null | undefined)[];
  sequence: number;
}

async function clientLoop(
  settings: WorkloadSettings,
  environment: WorkloadEnvironment,
  shared: SharedState,
  index: number,
): Promise<void> {
  let rotation = index;
  let client = createClient(settings, environment, rotation);
  const state: ClientState = {
    index,
    prng: createPrng((settings.seed + Math.imul(index + 1, 0x9e3779b1)) >>> 0),
    observed: Array.from({ length: settings.keys }, () => undefined),
    sequence: 0,
  };
  for (;;) {
    if (environment.now() >= shared.deadlineMs || shared.operationsLeft <= 0) return;
    shared.operationsLeft--;
    const keyIndex = state.prng.nextInt(settings.keys);
    const input = nextInput(settings, shared, state, keyIndex);
    const handle = shared.recorder.invoke(index, input, floorMicros(shared.clock()));
    const classified = await performOperation(client, input, true);
    settle(shared, handle, classified);
    learn(shared, state, keyIndex, input, classified);
    if (classified.kind === "definite") continue;
    // The preferred endpoint may be down, stopped or cut off: move on to the next one.
    client = createClient(settings, environment, ++rotation);
    await environment.sleep(backoffMs);
  }
}

/** A client that tries the endpoints from number `rotation` (mod their count) on. */
function createClient(
  settings: WorkloadSettings,
  environment: WorkloadEnvironment,
  rotation: number,
): EtcdClient {
  const start = rotation % settings.endpoints.length;
  return new EtcdClient({
    endpoints: [...settings.endpoints.slice(start), ...settings.endpoints.slice(0, start)],
    timeoutMs: settings.timeoutMs,
    fetch: environment.fetch,
  });
}

function settle(shared: SharedState, handle: number, classified: Classified): void {
  const returnTime = ceilMicros(shared.clock());
  switch (classified.kind) {
    case "definite":
      shared.recorder.complete(handle, classified.output, returnTime);
      return;
    case "indeterminate":
      shared.recorder.abandon(handle);
      count(shared.indeterminateByReason, classified.reason);
      return;
    case "failed":
      shared.recorder.abandon(handle);
      shared.dropped.add(handle);
      count(shared.failedByReason, classified.reason);
      return;
  }
}

function nextInput(
  settings: WorkloadSettings,
  shared: SharedState,
  state: ClientState,
  keyIndex: number,
): EtcdInput {
  const key = workloadKey(settings.directory, keyIndex);
  const roll = state.prng.nextInt(100);
  if (roll < 30) return { kind: "get", key };
  const value = `${settings.runId}-${state.index}-${state.sequence++}`;
  if (roll < 60) return { kind: "set", key, value };
  if (roll < 80) {
    return { kind: "compareAndSwap", key, prevValue: pickPrevious(shared, state, keyIndex), value };
  }
  if (roll < 85) return { kind: "create", key, value };
  if (roll < 95) return { kind: "delete", key };
  return { kind: "compareAndDelete", key, prevValue: pickPrevious(shared, state, keyIndex) };
}

/**
 * The value a compare operation expects: mostly what this client last saw, otherwise a value
 * recently written or read by anyone, so that compares both succeed and fail.
 */
function pickPrevious(shared: SharedState, state: ClientState, keyIndex: number): string {
  const observed = state.observed[keyIndex];
  if (typeof observed === "string" && state.prng.chance(0.7)) return observed;
  const recent = shared.recentValues[keyIndex] ?? [];
  const chosen = recent.length === 0 ? undefined : recent[state.prng.nextInt(recent.length)];
  return chosen ?? observed ?? "never-written";
}

function learn(
  shared: SharedState,
  state: ClientState,
  keyIndex: number,
  input: EtcdInput,
  classified: Classified,
): void {
  if (classified.kind === "failed") return;
  if ("value" in input) remember(shared, keyIndex, input.value);
  if (classified.kind !== "definite") {
    state.observed[keyIndex] = undefined;
    return;
  }
  const output = classified.output;
  if (input.kind === "get") {
    if (output.value !== undefined) remember(shared, keyIndex, output.value);
    state.observed[keyIndex] = output.outcome === "ok" ? (output.value ?? null) : null;
  } else if (output.outcome === "ok") {
    state.observed[keyIndex] = "value" in input ? input.value : null;
  } else if (output.outcome === "notFound") {
    state.observed[keyIndex] = null;
  } else {
    state.observed[keyIndex] = undefined;
  }
}

function remember(shared: SharedState, keyIndex: number, value: string): void {
  const recent = shared.recentValues[keyIndex];
  if (recent === undefined || recent.includes(value)) return;
  recent.push(value);
  if (recent.length > recentValuesMax) recent.shift();
}

function count(counts: Record<string, number>, reason: string): void {
  counts[reason] = (counts[reason] ?? 0) + 1;
}

/**
 * Times are kept to the microsecond: calls rounded down and returns up, which only widens
 * intervals, so rounding can add concurrency but never remove it.
 */
function floorMicros(milliseconds: number): number {
  return Math.floor(milliseconds * 1000) / 1000;
}

function ceilMicros(milliseconds: number): number {
  return Math.ceil(milliseconds * 1000) / 1000;
}
