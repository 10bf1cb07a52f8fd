/**
 * @module
 * Shape checks for decoded msgpack values. A payload that passed its CRC but has the wrong shape
 * was written by a different format or a bug; every check throws `CorruptionError`.
 */
import { CorruptionError } from "./errors.ts";

/**
 * Reads a fixed-length msgpack array.
 * @throws {CorruptionError} when `value` is not an array of `length` items.
 */
export function expectTuple(value: unknown, length: number, what: string): readonly unknown[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw malformed(what, `expected an array of ${length} fields`);
  }
  return value;
}

/**
 * Reads an array of any length.
 * @throws {CorruptionError} when `value` is not an array.
 */
export function expectArray(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw malformed(what, "expected an array");
  return value;
}

/**
 * Reads a non-negative safe integer.
 * @throws {CorruptionError} otherwise.
 */
export function expectCount(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw malformed(what, "expected a non-negative integer");
  }
  return value;
}

/**
 * Reads an unsigned 64-bit id (msgpack int64/uint64 decoded as bigint).
 * @throws {CorruptionError} otherwise.
 */
export function expectId(value: unknown, what: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw malformed(what, "expected an unsigned 64-bit id");
  }
  return value;
}

/**
 * Reads a list of unsigned 64-bit ids.
 * @throws {CorruptionError} otherwise.
 */
export function expectIds(value: unknown, what: string): bigint[] {
  return expectArray(value, what).map((item) => expectId(item, what));
}

/**
 * Reads a byte string.
 * @throws {CorruptionError} otherwise.
 */
export function expectBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw malformed(what, "expected bytes");
  return value;
}

/**
 * Reads a text string.
 * @throws {CorruptionError} otherwise.
 */
export function expectText(value: unknown, what: string): string {
  if (typeof value !== "string") throw malformed(what, "expected a string");
  return value;
}

/**
 * Reads a list of text strings.
 * @throws {CorruptionError} otherwise.
 */
export function expectTexts(value: unknown, what: string): string[] {
  return expectArray(value, what).map((item) => expectText(item, what));
}

/** Builds the error for a payload of the wrong shape. */
export function malformed(what: string, detail: string): CorruptionError {
  return new CorruptionError(`Cannot decode ${what}: ${detail}`, 0);
}
