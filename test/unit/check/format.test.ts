import { expect, test } from "bun:test";
import { checkOperations } from "../../../src/check/check-operations.ts";
import { formatCheckResult, formatPartition } from "../../../src/check/format.ts";
import { registerModel } from "../../../src/check/register-model.ts";
import { read, write, writeUnknown } from "./histories.ts";

test("a failure prints every operation and the longest linearizable prefix", () => {
  const history = [write(0, 0, 10, 1), writeUnknown(1, 5, 2), read(2, 20, 30, 0)];
  const text = formatCheckResult(registerModel, checkOperations(registerModel, history));
  expect(text.split("\n")).toEqual([
    "linearizability: illegal (1 partitions: 0 ok, 1 illegal, 0 unknown; 12 steps)",
    "partition of 3 operations: illegal",
    "  #0 client 0 [0, 10]   write(1) → null",
    "  #1 client 1 [5, ∞]    write(2) → ?",
    "  #2 client 2 [20, 30]  read() → 0",
    "longest linearizable prefix: 2 of 3",
    "  1. #0 write(1) → null",
    "  2. #1 write(2) → ?",
    "  possible states after it: 1 | 2",
    "  not linearized (none can come next): #2",
  ]);
});

test("a pass prints one summary line", () => {
  const history = [write(0, 0, 10, 1), read(2, 20, 30, 1)];
  expect(formatCheckResult(registerModel, checkOperations(registerModel, history))).toBe(
    "linearizability: ok (1 partitions: 1 ok, 0 illegal, 0 unknown; 2 steps)",
  );
});

test("a search that ran out of budget says so instead of blaming an operation", () => {
  const writes = Array.from({ length: 8 }, (_, client) => write(client, 0, 100, client + 1));
  const history = [...writes, read(9, 200, 210, 42)];
  const check = checkOperations(registerModel, history, { budgetSteps: 20 });
  expect(check.result).toBe("unknown");
  expect(check.failure).toBeUndefined();
  const partition = check.partitions[0];
  if (partition === undefined) throw new Error("Expected one partition");
  expect(partition.longestPrefix.length).toBeGreaterThan(0);
  expect(formatPartition(registerModel, partition)).toContain(
    "not linearized (search stopped)",
  );
});
