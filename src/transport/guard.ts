/**
 * @module
 * Socket callbacks run inside Bun's event handling, which routes anything they throw to the
 * socket's `error` handler and carries on. A throw there is a bug (a failed assertion, a handler
 * that should not throw), so the guard logs it and rethrows it outside the socket callback,
 * where it becomes an uncaught exception instead of a quietly swallowed one.
 */
import type { Logger } from "../lib/log.ts";

/** Wraps a socket callback so that what it throws is logged and escalated, never swallowed. */
export function guarded<Args extends unknown[]>(
  logger: Logger,
  what: string,
  callback: (...args: Args) => void,
): (...args: Args) => void {
  return (...args: Args): void => {
    try {
      callback(...args);
    } catch (error) {
      logger.error("peer transport callback failed", { callback: what, error });
      queueMicrotask(() => {
        throw error;
      });
    }
  };
}
