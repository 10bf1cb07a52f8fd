/**
 * The store against a naive reference model (reference-model.ts): the same seeded random
 * commands must give the same outcomes, listings, node counts and next deadlines.
 */
import { describe, expect, test } from "bun:test";
import { createPrng } from "../../../src/lib/prng.ts";
import { Store } from "../../../src/store/store.ts";
import type { ApplyOutcome } from "../../../src/store/types.ts";
import { startMs } from "./fixtures.ts";
import { type Recent, randomCommand, remember } from "./random-commands.ts";
import { type ModelOutcome, ReferenceModel } from "./reference-model.ts";

const seeds = Array.from({ length: 30 }, (_, position) => 77 + position * 104_729);
const stepCount = 500;
const nodesMax = 30;

function comparable(outcome: ApplyOutcome): ModelOutcome {
  if (outcome.ok) return { ok: true, events: [...outcome.events] };
  const { errorCode, cause, index } = outcome.error;
  return { ok: false, error: { errorCode, cause, index } };
}

function nextDeadline(model: ReferenceModel): number | null {
  let earliest: number | null = null;
  for (const node of model.nodes.values()) {
    const deadline = node.expirationMs;
    if (deadline !== null && (earliest === null || deadline < earliest)) earliest = deadline;
  }
  return earliest;
}

describe("store against the reference model", () => {
  test.each(seeds)("random commands give the model's outcomes (seed %d)", (seed) => {
    const prng = createPrng(seed);
    const store = new Store({ historyEventsMax: 100, watchersMax: 10, nodesMax });
    const model = new ReferenceModel(nodesMax);
    const recent: Recent = [];
    let nowMs = startMs;
    for (let step = 1; step <= stepCount; step += 1) {
      nowMs += prng.nextInt(1500);
      const command = randomCommand(prng, store.index, recent);
      const outcome = store.apply(command, step, nowMs);
      remember(recent, outcome);
      expect({ step, command, outcome: comparable(outcome) }).toEqual({
        step,
        command,
        outcome: model.apply(command, nowMs),
      });
      if (step % 25 === 0) {
        expect(store.get("/", { recursive: true, sorted: true }).node).toEqual(model.listing());
        expect(store.nodeCount).toBe(model.nodes.size);
        expect(store.nextExpirationMs()).toBe(nextDeadline(model));
      }
    }
    expect(store.index).toBe(model.index);
  });
});
