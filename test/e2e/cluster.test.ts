/**
 * Three compiled binaries on loopback form one cluster over the Raft core and the TCP peer
 * transport: one leader, writes through any member, linearizable reads everywhere, a watch on a
 * follower, a leader killed with kill -9 replaced while every acknowledged write survives, and a
 * leader stopped with SIGTERM handing leadership over before it exits.
 */
import { afterAll, expect, test } from "bun:test";
import {
  killAll,
  pollUntil,
  removeDir,
  type ServerProcess,
  startServer,
} from "../support/server-process.ts";
import {
  type MemberPorts,
  clusterFlag,
  leaderOf,
  memberPorts,
  putValue,
  quorumValue,
} from "../support/member-http.ts";

const dirs: string[] = [];
afterAll(async () => {
  await killAll();
  for (const dir of dirs) removeDir(dir);
});

function startMember(member: MemberPorts, cluster: string, dataDir?: string) {
  return startServer({
    name: member.name,
    clientPort: member.clientPort,
    peerPort: member.peerPort,
    ...(dataDir === undefined ? {} : { dataDir }),
    extraArgs: ["--initial-cluster", cluster, "--heartbeat-interval", "50", "--log-level", "info"],
  });
}

test("three members elect one leader, serve writes anywhere and survive a leader kill", async () => {
  const members: MemberPorts[] = ["n1", "n2", "n3"].map(memberPorts);
  const cluster = clusterFlag(members);
  let servers = await Promise.all(members.map((member) => startMember(member, cluster)));
  for (const server of servers) dirs.push(server.dataDir);

  const clusterIds = await Promise.all(
    servers.map(async (server) => (await fetch(`${server.clientUrl}/v2/keys/`)).headers),
  );
  expect(new Set(clusterIds.map((headers) => headers.get("x-etcd-cluster-id"))).size).toBe(1);
  const leader = await leaderOf(servers);

  // A write through every member is visible to a linearizable read on every member.
  for (const [index, server] of servers.entries()) {
    expect(await putValue(server, `/via/${index}`, `v${index}`)).toBe(201);
    for (const reader of servers) {
      expect(await quorumValue(reader, `/via/${index}`)).toBe(`v${index}`);
    }
  }

  // The leader reports both followers, reached; a follower refuses to report as leader.
  await pollUntil(
    async () => {
      const stats = (await (await fetch(`${leader.clientUrl}/v2/stats/leader`)).json()) as {
        followers: Record<string, { counts: { success: number } }>;
      };
      const followers = Object.values(stats.followers);
      return followers.length === 2 && followers.every((entry) => entry.counts.success > 0);
    },
    10_000,
    "the leader to report two reached followers",
  );
  const notLeader = servers.find((server) => server !== leader) ?? leader;
  expect((await fetch(`${notLeader.clientUrl}/v2/stats/leader`)).status).toBe(403);

  // /v2/stats/self counts append requests: sent by the leader, received by followers, with
  // recent rates (fields etcd leaves out while zero).
  const selfOf = async (server: ServerProcess) =>
    (await (await fetch(`${server.clientUrl}/v2/stats/self`)).json()) as Record<string, number>;
  const leaderSelf = await selfOf(leader);
  const followerSelf = await selfOf(notLeader);
  expect(leaderSelf["sendAppendRequestCnt"]).toBeGreaterThan(0);
  expect(leaderSelf["sendPkgRate"]).toBeGreaterThan(0);
  expect(followerSelf["recvAppendRequestCnt"]).toBeGreaterThan(0);
  expect(followerSelf["recvPkgRate"]).toBeGreaterThan(0);
  expect(Object.keys(followerSelf)).not.toContain("sendPkgRate");

  // A watch on a follower sees a write made through another member.
  const follower = servers.find((server) => server !== leader) ?? leader;
  const watch = fetch(`${follower.clientUrl}/v2/keys/watched?wait=true`);
  await pollUntil(
    async () => {
      const stats = (await (await fetch(`${follower.clientUrl}/v2/stats/store`)).json()) as {
        watchers: number;
      };
      return stats.watchers === 1;
    },
    5000,
    "the follower's watch to register",
  );
  await putValue(leader, "/watched", "seen");
  expect(((await (await watch).json()) as { node: { value: string } }).node.value).toBe("seen");

  // Kill the leader: the other two elect a new one, keep every write, and accept new ones.
  const leaderIndex = servers.indexOf(leader);
  await leader.stop("SIGKILL");
  const survivors = servers.filter((server) => server !== leader);
  const newLeader = await leaderOf(survivors);
  expect(await putValue(newLeader, "/after", "kill")).toBe(201);
  for (const survivor of survivors) {
    expect(await quorumValue(survivor, "/via/0")).toBe("v0");
    expect(await quorumValue(survivor, "/after")).toBe("kill");
  }

  // The killed member restarts from its data dir and catches up.
  const killed = members[leaderIndex] as MemberPorts;
  const restarted = await startMember(killed, cluster, leader.dataDir);
  servers = [...survivors, restarted];
  await pollUntil(
    async () => (await quorumValue(restarted, "/after")) === "kill",
    15_000,
    "the restarted member to catch up",
  );

  // SIGTERM on the leader hands leadership over before exiting.
  const current = await leaderOf(servers);
  expect(await current.stop("SIGTERM")).toBe(0);
  expect(await new Response(current.process.stderr).text()).toContain("leadership transferred");
  const remaining = servers.filter((server) => server !== current);
  const successor = await leaderOf(remaining);
  expect(await putValue(successor, "/after-transfer", "ok")).toBe(201);
  await Promise.all(remaining.map((server) => server.stop()));
}, 90_000);

test("a member that loses its leader ends its watches and refuses new ones with 301", async () => {
  const members: MemberPorts[] = ["w1", "w2", "w3"].map(memberPorts);
  const cluster = clusterFlag(members);
  const servers = await Promise.all(members.map((member) => startMember(member, cluster)));
  for (const server of servers) dirs.push(server.dataDir);
  await leaderOf(servers);
  const [watched, ...others] = servers as [ServerProcess, ...ServerProcess[]];
  const longPoll = fetch(`${watched.clientUrl}/v2/keys/lost?wait=true`);
  const stream = fetch(`${watched.clientUrl}/v2/keys/lost?wait=true&stream=true`);
  await pollUntil(
    async () => {
      const stats = (await (await fetch(`${watched.clientUrl}/v2/stats/store`)).json()) as {
        watchers: number;
      };
      return stats.watchers === 2;
    },
    5000,
    "both watches to register",
  );
  // The other two go away: the watched member can no longer have a leader.
  await Promise.all(others.map((server) => server.stop("SIGKILL")));
  const startedMs = performance.now();
  const [longPollText, streamText] = await Promise.all([
    longPoll.then((response) => response.text()),
    stream.then((response) => response.text()),
  ]);
  // The watches ended by themselves, without an event, within a few election timeouts.
  expect(longPollText.trim()).toBe("");
  expect(streamText.trim()).toBe("");
  expect(performance.now() - startedMs).toBeLessThan(15_000);
  const refused = await fetch(`${watched.clientUrl}/v2/keys/lost?wait=true`);
  expect(((await refused.json()) as { errorCode: number }).errorCode).toBe(301);
}, 60_000);
