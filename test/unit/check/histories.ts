/**
 * @module
 * History builders for the checker's tests: terse constructors for register operations, and a
 * seeded generator that records a random sequential execution as a concurrent history (each
 * operation's interval contains its linearization point) and then perturbs it.
 */
import type { Prng } from "../../../src/lib/prng.ts";
import type { EtcdInput, EtcdOutput } from "../../../src/check/etcd-model.ts";
import type { RegisterInput, RegisterOutput } from "../../../src/check/register-model.ts";
import { indeterminate } from "../../../src/check/types.ts";
import type { Operation } from "../../../src/check/types.ts";

export type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

/** A write of `value` by `clientId` over [callTime, returnTime]. */
export function write(
  clientId: number,
  callTime: number,
  returnTime: number,
  value: number,
): RegisterOperation {
  return { clientId, input: { kind: "write", value }, output: null, callTime, returnTime };
}

/** A read by `clientId` over [callTime, returnTime] that returned `value`. */
export function read(
  clientId: number,
  callTime: number,
  returnTime: number,
  value: number,
): RegisterOperation {
  return { clientId, input: { kind: "read" }, output: value, callTime, returnTime };
}

/** A write invoked at `callTime` whose outcome the client never learned. */
export function writeUnknown(clientId: number, callTime: number, value: number): RegisterOperation {
  return {
    clientId,
    input: { kind: "write", value },
    output: indeterminate,
    callTime,
    returnTime: Infinity,
  };
}

/** How to run and disturb one kind of object, for the random generator. */
export interface Workload<S, I, O> {
  readonly initial: S;
  drawInput(prng: Prng, position: number): I;
  execute(state: S, input: I): { state: S; output: O };
  isWrite(input: I): boolean;
  /** A plausible but possibly wrong output for `input`. */
  drawOutput(prng: Prng, input: I, count: number): O;
}

interface Draft<I> {
  clientId: number;
  input: I;
  callTime: number;
  linearizeTime: number;
  returnTime: number;
  phantom: boolean;
}

/**
 * A random history of `count` operations: linearizable as generated, then perturbed so that
 * roughly half of them are not. Times are small integers, so touching intervals are common.
 */
export function randomHistory<S, I, O>(
  prng: Prng,
  workload: Workload<S, I, O>,
  count: number,
): Operation<I, O>[] {
  const clients = 1 + prng.nextInt(4);
  const freeTimes = new Array<number>(clients).fill(0);
  const drafts: Draft<I>[] = [];
  for (let position = 0; position < count; position++) {
    const clientId = prng.nextInt(clients);
    const callTime = (freeTimes[clientId] ?? 0) + prng.nextInt(4);
    const linearizeTime = callTime + prng.nextInt(4);
    const returnTime = linearizeTime + prng.nextInt(4);
    freeTimes[clientId] = returnTime + prng.nextInt(2);
    const input = workload.drawInput(prng, position);
    const phantom = workload.isWrite(input) && prng.chance(0.1);
    drafts.push({ clientId, input, callTime, linearizeTime, returnTime, phantom });
  }
  const outputs = executeInOrder(workload, drafts);
  const history = drafts.map((draft, position): Operation<I, O> => {
    const output = outputs[position] as O;
    if (draft.phantom) {
      const { clientId, input, callTime } = draft;
      return { clientId, input, output: indeterminate, callTime, returnTime: Infinity };
    }
    return { clientId: draft.clientId, input: draft.input, output, ...times(draft) };
  });
  return perturb(prng, workload, history);
}

function times<I>(draft: Draft<I>): { callTime: number; returnTime: number } {
  return { callTime: draft.callTime, returnTime: draft.returnTime };
}

function executeInOrder<S, I, O>(workload: Workload<S, I, O>, drafts: Draft<I>[]): O[] {
  const order = drafts
    .map((draft, position) => ({ draft, position }))
    .sort((first, second) => first.draft.linearizeTime - second.draft.linearizeTime);
  const outputs = new Array<O>(drafts.length);
  let state = workload.initial;
  for (const { draft, position } of order) {
    const result = workload.execute(state, draft.input);
    outputs[position] = result.output;
    if (!draft.phantom) state = result.state;
  }
  return outputs;
}

