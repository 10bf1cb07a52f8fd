import { describe, expect, test } from "bun:test";
import { createPrng } from "../../../src/lib/prng.ts";

describe("createPrng", () => {
  test("the same seed gives the same sequence", () => {
    const first = createPrng(42);
    const second = createPrng(42);
    const drawsFirst = Array.from({ length: 100 }, () => first.nextUint32());
    const drawsSecond = Array.from({ length: 100 }, () => second.nextUint32());
    expect(drawsFirst).toEqual(drawsSecond);
  });

  test("different seeds give different sequences", () => {
    const first = createPrng(1);
    const second = createPrng(2);
    expect(first.nextUint32()).not.toBe(second.nextUint32());
  });

  test("nextInt stays in range and covers it", () => {
    const prng = createPrng(7);
    const seen = new Set<number>();
    for (let draw = 0; draw < 1000; draw++) {
      const value = prng.nextInt(10);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(10);
      seen.add(value);
    }
    expect(seen.size).toBe(10);
  });

  test("nextInt rejects a bound that is not a positive integer", () => {
    expect(() => createPrng(1).nextInt(0)).toThrow(RangeError);
  });

  test("a fork is deterministic and differs from its parent", () => {
    const parent = createPrng(9);
    const fork = parent.fork();
    const again = createPrng(9).fork();
    expect(fork.nextUint32()).toBe(again.nextUint32());
    expect(parent.nextUint32()).not.toBe(fork.nextUint32());
  });
});
