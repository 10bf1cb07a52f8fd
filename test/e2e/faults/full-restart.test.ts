/**
 * Fault suite, a full-cluster restart: after a load, SIGTERM every member at once, then start
 * them all again on their data dirs. Every member must exit 0 and come back with exactly the
 * keys, values, modified indexes and etcd index it had; then the cluster serves a checked load
 * again. With `--snapshot-count 50`, recovery replays a snapshot plus the WAL after it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Cluster } from "../../support/cluster.ts";
import {
  expectAcknowledgedWritesEverywhere,
  expectConverged,
  faultSeed,
  finishLoad,
  sameTree,
  startLoad,
  waitForMoreAcknowledged,
} from "../../support/fault-workload.ts";
import { explained, type ScenarioState, tearDown } from "../../support/fault-scenario.ts";

const seed = faultSeed();
const state: ScenarioState = { cluster: undefined, failed: false };

beforeAll(async () => {
  state.cluster = await Cluster.start({ size: 3, extraArgs: ["--snapshot-count", "50"] });
}, 30_000);

afterAll(() => tearDown(state), 30_000);

test("SIGTERM to every member, then a restart of all, keeps all data and indexes", async () => {
  await explained(state, seed, async () => {
    const cluster = state.cluster as Cluster;
    const first = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(first, 150, 20_000, "before the shutdown");
    const before = await finishLoad(first, cluster.clientUrls(), "before a full restart");
    const converged = await expectConverged(cluster.clientUrls(), 15_000);

    const codes = await Promise.all(cluster.members.map((member) => cluster.terminate(member)));
    expect(codes).toEqual(cluster.members.map(() => 0));
    await Promise.all(
      cluster.members.map((member) => cluster.restart(member, { waitForHealth: false })),
    );
    await cluster.waitForLeader(cluster.members);
    const after = await expectConverged(cluster.clientUrls(), 15_000);
    expect(after.index).toBe(converged.index);
    expect(sameTree(after.tree, converged.tree)).toBe(true);
    await expectAcknowledgedWritesEverywhere(
      before.acknowledged,
      cluster.clientUrls(),
      "after a full restart",
    );

    const second = startLoad({ endpoints: cluster.clientUrls(), seed: seed + 1 });
    await waitForMoreAcknowledged(second, 50, 15_000, "after the restart");
    await finishLoad(second, cluster.clientUrls(), "after a full restart");
  });
}, 90_000);
