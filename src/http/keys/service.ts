/**
 * @module
 * The key space's request logic, free of HTTP framework types: etcd 3.4's parameter validation
 * in its exact order (v2-api-reference.md §3.3), the mapping of PUT/POST/DELETE parameters to
 * store commands (§5), the key and value limits, and the reads and writes against the member.
 */
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { assert } from "../../lib/assert.ts";
import type { Limits } from "../../limits.ts";
import type { KeyValueNode } from "../../server/types.ts";
import { ErrorCode, EtcdError } from "../../store/errors.ts";
import type { StoreCommand, StoreEvent } from "../../store/types.ts";
import type { FormValues } from "../form.ts";
import {
  type KeyParameterName,
  type KeyParameters,
  type ParameterError,
  parameterSchema,
} from "./model.ts";

/** The HTTP methods the key space serves. */
export type KeyMethod = "GET" | "HEAD" | "PUT" | "POST" | "DELETE";

/** The prefix of the key space; the key is the rest of the path. */
export const keysPrefix = "/v2/keys";

/**
 * Validates and types the parameters of a key request in etcd's order; the first failure wins.
 * @throws {EtcdError} a 2xx request error with index 0.
 */
export function parseKeyParameters(method: KeyMethod, values: FormValues): KeyParameters {
  if (values.size === 0) return noParameters;
  const prevIndex = readUnsigned(values, "prevIndex");
  const waitIndex = readUnsigned(values, "waitIndex");
  const recursive = readBoolean(values, "recursive") ?? false;
  const sorted = readBoolean(values, "sorted") ?? false;
  const wait = readBoolean(values, "wait") ?? false;
  const dir = readBoolean(values, "dir") ?? false;
  const quorum = readBoolean(values, "quorum") ?? false;
  const stream = readBoolean(values, "stream") ?? false;
  if (wait && method !== "GET") {
    throw requestError(ErrorCode.invalidField, '"wait" can only be used with GET requests');
  }
  const prevValue = readChecked(values, "prevValue");
  const noValueOnSuccess = readBoolean(values, "noValueOnSuccess") ?? false;
  const ttlText = readChecked(values, "ttl");
  const ttlSeconds = ttlText === null || ttlText === "" ? null : unsignedValue(ttlText, "ttl");
  const prevExist = readBoolean(values, "prevExist");
  const refresh = readBoolean(values, "refresh") ?? false;
  const value = values.get("value") ?? "";
  if (refresh && value !== "") {
    throw requestError(ErrorCode.refreshValue, "A value was provided on a refresh");
  }
  if (refresh && ttlSeconds === null) {
    throw requestError(ErrorCode.refreshTtlRequired, "No TTL value set");
  }
  // etcd 3.4 ignores `consistent` (any value); cairn makes a true one linearizable (DESIGN.md).
  const consistent = isGoTrue(values.get("consistent"));
  return {
    value, dir, prevValue, prevIndex, waitIndex, ttlSeconds, prevExist, refresh,
    recursive, sorted, wait, quorum, stream, noValueOnSuccess, consistent,
  };
}

/**
 * The canonical store key of a decoded key-space path: `/v2/keys`, `/v2/keys/` → `/`;
 * `/v2/keys/a/b/` → `/a/b`.
 */
export function keyFromPath(path: string): string {
  assert(path.startsWith(keysPrefix), `key path must start with ${keysPrefix}: ${path}`);
  const end = path.endsWith("/") ? path.length - 1 : path.length;
  if (end <= keysPrefix.length) return "/";
  assert(path.charCodeAt(keysPrefix.length) === 0x2f, `key path must continue with /: ${path}`);
  return path.slice(keysPrefix.length, end);
}

/**
 * Builds the store command of a write (§5) and checks cairn's key and value limits.
 * @param nowMs Wall-clock time, to recognise TTLs beyond Go's time range.
 * @throws {EtcdError} 209 when the key or value is over its limit.
 */
export function writeCommand(options: {
  readonly method: "PUT" | "POST" | "DELETE";
  readonly key: string;
  readonly parameters: KeyParameters;
  readonly limits: Limits;
  readonly nowMs: number;
}): StoreCommand {
  const { method, key, parameters: p, limits } = options;
  checkLength("key", key, limits.keyBytesMax, "keyBytesMax");
  const prevIndex = p.prevIndex === 0 ? null : p.prevIndex;
  if (method === "DELETE") {
    if (p.prevValue !== null || prevIndex !== null) {
      return { op: "compareAndDelete", key, prevValue: p.prevValue, prevIndex };
    }
    return { op: "delete", key, dir: p.dir, recursive: p.recursive };
  }
  checkLength("value", p.value, limits.valueBytesMax, "valueBytesMax");
  const ttlSeconds = representableTtl(p.ttlSeconds, options.nowMs);
  const common = { key, value: p.value, ttlSeconds, refresh: p.refresh } as const;
  if (method === "POST") return { op: "create", ...common, dir: p.dir, inOrder: true };
  if (p.prevExist === false) return { op: "create", ...common, dir: p.dir, inOrder: false };
  const compares = p.prevValue !== null || prevIndex !== null;
  if (p.prevExist === true && !compares) return { op: "update", ...common };
  if (compares) return { op: "compareAndSwap", ...common, prevValue: p.prevValue, prevIndex };
  return { op: "set", ...common, dir: p.dir };
}

