/**
 * The peer proxy the fault suite partitions clusters with, between two real TCP transports: it
 * names each connection's sender from the handshake, cuts one direction without the other,
 * closes a cut link's connections and refuses re-dials until healed, and delays in order.
 */
import { afterAll, expect, test } from "bun:test";
import type { MemberId, MsgHeartbeat } from "../../../src/raft/index.ts";
import { PeerProxy } from "../../support/tcp-proxy.ts";
import { uniquePorts } from "../../support/cluster.ts";
import { pollUntil, startMember, type TestMember } from "../../unit/transport/helpers.ts";

const started: TestMember[] = [];
let proxy: PeerProxy | undefined;

afterAll(async () => {
  await Promise.all(started.map((member) => member.transport.stop()));
  await proxy?.close();
}, 10_000);

function heartbeat(from: MemberId, to: MemberId, commit: number): MsgHeartbeat {
  return { type: "MsgHeartbeat", from, to, term: 1, commit, context: null };
}

function heardCommits(member: TestMember): number[] {
  return member.heard.messages.map((message) =>
    message.type === "MsgHeartbeat" ? message.commit : -1,
  );
}

test("the proxy cuts and heals one direction of a link and delays in order", async () => {
  const a = await startMember(1n);
  const b = await startMember(2n);
  started.push(a, b);
  const [portA, portB] = uniquePorts(2) as [number, number];
  proxy = await PeerProxy.start([
    { name: "a", id: a.id, proxyPort: portA, peerPort: a.transport.listenPort },
    { name: "b", id: b.id, proxyPort: portB, peerPort: b.transport.listenPort },
  ]);
  a.transport.addPeer(b.id, [`http://127.0.0.1:${portB}`]);
  b.transport.addPeer(a.id, [`http://127.0.0.1:${portA}`]);

  a.transport.send([heartbeat(a.id, b.id, 1)]);
  await pollUntil(() => heardCommits(b).includes(1), "a → b through the proxy");
  b.transport.send([heartbeat(b.id, a.id, 1)]);
  await pollUntil(() => heardCommits(a).includes(1), "b → a through the proxy");
  expect(proxy.counters.accepted).toBeGreaterThanOrEqual(1);

  // Cut a → b only: b still reaches a, a's messages stop and its re-dials are refused.
  proxy.cut("a", "b", { oneWay: true });
  expect(proxy.counters.closedByCut).toBeGreaterThanOrEqual(1);
  await pollUntil(() => {
    a.transport.send([heartbeat(a.id, b.id, 2)]);
    return proxy !== undefined && proxy.counters.refused >= 1;
  }, "a re-dial refused");
  b.transport.send([heartbeat(b.id, a.id, 2)]);
  await pollUntil(() => heardCommits(a).includes(2), "b → a while a → b is cut");
  expect(heardCommits(b)).not.toContain(2);

  proxy.heal("a", "b", { oneWay: true });
  await pollUntil(() => {
    a.transport.send([heartbeat(a.id, b.id, 3)]);
    return heardCommits(b).includes(3);
  }, "a → b after healing");

  proxy.delay(150);
  const sentMs = performance.now();
  a.transport.send([4, 5, 6].map((commit) => heartbeat(a.id, b.id, commit)));
  await pollUntil(() => heardCommits(b).includes(6), "delayed messages", 5000);
  expect(performance.now() - sentMs).toBeGreaterThanOrEqual(140);
  const commits = heardCommits(b).filter((commit) => commit >= 4);
  expect(commits).toEqual([4, 5, 6]);
  proxy.delay(0);
}, 30_000);
