import { describe, expect, test } from "bun:test";
import { expirationFor } from "../../../src/store/write-operations.ts";
import {
  Harness,
  RecordingSink,
  casCommand,
  createCommand,
  readError,
  setCommand,
  updateCommand,
} from "./fixtures.ts";

const plain = { recursive: false, sorted: false };

describe("TTL deadlines", () => {
  test("a TTL sets expirationMs = now + ttl seconds", () => {
    const harness = new Harness();
    const event = harness.ok(setCommand("/foo", "bar", { ttlSeconds: 5 }));
    expect(event.node.expirationMs).toBe(harness.nowMs + 5000);
    expect(harness.store.nextExpirationMs()).toBe(harness.nowMs + 5000);
  });

  test("ttl 0 expires at the stamped time", () => {
    const harness = new Harness();
    expect(harness.ok(setCommand("/t0", "x", { ttlSeconds: 0 })).node.expirationMs).toBe(
      harness.nowMs,
    );
    expect(harness.expireAfter(0).map((event) => event.node.key)).toEqual(["/t0"]);
  });

  test("a TTL too large for a date makes the node permanent (etcd quirk 7)", () => {
    const harness = new Harness();
    const event = harness.ok(setCommand("/big", "x", { ttlSeconds: 100_000_000_000_000 }));
    expect(event.node.expirationMs).toBeUndefined();
    expect(harness.store.nextExpirationMs()).toBeNull();
    expect(expirationFor(harness.nowMs, Number.MAX_SAFE_INTEGER)).toBeNull();
    expect(expirationFor(0, 8.64e12)).toBe(8.64e15);
  });

  test("a fractional stamped time still gives a deadline", () => {
    expect(expirationFor(1000.5, 2)).toBe(3000.5);
  });

  test("set, update and compareAndSwap without a TTL make the node permanent", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a", "1", { ttlSeconds: 5 }));
    expect(harness.ok(setCommand("/a", "2")).node.expirationMs).toBeUndefined();
    harness.ok(setCommand("/b", "1", { ttlSeconds: 5 }));
    const update = harness.ok(updateCommand("/b", "2"));
    expect(update.node.expirationMs).toBeUndefined();
    expect(update.prevNode?.expirationMs).toBe(harness.nowMs + 5000);
    harness.ok(setCommand("/c", "1", { ttlSeconds: 5 }));
    const cas = harness.ok(casCommand("/c", "2", { prevValue: "1" }));
    expect(cas.node.expirationMs).toBeUndefined();
    expect(harness.store.nextExpirationMs()).toBeNull();
  });

  test("compareAndSwap with a TTL sets it", () => {
    const harness = new Harness();
    harness.ok(setCommand("/c", "1"));
    const event = harness.ok(casCommand("/c", "2", { prevIndex: 1 }, { ttlSeconds: 9 }));
    expect(event.node.expirationMs).toBe(harness.nowMs + 9000);
  });
});

describe("expiry", () => {
  test("expire removes due nodes in deadline order, one event and index each", () => {
    const harness = new Harness();
    harness.ok(setCommand("/late", "v", { ttlSeconds: 3 }));
    harness.ok(setCommand("/b", "v", { ttlSeconds: 1 }));
    harness.ok(setCommand("/a", "v", { ttlSeconds: 1 }));
    harness.ok(setCommand("/never", "v"));
    expect(harness.expireAfter(999)).toEqual([]);
    const events = harness.expireAfter(1);
    expect(events.map((event) => [event.action, event.node.key, event.index])).toEqual([
      ["expire", "/a", 5],
      ["expire", "/b", 6],
    ]);
    expect(harness.store.index).toBe(6);
    expect(harness.store.nextExpirationMs()).toBe(harness.nowMs + 2000);
    expect(harness.store.stats().expireCount).toBe(2);
  });

  test("an expire event has no value, the event index and the old node as prevNode", () => {
    const harness = new Harness();
    harness.ok(setCommand("/we/f", "v", { ttlSeconds: 1 }));
    const deadline = harness.nowMs + 1000;
    const [event] = harness.expireAfter(1000);
    expect(event).toEqual({
      action: "expire",
      node: { key: "/we/f", dir: false, createdIndex: 1, modifiedIndex: 2 },
      prevNode: {
        key: "/we/f",
        dir: false,
        value: "v",
        expirationMs: deadline,
        createdIndex: 1,
        modifiedIndex: 1,
      },
      index: 2,
      refresh: false,
    });
    expect(readError(() => harness.store.get("/we/f", plain))).toMatchObject({
      errorCode: 100,
      index: 2,
    });
    // The parent directory stays.
    expect(harness.store.get("/we", plain).node.dir).toBe(true);
  });

  test("an expiring directory takes its subtree in one event, with the TTLs inside it", () => {
    const harness = new Harness();
    harness.ok(setCommand("/dir", "", { dir: true, ttlSeconds: 2 }));
    harness.ok(setCommand("/dir/inner", "v", { ttlSeconds: 5 }));
    harness.ok(setCommand("/dir/sub/deep", "v"));
    const events = harness.expireAfter(2000);
    expect(events).toHaveLength(1);
    expect(events[0]?.node).toEqual({ key: "/dir", dir: true, createdIndex: 1, modifiedIndex: 4 });
    expect(harness.store.nodeCount).toBe(0);
    expect(harness.store.nextExpirationMs()).toBeNull();
    expect(harness.expireAfter(10_000)).toEqual([]);
  });

  test("nodes due at the same time expire in key order", () => {
    const harness = new Harness();
    harness.ok(setCommand("/c", "v", { ttlSeconds: 1 }));
    harness.ok(setCommand("/b", "", { dir: true, ttlSeconds: 1 }));
    harness.ok(setCommand("/b/x", "v", { ttlSeconds: 1 }));
    harness.ok(setCommand("/a", "v", { ttlSeconds: 1 }));
    // "/b" sorts before "/b/x", so the directory goes first and takes "/b/x" with it.
    const keys = harness.expireAfter(1000).map((event) => event.node.key);
    expect(keys).toEqual(["/a", "/b", "/c"]);
    expect(harness.store.stats().expireCount).toBe(3);
  });

  test("a watcher inside an expiring directory is woken by the expire event", () => {
    const harness = new Harness();
    harness.ok(setCommand("/dir", "", { dir: true, ttlSeconds: 1 }));
    const sink = new RecordingSink();
    const request = { key: "/dir/asdf", recursive: false, stream: false, sinceIndex: null };
    harness.store.watch(request, sink);
    harness.expireAfter(1000);
    expect(sink.events.map((event) => event.action)).toEqual(["expire"]);
  });

  test("rewriting a node moves its deadline", () => {
    const harness = new Harness();
    harness.ok(setCommand("/k", "v", { ttlSeconds: 1 }));
    harness.ok(updateCommand("/k", "v", { ttlSeconds: 10 }));
    expect(harness.expireAfter(5000)).toEqual([]);
    expect(harness.expireAfter(5000).map((event) => event.node.key)).toEqual(["/k"]);
  });

  test("the heap stays ordered through many inserts, moves and removals", () => {
    const harness = new Harness();
    const deadlines = new Map<string, number>();
    for (let step = 0; step < 200; step += 1) {
      const key = `/k${(step * 37) % 50}`;
      const ttlSeconds = (step * 7919) % 97;
      harness.ok(setCommand(key, "v", { ttlSeconds }));
      deadlines.set(key, harness.nowMs + ttlSeconds * 1000);
    }
    const expected = [...deadlines.entries()]
      .sort(([keyA, a], [keyB, b]) => a - b || (keyA < keyB ? -1 : 1))
      .map(([key]) => key);
    const events = harness.expireAfter(100_000);
    expect(events.map((event) => event.node.key)).toEqual(expected);
  });
});

