import { describe, expect, test } from "bun:test";
import { ErrorCode, EtcdError } from "../../../src/store/errors.ts";
import type { WatchRequest } from "../../../src/store/types.ts";
import {
  Harness,
  RecordingSink,
  deleteCommand,
  readError,
  setCommand,
  updateCommand,
} from "./fixtures.ts";

function request(key: string, options: Partial<WatchRequest> = {}): WatchRequest {
  return {
    key,
    recursive: options.recursive ?? false,
    stream: options.stream ?? false,
    sinceIndex: options.sinceIndex ?? null,
  };
}

function watch(harness: Harness, key: string, options: Partial<WatchRequest> = {}) {
  const sink = new RecordingSink();
  const watcher = harness.store.watch(request(key, options), sink);
  return { sink, watcher };
}

describe("live watches", () => {
  test("a watch on a key wakes on the next event on that key, then leaves", () => {
    const harness = new Harness();
    const { sink, watcher } = watch(harness, "/foo");
    expect(watcher.startIndex).toBe(0);
    expect(harness.store.stats().watchers).toBe(1);
    harness.ok(setCommand("/other", "x"));
    const event = harness.ok(setCommand("/foo", "bar"));
    harness.ok(setCommand("/foo", "baz"));
    expect(sink.events).toEqual([event]);
    expect(harness.store.stats().watchers).toBe(0);
  });

  test("closeWatchers ends every watch with the reason and registers nothing more", () => {
    const harness = new Harness();
    const first = watch(harness, "/a");
    const second = watch(harness, "/dir", { recursive: true, stream: true });
    const reason = new EtcdError(ErrorCode.leaderElect, "member lost its leader", 0);
    expect(harness.store.closeWatchers(reason)).toBe(2);
    expect(first.sink.closes).toEqual([reason]);
    expect(second.sink.closes).toEqual([reason]);
    expect(harness.store.stats().watchers).toBe(0);
    harness.ok(setCommand("/a", "x"));
    expect(first.sink.events).toEqual([]);
    expect(harness.store.closeWatchers(reason)).toBe(0);
  });

  test("startIndex is the store index at registration", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a", "1"));
    harness.ok(setCommand("/a", "2"));
    expect(watch(harness, "/a").watcher.startIndex).toBe(2);
  });

  test("a non-recursive watch ignores children", () => {
    const harness = new Harness();
    harness.ok(setCommand("/dir", "", { dir: true }));
    const { sink } = watch(harness, "/dir");
    harness.ok(setCommand("/dir/child", "x"));
    expect(sink.events).toHaveLength(0);
    // The directory's own TTL update does wake it.
    harness.ok(updateCommand("/dir", "", { ttlSeconds: 60 }));
    expect(sink.indexes).toEqual([3]);
  });

  test("a recursive watch wakes on keys below, by path component", () => {
    const harness = new Harness();
    const { sink } = watch(harness, "/foo", { recursive: true, stream: true });
    harness.ok(setCommand("/foobar", "no"));
    harness.ok(setCommand("/foo/a/b", "yes"));
    harness.ok(deleteCommand("/foo", { recursive: true }));
    expect(sink.indexes).toEqual([2, 3]);
  });

  test("a recursive watch on the root sees every visible key", () => {
    const harness = new Harness();
    const { sink } = watch(harness, "/", { recursive: true, stream: true });
    harness.ok(setCommand("/a", "1"));
    harness.ok(setCommand("/b/c", "1"));
    harness.ok(setCommand("/_h", "1"));
    expect(sink.indexes).toEqual([1, 2]);
  });

  test("a recursive watch skips hidden keys below it but a watch on a hidden key wakes", () => {
    const harness = new Harness();
    const recursive = watch(harness, "/h", { recursive: true, stream: true });
    const direct = watch(harness, "/h/_x", { stream: true });
    const inside = watch(harness, "/h/_x", { recursive: true, stream: true });
    harness.ok(setCommand("/h/_x/y", "1"));
    harness.ok(setCommand("/h/v/_z", "1"));
    harness.ok(updateCommand("/h/_x", "", { ttlSeconds: 60 }));
    harness.ok(setCommand("/h/v/w", "1"));
    expect(recursive.sink.indexes).toEqual([4]);
    expect(direct.sink.indexes).toEqual([3]);
    expect(inside.sink.indexes).toEqual([1, 3]);
  });

  test("deleting a directory wakes watchers on keys inside it", () => {
    const harness = new Harness();
    harness.ok(setCommand("/wd/dir/k", "v"));
    const child = watch(harness, "/wd/dir/k");
    const missing = watch(harness, "/wd/dir/not-yet");
    const sibling = watch(harness, "/wd/other");
    const event = harness.ok(deleteCommand("/wd/dir", { recursive: true }));
    expect(child.sink.events).toEqual([event]);
    expect(missing.sink.events).toEqual([event]);
    expect(sibling.sink.events).toEqual([]);
    expect(event.node).toEqual({ key: "/wd/dir", dir: true, createdIndex: 1, modifiedIndex: 2 });
  });

  test("deleting a file does not wake watchers on other keys below its name", () => {
    const harness = new Harness();
    harness.ok(setCommand("/f", "v"));
    const { sink } = watch(harness, "/f/x");
    harness.ok(deleteCommand("/f"));
    expect(sink.events).toEqual([]);
  });

  test("refreshes never wake watchers", () => {
    const harness = new Harness();
    harness.ok(setCommand("/r", "v", { ttlSeconds: 10 }));
    const { sink } = watch(harness, "/r", { stream: true });
    harness.ok(updateCommand("/r", "", { ttlSeconds: 20, refresh: true }));
    harness.ok(setCommand("/r", "", { ttlSeconds: 20, refresh: true }));
    expect(sink.events).toHaveLength(0);
    harness.ok(setCommand("/r", "w"));
    expect(sink.indexes).toEqual([4]);
  });

  test("a cancelled watcher receives nothing and leaves the count", () => {
    const harness = new Harness();
    const { sink, watcher } = watch(harness, "/c", { stream: true });
    watcher.cancel();
    watcher.cancel();
    expect(harness.store.stats().watchers).toBe(0);
    harness.ok(setCommand("/c", "1"));
    expect(sink.events).toHaveLength(0);
  });

  test("a stream watcher keeps receiving until cancelled", () => {
    const harness = new Harness();
    const { sink, watcher } = watch(harness, "/s", { stream: true });
    harness.ok(setCommand("/s", "1"));
    harness.ok(setCommand("/s", "2"));
    watcher.cancel();
    harness.ok(setCommand("/s", "3"));
    expect(sink.indexes).toEqual([1, 2]);
  });

  test("a watcher cancelled by another sink during delivery receives nothing", () => {
    const harness = new Harness();
    const cancelled: { cancel: () => void }[] = [];
    const canceller = {
      event: () => {
        for (const watcher of cancelled) watcher.cancel();
      },
      closed: () => undefined,
    };
    harness.store.watch(request("/k"), canceller);
    const victim = watch(harness, "/k", { stream: true });
    cancelled.push(victim.watcher);
    harness.ok(setCommand("/k", "1"));
    expect(victim.sink.events).toHaveLength(0);
    expect(harness.store.stats().watchers).toBe(0);
  });

  test("a watcher registered by a sink mid-batch wants only events after the batch", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a", "1", { ttlSeconds: 1 }));
    harness.ok(setCommand("/b", "1", { ttlSeconds: 1 }));
    const late = new RecordingSink();
    const registering = {
      event: () => {
        harness.store.watch(request("/", { recursive: true, stream: true }), late);
      },
      closed: () => undefined,
    };
    harness.store.watch(request("/a"), registering);
    expect(harness.expireAfter(1000).map((event) => event.index)).toEqual([3, 4]);
    expect(late.events).toHaveLength(0);
    harness.ok(setCommand("/c", "1"));
    expect(late.indexes).toEqual([5]);
  });

  test("the watcher limit throws 402 and registering below it works again", () => {
    const harness = new Harness({ watchersMax: 2 });
    const one = watch(harness, "/a");
    watch(harness, "/b");
    const error = readError(() => watch(harness, "/c"));
    expect(error).toMatchObject({ errorCode: 402, index: 0 });
    one.watcher.cancel();
    expect(() => watch(harness, "/c")).not.toThrow();
    expect(harness.store.stats().watchers).toBe(2);
  });
});

