/**
 * The seeded cluster simulation in CI: a fixed range of seeds (every parameter drawn from the
 * seed), each checked after every event and at the end; the coverage counters summed over the
 * batch must all be non-zero; one seed run twice must give the same trace hash. `SEED=<n> bun
 * test test/sim` runs just that seed and prints its full report.
 */
import { describe, expect, test } from "bun:test";
import { runBatch } from "./batch.ts";
import { addCoverage, emptyCoverage, formatCoverage, missingCoverage } from "./coverage.ts";
import { runSeed } from "./simulation.ts";

const batchStart = 1;
const chunkSeeds = 250;
const chunks = 8;
const chunkTimeoutMs = 120_000;
const replaySeed = process.env.SEED === undefined ? null : Number(process.env.SEED);

if (replaySeed !== null) {
  test(`seed ${replaySeed}`, async () => {
    const result = await runSeed(replaySeed);
    if (result.failure !== null) console.log(result.failure);
    console.log(`events ${result.events}, operations ${result.operations}, trace ` +
      `${result.traceHash.toString(16)}\n${formatCoverage(result.coverage)}`);
    expect(result.failure).toBeNull();
  }, chunkTimeoutMs);
} else {
  describe("simulation", () => {
    test("the same seed replays the same trace", async () => {
      const first = await runSeed(7);
      const second = await runSeed(7);
      expect(first.events).toBeGreaterThan(1000);
      expect(second.traceHash).toBe(first.traceHash);
      expect(second.events).toBe(first.events);
      const other = await runSeed(8);
      expect(other.traceHash).not.toBe(first.traceHash);
    });

    const coverage = emptyCoverage();
    for (let chunk = 0; chunk < chunks; chunk++) {
      const start = batchStart + chunk * chunkSeeds;
      test(`seeds ${start}..${start + chunkSeeds - 1} are safe and live`, async () => {
        const result = await runBatch({ start, count: chunkSeeds });
        addCoverage(coverage, result.coverage);
        for (const failure of result.failures) console.log(failure.report);
        expect(result.failures.map((failure) => failure.seed)).toEqual([]);
      }, chunkTimeoutMs);
    }

    test("every coverage counter fired across the batch", () => {
      console.log(`coverage over ${chunks * chunkSeeds} seeds: ${formatCoverage(coverage)}`);
      expect(missingCoverage(coverage)).toEqual([]);
    });
  });
}