describe("refresh", () => {
  test("refresh through update keeps the value and createdIndex, moves modifiedIndex", () => {
    const harness = new Harness();
    harness.ok(setCommand("/foo", "bar", { ttlSeconds: 5 }));
    const event = harness.ok(updateCommand("/foo", "", { ttlSeconds: 30, refresh: true }));
    expect(event).toEqual({
      action: "update",
      node: {
        key: "/foo",
        dir: false,
        value: "bar",
        expirationMs: harness.nowMs + 30_000,
        createdIndex: 1,
        modifiedIndex: 2,
      },
      prevNode: {
        key: "/foo",
        dir: false,
        value: "bar",
        expirationMs: harness.nowMs + 5000,
        createdIndex: 1,
        modifiedIndex: 1,
      },
      index: 2,
      refresh: true,
    });
  });

  test("refresh through set keeps the value but replaces the node", () => {
    const harness = new Harness();
    harness.ok(setCommand("/r1", "v"));
    const event = harness.ok(setCommand("/r1", "", { ttlSeconds: 10, refresh: true }));
    expect(event.action).toBe("set");
    expect(event.node).toMatchObject({ value: "v", createdIndex: 2, modifiedIndex: 2 });
    expect(event.prevNode).toMatchObject({ value: "v", createdIndex: 1 });
    expect(event.refresh).toBe(true);
  });

  test("refresh through compareAndSwap compares and keeps the value", () => {
    const harness = new Harness();
    harness.ok(setCommand("/c", "v"));
    const refresh = { ttlSeconds: 10, refresh: true };
    expect(harness.fail(casCommand("/c", "", { prevValue: "w" }, refresh)).errorCode).toBe(101);
    const event = harness.ok(casCommand("/c", "", { prevValue: "v" }, refresh));
    expect(event).toMatchObject({ action: "compareAndSwap", refresh: true });
    expect(event.node.value).toBe("v");
  });

  test("refresh of a directory through update changes its TTL", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d", "", { dir: true }));
    const event = harness.ok(updateCommand("/d", "", { ttlSeconds: 10, refresh: true }));
    expect(event.node.expirationMs).toBe(harness.nowMs + 10_000);
  });

  test("refresh of a missing key fails with 100 through set and update", () => {
    const harness = new Harness();
    const refresh = { ttlSeconds: 10, refresh: true };
    expect(harness.fail(setCommand("/m", "", refresh))).toMatchObject({ errorCode: 100 });
    expect(harness.fail(updateCommand("/m", "", refresh))).toMatchObject({ errorCode: 100 });
    expect(harness.store.index).toBe(0);
  });

  test("refresh with create on a missing key creates it with an empty value (quirk 5)", () => {
    const harness = new Harness();
    const event = harness.ok(createCommand("/q5", "", { ttlSeconds: 10, refresh: true }));
    expect(event.node).toMatchObject({ value: "", expirationMs: harness.nowMs + 10_000 });
    expect(event.refresh).toBe(false);
  });

  test("refreshes and expiries consume an index and stay in history", () => {
    const harness = new Harness();
    harness.ok(setCommand("/k", "v", { ttlSeconds: 1 }));
    harness.ok(updateCommand("/k", "", { ttlSeconds: 1, refresh: true }));
    harness.expireAfter(1000);
    expect(harness.store.index).toBe(3);
    const sink = new RecordingSink();
    harness.store.watch({ key: "/k", recursive: false, stream: true, sinceIndex: 1 }, sink);
    expect(sink.events.map((event) => event.action)).toEqual(["set", "expire"]);
  });
});
