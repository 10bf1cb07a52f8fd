/**
 * @module
 * Assertions for programmer errors. A failed assertion means the process state can no longer be
 * trusted, so callers never catch `AssertionError`: the composition root logs it and exits.
 */

/** Thrown when an invariant does not hold. */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

/**
 * Checks an invariant.
 * @throws {AssertionError} when `condition` is false.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/**
 * Marks a branch the type checker proves unreachable.
 * @throws {AssertionError} always.
 */
export function unreachable(value: never, message: string): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