describe("watches from history", () => {
  test("waitIndex in history returns the first matching event at once, skipping refreshes", () => {
    const harness = new Harness();
    harness.ok(setCommand("/w", "v1", { ttlSeconds: 10 }));
    harness.ok(setCommand("/w", "", { ttlSeconds: 10, refresh: true }));
    harness.ok(setCommand("/w", "v2"));
    const atSet = watch(harness, "/w", { sinceIndex: 1 });
    expect(atSet.sink.indexes).toEqual([1]);
    const atRefresh = watch(harness, "/w", { sinceIndex: 2 });
    expect(atRefresh.sink.indexes).toEqual([3]);
    expect(atRefresh.watcher.startIndex).toBe(3);
    // A history hit is not registered.
    expect(harness.store.stats().watchers).toBe(0);
  });

  test("waitIndex in history without a match waits for a future event", () => {
    const harness = new Harness();
    harness.ok(setCommand("/other", "1"));
    const { sink } = watch(harness, "/w", { sinceIndex: 1 });
    expect(sink.events).toHaveLength(0);
    expect(harness.store.stats().watchers).toBe(1);
    harness.ok(setCommand("/w", "1"));
    expect(sink.indexes).toEqual([2]);
  });

  test("waitIndex 0 means future events only", () => {
    const harness = new Harness();
    harness.ok(setCommand("/w", "1"));
    const { sink } = watch(harness, "/w", { sinceIndex: 0 });
    expect(sink.events).toHaveLength(0);
    harness.ok(setCommand("/w", "2"));
    expect(sink.indexes).toEqual([2]);
  });

  test("waitIndex in the future ignores events below it", () => {
    const harness = new Harness();
    const { sink } = watch(harness, "/w", { sinceIndex: 3 });
    harness.ok(setCommand("/w", "1"));
    harness.ok(setCommand("/w", "2"));
    expect(sink.events).toHaveLength(0);
    harness.ok(setCommand("/w", "3"));
    expect(sink.indexes).toEqual([3]);
  });

  test("waitIndex older than the history throws 401 with [oldest/requested]", () => {
    const harness = new Harness({ historyEventsMax: 5 });
    for (let step = 0; step < 12; step += 1) harness.ok(setCommand("/k", String(step)));
    expect(readError(() => watch(harness, "/k", { sinceIndex: 7 }))).toEqual({
      errorCode: 401,
      message: "The event in requested index is outdated and cleared",
      cause: "the requested history has been cleared [8/7]",
      index: 12,
    });
    expect(watch(harness, "/k", { sinceIndex: 8 }).sink.indexes).toEqual([8]);
  });

  test("history scans match by path component and skip hidden keys", () => {
    const harness = new Harness();
    harness.ok(setCommand("/foobar/x", "1"));
    harness.ok(deleteCommand("/foobar", { recursive: true }));
    harness.ok(setCommand("/foo/_hidden", "1"));
    harness.ok(setCommand("/foo/shown", "1"));
    expect(watch(harness, "/foo", { recursive: true, sinceIndex: 1 }).sink.indexes).toEqual([4]);
  });

  test("history scans find a directory delete for a watcher inside it", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d/k", "1"));
    harness.ok(deleteCommand("/d", { recursive: true }));
    expect(watch(harness, "/d/k/deeper", { sinceIndex: 2 }).sink.indexes).toEqual([2]);
  });

  test("a stream watch delivers every matching history event, then live ones", () => {
    const harness = new Harness();
    harness.ok(setCommand("/s", "1"));
    harness.ok(setCommand("/x", "1"));
    harness.ok(setCommand("/s", "2"));
    const { sink, watcher } = watch(harness, "/s", { stream: true, sinceIndex: 1 });
    expect(sink.indexes).toEqual([1, 3]);
    expect(watcher.startIndex).toBe(3);
    harness.ok(setCommand("/s", "3"));
    expect(sink.indexes).toEqual([1, 3, 4]);
    expect(harness.store.stats().watchers).toBe(1);
  });

  test("a stream watch from history at the watcher limit throws before delivering", () => {
    const harness = new Harness({ watchersMax: 1 });
    harness.ok(setCommand("/s", "1"));
    watch(harness, "/other");
    const sink = new RecordingSink();
    expect(() =>
      harness.store.watch(request("/s", { stream: true, sinceIndex: 1 }), sink),
    ).toThrow("Too many watchers");
    expect(sink.events).toHaveLength(0);
    // A one-shot history hit needs no registration, so it still works at the limit.
    expect(watch(harness, "/s", { sinceIndex: 1 }).sink.indexes).toEqual([1]);
  });
});
