/**
 * Client load for fault tests, run in the test process while faults happen:
 * - the `cairn check` workload (src/cli/check) on a few keys, its history checked for per-key
 *   linearizability and the etcd index rules when stopped;
 * - acknowledged writers: loops creating unique keys under `/acked/`, remembering every write a
 *   member acknowledged with its index, so that afterwards each one can be looked for, with a
 *   quorum read, on every member (no acknowledged write may be lost).
 */
import { checkEtcdHistory, type EtcdCheckResult, formatEtcdCheck } from "../../src/check/index.ts";
import { runWorkload, type WorkloadResult } from "../../src/cli/check/workload.ts";

/** How a load is started. */
export interface LoadOptions {
  readonly endpoints: readonly string[];
  readonly seed: number;
  /** `cairn check` client loops (default 6). */
  readonly clients?: number;
  /** Keys of the checked workload (default 6). */
  readonly keys?: number;
  /** Acknowledged-write loops (default 3). */
  readonly writers?: number;
  /** Per-request timeout (default 2000 ms): a write that takes longer is indeterminate. */
  readonly timeoutMs?: number;
}

/** What a stopped load recorded. */
export interface LoadOutcome {
  readonly seed: number;
  readonly workload: WorkloadResult;
  readonly check: EtcdCheckResult;
  readonly acknowledged: ReadonlyMap<string, AcknowledgedWrite>;
  /** Writes of the writers that got no acknowledgement (failed or timed out). */
  readonly unacknowledged: number;
}

/** A write a member acknowledged. */
export interface AcknowledgedWrite {
  readonly value: string;
  readonly modifiedIndex: number;
}

/** A running load; `stop` ends it and checks the history. */
export interface Load {
  readonly seed: number;
  /** Acknowledged writes so far (grows while the load runs). */
  readonly acknowledged: ReadonlyMap<string, AcknowledgedWrite>;
  stop(): Promise<LoadOutcome>;
}

/** The directory the acknowledged writers create their keys under. */
export const acknowledgedDirectory = "/acked";

/** A time far past any deadline: once stopped, the workload's clock jumps by it. */
const stoppedClockJumpMs = 1e9;

/**
 * Starts the checked workload and the acknowledged writers against `endpoints`.
 * The workload runs until `stop`: its clock then jumps past its deadline, which only widens the
 * intervals of the operations still in flight (never a false "illegal").
 */
export function startLoad(options: LoadOptions): Load {
  const state = { stopped: false };
  const now = () => performance.now() + (state.stopped ? stoppedClockJumpMs : 0);
  const runId = `f${options.seed.toString(36)}`;
  const workload = runWorkload(
    {
      endpoints: options.endpoints,
      clients: options.clients ?? 6,
      keys: options.keys ?? 6,
      durationS: 24 * 3600,
      operations: Number.POSITIVE_INFINITY,
      seed: options.seed,
      timeoutMs: options.timeoutMs ?? 2000,
      runId,
      directory: `/checked/${runId}`,
    },
    { now, sleep: (milliseconds) => Bun.sleep(milliseconds), fetch },
  );
  const acknowledged = new Map<string, AcknowledgedWrite>();
  const counts = { unacknowledged: 0 };
  const writers = Array.from({ length: options.writers ?? 3 }, (_, index) =>
    writerLoop({ ...options, index, state, acknowledged, counts }),
  );
  return {
    seed: options.seed,
    acknowledged,
    async stop() {
      state.stopped = true;
      const [result] = await Promise.all([workload, ...writers]);
      const check = checkEtcdHistory(result.history, {
        budgetMs: 30_000,
        now: () => performance.now(),
      });
      return {
        seed: options.seed,
        workload: result,
        check,
        acknowledged,
        unacknowledged: counts.unacknowledged,
      };
    },
  };
}

/** Throws with the seed and the checker's explanation unless the history was linearizable. */
export function expectLinearizable(outcome: LoadOutcome, context: string): void {
  if (outcome.check.result === "ok") return;
  throw new Error(
    `${context}: history is ${outcome.check.result} (seed ${outcome.seed}, ` +
      `${outcome.workload.history.length} operations)\n${formatEtcdCheck(outcome.check)}`,
  );
}

/**
 * Every key under `directory`, read with quorum=true from one member (see `quorumGet`), and
 * the etcd index the member answered with.
 */