/**
 * Proposes a write and returns its event.
 * @throws {EtcdError} the store's error (with the current index) or the member's 300/301.
 */
export async function applyWrite(node: KeyValueNode, command: StoreCommand): Promise<StoreEvent> {
  const outcome = await node.propose(command);
  if (!outcome.ok) throw outcome.error;
  const event = outcome.events[0];
  assert(event !== undefined, `a successful ${command.op} must produce an event`);
  return event;
}

/**
 * Reads a node; `quorum=true` (and cairn's linearizable `consistent=true`) first waits for
 * the member's read barrier.
 * @throws {EtcdError} 100/104 from the store, 300/301 from the barrier.
 */
export async function readKey(
  node: KeyValueNode,
  key: string,
  parameters: KeyParameters,
): Promise<StoreEvent> {
  if (parameters.quorum || parameters.consistent) await node.readBarrier();
  return node.store.get(key, { recursive: parameters.recursive, sorted: parameters.sorted });
}

/** Whether etcd answers this event with `201 Created` rather than `200 OK`. */
export function isCreated(event: StoreEvent): boolean {
  return event.action === "create" || (event.action === "set" && event.prevNode === undefined);
}

// --- internal ---

const noParameters: KeyParameters = {
  value: "", dir: false, prevValue: null, prevIndex: 0, waitIndex: 0, ttlSeconds: null,
  prevExist: null, refresh: false, recursive: false, sorted: false, wait: false,
  quorum: false, stream: false, noValueOnSuccess: false, consistent: false,
};

const uint64Max = "18446744073709551615";
/** The last instant Go's `time.Time` can hold as Unix nanoseconds (year 2262), in ms. */
const goDeadlineMsMax = 9_223_372_036_854;

interface ParameterChecker {
  readonly check: { Check(value: unknown): boolean };
  readonly error: ParameterError;
}

/** One compiled TypeBox checker per parameter, built once. */
const checkers = new Map<KeyParameterName, ParameterChecker>(
  (
    [
      "prevValue", "prevIndex", "waitIndex", "recursive", "sorted", "wait", "dir", "quorum",
      "stream", "noValueOnSuccess", "ttl", "prevExist", "refresh",
    ] as const
  ).map((name) => {
    const { schema, error } = parameterSchema(name);
    assert(error !== null, `parameter ${name} must declare its etcd error`);
    return [name, { check: TypeCompiler.Compile(schema), error }] as const;
  }),
);

function readChecked(values: FormValues, name: KeyParameterName): string | null {
  const text = values.get(name);
  if (text === undefined) return null;
  const checker = checkers.get(name);
  assert(checker !== undefined, `parameter ${name} has no checker`);
  if (!checker.check.Check(text)) throw fromParameterError(checker.error);
  return text;
}

function readBoolean(values: FormValues, name: KeyParameterName): boolean | null {
  const text = readChecked(values, name);
  return text === null ? null : isGoTrue(text);
}

/** Whether Go's `strconv.ParseBool` reads `text` as true. */
function isGoTrue(text: string | undefined): boolean {
  return (
    text === "true" || text === "1" || text === "t" || text === "T" || text === "TRUE" ||
    text === "True"
  );
}

function readUnsigned(values: FormValues, name: "prevIndex" | "waitIndex"): number {
  const text = readChecked(values, name);
  return text === null ? 0 : unsignedValue(text, name);
}

/** The number of an unsigned decimal the schema accepted, if it fits in a uint64. */
function unsignedValue(text: string, name: "prevIndex" | "waitIndex" | "ttl"): number {
  const digits = text.replace(/^0+(?=.)/, "");
  const tooLong = digits.length > uint64Max.length;
  if (tooLong || (digits.length === uint64Max.length && digits > uint64Max)) {
    const checker = checkers.get(name);
    assert(checker !== undefined, `parameter ${name} has no checker`);
    throw fromParameterError(checker.error);
  }
  return Number(digits);
}

/** TTLs whose deadline Go cannot represent leave the node permanent, as etcd 3.4 does. */
function representableTtl(ttlSeconds: number | null, nowMs: number): number | null {
  if (ttlSeconds === null) return null;
  return nowMs + ttlSeconds * 1000 > goDeadlineMsMax ? null : ttlSeconds;
}

function checkLength(what: "key" | "value", text: string, bytesMax: number, limit: string): void {
  // A UTF-16 unit is at most three UTF-8 bytes, so most texts need no byte count.
  if (text.length * 3 <= bytesMax) return;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= bytesMax) return;
  throw requestError(
    ErrorCode.invalidField,
    `${what} is ${bytes} bytes long, over the limit of ${bytesMax} bytes (${limit})`,
  );
}

function requestError(code: EtcdError["errorCode"], cause: string): EtcdError {
  return new EtcdError(code, cause, 0);
}

function fromParameterError(error: ParameterError): EtcdError {
  return requestError(error.errorCode, error.cause);
}
