/**
 * Fault suite, a partitioned leader: the peer proxy isolates the leader under a concurrent
 * client load. The majority elects a new leader and keeps acknowledging writes; a write sent to
 * the isolated old leader never succeeds (it fails or times out); after healing, the old leader
 * follows and converges. The history must be linearizable and no acknowledged write lost.
 */
import { expect, test } from "bun:test";
import {
  finishLoad,
  putKey,
  readTree,
  startLoad,
  waitForMoreAcknowledged,
} from "../../support/fault-workload.ts";
import { faultScenario } from "../../support/fault-scenario.ts";

const scenario = faultScenario({ size: 3 });

test("an isolated leader acknowledges no write; the rest go on; healed, it converges", async () => {
  await scenario.run(0, async (cluster, seed) => {
    const load = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(load, 30, 10_000, "before the partition");
    const leader = await cluster.waitForLeader();
    cluster.proxy.isolate(leader.name);
    const majority = cluster.followers(leader);
    const successor = await cluster.waitForLeader(majority);
    expect(successor).not.toBe(leader);
    expect(cluster.proxy.counters.closedByCut).toBeGreaterThan(0);
    await waitForMoreAcknowledged(load, 40, 15_000, "from the majority");

    // Writes through the isolated old leader: none may be acknowledged.
    const attempts = await Promise.all(
      [0, 1, 2].map((attempt) =>
        putKey(leader.clientUrl, `/isolated/${seed}-${attempt}`, "never", 3000),
      ),
    );
    expect(attempts).toEqual([undefined, undefined, undefined]);
    expect(cluster.proxy.counters.refused).toBeGreaterThan(0);

    cluster.proxy.healAll();
    await cluster.waitForLeader(cluster.members);
    await waitForMoreAcknowledged(load, 30, 15_000, "after healing");
    await finishLoad(load, cluster.clientUrls(), "leader partition");
    // A write the old leader never acknowledged was not committed behind the client's back.
    for (const member of cluster.members) {
      expect((await readTree(member.clientUrl, "/isolated")).size).toBe(0);
    }
  });
}, 90_000);
