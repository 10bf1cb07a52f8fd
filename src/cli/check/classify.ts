/**
 * @module
 * Sends one workload operation with `EtcdClient` and classifies what came back, which decides
 * how the operation enters the history:
 *
 * - **definite**: a success, or an etcd error that says the request did nothing and why —
 *   100 Key not found, 101 Compare failed, 105 Key already exists. Recorded with its output.
 * - **indeterminate** (writes only): the write may or may not have happened — a timeout, a
 *   connection lost after the request went out, a 5xx answer (300 Raft Internal Error, 301
 *   During Leader Election, ...), a success body that cannot be read. Recorded with no return.
 * - **failed**: certainly no effect and nothing observed — every endpoint refused the connection
 *   (the request was never sent), or a 4xx error other than the three above (the request was
 *   rejected). A read that fails in any way is failed too: it observed nothing. Dropped.
 *
 * "Refused" is only definite because `EtcdClient` sends writes on fresh connections: Bun's
 * `fetch` silently resends a request whose kept-alive connection closed, and reports the
 * resend's ECONNREFUSED even though the first copy reached a server that then died.
 */
import {
  type EtcdClient,
  EtcdClientError,
  EtcdConnectionError,
  EtcdHttpError,
  type EtcdResult,
  EtcdTimeoutError,
} from "../../client/index.ts";
import type { EtcdInput, EtcdOutcome, EtcdOutput } from "../../check/index.ts";
import { unreachable } from "../../lib/assert.ts";

/** How one operation ended, for the history. */
export type Classified =
  | { readonly kind: "definite"; readonly output: EtcdOutput }
  | { readonly kind: "indeterminate"; readonly reason: string }
  | { readonly kind: "failed"; readonly reason: string };


/** Sends `input` with `client` and classifies the answer; never throws. */
export async function performOperation(
  client: EtcdClient,
  input: EtcdInput,
  quorum: boolean,
): Promise<Classified> {
  try {
    return classifySuccess(input, await send(client, input, quorum));
  } catch (error) {
    return classifyError(input, error);
  }
}

/** Classifies a successful answer. */
export function classifySuccess(input: EtcdInput, result: EtcdResult): Classified {
  const node = result.node;
  if (input.kind === "get") {
    if (node === undefined || node.dir === true || node.value === undefined) {
      return { kind: "failed", reason: "get answered without a value" };
    }
    return {
      kind: "definite",
      output: withDefined({
        outcome: "ok",
        value: node.value,
        index: result.headers.etcdIndex,
        modifiedIndex: node.modifiedIndex,
      }),
    };
  }
  const index = node?.modifiedIndex ?? result.headers.etcdIndex;
  return { kind: "definite", output: withDefined({ outcome: "ok", index }) };
}

/** Classifies a thrown error (see the module comment for the rules). */
export function classifyError(input: EtcdInput, error: unknown): Classified {
  const isRead = input.kind === "get";
  if (error instanceof EtcdClientError) {
    const outcome = definiteOutcome(error.errorCode);
    if (outcome !== undefined) {
      const index = error.headers.etcdIndex ?? error.index;
      return { kind: "definite", output: { outcome, index } };
    }
    const reason = `etcd error ${error.errorCode} (HTTP ${error.status})`;
    return error.status >= 500 && !isRead
      ? { kind: "indeterminate", reason }
      : { kind: "failed", reason };
  }
  if (error instanceof EtcdHttpError) {
    const reason = `HTTP ${error.status}`;
    return error.status >= 500 && !isRead
      ? { kind: "indeterminate", reason }
      : { kind: "failed", reason };
  }
  if (error instanceof EtcdConnectionError) {
    return { kind: "failed", reason: "connection refused by every endpoint" };
  }
  const reason =
    error instanceof EtcdTimeoutError
      ? "timeout"
      : `${error instanceof Error ? error.name : "error"}: ${describeCause(error)}`;
  return isRead ? { kind: "failed", reason } : { kind: "indeterminate", reason };
}

// --- internal ---

/** The etcd error codes that are definite outcomes of the model. */
function definiteOutcome(errorCode: number): EtcdOutcome | undefined {
  switch (errorCode) {
    case 100:
      return "notFound";
    case 101:
      return "compareFailed";
    case 105:
      return "exists";
    default:
      return undefined;
  }
}

function send(client: EtcdClient, input: EtcdInput, quorum: boolean): Promise<EtcdResult> {
  switch (input.kind) {
    case "get":
      return client.get(input.key, { quorum });
    case "set":
      return client.set(input.key, input.value);
    case "create":
      return client.create(input.key, input.value);
    case "update":
      return client.update(input.key, input.value);
    case "compareAndSwap":
      return client.compareAndSwap(input.key, input.value, { prevValue: input.prevValue });
    case "delete":
      return client.delete(input.key);
    case "compareAndDelete":
      return client.compareAndDelete(input.key, { prevValue: input.prevValue });
    default:
      return unreachable(input, "Unknown etcd operation");
  }
}

/** Drops undefined fields, so outputs match what a JSON round trip gives back. */
function withDefined(output: {
  outcome: EtcdOutcome;
  value?: string | undefined;
  index?: number | undefined;
  modifiedIndex?: number | undefined;
}): EtcdOutput {
  const defined: { -readonly [K in keyof EtcdOutput]: EtcdOutput[K] } = {
    outcome: output.outcome,
  };
  if (output.value !== undefined) defined.value = output.value;
  if (output.index !== undefined) defined.index = output.index;
  if (output.modifiedIndex !== undefined) defined.modifiedIndex = output.modifiedIndex;
  return defined;
}

/** A short reason: the error code when there is one (ECONNRESET), else the message. */
function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = "code" in error ? String(error.code) : "";
    return code !== "" ? code : error.message.slice(0, 80);
  }
  return String(error).slice(0, 80);
}
