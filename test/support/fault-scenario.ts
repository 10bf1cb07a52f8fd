/**
 * The frame of a fault scenario: a cluster per test file, and a failure rethrown with the seed to
 * replay it (`FAULT_SEED=<n>`), the data dir kept for inspection, and every member's log tail.
 */
import { afterAll, beforeAll } from "bun:test";
import { Cluster, type ClusterOptions } from "./cluster.ts";
import { faultSeed } from "./fault-workload.ts";

/** Remembers failed clusters, so `destroy` keeps their files. */
export interface ScenarioState {
  cluster: Cluster | undefined;
  failed: boolean;
}

/** Runs `body`; on failure adds the seed, where the files are, and the members' log tails. */
export async function explained(
  state: ScenarioState,
  seed: number,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    state.failed = true;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const where = state.cluster === undefined ? "" : `, files kept in ${state.cluster.root}`;
    const logs = state.cluster?.describe() ?? "";
    throw new Error(`FAULT_SEED=${seed}${where}\n${message}\n${logs}`);
  }
}

/** Destroys the cluster; keeps its files when a scenario failed or `FAULT_KEEP_FILES=1`. */
export async function tearDown(state: ScenarioState): Promise<void> {
  const keepFiles = state.failed || process.env["FAULT_KEEP_FILES"] === "1";
  if (keepFiles && state.cluster !== undefined) console.log(`files kept in ${state.cluster.root}`);
  await state.cluster?.destroy({ keepFiles });
  state.cluster = undefined;
}

/** A cluster started before a file's scenarios and destroyed after them. */
export interface FaultScenario {
  /** The file's seed; each scenario adds its own offset. */
  readonly seed: number;
  /** Whether a scenario of the file failed (its files are kept). */
  readonly failed: boolean;
  /** Runs one scenario on the cluster, explained on failure with the seed it used. */
  run(offset: number, body: (cluster: Cluster, seed: number) => Promise<void>): Promise<void>;
}

/**
 * Registers `beforeAll` (start a cluster with `options`) and `afterAll` (tear it down) for the
 * calling test file, and returns how its scenarios run.
 */
export function faultScenario(options: ClusterOptions): FaultScenario {
  const seed = faultSeed();
  const state: ScenarioState = { cluster: undefined, failed: false };
  beforeAll(async () => {
    state.cluster = await Cluster.start(options);
  }, 30_000);
  afterAll(() => tearDown(state), 30_000);
  return {
    seed,
    get failed() {
      return state.failed;
    },
    run: (offset, body) =>
      explained(state, seed + offset, () => {
        const cluster = state.cluster;
        if (cluster === undefined) throw new Error("the scenario's cluster did not start");
        return body(cluster, seed + offset);
      }),
  };
}
