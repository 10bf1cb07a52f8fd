import { describe, expect, test } from "bun:test";
import { checkOperations } from "../../../src/check/check-operations.ts";
import { registerModel } from "../../../src/check/register-model.ts";
import { AssertionError } from "../../../src/lib/assert.ts";
import { type RegisterOperation, read, write } from "./histories.ts";

/**
 * Ten concurrent writes then a read of a value nobody wrote: refuting it means trying every
 * subset of the writes, about 10 × 2^9 cache entries.
 */
function hardIllegalHistory(): RegisterOperation[] {
  const writes = Array.from({ length: 10 }, (_, client) => write(client, 0, 100, client + 1));
  return [...writes, read(99, 200, 210, 999)];
}

/** Eighteen concurrent writes and two reads: linearizable in a few dozen steps. */
function hardLegalHistory(): RegisterOperation[] {
  const writes = Array.from({ length: 18 }, (_, client) => write(client, 0, 100, client + 1));
  return [...writes, read(99, 50, 210, 18), read(98, 200, 210, 18)];
}

describe("the search budget", () => {
  test("running out of steps gives unknown, never ok or illegal", () => {
    expect(checkOperations(registerModel, hardIllegalHistory(), { budgetSteps: 1000 }).result)
      .toBe("unknown");
    expect(checkOperations(registerModel, hardLegalHistory(), { budgetSteps: 5 }).result)
      .toBe("unknown");
  });

  test("with enough steps the same histories are decided", () => {
    const illegal = checkOperations(registerModel, hardIllegalHistory());
    expect(illegal.result).toBe("illegal");
    expect(illegal.steps).toBeGreaterThan(1000);
    expect(checkOperations(registerModel, hardLegalHistory()).result).toBe("ok");
  });

  test("running out of time on the injected clock gives unknown", () => {
    let clockMs = 0;
    const now = (): number => {
      clockMs += 1;
      return clockMs;
    };
    const check = checkOperations(registerModel, hardIllegalHistory(), { budgetMs: 10, now });
    expect(check.result).toBe("unknown");
    expect(check.steps).toBeLessThan(256 * 12);
  });

  test("a time budget without a clock is a programming error", () => {
    expect(() => checkOperations(registerModel, [], { budgetMs: 10 })).toThrow(AssertionError);
  });

  test("an illegal partition wins over an unknown one", () => {
    const illegalSmall = [write(0, 0, 1, 1), read(1, 2, 3, 0)];
    const model = {
      ...registerModel,
      partition: (history: readonly RegisterOperation[]) => [
        history.slice(0, 2),
        history.slice(2),
      ],
    };
    const check = checkOperations(model, [...illegalSmall, ...hardIllegalHistory()], {
      budgetSteps: 1000,
    });
    expect(check.result).toBe("illegal");
    expect(check.partitions.map((partition) => partition.result)).toEqual(["illegal", "unknown"]);
    expect(check.failure?.operations).toEqual(illegalSmall);
  });

  test("a malformed interval is a programming error", () => {
    expect(() => checkOperations(registerModel, [write(0, 10, 5, 1)])).toThrow(AssertionError);
  });
});
