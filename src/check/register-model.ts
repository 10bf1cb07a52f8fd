/**
 * @module
 * A single read/write register starting at 0: the smallest useful model, for the checker's
 * self-tests and for simple simulator workloads.
 */
import { isIndeterminate } from "./types.ts";
import type { Model, Outcome } from "./types.ts";

/** A register operation: write a value, or read the current one. */
export type RegisterInput =
  | { readonly kind: "write"; readonly value: number }
  | { readonly kind: "read" };

/** A read returns the value; a write returns null. */
export type RegisterOutput = number | null;

/**
 * The register model. An indeterminate write may or may not have taken effect; an indeterminate
 * read observed nothing and changes nothing.
 */
export const registerModel: Model<number, RegisterInput, RegisterOutput> = Object.freeze({
  init: () => 0,
  step: (state: number, input: RegisterInput, output: Outcome<RegisterOutput>): number[] => {
    if (input.kind === "write") {
      return isIndeterminate(output) ? [state, input.value] : [input.value];
    }
    if (isIndeterminate(output)) return [state];
    return output === state ? [state] : [];
  },
  key: (state: number) => String(state),
  describeOperation: (input: RegisterInput, output: Outcome<RegisterOutput>) => {
    const result = isIndeterminate(output) ? "?" : String(output);
    return input.kind === "write" ? `write(${input.value}) → ${result}` : `read() → ${result}`;
  },
  describeState: (state: number) => String(state),
});
