/**
 * Fault suite, a frozen leader: SIGSTOP the leader for longer than the election timeout under a
 * concurrent client load. The other two elect a new leader and keep acknowledging writes; after
 * SIGCONT the old leader steps down, follows the new one and catches up. The history must be
 * linearizable (a stale leader waking up must not answer) and no acknowledged write lost.
 */
import { expect, test } from "bun:test";
import { selfStats } from "../../support/cluster.ts";
import {
  finishLoad,
  startLoad,
  waitForMoreAcknowledged,
} from "../../support/fault-workload.ts";
import { faultScenario } from "../../support/fault-scenario.ts";
import { pollUntil } from "../../support/server-process.ts";

const electionTimeoutMs = 500;
const scenario = faultScenario({ size: 3, electionTimeoutMs });

test("a leader paused with SIGSTOP is replaced, then steps down and catches up", async () => {
  await scenario.run(0, async (cluster, seed) => {
    const load = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(load, 30, 10_000, "before the pause");
    const leader = await cluster.waitForLeader();
    const pausedAtMs = performance.now();
    cluster.pause(leader);
    const successor = await cluster.waitForLeader(cluster.live());
    expect(successor).not.toBe(leader);
    await waitForMoreAcknowledged(load, 40, 15_000, "while the old leader is paused");
    // Paused well past an election timeout, whatever the election took.
    const pausedMs = performance.now() - pausedAtMs;
    if (pausedMs < 3 * electionTimeoutMs) await Bun.sleep(3 * electionTimeoutMs - pausedMs);
    cluster.resume(leader);
    await pollUntil(
      async () => {
        const stats = await selfStats(leader);
        return stats?.state === "StateFollower" && stats.leaderInfo.leader !== leader.id;
      },
      15_000,
      "the old leader to step down and follow",
    );
    await cluster.waitForLeader(cluster.members);
    await waitForMoreAcknowledged(load, 30, 15_000, "after SIGCONT");
    await finishLoad(load, cluster.clientUrls(), "leader SIGSTOP/SIGCONT");
  });
}, 90_000);
