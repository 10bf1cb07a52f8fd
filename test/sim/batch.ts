/**
 * @module
 * Runs a range of seeds and aggregates their results: failures with their reports, summed
 * coverage counters, and event and operation totals. Shared by the CI test and `bun run sim`.
 */
import { type Coverage, addCoverage, emptyCoverage } from "./coverage.ts";
import { type OptionsOverride, runSeed } from "./simulation.ts";

export interface BatchResult {
  readonly seeds: number;
  readonly failures: { seed: number; report: string }[];
  readonly coverage: Coverage;
  readonly events: number;
  readonly operations: number;
}

export interface BatchOptions {
  readonly start: number;
  readonly count: number;
  readonly override?: OptionsOverride;
  /** Stop at the first failure (planted-bug runs). */
  readonly stopOnFailure?: boolean;
  /** Called after each seed, e.g. for progress output. */
  readonly onSeed?: (seed: number, failure: string | null) => void;
}

export async function runBatch(options: BatchOptions): Promise<BatchResult> {
  const coverage = emptyCoverage();
  const failures: { seed: number; report: string }[] = [];
  let events = 0;
  let operations = 0;
  let seeds = 0;
  for (let seed = options.start; seed < options.start + options.count; seed++) {
    const result = await runSeed(seed, options.override);
    seeds++;
    addCoverage(coverage, result.coverage);
    events += result.events;
    operations += result.operations;
    if (result.failure !== null) failures.push({ seed, report: result.failure });
    options.onSeed?.(seed, result.failure);
    if (result.failure !== null && options.stopOnFailure === true) break;
  }
  return { seeds, failures, coverage, events, operations };
}
