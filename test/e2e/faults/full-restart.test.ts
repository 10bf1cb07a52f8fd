/**
 * Fault suite, a full-cluster restart: after a load, SIGTERM every member at once, then start
 * them all again on their data dirs. Every member must exit 0 and come back with exactly the
 * keys, values, modified indexes and etcd index it had; then the cluster serves a checked load
 * again. With `--snapshot-count 50`, recovery replays a snapshot plus the WAL after it.
 */
import { expect, test } from "bun:test";
import {
  expectAcknowledgedWritesEverywhere,
  expectConverged,
  finishLoad,
  sameTree,
  startLoad,
  waitForMoreAcknowledged,
} from "../../support/fault-workload.ts";
import { faultScenario } from "../../support/fault-scenario.ts";

const scenario = faultScenario({ size: 3, extraArgs: ["--snapshot-count", "50"] });

test("SIGTERM to every member, then a restart of all, keeps all data and indexes", async () => {
  await scenario.run(0, async (cluster, seed) => {
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
