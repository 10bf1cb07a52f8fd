/**
 * @module
 * Shared primitives with no dependencies on the rest of cairn.
 */
export { AssertionError, assert, unreachable } from "./assert.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { formatMemberId, memberIdMax } from "./member-id.ts";
export { type Prng, createPrng } from "./prng.ts";
export {
  type JsonLoggerOptions,
  type LogFields,
  type LogLevel,
  type Logger,
  createJsonLogger,
  silentLogger,
} from "./log.ts";
