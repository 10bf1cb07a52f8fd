/**
 * @module
 * Large simulation runs: `bun run sim --seeds 100000 [--start N]`, or one seed with
 * `bun run sim --seed N` (which prints the full failure report). Prints progress, every failing
 * seed with its replay command, and the coverage counters at the end; exits 1 on any failure or
 * missing coverage. `--stop-on-failure` ends at the first failing seed (planted-bug runs).
 */
import { parseArgs } from "node:util";
import { runBatch } from "./batch.ts";
import { formatCoverage, missingCoverage } from "./coverage.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seeds: { type: "string", default: "1000" },
    start: { type: "string", default: "1" },
    seed: { type: "string" },
    progress: { type: "string", default: "1000" },
    "stop-on-failure": { type: "boolean", default: false },
  },
});

const single = values.seed === undefined ? null : Number(values.seed);
const start = single ?? Number(values.start);
const count = single === null ? Number(values.seeds) : 1;
const progressEvery = Math.max(1, Number(values.progress));
const began = performance.now();

const result = await runBatch({
  start,
  count,
  stopOnFailure: values["stop-on-failure"],
  onSeed: (seed, failure) => {
    if (failure !== null) console.log(single === null ? failure.split("\n").slice(0, 2).join("\n")
      : failure);
    const done = seed - start + 1;
    if (single === null && done % progressEvery === 0) {
      const seconds = (performance.now() - began) / 1000;
      console.log(`${done}/${count} seeds, ${seconds.toFixed(0)}s`);
    }
  },
});

const seconds = (performance.now() - began) / 1000;
console.log(`seeds ${start}..${start + result.seeds - 1}: ${result.failures.length} failed, ` +
  `${result.events} events, ${result.operations} client operations, ${seconds.toFixed(1)}s`);
console.log(`coverage: ${formatCoverage(result.coverage)}`);
for (const failure of result.failures) console.log(`FAILED SEED=${failure.seed}`);
const missing = single === null ? missingCoverage(result.coverage) : [];
if (missing.length > 0) console.log(`coverage never reached: ${missing.join(", ")}`);
process.exit(result.failures.length > 0 || missing.length > 0 ? 1 : 0);
