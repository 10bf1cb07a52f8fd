/**
 * @module
 * Single-server membership changes: their shape, their binary encoding inside a log entry's data
 * (the core cannot use the codec, which sits above it), and how one changes a ConfState.
 */

import { assert } from "../lib/assert.ts";
import type { ConfState, MemberId } from "./types.ts";

/**
 * One membership change. `addVoter` on a learner promotes it; `addLearner` on a voter demotes
 * it; `removeNode` removes either.
 */
export interface ConfChange {
  readonly type: "addVoter" | "addLearner" | "removeNode";
  readonly nodeId: MemberId;
  /** Opaque to Raft (e.g. the new member's peer URLs). */
  readonly context: Uint8Array;
}

const typeCodes = { addVoter: 1, addLearner: 2, removeNode: 3 } as const;
const headerBytes = 1 + 8;
const uint64Max = (1n << 64n) - 1n;

export function encodeConfChange(change: ConfChange): Uint8Array {
  assert(change.nodeId > 0n && change.nodeId <= uint64Max, `Member id ${change.nodeId} invalid`);
  const bytes = new Uint8Array(headerBytes + change.context.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, typeCodes[change.type]);
  view.setBigUint64(1, change.nodeId, false);
  bytes.set(change.context, headerBytes);
  return bytes;
}

/** Decodes an entry's data; throws an AssertionError on bytes Raft itself never wrote. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const change = parseConfChange(data);
  assert(change !== null, `Conf change of ${data.byteLength} bytes is malformed`);
  return change;
}

/**
 * Decodes an entry's data, or returns null if it is not a conf change Raft could have written.
 * For peer input (see validate-message.ts): a bad entry must be refused, not crash the member.
 */
export function parseConfChange(data: Uint8Array): ConfChange | null {
  if (data.byteLength < headerBytes) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const code = view.getUint8(0);
  const types = ["addVoter", "addLearner", "removeNode"] as const;
  const type = types[code - 1] ?? null;
  if (type === null) return null;
  const nodeId = view.getBigUint64(1, false);
  if (nodeId === 0n) return null;
  return { type, nodeId, context: data.slice(headerBytes) };
}

/** The membership after `change`. Pure; validity was checked when the change was proposed. */
export function applyToConfState(confState: ConfState, change: ConfChange): ConfState {
  const voters = confState.voters.filter((id) => id !== change.nodeId);
  const learners = confState.learners.filter((id) => id !== change.nodeId);
  if (change.type === "addVoter") voters.push(change.nodeId);
  if (change.type === "addLearner") learners.push(change.nodeId);
  const result = { voters: sortIds(voters), learners: sortIds(learners) };
  assert(
    !result.voters.some((id) => result.learners.includes(id)),
    "A member cannot be both voter and learner",
  );
  return result;
}

/** Why `change` may not be proposed against `confState`, or null if it may. */
export function validateConfChange(confState: ConfState, change: ConfChange): string | null {
  if (change.nodeId <= 0n || change.nodeId > uint64Max) return "member id out of range";
  const after = applyToConfState(confState, change);
  if (after.voters.length === 0) return "the last voter cannot be removed or demoted";
  return null;
}

function sortIds(ids: MemberId[]): MemberId[] {
  return ids.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}