export async function readTreeAt(
  clientUrl: string,
  directory: string,
): Promise<{ tree: Map<string, AcknowledgedWrite>; index: number }> {
  const answer = await quorumGet(clientUrl, `${directory}?recursive=true&quorum=true`);
  const tree = new Map<string, AcknowledgedWrite>();
  if (answer.body !== undefined) collect((answer.body as { node: TreeNode }).node, tree);
  return { tree, index: answer.index };
}

/** Every key under `directory`, read with quorum=true from one member. */
export async function readTree(
  clientUrl: string,
  directory: string,
): Promise<Map<string, AcknowledgedWrite>> {
  return (await readTreeAt(clientUrl, directory)).tree;
}

/**
 * Reads `/acked` with quorum=true from every given member and fails when any acknowledged write
 * is missing or carries another value or index; also fails when two members disagree.
 */
export async function expectAcknowledgedWritesEverywhere(
  acknowledged: ReadonlyMap<string, AcknowledgedWrite>,
  clientUrls: readonly string[],
  context: string,
): Promise<void> {
  const trees = await Promise.all(clientUrls.map((url) => readTree(url, acknowledgedDirectory)));
  const problems: string[] = [];
  for (const [memberIndex, tree] of trees.entries()) {
    for (const [key, write] of acknowledged) {
      const seen = tree.get(key);
      if (seen?.value !== write.value || seen.modifiedIndex !== write.modifiedIndex) {
        const found = seen === undefined ? "missing" : `${seen.value}@${seen.modifiedIndex}`;
        problems.push(
          `${clientUrls[memberIndex]}: ${key} acknowledged as ` +
            `${write.value}@${write.modifiedIndex}, found ${found}`,
        );
      }
    }
  }
  const first = trees[0];
  for (const [memberIndex, tree] of trees.entries()) {
    if (first !== undefined && !sameTree(first, tree)) {
      problems.push(`${clientUrls[memberIndex]} holds other /acked keys than ${clientUrls[0]}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `${context}: ${problems.length} problems with ${acknowledged.size} acknowledged writes\n` +
        problems.slice(0, 20).join("\n"),
    );
  }
}

/** One write through one member; the result when the member acknowledged it. */
export async function putKey(
  clientUrl: string,
  key: string,
  value: string,
  timeoutMs: number,
): Promise<AcknowledgedWrite | undefined> {
  try {
    const response = await fetch(`${clientUrl}/v2/keys${key}`, {
      method: "PUT",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ value }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200 && response.status !== 201) {
      await response.arrayBuffer();
      return undefined;
    }
    const body = (await response.json()) as { node: { value: string; modifiedIndex: number } };
    return { value: body.node.value, modifiedIndex: body.node.modifiedIndex };
  } catch {
    return undefined;
  }
}

// --- internal ---

interface TreeNode {
  readonly key: string;
  readonly value?: string;
  readonly dir?: boolean;
  readonly modifiedIndex: number;
  readonly nodes?: readonly TreeNode[];
}

function collect(node: TreeNode, found: Map<string, AcknowledgedWrite>): void {
  if (node.dir !== true && node.value !== undefined) {
    found.set(node.key, { value: node.value, modifiedIndex: node.modifiedIndex });
  }
  for (const child of node.nodes ?? []) collect(child, found);
}

interface WriterContext extends LoadOptions {
  readonly index: number;
  readonly state: { readonly stopped: boolean };
  readonly acknowledged: Map<string, AcknowledgedWrite>;
  readonly counts: { unacknowledged: number };
}

/** Creates `/acked/w<index>-<seq>` keys until stopped, moving on to the next member on failure. */
async function writerLoop(context: WriterContext): Promise<void> {
  let rotation = context.index;
  for (let sequence = 0; !context.state.stopped; sequence++) {
    const endpoint = context.endpoints[rotation % context.endpoints.length] ?? "";
    const key = `${acknowledgedDirectory}/s${context.seed}-w${context.index}-${sequence}`;
    const value = `v${sequence}`;
    const write = await putKey(endpoint, key, value, context.timeoutMs ?? 2000);
    if (write !== undefined) {
      context.acknowledged.set(key, write);
      continue;
    }
    context.counts.unacknowledged++;
    rotation++;
    await Bun.sleep(50);
  }
}

/** Waits until the writers got `count` more acknowledgements than they had when called. */
export async function waitForMoreAcknowledged(
  load: Load,
  count: number,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const target = load.acknowledged.size + count;
  const deadline = performance.now() + timeoutMs;
  while (load.acknowledged.size < target) {
    if (performance.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms: ${count} more acknowledged writes ${what} ` +
          `(${load.acknowledged.size} of ${target})`,
      );
    }
    await Bun.sleep(20);
  }
}

