/**
 * Regression test for a bug the fault suite found: the node loop (src/server/node.ts `#persist`)
 * holds a commit-only HardState in memory instead of writing it, yet applies the entries it
 * commits and may snapshot at that applied index. Killed right then, a member kept a snapshot
 * above the last commit in its WAL and could never start again ("Hard state commit is below the
 * snapshot"). Now the held-back hard state is written before each snapshot marker (and a data
 * dir left that way is repaired on load). Sequential writes end every batch with such a
 * commit-only Ready, so a kill right after a snapshot exercises it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Cluster } from "../../support/cluster.ts";
import { putKey } from "../../support/fault-workload.ts";
import { explained, type ScenarioState, tearDown } from "../../support/fault-scenario.ts";

const state: ScenarioState = { cluster: undefined, failed: false };

afterAll(() => tearDown(state), 30_000);

describe("restart after a snapshot", () => {
  test("members killed right after a snapshot start again", async () => {
    await explained(state, 0, async () => {
      state.cluster = await Cluster.start({ size: 3, extraArgs: ["--snapshot-count", "10"] });
      const cluster = state.cluster;
      const leader = await cluster.waitForLeader();
      const snapshots = () => cluster.logTail(leader, 50_000_000).split("snapshot saved").length;
      const before = snapshots();
      for (let sequence = 0; snapshots() === before; sequence++) {
        expect(sequence).toBeLessThan(100);
        const write = await putKey(leader.clientUrl, `/k${sequence}`, "v", 5000);
        expect(write).toBeDefined();
        // The snapshot follows the answer: give its log line time to show before writing on.
        await pollFor(() => snapshots() !== before, 300);
      }
      await Promise.all(cluster.members.map((member) => cluster.kill(member)));
      await Promise.all(
        cluster.members.map((member) => cluster.restart(member, { waitForHealth: false })),
      );
      await cluster.waitForLeader(cluster.members, 10_000);
    });
  }, 60_000);
});

/** Polls `probe` until it holds or `timeoutMs` passed; returns whether it held. */
async function pollFor(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (probe()) return true;
    await Bun.sleep(10);
  }
  return probe();
}
