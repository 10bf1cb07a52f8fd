/**
 * Fault suite, catching up by snapshot: with a snapshot every 20 entries (and the log released
 * below each snapshot, keeping only 5 entries for followers a little behind), a follower kept down — killed, or running but cut off by the proxy —
 * while hundreds of writes commit can only catch up from a snapshot the leader streams to it.
 * It must restore one, then hold exactly the keys and etcd index the others hold, under a
 * linearizable history with every acknowledged write present.
 */
import { expect, test } from "bun:test";
import { Cluster, type Member } from "../../support/cluster.ts";
import {
  expectConverged,
  finishLoad,
  startLoad,
  waitForMoreAcknowledged,
} from "../../support/fault-workload.ts";
import { faultScenario } from "../../support/fault-scenario.ts";
import { pollUntil } from "../../support/server-process.ts";

const snapshotCount = 20;
const scenario = faultScenario({
  size: 3,
  extraArgs: ["--snapshot-count", String(snapshotCount), "--snapshot-catch-up-entries", "5"],
});

/** How often a member's log says it restored a snapshot from its leader. */
function snapshotsRestored(cluster: Cluster, member: Member): number {
  return cluster.logTail(member, 50_000_000).split("raft.snapshot.restored").length - 1;
}

test("a follower killed during many writes restarts and catches up by snapshot", async () => {
  await scenario.run(0, async (cluster, seed) => {
    const load = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(load, 20, 10_000, "before the kill");
    const leader = await cluster.waitForLeader();
    const follower = cluster.followers(leader)[0] as Member;
    const restoredBefore = snapshotsRestored(cluster, follower);
    await cluster.kill(follower);
    await waitForMoreAcknowledged(load, 15 * snapshotCount, 30_000, "while it is down");
    await cluster.restart(follower);
    await pollUntil(
      () => snapshotsRestored(cluster, follower) > restoredBefore,
      15_000,
      "the restarted follower to restore a snapshot from the leader",
    );
    await waitForMoreAcknowledged(load, 20, 15_000, "after the restart");
    await finishLoad(load, cluster.clientUrls(), "snapshot catch-up after kill -9");
    const converged = await expectConverged(cluster.clientUrls(), 15_000);
    expect(converged.tree.size).toBeGreaterThan(15 * snapshotCount);
  });
}, 90_000);

test("a follower cut off by the proxy during many writes catches up by snapshot", async () => {
  await scenario.run(1, async (cluster, seed) => {
    const load = startLoad({ endpoints: cluster.clientUrls(), seed: seed + 1 });
    await waitForMoreAcknowledged(load, 20, 10_000, "before the partition");
    const leader = await cluster.waitForLeader();
    const follower = cluster.followers(leader)[0] as Member;
    const restoredBefore = snapshotsRestored(cluster, follower);
    cluster.proxy.isolate(follower.name);
    await waitForMoreAcknowledged(load, 15 * snapshotCount, 30_000, "while it is cut off");
    cluster.proxy.healAll();
    await pollUntil(
      () => snapshotsRestored(cluster, follower) > restoredBefore,
      15_000,
      "the healed follower to restore a snapshot from the leader",
    );
    await cluster.waitForLeader(cluster.members);
    await waitForMoreAcknowledged(load, 20, 15_000, "after healing");
    await finishLoad(load, cluster.clientUrls(), "snapshot catch-up after a partition");
    await expectConverged(cluster.clientUrls(), 15_000);
  });
}, 90_000);