/** The seed of a fault test: `FAULT_SEED` when set (to replay), else drawn from the clock. */
export function faultSeed(): number {
  const fixed = process.env["FAULT_SEED"];
  if (fixed !== undefined && fixed !== "") return Number.parseInt(fixed, 10) >>> 0;
  return (Date.now() % 0x7fff_ffff) >>> 0;
}

/** One line about a stopped load, for the test output. */
export function summarize(outcome: LoadOutcome, context: string): string {
  const indeterminate = Object.values(outcome.workload.indeterminateByReason).reduce(
    (sum, count) => sum + count,
    0,
  );
  return (
    `${context}: seed ${outcome.seed}, ${outcome.workload.history.length} checked operations ` +
    `(${indeterminate} indeterminate), ${outcome.acknowledged.size} acknowledged writes ` +
    `(${outcome.unacknowledged} not), check ${outcome.check.result}`
  );
}

/** Stops the load and checks it: linearizable, and every acknowledged write on every member. */
export async function finishLoad(
  load: Load,
  clientUrls: readonly string[],
  context: string,
): Promise<LoadOutcome> {
  const outcome = await load.stop();
  console.log(summarize(outcome, context));
  expectLinearizable(outcome, context);
  await expectAcknowledgedWritesEverywhere(outcome.acknowledged, clientUrls, context);
  return outcome;
}

/** The etcd index a member reports after a quorum read of `/` (X-Etcd-Index). */
export async function etcdIndexOf(clientUrl: string): Promise<number> {
  return (await quorumGet(clientUrl, "/?quorum=true")).index;
}

/**
 * A quorum GET of `/v2/keys<pathAndQuery>`: the body (undefined for 404) and X-Etcd-Index. A
 * server error (error 300: the read timed out, e.g. its ReadIndex request was dropped while the
 * member's link to the leader was still reconnecting) is retried, printed, for up to
 * `timeoutMs`: the callers check data, not availability.
 * @throws {Error} on another status, or when the retries run out.
 */
export async function quorumGet(
  clientUrl: string,
  pathAndQuery: string,
  timeoutMs = 20_000,
): Promise<{ body: unknown; index: number }> {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${clientUrl}/v2/keys${pathAndQuery}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const index = Number.parseInt(response.headers.get("x-etcd-index") ?? "", 10);
    if (response.ok && Number.isSafeInteger(index)) return { body: await response.json(), index };
    if (response.status === 404 && Number.isSafeInteger(index)) {
      await response.arrayBuffer();
      return { body: undefined, index };
    }
    const failure = `Cannot read ${pathAndQuery} from ${clientUrl}: ${response.status} ` +
      (await response.text()).trim();
    if (response.status < 500 || performance.now() > deadline) throw new Error(failure);
    console.log(`retrying (attempt ${attempt}) after: ${failure}`);
    await Bun.sleep(100);
  }
}

/**
 * Polls until every member holds the same keys (every key, quorum reads) at the same etcd
 * index; returns that index and the tree. Fails with the differences at the deadline.
 */
export async function expectConverged(
  clientUrls: readonly string[],
  timeoutMs: number,
): Promise<{ index: number; tree: Map<string, AcknowledgedWrite> }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const reads = await Promise.all(clientUrls.map((url) => readTreeAt(url, "/")));
    const indexes = reads.map((read) => read.index);
    const trees = reads.map((read) => read.tree);
    const first = trees[0] ?? new Map<string, AcknowledgedWrite>();
    const sameIndex = indexes.every((index) => index === indexes[0]);
    if (sameIndex && trees.every((tree) => sameTree(first, tree))) {
      return { index: indexes[0] ?? 0, tree: first };
    }
    if (performance.now() > deadline) {
      const sizes = trees.map((tree, index) => `${clientUrls[index]}: ${tree.size} keys`);
      throw new Error(
        `Members did not converge within ${timeoutMs} ms: indexes ${indexes.join(", ")}; ` +
          sizes.join(", "),
      );
    }
    await Bun.sleep(50);
  }
}

/** Whether two trees hold the same keys with the same values and indexes. */
export function sameTree(
  left: ReadonlyMap<string, AcknowledgedWrite>,
  right: ReadonlyMap<string, AcknowledgedWrite>,
): boolean {
  if (left.size !== right.size) return false;
  for (const [key, write] of left) {
    const other = right.get(key);
    if (other?.value !== write.value || other.modifiedIndex !== write.modifiedIndex) return false;
  }
  return true;
}
