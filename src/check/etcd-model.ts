/**
 * @module
 * The etcd v2 key-value model: each key is an independent register holding a value or nothing,
 * so histories partition per key. Written values are unique per history, so the value alone
 * identifies the write that produced it and the state need not carry indexes (the index rules
 * are checked separately, in `etcd-index.ts`). Every get in a history must be a linearizable
 * read (`quorum=true`); a failed or timed-out get is dropped, since it observed nothing.
 */
import { unreachable } from "../lib/assert.ts";
import { isIndeterminate } from "./types.ts";
import type { Model, Operation, Outcome } from "./types.ts";

/**
 * One key-space request, in etcd v2 terms: `create` is `PUT prevExist=false`, `update` is
 * `PUT prevExist=true`, `compareAndSwap` is `PUT prevValue=…`, `compareAndDelete` is
 * `DELETE prevValue=…`.
 */
export type EtcdInput =
  | { readonly kind: "get"; readonly key: string }
  | { readonly kind: "set"; readonly key: string; readonly value: string }
  | { readonly kind: "create"; readonly key: string; readonly value: string }
  | { readonly kind: "update"; readonly key: string; readonly value: string }
  | {
      readonly kind: "compareAndSwap";
      readonly key: string;
      readonly prevValue: string;
      readonly value: string;
    }
  | { readonly kind: "delete"; readonly key: string }
  | { readonly kind: "compareAndDelete"; readonly key: string; readonly prevValue: string };

/**
 * A definite answer: `ok`, or the etcd error that says the request did nothing — `notFound`
 * (100 Key not found), `compareFailed` (101 Compare failed), `exists` (105 Key already exists).
 * Any other error is indeterminate.
 */
export type EtcdOutcome = "ok" | "notFound" | "compareFailed" | "exists";

/** What a request returned. */
export interface EtcdOutput {
  readonly outcome: EtcdOutcome;
  /** For a successful get, the value read. */
  readonly value?: string;
  /**
   * For a successful write, the index it was applied at (`node.modifiedIndex`, also the
   * `X-Etcd-Index` header); for a get, the `X-Etcd-Index` header; for an error, its `index`.
   */
  readonly index?: number;
  /** For a successful get, the node's `modifiedIndex`. */
  readonly modifiedIndex?: number;
}

/** A key's value, or null when the key does not exist. */
export type EtcdState = string | null;

/** An operation of an etcd history. */
export type EtcdOperation = Operation<EtcdInput, EtcdOutput>;

/** The etcd v2 model, partitioned per key. */
export const etcdModel: Model<EtcdState, EtcdInput, EtcdOutput> = Object.freeze({
  partition: partitionByKey,
  init: (): EtcdState => null,
  step: stepEtcd,
  key: (state: EtcdState) => (state === null ? "-" : `=${state}`),
  describeOperation: describeEtcdOperation,
  describeState: (state: EtcdState) => (state === null ? "(absent)" : JSON.stringify(state)),
});

/** Splits a history per key, in first-seen key order, dropping gets that observed nothing. */
export function partitionByKey(history: readonly EtcdOperation[]): EtcdOperation[][] {
  const byKey = new Map<string, EtcdOperation[]>();
  for (const operation of history) {
    if (operation.input.kind === "get" && isIndeterminate(operation.output)) continue;
    const partition = byKey.get(operation.input.key);
    if (partition === undefined) byKey.set(operation.input.key, [operation]);
    else partition.push(operation);
  }
  return [...byKey.values()];
}

/** The possible states after `input` answered `output` in `state`. */
export function stepEtcd(
  state: EtcdState,
  input: EtcdInput,
  output: Outcome<EtcdOutput>,
): EtcdState[] {
  const outcome = isIndeterminate(output) ? "indeterminate" : output.outcome;
  switch (input.kind) {
    case "get":
      if (isIndeterminate(output)) return [state];
      if (output.outcome === "ok") return output.value === state ? [state] : [];
      return output.outcome === "notFound" && state === null ? [state] : [];
    case "set":
      if (outcome === "indeterminate") return [state, input.value];
      return outcome === "ok" ? [input.value] : [];
    case "create":
      return conditionalWrite(outcome, state === null, state, input.value, "exists");
    case "update":
      return conditionalWrite(outcome, state !== null, state, input.value);
    case "compareAndSwap":
      return conditionalWrite(outcome, state === input.prevValue, state, input.value);
    case "delete":
      return conditionalWrite(outcome, state !== null, state, null);
    case "compareAndDelete":
      return conditionalWrite(outcome, state === input.prevValue, state, null);
    default:
      return unreachable(input, "Unknown etcd operation");
  }
}

/**
 * A write that happens only when `condition` holds. It succeeds exactly then; otherwise it fails
 * with `notFound` when the key is absent and `failedOutcome` when it is present; if
 * indeterminate, it took effect or not (only where the condition holds could it have).
 */
function conditionalWrite(
  outcome: EtcdOutcome | "indeterminate",
  condition: boolean,
  state: EtcdState,
  written: EtcdState,
  failedOutcome: EtcdOutcome = "compareFailed",
): EtcdState[] {
  if (outcome === "indeterminate") return condition ? [state, written] : [state];
  if (outcome === "ok") return condition ? [written] : [];
  if (condition) return [];
  const expected = state === null ? "notFound" : failedOutcome;
  return outcome === expected ? [state] : [];
}

/** Renders an etcd operation, e.g. `compareAndSwap("/a", "x" → "y") → compareFailed @7`. */
export function describeEtcdOperation(input: EtcdInput, output: Outcome<EtcdOutput>): string {
  const key = JSON.stringify(input.key);
  const call = ((): string => {
    switch (input.kind) {
      case "get":
      case "delete":
        return `${input.kind}(${key})`;
      case "set":
      case "create":
      case "update":
        return `${input.kind}(${key}, ${JSON.stringify(input.value)})`;
      case "compareAndSwap":
        return `${input.kind}(${key}, ${JSON.stringify(input.prevValue)} → ${JSON.stringify(
          input.value,
        )})`;
      case "compareAndDelete":
        return `${input.kind}(${key}, ${JSON.stringify(input.prevValue)})`;
      default:
        return unreachable(input, "Unknown etcd operation");
    }
  })();
  if (isIndeterminate(output)) return `${call} → ? (indeterminate)`;
  const value = output.value === undefined ? "" : ` ${JSON.stringify(output.value)}`;
  const index = output.index === undefined ? "" : ` @${output.index}`;
  return `${call} → ${output.outcome}${value}${index}`;
}
