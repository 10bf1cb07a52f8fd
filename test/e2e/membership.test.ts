/**
 * Runtime membership on compiled binaries: members publish their client URLs through the log, a
 * member added with POST /v2/members joins with `--initial-cluster-state existing` and catches
 * up, bad requests get etcd's answers, and a removed member (a follower, then the leader) stops
 * by itself while the rest keep serving. A lone member grows into a pair the same way.
 */
import { afterAll, expect, test } from "bun:test";
import {
  freePort,
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
  peerUrlOf,
  putValue,
  quorumValue,
} from "../support/member-http.ts";

const dirs: string[] = [];
afterAll(async () => {
  await killAll();
  for (const dir of dirs) removeDir(dir);
});

interface MemberBody {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

const tuning = ["--heartbeat-interval", "50", "--election-timeout", "500", "--log-level", "info"];

async function startMember(
  member: MemberPorts,
  cluster: readonly MemberPorts[],
  state: "new" | "existing" = "new",
): Promise<ServerProcess> {
  const server = await startServer({
    name: member.name,
    clientPort: member.clientPort,
    peerPort: member.peerPort,
    extraArgs: [
      "--initial-cluster", clusterFlag(cluster),
      "--initial-cluster-state", state,
      ...tuning,
    ],
  });
  dirs.push(server.dataDir);
  return server;
}

async function membersOf(server: ServerProcess): Promise<MemberBody[]> {
  const response = await fetch(`${server.clientUrl}/v2/members`);
  return ((await response.json()) as { members: MemberBody[] }).members;
}

function postMember(server: ServerProcess, body: string, contentType = "application/json") {
  return fetch(`${server.clientUrl}/v2/members`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
}

/** Polls until every server lists exactly `expected` members, each with its client URL. */
async function awaitMembers(
  servers: readonly ServerProcess[],
  expected: readonly ServerProcess[],
): Promise<void> {
  const wanted = expected.map((server) => `${server.name}=${server.clientUrl}`).sort();
  await pollUntil(
    async () => {
      for (const server of servers) {
        const listed = (await membersOf(server))
          .map((member) => `${member.name}=${member.clientURLs.join(",")}`)
          .sort();
        if (JSON.stringify(listed) !== JSON.stringify(wanted)) return false;
      }
      return true;
    },
    15_000,
    `every member to list ${wanted.join(" ")}`,
  );
}

function exited(server: ServerProcess): boolean {
  return server.process.exitCode !== null || server.process.signalCode !== null;
}

test("members publish, a member is added and joins, bad requests fail, removals stop members", async () => {
  const founders = ["n1", "n2", "n3"].map(memberPorts);
  const servers = await Promise.all(founders.map((member) => startMember(member, founders)));
  await leaderOf(servers);

  // Every member learns every other member's name and client URLs through the log.
  await awaitMembers(servers, servers);
  const machines = await (await fetch(`${servers[2]?.clientUrl}/v2/machines`)).text();
  expect(machines.split(", ").sort()).toEqual(servers.map((server) => server.clientUrl).sort());
  expect(await putValue(servers[0] as ServerProcess, "/before", "join")).toBe(201);

  // Add a fourth member through a follower's API; it starts with the cluster's view and joins.
  const joiner = memberPorts("n4");
  const firstLeader = await leaderOf(servers);
  const follower = servers.find((server) => server !== firstLeader) as ServerProcess;
  const added = await postMember(follower, JSON.stringify({ peerURLs: [peerUrlOf(joiner)] }));
  expect(added.status).toBe(201);
  const addedBody = (await added.json()) as MemberBody;
  expect(addedBody).toMatchObject({ name: "", peerURLs: [peerUrlOf(joiner)], clientURLs: [] });
  expect(addedBody.id).toMatch(/^[0-9a-f]{1,16}$/);

  const fourth = await startMember(joiner, [...founders, joiner], "existing");
  const all = [...servers, fourth];
  await pollUntil(
    async () => (await quorumValue(fourth, "/before")) === "join",
    15_000,
    "the joined member to catch up",
  );
  expect(await putValue(fourth, "/through", "n4")).toBe(201);
  await awaitMembers(all, all);
  expect((await membersOf(fourth)).find((member) => member.name === "n4")?.id).toBe(addedBody.id);

  // Bad requests change nothing and get etcd's answers.
  const taken = await postMember(fourth, JSON.stringify({ peerURLs: [peerUrlOf(joiner)] }));
  expect(taken.status).toBe(409);
  expect(await taken.text()).toBe('{"message":"membership: peerURL exists"}');
  const plain = await postMember(fourth, "peerURLs=x", "text/plain");
  expect(plain.status).toBe(415);
  expect(await plain.text()).toBe(
    '{"message":"Bad Content-Type text/plain, accept application/json"}',
  );
  const pathUrl = await postMember(fourth, JSON.stringify({ peerURLs: ["http://127.0.0.1:1/x"] }));
  expect(pathUrl.status).toBe(400);
  expect(await pathUrl.text()).toContain("URL must not contain a path");
  const unknown = await fetch(`${fourth.clientUrl}/v2/members/00000000000000ab`, {
    method: "DELETE",
  });
  expect(unknown.status).toBe(404);
  expect(await unknown.text()).toBe('{"message":"No such member: ab"}');
  expect((await membersOf(fourth)).length).toBe(4);

  // Remove a follower: it stops by itself, the list shrinks everywhere, writes go on.
  const leader = await leaderOf(all);
  const victim = all.find((server) => server !== leader && server !== fourth) as ServerProcess;
  const victimId = (await membersOf(leader)).find((member) => member.name === victim.name)?.id;
  const removal = await fetch(`${leader.clientUrl}/v2/members/${victimId}`, { method: "DELETE" });
  expect(removal.status).toBe(204);
  await pollUntil(() => exited(victim), 15_000, "the removed follower to exit");
  expect(await new Response(victim.process.stderr).text()).toContain("removed from the cluster");
  const three = all.filter((server) => server !== victim);
  await awaitMembers(three, three);
  const again = await fetch(`${leader.clientUrl}/v2/members/${victimId}`, { method: "DELETE" });
  expect(again.status).toBe(410);
  expect(await again.text()).toBe(`{"message":"Member permanently removed: ${victimId}"}`);
  expect(await putValue(fourth, "/after-removal", "ok")).toBe(201);

  // Remove the leader through another member: the leader exits, the rest elect a new one.
  const leaderId = (await membersOf(leader)).find((member) => member.name === leader.name)?.id;
  const other = three.find((server) => server !== leader) as ServerProcess;
  const leaderRemoval = await fetch(`${other.clientUrl}/v2/members/${leaderId}`, {
    method: "DELETE",
  });
  expect(leaderRemoval.status).toBe(204);
  await pollUntil(() => exited(leader), 15_000, "the removed leader to exit");
  const two = three.filter((server) => server !== leader);
  const newLeader = await leaderOf(two);
  expect(await putValue(newLeader, "/after-leader-removal", "ok")).toBe(201);
  for (const server of two) {
    expect(await quorumValue(server, "/before")).toBe("join");
    expect(await quorumValue(server, "/after-leader-removal")).toBe("ok");
  }
  await awaitMembers(two, two);
}, 120_000);

test("a lone member grows into a pair", async () => {
  const first = memberPorts("solo");
  const lone = await startMember(first, [first]);
  expect(await putValue(lone, "/alone", "yes")).toBe(201);
  const second = memberPorts("pair");
  const added = await postMember(lone, JSON.stringify({ peerURLs: [peerUrlOf(second)] }));
  expect(added.status).toBe(201);
  const pair = await startMember(second, [first, second], "existing");
  await pollUntil(
    async () => (await quorumValue(pair, "/alone")) === "yes",
    15_000,
    "the second member to catch up",
  );
  expect(await putValue(pair, "/together", "yes")).toBe(201);
  expect(await quorumValue(lone, "/together")).toBe("yes");
  await awaitMembers([lone, pair], [lone, pair]);
}, 60_000);

test("etcdctl member list, add, update and remove work against a cluster", async () => {
  const etcdctlPath = Bun.which("etcdctl");
  if (etcdctlPath === null) {
    throw new Error("etcdctl is not installed: apt-get install -y etcd-client (.ci/run does)");
  }
  const founders = ["e1", "e2", "e3"].map(memberPorts);
  const servers = await Promise.all(founders.map((member) => startMember(member, founders)));
  await leaderOf(servers);
  await awaitMembers(servers, servers);
  const endpoints = servers.map((server) => server.clientUrl).join(",");
  const etcdctl = async (...args: string[]) => {
    const child = Bun.spawn([etcdctlPath, "--endpoints", endpoints, ...args], {
      env: { ...process.env, ETCDCTL_API: "2" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, out, err] = await Promise.all([
      child.exited,
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    return { code, out, err };
  };

  const listed = await etcdctl("member", "list");
  expect(listed.code).toBe(0);
  for (const server of servers) {
    expect(listed.out).toContain(`name=${server.name} `);
    expect(listed.out).toContain(`clientURLs=${server.clientUrl}`);
  }
  expect(listed.out.match(/isLeader=true/g)?.length).toBe(1);

  const spare = memberPorts("e4");
  const added = await etcdctl("member", "add", "e4", peerUrlOf(spare));
  expect(added.code).toBe(0);
  expect(added.out).toContain('ETCD_INITIAL_CLUSTER_STATE="existing"');
  const id = /with ID ([0-9a-f]+)/.exec(added.out)?.[1] ?? "";
  expect(id).toMatch(/^[0-9a-f]+$/);
  const moved = `http://127.0.0.1:${freePort()}`;
  expect((await etcdctl("member", "update", id, moved)).code).toBe(0);
  expect((await etcdctl("member", "list")).out).toContain(`${id}[unstarted]: peerURLs=${moved}`);
  expect((await etcdctl("member", "remove", id)).code).toBe(0);
  const after = await etcdctl("member", "list");
  expect(after.out).not.toContain(id);
  expect(after.out.trim().split("\n").length).toBe(3);
}, 60_000);
