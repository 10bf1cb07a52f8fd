/**
 * The frame of a fault scenario: a failure is rethrown with the seed to replay it
 * (`FAULT_SEED=<n>`), the data dir kept for inspection, and every member's log tail.
 */
import type { Cluster } from "./cluster.ts";

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
