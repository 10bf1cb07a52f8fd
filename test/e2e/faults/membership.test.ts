/**
 * Fault suite, membership under load: a fourth member is added (POST /v2/members) and started
 * with `--initial-cluster-state existing` while clients write, catches up and serves; then a
 * founding follower is removed (DELETE /v2/members/<id>), stops by itself, and the others go on.
 * The load's history must be linearizable and every acknowledged write must be on every member
 * that is left, the new one included.
 */
import { afterAll, expect, test } from "bun:test";
import { type Member, uniquePorts } from "../../support/cluster.ts";
import {
  finishLoad,
  startLoad,
  waitForMoreAcknowledged,
} from "../../support/fault-workload.ts";
import { faultScenario } from "../../support/fault-scenario.ts";
import {
  pollUntil,
  removeDir,
  type ServerProcess,
  startServer,
} from "../../support/server-process.ts";

const scenario = faultScenario({ size: 3, extraArgs: ["--snapshot-count", "200"] });
let joiner: ServerProcess | undefined;

afterAll(async () => {
  await joiner?.stop("SIGKILL");
  if (joiner !== undefined && !scenario.failed) removeDir(joiner.dataDir);
}, 30_000);

interface MemberBody {
  readonly id: string;
  readonly name: string;
  readonly clientURLs: readonly string[];
}

async function membersAt(clientUrl: string): Promise<MemberBody[]> {
  const response = await fetch(`${clientUrl}/v2/members`);
  return ((await response.json()) as { members: MemberBody[] }).members;
}

function exited(member: Member): boolean {
  const child = member.server?.process;
  return child === undefined || child.exitCode !== null || child.signalCode !== null;
}

test("a member added under load joins, one removed under load stops, nothing is lost", async () => {
  await scenario.run(0, async (cluster, seed) => {
    const load = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(load, 30, 10_000, "before the add");

    // Announce the fourth member through the leader, then start it against the running cluster.
    const leader = await cluster.waitForLeader();
    const [clientPort, peerPort] = uniquePorts(2) as [number, number];
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const added = await fetch(`${leader.clientUrl}/v2/members`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ peerURLs: [peerUrl] }),
    });
    expect(added.status).toBe(201);
    const founders = cluster.members.map(
      (member) => `${member.name}=http://127.0.0.1:${member.proxyPort}`,
    );
    joiner = await startServer({
      name: "m4",
      clientPort,
      peerPort,
      extraArgs: [
        "--initial-cluster", [...founders, `m4=${peerUrl}`].join(","),
        "--initial-cluster-state", "existing",
        "--heartbeat-interval", "50",
        "--election-timeout", "500",
        "--log-level", "info",
      ],
    });
    await waitForMoreAcknowledged(load, 30, 15_000, "after the add");

    // Remove a founding follower while the load runs: it stops by itself.
    const current = await cluster.waitForLeader();
    const victim = cluster.followers(current)[0];
    if (victim === undefined) throw new Error("no follower to remove");
    const removal = await fetch(`${current.clientUrl}/v2/members/${victim.id}`, {
      method: "DELETE",
    });
    expect(removal.status).toBe(204);
    await pollUntil(() => exited(victim), 15_000, `${victim.name} to stop after its removal`);
    victim.server = undefined;
    const remaining = cluster.members.filter((member) => member !== victim);
    await cluster.waitForLeader(remaining);
    await waitForMoreAcknowledged(load, 30, 15_000, "after the removal");

    const clientUrls = [...remaining.map((member) => member.clientUrl), joiner.clientUrl];
    await finishLoad(load, clientUrls, "add and remove under load");
    for (const clientUrl of clientUrls) {
      const names = (await membersAt(clientUrl)).map((member) => member.name).sort();
      expect(names).toEqual([...remaining.map((member) => member.name), "m4"].sort());
    }
  });
}, 120_000);
