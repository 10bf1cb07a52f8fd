/**
 * @module
 * How a brand-new cluster writes its founding membership into the log, so that the membership
 * can be learned by replaying the log: members that join later (with an empty log) learn the
 * founders from these entries, exactly as they learn every later change.
 */

import { assert } from "../lib/assert.ts";
import { encodeConfChange } from "./conf-change.ts";
import type { Entry, HardState, MemberId } from "./types.ts";
import { EntryType } from "./types.ts";

/** The founders' log: one committed `addVoter` entry per founder, at term 1. */
export interface BootstrapLog {
  readonly entries: readonly Entry[];
  readonly hardState: HardState;
}

/**
 * The identical log every founder persists before starting (with an empty ConfState); each
 * entry may carry an opaque context for its member (the caller's name and URLs for it). The
 * entries are committed; the node hands them out for applying like any other, and the caller
 * applies them with `applyConfChange`. A member joining later starts with an empty log.
 */
export function bootstrapLog(
  voters: readonly MemberId[],
  contexts: ReadonlyMap<MemberId, Uint8Array> = new Map(),
): BootstrapLog {
  assert(voters.length > 0, "A cluster needs at least one founding voter");
  assert(new Set(voters).size === voters.length, "Founding voters must be distinct");
  const sorted = [...voters].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
  const entries = sorted.map((nodeId, offset) => ({
    term: 1,
    index: offset + 1,
    type: EntryType.confChange,
    data: encodeConfChange({
      type: "addVoter",
      nodeId,
      context: contexts.get(nodeId) ?? new Uint8Array(),
    }),
  }));
  return { entries, hardState: { term: 1, vote: 0n, commit: entries.length } };
}
