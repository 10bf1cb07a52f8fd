/**
 * @module
 * How member ids are printed everywhere (logs, stats, errors): lower-case hex without
 * padding, as etcd's `types.ID.String` prints them. Here rather than in `src/server` so that
 * the pure Raft core can use it too.
 */
import { assert } from "./assert.ts";

/** The largest member id: ids are unsigned 64-bit values. */
export const memberIdMax = (1n << 64n) - 1n;

/** A member id as etcd prints it: lower-case hex, not zero-padded. */
export function formatMemberId(memberId: bigint): string {
  assert(memberId >= 0n && memberId <= memberIdMax, "member ids are unsigned 64-bit values");
  return memberId.toString(16);
}
