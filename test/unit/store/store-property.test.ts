/**
 * Seeded property tests: random command sequences applied to a store and to a copy restored from
 * a snapshot taken half-way must agree on every outcome, digest, read and history answer; and
 * the watcher hub must deliver exactly the events `watchMatches` accepts.
 */
import { describe, expect, test } from "bun:test";
import { type Prng, createPrng } from "../../../src/lib/prng.ts";
import type { StoreSnapshot } from "../../../src/store/snapshot.ts";
import { Store, type StoreOptions } from "../../../src/store/store.ts";
import type { ApplyOutcome, StoreCommand, WatchRequest } from "../../../src/store/types.ts";
import { watchMatches } from "../../../src/store/watch-match.ts";
import { RecordingSink, startMs } from "./fixtures.ts";

const seeds = Array.from({ length: 25 }, (_, position) => 1000 + position * 7919);
const stepCount = 400;
const options: StoreOptions = { historyEventsMax: 50, watchersMax: 10_000, nodesMax: 40 };
const names = ["a", "b", "_h", "c"];
const values = ["", "x", "y", "zz"];

function randomKey(prng: Prng): string {
  const depth = 1 + prng.nextInt(3);
  const components: string[] = [];
  for (let level = 0; level < depth; level += 1) components.push(names[prng.nextInt(4)] ?? "a");
  return `/${components.join("/")}`;
}

function randomTtl(prng: Prng): number | null {
  return prng.chance(0.6) ? null : prng.nextInt(6);
}

/** Files seen in recent events, so compares often name a live node with its real state. */
type Recent = { key: string; value: string; modifiedIndex: number }[];

function randomCompare(prng: Prng, index: number, target: Recent[number] | null) {
  const prevValue = prng.chance(0.5) ? (target?.value ?? values[prng.nextInt(4)] ?? "") : null;
  const knownIndex = target?.modifiedIndex ?? 1 + prng.nextInt(index + 2);
  const prevIndex = prevValue === null || prng.chance(0.3) ? knownIndex : null;
  return { prevValue, prevIndex };
}

function randomCommand(prng: Prng, index: number, recent: Recent): StoreCommand {
  const target = recent.length > 0 && prng.chance(0.7) ? recent[prng.nextInt(recent.length)] : null;
  const key = target?.key ?? (prng.chance(0.03) ? "/" : randomKey(prng));
  const value = values[prng.nextInt(4)] ?? "";
  const ttlSeconds = randomTtl(prng);
  const refresh = prng.chance(0.1);
  const dir = prng.chance(0.2);
  const compare = randomCompare(prng, index, target ?? null);
  switch (prng.nextInt(8)) {
    case 0:
      return { op: "set", key, value, dir, ttlSeconds, refresh };
    case 1:
      return { op: "create", key, value, dir, ttlSeconds, refresh, inOrder: prng.chance(0.3) };
    case 2:
      return { op: "update", key, value, ttlSeconds, refresh };
    case 3:
      return { op: "compareAndSwap", key, value, ttlSeconds, refresh, ...compare };
    case 4:
      return { op: "delete", key, dir, recursive: prng.chance(0.4) };
    case 5:
      return { op: "compareAndDelete", key, ...compare };
    case 6:
      return { op: "expire" };
    default:
      return { op: "set", key, value, dir: false, ttlSeconds, refresh: false };
  }
}

function remember(recent: Recent, outcome: ApplyOutcome): void {
  if (!outcome.ok) return;
  for (const { node } of outcome.events) {
    if (node.value === undefined) continue;
    recent.push({ key: node.key, value: node.value, modifiedIndex: node.modifiedIndex });
    if (recent.length > 8) recent.shift();
  }
}

function comparable(outcome: ApplyOutcome): unknown {
  return outcome.ok ? outcome : { ok: false, error: outcome.error.toJSON() };
}

function readAll(store: Store): unknown {
  return store.get("/", { recursive: true, sorted: false });
}

function historyAnswers(store: Store): unknown[] {
  const answers: unknown[] = [];
  for (let sinceIndex = Math.max(1, store.index - 60); sinceIndex <= store.index; sinceIndex += 7) {
    const sink = new RecordingSink();
    try {
      store.watch({ key: "/", recursive: true, stream: true, sinceIndex }, sink).cancel();
      answers.push(sink.indexes);
    } catch (error: unknown) {
      answers.push(String(error));
    }
  }
  return answers;
}

describe("seeded command sequences", () => {
  test.each(seeds)("a store restored half-way agrees with the original (seed %d)", (seed) => {
    const prng = createPrng(seed);
    const original = new Store(options);
    let copy: Store | null = null;
    let nowMs = startMs;
    const recent: Recent = [];
    for (let step = 1; step <= stepCount; step += 1) {
      nowMs += prng.nextInt(1500);
      const command = randomCommand(prng, original.index, recent);
      const outcome = original.apply(command, step, nowMs);
      remember(recent, outcome);
      if (copy !== null) {
        expect(comparable(copy.apply(command, step, nowMs))).toEqual(comparable(outcome));
      }
      if (step === stepCount / 2) {
        const snapshot = JSON.parse(JSON.stringify(original.toSnapshot())) as StoreSnapshot;
        copy = Store.fromSnapshot(snapshot, options);
      }
      expect(original.nodeCount).toBeLessThanOrEqual(options.nodesMax);
    }
    if (copy === null) throw new Error("The copy was never made");
    expect(copy.digest()).toBe(original.digest());
    expect(readAll(copy)).toEqual(readAll(original));
    expect(copy.nextExpirationMs()).toBe(original.nextExpirationMs());
    expect(historyAnswers(copy)).toEqual(historyAnswers(original));
    expect(copy.toSnapshot()).toEqual(original.toSnapshot());
    // Enough happened for the comparison to mean something.
    expect(original.index).toBeGreaterThan(50);
  });
});

describe("watcher hub against watchMatches", () => {
  const hubSeeds = seeds.slice(0, 10);
  test.each(hubSeeds)("the hub delivers exactly the matching events (seed %d)", (seed) => {
    const prng = createPrng(seed);
    const store = new Store({ ...options, nodesMax: 1000 });
    const watches: { request: WatchRequest; sink: RecordingSink }[] = [];
    for (let count = 0; count < 60; count += 1) {
      const key = prng.chance(0.1) ? "/" : randomKey(prng);
      const request = { key, recursive: prng.chance(0.5), stream: true, sinceIndex: null };
      const sink = new RecordingSink();
      store.watch(request, sink);
      watches.push({ request, sink });
    }
    const events = [];
    let nowMs = startMs;
    const recent: Recent = [];
    for (let step = 1; step <= stepCount; step += 1) {
      nowMs += prng.nextInt(1500);
      const outcome = store.apply(randomCommand(prng, store.index, recent), step, nowMs);
      remember(recent, outcome);
      if (outcome.ok) events.push(...outcome.events);
    }
    for (const { request, sink } of watches) {
      const expected = events.filter((event) =>
        watchMatches(request.key, request.recursive, event),
      );
      expect(sink.indexes).toEqual(expected.map((event) => event.index));
    }
  });
});
