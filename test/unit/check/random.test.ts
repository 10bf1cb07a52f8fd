import { describe, expect, test } from "bun:test";
import { bruteForceLinearization, isLinearization } from "../../../src/check/brute-force.ts";
import { checkOperations } from "../../../src/check/check-operations.ts";
import { etcdModel } from "../../../src/check/etcd-model.ts";
import { formatPartition } from "../../../src/check/format.ts";
import { registerModel } from "../../../src/check/register-model.ts";
import type { Model } from "../../../src/check/types.ts";
import { createPrng } from "../../../src/lib/prng.ts";
import { type Workload, etcdWorkload, randomHistory, registerWorkload } from "./histories.ts";

const seedCount = 600;

/**
 * Runs both checkers over `seedCount` random histories of up to 7 operations. Returns the
 * disagreements, each naming its seed, and how many histories were linearizable.
 */
function compareOnSeeds<S, I, O>(
  model: Model<S, I, O>,
  workload: Workload<S, I, O>,
  seedBase: number,
): { disagreements: string[]; linearizableCount: number } {
  const disagreements: string[] = [];
  let linearizableCount = 0;
  for (let seed = seedBase; seed < seedBase + seedCount; seed++) {
    const prng = createPrng(seed);
    const history = randomHistory(prng, workload, 3 + prng.nextInt(5));
    const check = checkOperations(model, history);
    const reference = bruteForceLinearization(model, history);
    const expected = reference === undefined ? "illegal" : "ok";
    const partition = check.partitions[0];
    const legal =
      partition === undefined ||
      isLinearization(model, partition.operations, partition.linearization);
    if (check.result !== expected || (check.result === "ok" && !legal)) {
      const shown = partition === undefined ? "" : formatPartition(model, partition);
      const verdicts = `checker ${check.result}, brute force ${expected}`;
      disagreements.push(`SEED=${seed}: ${verdicts}\n${shown}`);
    }
    if (expected === "ok") linearizableCount += 1;
  }
  return { disagreements, linearizableCount };
}

describe("the checker agrees with brute force on random small histories", () => {
  test(`register model, ${seedCount} seeds`, () => {
    const { disagreements, linearizableCount } = compareOnSeeds(
      registerModel,
      registerWorkload,
      1000,
    );
    expect(disagreements).toEqual([]);
    // Both verdicts must be common, or the comparison proves little.
    expect(linearizableCount).toBeGreaterThan(seedCount * 0.25);
    expect(linearizableCount).toBeLessThan(seedCount * 0.85);
  });

  test(`etcd model on one key, ${seedCount} seeds`, () => {
    const { disagreements, linearizableCount } = compareOnSeeds(etcdModel, etcdWorkload, 5000);
    expect(disagreements).toEqual([]);
    expect(linearizableCount).toBeGreaterThan(seedCount * 0.25);
    expect(linearizableCount).toBeLessThan(seedCount * 0.85);
  });
});