function perturb<S, I, O>(
  prng: Prng,
  workload: Workload<S, I, O>,
  history: Operation<I, O>[],
): Operation<I, O>[] {
  const result = [...history];
  const pick = (): number => prng.nextInt(result.length);
  const outputChanges = prng.nextInt(3);
  for (let change = 0; change < outputChanges; change++) {
    const position = pick();
    const operation = result[position];
    if (operation !== undefined) {
      const output = workload.drawOutput(prng, operation.input, result.length);
      result[position] = { ...operation, output };
    }
  }
  if (prng.chance(0.25)) {
    const position = pick();
    const operation = result[position];
    if (operation !== undefined && workload.isWrite(operation.input)) {
      // A recorder may keep the time it gave up; the checker must still treat it as +∞.
      const returnTime = prng.chance(0.5) ? Infinity : operation.returnTime;
      result[position] = { ...operation, output: indeterminate, returnTime };
    }
  }
  if (prng.chance(0.3)) {
    const position = pick();
    const operation = result[position];
    if (operation !== undefined) {
      const callTime = Math.max(0, operation.callTime + prng.nextInt(7) - 3);
      const returnTime = Math.max(callTime, operation.returnTime + prng.nextInt(7) - 3);
      result[position] = { ...operation, callTime, returnTime };
    }
  }
  return result;
}

/** A register with unique written values 1, 2, … and reads. */
export const registerWorkload: Workload<number, RegisterInput, RegisterOutput> = {
  initial: 0,
  drawInput: (prng, position) =>
    prng.chance(0.5) ? { kind: "write", value: position + 1 } : { kind: "read" },
  execute: (state, input) =>
    input.kind === "write" ? { state: input.value, output: null } : { state, output: state },
  isWrite: (input) => input.kind === "write",
  drawOutput: (prng, input, count) => (input.kind === "write" ? null : prng.nextInt(count + 1)),
};

/** Every etcd request kind on one key, with unique values and plausible previous values. */
export const etcdWorkload: Workload<string | null, EtcdInput, EtcdOutput> = {
  initial: null,
  drawInput: (prng, position) => {
    const key = "/k";
    const value = `v${position}`;
    const prevValue = `v${prng.nextInt(position + 1)}`;
    const kinds = [
      { kind: "get", key },
      { kind: "set", key, value },
      { kind: "create", key, value },
      { kind: "update", key, value },
      { kind: "compareAndSwap", key, prevValue, value },
      { kind: "delete", key },
      { kind: "compareAndDelete", key, prevValue },
    ] as const;
    return kinds[prng.nextInt(kinds.length)] ?? { kind: "get", key };
  },
  execute: executeEtcd,
  isWrite: (input) => input.kind !== "get",
  drawOutput: (prng, input, count) => {
    const outcomes = ["ok", "notFound", "compareFailed", "exists"] as const;
    const outcome = outcomes[prng.nextInt(outcomes.length)] ?? "ok";
    if (input.kind !== "get" || outcome !== "ok") return { outcome };
    return { outcome, value: `v${prng.nextInt(count)}` };
  },
};

/** etcd v2 semantics written out plainly, independently of the model under test. */
function executeEtcd(
  state: string | null,
  input: EtcdInput,
): { state: string | null; output: EtcdOutput } {
  const absent = { state, output: { outcome: "notFound" } } as const;
  switch (input.kind) {
    case "get":
      return state === null ? absent : { state, output: { outcome: "ok", value: state } };
    case "set":
      return { state: input.value, output: { outcome: "ok" } };
    case "create":
      if (state !== null) return { state, output: { outcome: "exists" } };
      return { state: input.value, output: { outcome: "ok" } };
    case "update":
      return state === null ? absent : { state: input.value, output: { outcome: "ok" } };
    case "compareAndSwap":
      if (state === null) return absent;
      if (state !== input.prevValue) return { state, output: { outcome: "compareFailed" } };
      return { state: input.value, output: { outcome: "ok" } };
    case "delete":
      return state === null ? absent : { state: null, output: { outcome: "ok" } };
    case "compareAndDelete":
      if (state === null) return absent;
      if (state !== input.prevValue) return { state, output: { outcome: "compareFailed" } };
      return { state: null, output: { outcome: "ok" } };
  }
}
