/**
 * Fault suite, five members: one leader; writes through every follower, read everywhere; a
 * watch on a follower sees every event of concurrent writers, in index order, none missing;
 * TTL keys expire through the log, so every member reports the same expire event at the same
 * index; and the cluster keeps serving a checked load with two members killed with kill -9,
 * which then restart and catch up.
 */
import { expect, test } from "bun:test";
import type { Member } from "../../support/cluster.ts";
import {
  etcdIndexOf,
  expectConverged,
  finishLoad,
  putKey,
  startLoad,
  waitForMoreAcknowledged,
} from "../../support/fault-workload.ts";
import { faultScenario } from "../../support/fault-scenario.ts";

const scenario = faultScenario({ size: 5 });

interface WatchEvent {
  readonly action: string;
  readonly key: string;
  readonly value: string | undefined;
  readonly modifiedIndex: number;
}

/** One long-poll watch, from `waitIndex` on. */
async function watchOnce(
  member: Member,
  key: string,
  waitIndex: number,
  timeoutMs: number,
): Promise<WatchEvent> {
  const url = `${member.clientUrl}/v2/keys${key}?wait=true&recursive=true&waitIndex=${waitIndex}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`Watch on ${member.name} failed: ${response.status}`);
  const body = (await response.json()) as {
    action: string;
    node: { key: string; value?: string; modifiedIndex: number };
  };
  const node = body.node;
  const modifiedIndex = node.modifiedIndex;
  return { action: body.action, key: node.key, value: node.value, modifiedIndex };
}

/** Follows `key` on `member` from `waitIndex` until `count` events arrived. */
async function collectEvents(
  member: Member,
  key: string,
  waitIndex: number,
  count: number,
): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  let next = waitIndex;
  while (events.length < count) {
    const event = await watchOnce(member, key, next, 15_000);
    events.push(event);
    next = event.modifiedIndex + 1;
  }
  return events;
}

test("writes via followers reach all; a follower's watch sees all events in order", async () => {
  await scenario.run(0, async (cluster) => {
    const leader = await cluster.waitForLeader();
    const followers = cluster.followers(leader);
    expect(followers).toHaveLength(4);
    const watcher = followers[0] as Member;
    const startIndex = await etcdIndexOf(leader.clientUrl);
    const writersCount = 4;
    const writesPerWriter = 25;
    const total = writersCount * writesPerWriter;
    const events = collectEvents(watcher, "/watched", startIndex + 1, total);
    const acknowledged = await Promise.all(
      Array.from({ length: writersCount }, async (_, writer) => {
        const writes = [];
        for (let sequence = 0; sequence < writesPerWriter; sequence++) {
          const through = followers[(writer + sequence) % followers.length] as Member;
          const key = `/watched/w${writer}-${sequence}`;
          const write = await putKey(through.clientUrl, key, `v${sequence}`, 5000);
          if (write === undefined) {
            throw new Error(`The write of ${key} through ${through.name} failed`);
          }
          writes.push({ key, ...write });
        }
        return writes;
      }),
    );
    const expected = acknowledged
      .flat()
      .sort((left, right) => left.modifiedIndex - right.modifiedIndex)
      .map((write) => ({ action: "set", ...write }));
    const seen = await events;
    expect(seen).toEqual(expected);
    await expectConverged(cluster.clientUrls(), 15_000);
  });
}, 60_000);

test("TTL keys expire at the same index on every member", async () => {
  await scenario.run(0, async (cluster, seed) => {
    const keys = [0, 1, 2].map((index) => `/ttl/${seed}-${index}`);
    const created = await Promise.all(
      keys.map(async (key, index) => {
        const through = cluster.members[index % cluster.members.length] as Member;
        const response = await fetch(`${through.clientUrl}/v2/keys${key}`, {
          method: "PUT",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "value=short-lived&ttl=1",
        });
        expect(response.status).toBe(201);
        const body = (await response.json()) as { node: { modifiedIndex: number } };
        return body.node.modifiedIndex;
      }),
    );
    for (const [index, key] of keys.entries()) {
      const waitIndex = (created[index] ?? 0) + 1;
      const events = await Promise.all(
        cluster.members.map((member) => watchOnce(member, key, waitIndex, 15_000)),
      );
      for (const event of events) {
        expect(event.action).toBe("expire");
        expect(event.key).toBe(key);
        expect(event.modifiedIndex).toBe(events[0]?.modifiedIndex ?? -1);
      }
    }
    await expectConverged(cluster.clientUrls(), 15_000);
  });
}, 60_000);

test("with two of five members killed the cluster serves a checked load", async () => {
  await scenario.run(1, async (cluster, seed) => {
    const load = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(load, 30, 10_000, "before the kills");
    const leader = await cluster.waitForLeader();
    const follower = cluster.followers(leader)[0] as Member;
    await Promise.all([cluster.kill(leader), cluster.kill(follower)]);
    await cluster.waitForLeader(cluster.live());
    await waitForMoreAcknowledged(load, 60, 20_000, "with three members");
    await Promise.all([cluster.restart(leader), cluster.restart(follower)]);
    await cluster.waitForLeader(cluster.members);
    await waitForMoreAcknowledged(load, 30, 15_000, "after the restarts");
    await finishLoad(load, cluster.clientUrls(), "five members, two killed");
    await expectConverged(cluster.clientUrls(), 15_000);
  });
}, 90_000);
