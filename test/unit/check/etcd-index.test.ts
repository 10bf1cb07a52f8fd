import { describe, expect, test } from "bun:test";
import { checkEtcdHistory, formatEtcdCheck } from "../../../src/check/etcd-check.ts";
import { checkEtcdIndexes } from "../../../src/check/etcd-index.ts";
import type { EtcdOperation } from "../../../src/check/etcd-model.ts";
import { indeterminate } from "../../../src/check/types.ts";

function setAt(
  callTime: number,
  returnTime: number,
  key: string,
  value: string,
  index: number,
): EtcdOperation {
  return {
    clientId: 0,
    input: { kind: "set", key, value },
    output: { outcome: "ok", index },
    callTime,
    returnTime,
  };
}

function getAt(
  callTime: number,
  returnTime: number,
  key: string,
  output: { value?: string; index: number; modifiedIndex?: number },
): EtcdOperation {
  const outcome = output.value === undefined ? "notFound" : "ok";
  const input = { kind: "get", key } as const;
  return { clientId: 1, input, output: { outcome, ...output }, callTime, returnTime };
}

describe("etcd index rules", () => {
  test("a well-behaved history has no violations", () => {
    const history = [
      setAt(0, 10, "/a", "1", 4),
      setAt(5, 12, "/b", "2", 3),
      setAt(20, 30, "/a", "3", 5),
      getAt(31, 40, "/a", { value: "3", index: 5, modifiedIndex: 5 }),
      getAt(0, 1, "/c", { index: 2 }),
    ];
    expect(checkEtcdIndexes(history)).toEqual([]);
  });

  test("an index issued to two successful writes is caught", () => {
    const history = [setAt(0, 10, "/a", "1", 4), setAt(5, 12, "/b", "2", 4)];
    const violations = checkEtcdIndexes(history);
    expect(violations.map((violation) => violation.rule)).toEqual(["duplicateIndex"]);
    expect(violations[0]?.operations).toEqual(history);
  });

  test("a write invoked after another returned must get a larger index", () => {
    const history = [setAt(0, 10, "/a", "1", 7), setAt(11, 20, "/b", "2", 6)];
    const violations = checkEtcdIndexes(history);
    expect(violations.map((violation) => violation.rule)).toEqual(["realTimeOrder"]);
    expect(violations[0]?.message).toContain("index 6");
  });

  test("overlapping writes (closed intervals) may take indexes in either order", () => {
    expect(checkEtcdIndexes([setAt(0, 10, "/a", "1", 7), setAt(10, 20, "/b", "2", 6)])).toEqual(
      [],
    );
  });

  test("a quorum get's X-Etcd-Index below an earlier acknowledged write is stale", () => {
    const history = [
      setAt(0, 10, "/a", "1", 8),
      getAt(11, 20, "/other", { index: 7 }),
      getAt(5, 20, "/other", { index: 7 }),
    ];
    const violations = checkEtcdIndexes(history);
    expect(violations.map((violation) => violation.rule)).toEqual(["staleReadIndex"]);
    expect(violations[0]?.operations).toEqual(history.slice(0, 2));
  });

  test("a get's modifiedIndex must be the index of the write of the value it read", () => {
    const history = [
      setAt(0, 10, "/a", "1", 8),
      getAt(11, 20, "/a", { value: "1", index: 9, modifiedIndex: 5 }),
    ];
    const violations = checkEtcdIndexes(history);
    expect(violations.map((violation) => violation.rule)).toEqual(["readModifiedIndex"]);
  });

  test("failed and indeterminate writes are not held to the write rules", () => {
    const history: EtcdOperation[] = [
      setAt(0, 10, "/a", "1", 8),
      {
        clientId: 2,
        input: { kind: "create", key: "/a", value: "2" },
        output: { outcome: "exists", index: 8 },
        callTime: 11,
        returnTime: 12,
      },
      {
        clientId: 3,
        input: { kind: "set", key: "/a", value: "3" },
        output: indeterminate,
        callTime: 11,
        returnTime: Infinity,
      },
    ];
    expect(checkEtcdIndexes(history)).toEqual([]);
  });
});

describe("the combined etcd check", () => {
  test("an index violation makes an otherwise linearizable history illegal, and is printed", () => {
    const history = [setAt(0, 10, "/a", "1", 4), setAt(20, 30, "/b", "2", 4)];
    const check = checkEtcdHistory(history);
    expect(check.linearizability.result).toBe("ok");
    expect(check.result).toBe("illegal");
    const text = formatEtcdCheck(check);
    expect(text).toContain("index rules: 2 violations");
    expect(text).toContain('duplicateIndex: Index 4 was issued to two successful writes');
    expect(text).toContain('client 0 [20, 30] set("/b", "2") → ok @4');
  });

  test("a clean history passes both checks", () => {
    const history = [setAt(0, 10, "/a", "1", 4), getAt(11, 12, "/a", { value: "1", index: 4 })];
    expect(checkEtcdHistory(history).result).toBe("ok");
  });
});
