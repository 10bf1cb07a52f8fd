/**
 * Fault suite, crashes: kill -9 of the leader and of a follower under a concurrent client load,
 * each restarted on its data dir. The load's history must be linearizable and every write a
 * member acknowledged must be present, with its index, on every member afterwards.
 */
import { expect, test } from "bun:test";
import {
  finishLoad,
  startLoad,
  waitForMoreAcknowledged,
} from "../../support/fault-workload.ts";
import { faultScenario } from "../../support/fault-scenario.ts";

const scenario = faultScenario({ size: 3 });

test("the leader killed with kill -9 under load is replaced, restarts and catches up", async () => {
  await scenario.run(0, async (cluster, seed) => {
    const load = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(load, 30, 10_000, "before the kill");
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    const successor = await cluster.waitForLeader(cluster.live());
    expect(successor).not.toBe(leader);
    await waitForMoreAcknowledged(load, 30, 15_000, "after the kill");
    await cluster.restart(leader);
    await waitForMoreAcknowledged(load, 30, 15_000, "after the restart");
    await finishLoad(load, cluster.clientUrls(), "leader kill -9");
  });
}, 90_000);

test("a follower killed with kill -9 under load restarts and catches up", async () => {
  await scenario.run(1, async (cluster, seed) => {
    const load = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(load, 30, 10_000, "before the kill");
    const leader = await cluster.waitForLeader();
    const follower = cluster.followers(leader)[0];
    if (follower === undefined) throw new Error("no follower");
    await cluster.kill(follower);
    await waitForMoreAcknowledged(load, 60, 15_000, "while the follower is down");
    await cluster.restart(follower);
    await waitForMoreAcknowledged(load, 30, 15_000, "after the restart");
    // The restarted follower answers a quorum read only once it caught up to the read index.
    await finishLoad(load, cluster.clientUrls(), "follower kill -9");
  });
}, 90_000);
