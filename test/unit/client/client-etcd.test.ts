/**
 * EtcdClient against real etcd 3.4 (`/usr/bin/etcd --enable-v2`), the reference server. Skipped,
 * with the reason printed, only when etcd-server is not installed (CI installs etcd-client only).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EtcdClient, EtcdClientError, type EtcdResult } from "../../../src/client/index.ts";
import { etcdAvailable, etcdBinary, type EtcdProcess, startEtcd } from "./etcd-process.ts";

if (!etcdAvailable) {
  console.log(`skipping the real-etcd client tests: ${etcdBinary} is not installed`);
}

async function errorCodeOf(promise: Promise<unknown>): Promise<number | undefined> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return error instanceof EtcdClientError ? error.errorCode : undefined;
}

describe.skipIf(!etcdAvailable)("EtcdClient against etcd 3.4", () => {
  let etcd: EtcdProcess | undefined;
  let client: EtcdClient;

  beforeAll(async () => {
    etcd = await startEtcd();
    client = new EtcdClient({ endpoints: [etcd.clientUrl], timeoutMs: 10_000 });
  }, 30_000);

  afterAll(async () => {
    await etcd?.stop();
  }, 30_000);

  test("set, get and delete a key, with etcd's headers", async () => {
    const set = await client.set("/message", "Hello world");
    expect(set.status).toBe(201);
    expect(set.node?.value).toBe("Hello world");
    expect(set.headers.etcdIndex).toBe(set.node?.modifiedIndex);
    expect(set.headers.raftTerm).toBeGreaterThanOrEqual(1);
    expect(set.headers.raftIndex).toBeGreaterThan(0);
    expect(set.headers.clusterId).toMatch(/^[0-9a-f]+$/);
    const got = await client.get("/message");
    expect(got.action).toBe("get");
    const deleted = await client.delete("/message");
    expect(deleted.prevNode?.value).toBe("Hello world");
    expect(await errorCodeOf(client.get("/message"))).toBe(100);
  });

  test("create and update honour prevExist", async () => {
    expect((await client.create("/c", "1")).action).toBe("create");
    expect(await errorCodeOf(client.create("/c", "2"))).toBe(105);
    expect((await client.update("/c", "3")).node?.value).toBe("3");
    expect(await errorCodeOf(client.update("/nope", "3"))).toBe(100);
  });

  test("compare-and-swap and compare-and-delete report 101 with etcd's cause", async () => {
    const first = await client.set("/cas", "one");
    const error = await client.compareAndSwap("/cas", "x", { prevValue: "two" }).catch((e) => e);
    expect(error).toBeInstanceOf(EtcdClientError);
    expect((error as EtcdClientError).cause).toBe("[two != one]");
    expect((error as EtcdClientError).status).toBe(412);
    const swapped = await client.compareAndSwap("/cas", "two", {
      prevIndex: first.node?.modifiedIndex ?? 0,
    });
    expect(swapped.action).toBe("compareAndSwap");
    expect(await errorCodeOf(client.compareAndDelete("/cas", { prevValue: "one" }))).toBe(101);
    expect((await client.compareAndDelete("/cas", { prevValue: "two" })).action).toBe(
      "compareAndDelete",
    );
  });

  test("directories, in-order keys and recursive listing", async () => {
    expect((await client.mkdir("/dir")).node?.dir).toBe(true);
    expect(await errorCodeOf(client.mkdir("/dir"))).toBe(105);
    const job = await client.createInOrder("/dir", "job1");
    expect(job.node?.key).toMatch(/^\/dir\/\d{20}$/);
    const listing = await client.get("/dir", { recursive: true, sorted: true });
    expect(listing.node?.nodes?.map((node) => node.value)).toEqual(["job1"]);
    expect(await errorCodeOf(client.delete("/dir"))).toBe(102);
    expect(await errorCodeOf(client.delete("/dir", { dir: true }))).toBe(108);
    expect((await client.delete("/dir", { recursive: true })).action).toBe("delete");
  });

  test("TTLs are set, removed and refreshed", async () => {
    expect((await client.set("/ttl", "v", { ttl: 100 })).node?.ttl).toBe(100);
    const refreshed = await client.refresh("/ttl", 200);
    expect(refreshed.node?.ttl).toBe(200);
    expect(refreshed.node?.value).toBe("v");
    const permanent = await client.update("/ttl", "v", { ttl: null });
    expect(permanent.node?.ttl).toBeUndefined();
  });

  test("a quorum get answers like a plain get", async () => {
    await client.set("/q", "v");
    const result = await client.get("/q", { quorum: true });
    expect(result.node?.value).toBe("v");
  });

  test("a long-poll watch returns the next change; waitIndex reads history", async () => {
    const before = await client.set("/w", "0");
    const watch = client.watch("/w");
    // The watch is registered once its response headers arrive; poll until a write wakes it.
    let result: EtcdResult | undefined;
    const woken = watch.then((event) => {
      result = event;
    });
    const deadline = performance.now() + 10_000;
    for (let value = 1; result === undefined && performance.now() < deadline; value++) {
      await client.set("/w", String(value));
      await Promise.race([woken, Bun.sleep(20)]);
    }
    expect(result?.action).toBe("set");
    const fromHistory = await client.watch("/w", { waitIndex: before.node?.modifiedIndex ?? 0 });
    expect(fromHistory.node?.value).toBe("0");
  });

  test("a stream watch yields every change after it opened, in order", async () => {
    const stream = await client.watchStream("/s", { recursive: true });
    for (const index of [1, 2, 3]) await client.set(`/s/${index}`, String(index));
    const keys: string[] = [];
    for await (const event of stream) {
      keys.push(event.node?.key ?? "");
      if (keys.length === 3) break;
    }
    expect(keys).toEqual(["/s/1", "/s/2", "/s/3"]);
    expect(stream.headers.etcdIndex).toBeGreaterThan(0);
  });

  test("a cleared history answers 401", async () => {
    const current = (await client.set("/h/start", "x")).headers.etcdIndex ?? 0;
    // Writes in concurrent batches: etcd keeps the last 1000 events.
    for (let batch = 0; batch < 21; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, index) => client.set(`/h/${index}`, "x")));
    }
    expect(current).toBeGreaterThan(0);
    expect(await errorCodeOf(client.watch("/h/start", { waitIndex: current }))).toBe(401);
    expect(await errorCodeOf(client.watchStream("/h/start", { waitIndex: current }))).toBe(401);
  });

  test("stats, members, version and health", async () => {
    const self = await client.statsSelf();
    expect(self.state).toBe("StateLeader");
    expect((await client.statsLeader()).leader).toBe(self.id);
    expect((await client.statsStore()).setsSuccess).toBeGreaterThan(0);
    const members = await client.members();
    expect(members.map((member) => member.name)).toEqual(["t0"]);
    expect((await client.leader()).id).toBe(self.id);
    expect((await client.version()).etcdserver).toMatch(/^3\.4\./);
    expect(await client.health()).toBe(true);
  });
});
