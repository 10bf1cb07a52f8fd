/**
 * A joining member's cluster query over real loopback sockets: a running transport answers with
 * its cluster id and member list; nobody listening, or no answer in time, is a clear error. And a
 * removed member that dials is told so through the transport's callback.
 */
import { afterEach, expect, test } from "bun:test";
import { defaultLimits } from "../../../src/limits.ts";
import { queryClusterInfo } from "../../../src/transport/index.ts";
import { clusterId, pollUntil, startMember, type TestMember } from "./helpers.ts";

const started: TestMember[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((member) => member.transport.stop()));
});

const members = [
  { id: 1n, name: "n1", peerURLs: ["http://127.0.0.1:7001"], clientURLs: ["http://a:4001"] },
  { id: 2n, name: "", peerURLs: ["http://127.0.0.1:7002"], clientURLs: [] },
];

test("a running member answers a cluster query with its cluster id and members", async () => {
  const running = await startMember(1n, { clusterInfo: () => ({ clusterId, members }) });
  started.push(running);
  const info = await queryClusterInfo(running.url, {
    frameBytesMax: defaultLimits.frameBytesMax,
    timeoutMs: 2000,
  });
  expect(info).toEqual({ clusterId, members });
});

test("a query to nobody fails naming the URL", async () => {
  const gone = await startMember(1n);
  await gone.transport.stop();
  const query = queryClusterInfo(gone.url, { frameBytesMax: 1 << 20, timeoutMs: 2000 });
  await expect(query).rejects.toThrow(`Cannot ask ${gone.url} for the cluster's members`);
});

test("a removed member dialing a peer hears that it was removed", async () => {
  let told = 0;
  const removed = await startMember(2n, { onRemovedFromCluster: () => (told += 1) });
  const survivor = await startMember(1n);
  started.push(removed, survivor);
  survivor.transport.addPeer(2n, [removed.url]);
  survivor.transport.removePeer(2n);
  removed.transport.addPeer(1n, [survivor.url]);
  await pollUntil(() => told > 0, "the removed member to be told");
});
