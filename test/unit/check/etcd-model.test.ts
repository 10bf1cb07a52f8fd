import { describe, expect, test } from "bun:test";
import { checkOperations } from "../../../src/check/check-operations.ts";
import {
  type EtcdInput,
  type EtcdOperation,
  type EtcdOutput,
  etcdModel,
  stepEtcd,
} from "../../../src/check/etcd-model.ts";
import { formatCheckResult } from "../../../src/check/format.ts";
import { type Outcome, indeterminate } from "../../../src/check/types.ts";
import { createPrng } from "../../../src/lib/prng.ts";
import { etcdWorkload } from "./histories.ts";

const key = "/k";
const get: EtcdInput = { kind: "get", key };
const set = (value: string): EtcdInput => ({ kind: "set", key, value });
const create = (value: string): EtcdInput => ({ kind: "create", key, value });
const update = (value: string): EtcdInput => ({ kind: "update", key, value });
const remove: EtcdInput = { kind: "delete", key };
const compareAndSwap = (prevValue: string, value: string): EtcdInput => ({
  kind: "compareAndSwap",
  key,
  prevValue,
  value,
});
const compareAndDelete = (prevValue: string): EtcdInput => ({
  kind: "compareAndDelete",
  key,
  prevValue,
});
const ok: EtcdOutput = { outcome: "ok" };
const notFound: EtcdOutput = { outcome: "notFound" };
const compareFailed: EtcdOutput = { outcome: "compareFailed" };
const exists: EtcdOutput = { outcome: "exists" };
const value = (read: string): EtcdOutput => ({ outcome: "ok", value: read });

/** All states reachable from `state` by `input` answering `output`. */
const after = (state: string | null, input: EtcdInput, output: Outcome<EtcdOutput>) =>
  stepEtcd(state, input, output);

describe("etcd v2 model semantics", () => {
  test("get sees the value, or notFound when the key is absent", () => {
    expect(after("a", get, value("a"))).toEqual(["a"]);
    expect(after("a", get, value("b"))).toEqual([]);
    expect(after(null, get, notFound)).toEqual([null]);
    expect(after("a", get, notFound)).toEqual([]);
    expect(after(null, get, value("a"))).toEqual([]);
  });

  test("set always succeeds and replaces the value", () => {
    expect(after(null, set("a"), ok)).toEqual(["a"]);
    expect(after("x", set("a"), ok)).toEqual(["a"]);
    expect(after("x", set("a"), notFound)).toEqual([]);
  });

  test("create succeeds only on an absent key and otherwise fails with exists", () => {
    expect(after(null, create("a"), ok)).toEqual(["a"]);
    expect(after("x", create("a"), ok)).toEqual([]);
    expect(after("x", create("a"), exists)).toEqual(["x"]);
    expect(after(null, create("a"), exists)).toEqual([]);
  });

  test("update succeeds only on an existing key and otherwise fails with notFound", () => {
    expect(after("x", update("a"), ok)).toEqual(["a"]);
    expect(after(null, update("a"), ok)).toEqual([]);
    expect(after(null, update("a"), notFound)).toEqual([null]);
    expect(after("x", update("a"), notFound)).toEqual([]);
    expect(after("x", update("a"), indeterminate)).toEqual(["x", "a"]);
    expect(after(null, update("a"), indeterminate)).toEqual([null]);
  });

  test("compareAndSwap: ok on a match, compareFailed on a mismatch, notFound on absence", () => {
    expect(after("a", compareAndSwap("a", "b"), ok)).toEqual(["b"]);
    expect(after("x", compareAndSwap("a", "b"), ok)).toEqual([]);
    expect(after("x", compareAndSwap("a", "b"), compareFailed)).toEqual(["x"]);
    expect(after("a", compareAndSwap("a", "b"), compareFailed)).toEqual([]);
    expect(after(null, compareAndSwap("a", "b"), notFound)).toEqual([null]);
    expect(after(null, compareAndSwap("a", "b"), compareFailed)).toEqual([]);
    expect(after("x", compareAndSwap("a", "b"), notFound)).toEqual([]);
  });

  test("delete removes an existing key and fails with notFound on an absent one", () => {
    expect(after("a", remove, ok)).toEqual([null]);
    expect(after(null, remove, ok)).toEqual([]);
    expect(after(null, remove, notFound)).toEqual([null]);
    expect(after("a", remove, notFound)).toEqual([]);
  });

  test("compareAndDelete: ok on a match, compareFailed on a mismatch, notFound on absence", () => {
    expect(after("a", compareAndDelete("a"), ok)).toEqual([null]);
    expect(after("x", compareAndDelete("a"), ok)).toEqual([]);
    expect(after("x", compareAndDelete("a"), compareFailed)).toEqual(["x"]);
    expect(after(null, compareAndDelete("a"), notFound)).toEqual([null]);
    expect(after(null, compareAndDelete("a"), compareFailed)).toEqual([]);
  });

  test("indeterminate writes may or may not have happened, where they could have", () => {
    expect(after("x", set("a"), indeterminate)).toEqual(["x", "a"]);
    expect(after(null, create("a"), indeterminate)).toEqual([null, "a"]);
    expect(after("x", create("a"), indeterminate)).toEqual(["x"]);
    expect(after("a", compareAndSwap("a", "b"), indeterminate)).toEqual(["a", "b"]);
    expect(after("x", compareAndSwap("a", "b"), indeterminate)).toEqual(["x"]);
    expect(after("a", remove, indeterminate)).toEqual(["a", null]);
    expect(after("a", compareAndDelete("a"), indeterminate)).toEqual(["a", null]);
    expect(after("a", get, indeterminate)).toEqual(["a"]);
  });
});

