/**
 * Seeded property tests: random command sequences applied to a store and to a copy restored from
 * a snapshot taken half-way must agree on every outcome, digest, read and history answer; and
 * the watcher hub must deliver exactly the events `watchMatches` accepts.
 */
import { describe, expect, test } from "bun:test";
import { createPrng } from "../../../src/lib/prng.ts";
import type { StoreSnapshot } from "../../../src/store/snapshot.ts";
import { Store, type StoreOptions } from "../../../src/store/store.ts";
import type { ApplyOutcome, WatchRequest } from "../../../src/store/types.ts";
import { watchMatches } from "../../../src/store/watch-match.ts";
import { RecordingSink, startMs } from "./fixtures.ts";
import { type Recent, randomCommand, randomKey, remember } from "./random-commands.ts";

const seeds = Array.from({ length: 25 }, (_, position) => 1000 + position * 7919);
const stepCount = 400;
const options: StoreOptions = { historyEventsMax: 50, watchersMax: 10_000, nodesMax: 40 };
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
