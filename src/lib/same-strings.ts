/**
 * @module
 * Comparing lists of strings (URLs, names) as values.
 */

/** Same strings in the same order. */
export function sameStrings(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((text, index) => text === right[index]);
}

/** Same strings, in any order. */
export function sameStringSet(left: readonly string[], right: readonly string[]): boolean {
  return sameStrings([...left].sort(), [...right].sort());
}
