import { describe, expect, test } from "bun:test";
import { bruteForceLinearization, isLinearization } from "../../../src/check/brute-force.ts";
import { checkOperations } from "../../../src/check/check-operations.ts";
import { registerModel } from "../../../src/check/register-model.ts";
import { indeterminate } from "../../../src/check/types.ts";
import { type RegisterOperation, read, write, writeUnknown } from "./histories.ts";

/** Checks with both checkers, demands they agree, and returns the verdict. */
function verdict(history: RegisterOperation[]): string {
  const check = checkOperations(registerModel, history);
  const reference = bruteForceLinearization(registerModel, history);
  expect(check.result).toBe(reference === undefined ? "illegal" : "ok");
  if (check.result === "ok") {
    const partition = check.partitions[0];
    const operations = partition?.operations ?? [];
    expect(isLinearization(registerModel, operations, partition?.linearization ?? [])).toBe(true);
  }
  return check.result;
}

describe("register histories that are not linearizable", () => {
  test("a stale read after a completed write", () => {
    expect(verdict([write(0, 0, 10, 1), read(1, 20, 30, 0)])).toBe("illegal");
  });

  test("a read of a value never written", () => {
    expect(verdict([write(0, 0, 10, 1), read(1, 5, 30, 7)])).toBe("illegal");
  });

  test("two readers observing two writes in opposite orders", () => {
    const history = [
      write(0, 0, 100, 1),
      write(1, 0, 100, 2),
      read(2, 10, 20, 1),
      read(2, 30, 40, 2),
      read(3, 10, 20, 2),
      read(3, 30, 40, 1),
    ];
    expect(verdict(history)).toBe("illegal");
  });

  test("Porcupine's README example 2: a read of 0 after a read of the new value", () => {
    const history = [write(0, 0, 100, 200), read(1, 10, 30, 200), read(2, 40, 90, 0)];
    expect(verdict(history)).toBe("illegal");
  });

  test("a read that returns a value before the write of it was invoked", () => {
    expect(verdict([read(0, 0, 10, 3), write(1, 11, 20, 3)])).toBe("illegal");
  });

  test("a sequential client that goes back to an overwritten value", () => {
    const history = [write(0, 0, 5, 1), write(0, 6, 9, 2), read(1, 0, 20, 2), read(1, 21, 22, 1)];
    expect(verdict(history)).toBe("illegal");
  });
});

describe("register histories that are linearizable", () => {
  test("Porcupine's README example 1: reads on both sides of an overlapping write", () => {
    const history = [write(0, 0, 100, 100), read(1, 25, 75, 100), read(2, 30, 60, 0)];
    expect(verdict(history)).toBe("ok");
  });

  test("intervals are closed: operations touching at one instant may go either way", () => {
    expect(verdict([write(0, 0, 10, 1), read(1, 10, 20, 0)])).toBe("ok");
    expect(verdict([write(0, 0, 9, 1), read(1, 10, 20, 0)])).toBe("illegal");
  });

  test("many overlapping writes and reads", () => {
    const history = [
      write(0, 0, 50, 1),
      write(1, 5, 45, 2),
      write(2, 10, 40, 3),
      read(3, 0, 60, 2),
      read(4, 55, 70, 3),
      read(5, 48, 80, 3),
    ];
    expect(verdict(history)).toBe("ok");
  });

  test("the empty history", () => {
    expect(checkOperations(registerModel, []).result).toBe("ok");
  });
});

describe("indeterminate operations", () => {
  test("a timed-out write that a later read saw must have happened", () => {
    expect(verdict([writeUnknown(0, 0, 5), read(1, 10, 20, 5)])).toBe("ok");
  });

  test("a timed-out write that nobody saw may not have happened", () => {
    expect(verdict([writeUnknown(0, 0, 5), read(1, 10, 20, 0), read(1, 30, 40, 0)])).toBe("ok");
  });

  test("a timed-out write cannot be seen before it was invoked", () => {
    expect(verdict([read(1, 10, 20, 5), writeUnknown(0, 30, 5)])).toBe("illegal");
  });

  test("a timed-out write takes effect once: it cannot be undone and redone", () => {
    const history = [
      write(0, 0, 1, 1),
      writeUnknown(1, 2, 5),
      read(2, 10, 20, 5),
      read(2, 30, 40, 1),
      read(2, 50, 60, 5),
    ];
    expect(verdict(history)).toBe("illegal");
  });

  test("a timed-out write may take effect long after the client gave up", () => {
    const history: RegisterOperation[] = [
      { ...write(0, 0, 5, 9), output: indeterminate },
      read(1, 100, 110, 0),
      read(1, 200, 210, 9),
    ];
    expect(verdict(history)).toBe("ok");
  });

  test("a read that timed out constrains nothing", () => {
    const history: RegisterOperation[] = [
      write(0, 0, 5, 1),
      { ...read(1, 10, 20, 0), output: indeterminate, returnTime: Infinity },
    ];
    expect(verdict(history)).toBe("ok");
  });
});
