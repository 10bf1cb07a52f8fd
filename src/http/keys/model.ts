/**
 * @module
 * The raw parameters of a `/v2/keys` request as TypeBox schemas. Parameters arrive as strings
 * (query, or form body for PUT/POST); each field's schema says which strings etcd accepts, and
 * its `etcdError` option carries the etcd error a rejected value produces. The order in which the
 * fields are checked, and the rules that span fields, live in `service.ts`.
 */
import { t } from "elysia";
import type { Static, TSchema } from "@sinclair/typebox";
import { ErrorCode, type ErrorCodeValue } from "../../store/errors.ts";

/** The etcd error a rejected parameter produces (always index 0: nothing was read). */
export interface ParameterError {
  readonly errorCode: ErrorCodeValue;
  readonly cause: string;
}

/** Go's `strconv.ParseBool` inputs; anything else, the empty string included, is rejected. */
export const goBooleanPattern = "^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$";
/** Go's `strconv.ParseUint(v, 10, 64)` digits; the uint64 range is checked by the service. */
export const goUnsignedPattern = "^[0-9]+$";

const booleanParameter = (cause: string) =>
  t.String({ pattern: goBooleanPattern, etcdError: invalid(ErrorCode.invalidField, cause) });

const indexParameter = (name: string) =>
  t.String({
    pattern: goUnsignedPattern,
    etcdError: invalid(ErrorCode.indexNotNumber, `invalid value for "${name}"`),
  });

/** Every parameter the key space reads. Unknown parameters are ignored, as etcd does. */
export const keyParametersSchema = t.Object({
  value: t.Optional(t.String()),
  prevValue: t.Optional(
    t.String({
      minLength: 1,
      etcdError: invalid(ErrorCode.prevValueRequired, '"prevValue" cannot be empty'),
    }),
  ),
  prevIndex: t.Optional(indexParameter("prevIndex")),
  waitIndex: t.Optional(indexParameter("waitIndex")),
  recursive: t.Optional(booleanParameter('invalid value for "recursive"')),
  sorted: t.Optional(booleanParameter('invalid value for "sorted"')),
  wait: t.Optional(booleanParameter('invalid value for "wait"')),
  dir: t.Optional(booleanParameter('invalid value for "dir"')),
  quorum: t.Optional(booleanParameter('invalid value for "quorum"')),
  stream: t.Optional(booleanParameter('invalid value for "stream"')),
  noValueOnSuccess: t.Optional(booleanParameter('invalid value for "noValueOnSuccess"')),
  // An empty ttl is accepted: it is how a TTL is removed.
  ttl: t.Optional(
    t.String({
      pattern: "^[0-9]*$",
      etcdError: invalid(ErrorCode.ttlNotNumber, 'invalid value for "ttl"'),
    }),
  ),
  // etcd words these two causes without quotes around the name.
  prevExist: t.Optional(booleanParameter("invalid value for prevExist")),
  refresh: t.Optional(booleanParameter("invalid value for refresh")),
  // etcd 3.4 ignores `consistent`; cairn reads it leniently (see the service).
  consistent: t.Optional(t.String()),
});

/** The raw parameters, every one optional and a string. */
export type RawKeyParameters = Static<typeof keyParametersSchema>;

/** A parameter name the key space reads. */
export type KeyParameterName = keyof RawKeyParameters;

/** The parsed, typed parameters of a key request. */
export interface KeyParameters {
  readonly value: string;
  readonly dir: boolean;
  /** `null` when absent (never empty: that is rejected). */
  readonly prevValue: string | null;
  /** 0 when absent, which etcd treats the same as `prevIndex=0`. */
  readonly prevIndex: number;
  /** 0 when absent, which etcd treats the same as `waitIndex=0`. */
  readonly waitIndex: number;
  /** `null` when absent or empty: the write makes the node permanent. */
  readonly ttlSeconds: number | null;
  /** `null` when absent. */
  readonly prevExist: boolean | null;
  readonly refresh: boolean;
  readonly recursive: boolean;
  readonly sorted: boolean;
  readonly wait: boolean;
  readonly quorum: boolean;
  readonly stream: boolean;
  readonly noValueOnSuccess: boolean;
  readonly consistent: boolean;
}

/**
 * The schema of one parameter and the etcd error it produces when it rejects a value.
 * @returns `error` is `null` for parameters that accept any string.
 */
export function parameterSchema(name: KeyParameterName): {
  readonly schema: TSchema;
  readonly error: ParameterError | null;
} {
  const schema: TSchema = keyParametersSchema.properties[name];
  return { schema, error: readParameterError(schema) };
}

// --- internal ---

function invalid(errorCode: ErrorCodeValue, cause: string): ParameterError {
  return { errorCode, cause };
}

function readParameterError(schema: TSchema): ParameterError | null {
  const error: unknown = schema["etcdError"];
  if (typeof error !== "object" || error === null) return null;
  if (!("errorCode" in error) || !("cause" in error)) return null;
  const { errorCode, cause } = error;
  if (typeof errorCode !== "number" || typeof cause !== "string") return null;
  const known = Object.values(ErrorCode).find((code) => code === errorCode);
  return known === undefined ? null : { errorCode: known, cause };
}
