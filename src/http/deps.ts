/**
 * @module
 * What the HTTP layer is built from. The composition root supplies it; nothing here is global.
 */
import type { Logger } from "../lib/log.ts";
import type { Limits } from "../limits.ts";
import type { KeyValueNode } from "../server/types.ts";

/** The dependencies of `createApp` and of every route group. */
export interface HttpDeps {
  /** The member the requests act on. */
  readonly node: KeyValueNode;
  /** Size and count limits (keys, values, bodies, watch buffers). */
  readonly limits: Limits;
  /** Where unexpected failures are reported. */
  readonly logger: Logger;
  /** cairn's own version, reported by `/version`. */
  readonly version: string;
}
