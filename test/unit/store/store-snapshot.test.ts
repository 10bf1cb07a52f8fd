import { describe, expect, test } from "bun:test";
import type { StoreSnapshot } from "../../../src/store/snapshot.ts";
import { Store } from "../../../src/store/store.ts";
import {
  Harness,
  RecordingSink,
  createCommand,
  defaultOptions,
  deleteCommand,
  readError,
  setCommand,
  updateCommand,
} from "./fixtures.ts";

const everything = { recursive: true, sorted: false };

/** A store with files, directories, hidden keys, TTLs, in-order keys and a trimmed history. */
function busyHarness(): Harness {
  const harness = new Harness({ historyEventsMax: 8 });
  harness.ok(setCommand("/b/one", "1"));
  harness.ok(setCommand("/a/two", "2", { ttlSeconds: 30 }));
  harness.ok(setCommand("/a/_hidden", "h"));
  harness.ok(setCommand("/dir", "", { dir: true, ttlSeconds: 60 }));
  harness.ok(createCommand("/queue", "job", { inOrder: true }));
  harness.ok(createCommand("/queue", "job", { inOrder: true }));
  harness.ok(updateCommand("/a/two", "", { ttlSeconds: 40, refresh: true }));
  harness.ok(deleteCommand("/b", { recursive: true }));
  harness.ok(setCommand("/z", "last", { ttlSeconds: 0 }));
  harness.expireAfter(0);
  harness.ok(setCommand("/c", "after expiry"));
  harness.store.get("/a", everything);
  harness.fail(createCommand("/c", "again"));
  return harness;
}

function plainCopy(snapshot: StoreSnapshot): StoreSnapshot {
  return JSON.parse(JSON.stringify(snapshot)) as StoreSnapshot;
}

describe("snapshots", () => {
  test("a snapshot is plain data that survives JSON and structured cloning", () => {
    const snapshot = busyHarness().store.toSnapshot();
    expect(plainCopy(snapshot)).toEqual(snapshot);
    expect(structuredClone(snapshot)).toEqual(snapshot);
    expect(snapshot.history.map((event) => event.index)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(snapshot.nodes.map((node) => node.key)).toEqual([
      "/a",
      "/a/two",
      "/a/_hidden",
      "/dir",
      "/queue",
      "/queue/00000000000000000005",
      "/queue/00000000000000000006",
      "/c",
    ]);
  });

  test("a restored store reads, digests, expires and answers history like the original", () => {
    const harness = busyHarness();
    const original = harness.store;
    const restored = Store.fromSnapshot(plainCopy(original.toSnapshot()), {
      ...defaultOptions,
      historyEventsMax: 8,
    });
    expect(restored.digest()).toBe(original.digest());
    expect(restored.index).toBe(original.index);
    expect(restored.appliedIndex).toBe(original.appliedIndex);
    expect(restored.get("/", everything)).toEqual(original.get("/", everything));
    expect(restored.nextExpirationMs()).toBe(original.nextExpirationMs());
    expect(restored.stats()).toEqual(original.stats());
    for (const sinceIndex of [4, 6, 9]) {
      const request = { key: "/", recursive: true, stream: true, sinceIndex };
      const fromOriginal = new RecordingSink();
      const fromRestored = new RecordingSink();
      original.watch(request, fromOriginal).cancel();
      restored.watch(request, fromRestored).cancel();
      expect(fromRestored.events).toEqual(fromOriginal.events);
    }
    const request = { key: "/", recursive: true, stream: false, sinceIndex: 3 };
    const cleared = readError(() => restored.watch(request, new RecordingSink()));
    expect(cleared).toEqual(readError(() => original.watch(request, new RecordingSink())));
    expect(restored.toSnapshot()).toEqual(original.toSnapshot());
  });

  test("a store restored with a smaller history keeps the newest events", () => {
    const snapshot = busyHarness().store.toSnapshot();
    const restored = Store.fromSnapshot(snapshot, { ...defaultOptions, historyEventsMax: 3 });
    expect(restored.toSnapshot().history.map((event) => event.index)).toEqual([9, 10, 11]);
  });

  test("the digest changes with any value or index and ignores creation order", () => {
    const harness = new Harness();
    harness.ok(setCommand("/x", "1"));
    harness.ok(setCommand("/y", "2"));
    const digest = harness.store.digest();
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    const snapshot = harness.store.toSnapshot();
    const reordered = { ...snapshot, nodes: [...snapshot.nodes].reverse() };
    const other = Store.fromSnapshot(reordered, defaultOptions);
    expect(other.digest()).toBe(digest);
    expect(other.get("/", everything).node.nodes?.[0]?.key).toBe("/y");
    const changed = {
      ...snapshot,
      nodes: snapshot.nodes.map((node) => (node.key === "/y" ? { ...node, value: "3" } : node)),
    };
    expect(Store.fromSnapshot(changed, defaultOptions).digest()).not.toBe(digest);
    harness.ok(updateCommand("/y", "2"));
    expect(harness.store.digest()).not.toBe(digest);
  });

  test("restoring in place replays history to waiting watchers and closes stale ones", () => {
    const leader = new Harness({ historyEventsMax: 4 });
    const follower = new Harness({ historyEventsMax: 4 });
    leader.ok(setCommand("/other", "1"));
    follower.ok(setCommand("/other", "1"));
    const waiting = new RecordingSink();
    const streaming = new RecordingSink();
    const future = new RecordingSink();
    follower.store.watch({ key: "/a", recursive: false, stream: false, sinceIndex: null }, waiting);
    follower.store.watch({ key: "/", recursive: true, stream: true, sinceIndex: null }, streaming);
    follower.store.watch({ key: "/a", recursive: false, stream: false, sinceIndex: 9 }, future);
    for (const value of ["1", "2", "3"]) leader.ok(setCommand("/a", value));
    follower.store.restore(leader.store.toSnapshot());
    expect(waiting.indexes).toEqual([2]);
    expect(streaming.indexes).toEqual([2, 3, 4]);
    expect(future.events).toHaveLength(0);
    expect(follower.store.stats().watchers).toBe(2);
    // Too far behind: the first unseen index has left the leader's history.
    const stale = new RecordingSink();
    follower.store.watch({ key: "/a", recursive: false, stream: true, sinceIndex: null }, stale);
    for (let step = 0; step < 6; step += 1) leader.ok(setCommand("/b", String(step)));
    follower.store.restore(leader.store.toSnapshot());
    expect(stale.closes.map((error) => error.toJSON())).toEqual([
      {
        errorCode: 401,
        message: "The event in requested index is outdated and cleared",
        cause: "the requested history has been cleared [7/5]",
        index: 10,
      },
    ]);
    expect(streaming.closes).toHaveLength(1);
    expect(follower.store.digest()).toBe(leader.store.digest());
  });
});