/** An operation on `/k` by client 0 over [callTime, returnTime]. */
function operation(
  callTime: number,
  returnTime: number,
  input: EtcdInput,
  output: Outcome<EtcdOutput>,
): EtcdOperation {
  return { clientId: 0, input, output, callTime, returnTime };
}

describe("etcd histories", () => {
  test("partitions are per key, and gets that observed nothing are dropped", () => {
    const first = operation(0, 10, set("a"), ok);
    const lost = operation(0, 10, { kind: "get", key: "/other" }, indeterminate);
    const third = operation(0, 10, { kind: "set", key: "/third", value: "b" }, ok);
    const fourth = operation(20, 30, get, value("a"));
    const history = [first, lost, third, fourth];
    const partitions = etcdModel.partition?.(history) ?? [];
    expect(partitions).toEqual([[first, fourth], [third]]);
    expect(checkOperations(etcdModel, history).result).toBe("ok");
  });

  test("a CAS chain with a concurrent create that lost", () => {
    const history = [
      operation(0, 10, create("a"), ok),
      operation(5, 15, create("b"), exists),
      operation(20, 30, compareAndSwap("a", "c"), ok),
      operation(25, 35, compareAndSwap("a", "d"), compareFailed),
      operation(40, 50, get, value("c")),
    ];
    expect(checkOperations(etcdModel, history).result).toBe("ok");
  });

  test("a CAS that succeeded on a value already replaced is rejected", () => {
    const history = [
      operation(0, 10, set("a"), ok),
      operation(20, 30, set("b"), ok),
      operation(40, 50, compareAndSwap("a", "c"), ok),
    ];
    expect(checkOperations(etcdModel, history).result).toBe("illegal");
  });

  test("a timed-out CAS explains a later read only if its compare held", () => {
    const history = [
      operation(0, 10, set("a"), ok),
      operation(20, Infinity, compareAndSwap("a", "b"), indeterminate),
      operation(30, 40, get, value("b")),
    ];
    expect(checkOperations(etcdModel, history).result).toBe("ok");
    const mismatched = [...history];
    mismatched[1] = operation(20, Infinity, compareAndSwap("z", "b"), indeterminate);
    expect(checkOperations(etcdModel, mismatched).result).toBe("illegal");
  });

  test("a delete followed by a read of the deleted value is rejected", () => {
    const history = [
      operation(0, 10, set("a"), ok),
      operation(20, 30, remove, ok),
      operation(40, 50, get, value("a")),
    ];
    expect(checkOperations(etcdModel, history).result).toBe("illegal");
  });
});

/** A linearizable history over many keys, drawn from a random sequential execution. */
function multiKeyHistory(seed: number, keyCount: number, operationCount: number): EtcdOperation[] {
  const prng = createPrng(seed);
  const clientCount = 50;
  const freeTimes = new Array<number>(clientCount).fill(0);
  const drafts = Array.from({ length: operationCount }, (_, position) => {
    const clientId = prng.nextInt(clientCount);
    const callTime = (freeTimes[clientId] ?? 0) + prng.nextInt(10);
    const linearizeTime = callTime + prng.nextInt(20);
    const returnTime = linearizeTime + prng.nextInt(20);
    freeTimes[clientId] = returnTime + 1;
    const input = { ...etcdWorkload.drawInput(prng, position), key: `/k${prng.nextInt(keyCount)}` };
    const unknown = input.kind !== "get" && prng.chance(0.05);
    const phantom = unknown && prng.chance(0.5);
    return { clientId, input, callTime, linearizeTime, returnTime, unknown, phantom };
  });
  const order = drafts
    .map((draft, position) => ({ draft, position }))
    .sort((first, second) => first.draft.linearizeTime - second.draft.linearizeTime);
  const values = new Map<string, string | null>();
  const history = new Array<EtcdOperation>(operationCount);
  for (const { draft, position } of order) {
    const { clientId, input, callTime } = draft;
    const result = etcdWorkload.execute(values.get(input.key) ?? null, input);
    if (!draft.phantom) values.set(input.key, result.state);
    const output = draft.unknown ? indeterminate : result.output;
    const returnTime = draft.unknown ? Infinity : draft.returnTime;
    history[position] = { clientId, input, output, callTime, returnTime };
  }
  return history;
}

describe("per-key partitioning", () => {
  const history = multiKeyHistory(7, 200, 10_000);

  test("a 10,000-operation history over 200 keys checks quickly, one partition per key", () => {
    const check = checkOperations(etcdModel, history, { budgetSteps: 1_000_000 });
    expect(check.result).toBe("ok");
    expect(check.partitions.length).toBe(200);
    expect(check.steps).toBeLessThan(20_000);
  });

  test("the same history as a single partition runs out of budget: unknown, not ok", () => {
    const { partition: _, ...unpartitioned } = etcdModel;
    const check = checkOperations(unpartitioned, history, { budgetSteps: 20_000 });
    expect(check.result).toBe("unknown");
  });

  test("one stale read on one key fails only that key's partition, and is printed", () => {
    const broken = [...history];
    const position = broken.findIndex(
      (candidate) => candidate.input.kind === "get" && candidate.output !== indeterminate,
    );
    const target = broken[position];
    if (target === undefined) throw new Error("The history has no get");
    broken[position] = { ...target, output: value("never-written") };
    const check = checkOperations(etcdModel, broken);
    expect(check.result).toBe("illegal");
    expect(check.partitions.filter((partition) => partition.result === "illegal").length).toBe(1);
    expect(check.failure?.operations).toContain(broken[position]);
    const text = formatCheckResult(etcdModel, check);
    expect(text).toContain('get("' + target.input.key + '") → ok "never-written"');
    expect(text).toContain("longest linearizable prefix");
  });
});
