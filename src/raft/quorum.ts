/**
 * @module
 * Majority arithmetic over a voter set: the highest index acknowledged by a quorum, and the
 * outcome of an election.
 */

import { assert } from "../lib/assert.ts";
import type { MemberId } from "./types.ts";

export type VoteResult = "won" | "lost" | "pending";

/** The number of voters forming a majority. */
export function quorumSize(voterCount: number): number {
  assert(voterCount >= 0, "A voter count is never negative");
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index acknowledged by a majority of `voters`. An empty voter set commits nothing
 * new (returns Infinity so that joint use could take a minimum; callers clamp).
 */
export function committedIndex(
  voters: ReadonlySet<MemberId>,
  acked: (id: MemberId) => number,
): number {
  if (voters.size === 0) return Infinity;
  const indexes: number[] = [];
  for (const id of voters) indexes.push(acked(id));
  indexes.sort((left, right) => right - left);
  const result = indexes[quorumSize(voters.size) - 1];
  assert(result !== undefined && result >= 0, "Quorum index out of range");
  return result;
}

/** Counts `votes` (granted or not) from members of `voters` only. */
export function voteResult(
  voters: ReadonlySet<MemberId>,
  votes: ReadonlyMap<MemberId, boolean>,
): VoteResult {
  if (voters.size === 0) return "won";
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    if (vote === false) rejected++;
  }
  const needed = quorumSize(voters.size);
  if (granted >= needed) return "won";
  if (voters.size - rejected < needed) return "lost";
  return "pending";
}

/** Whether members of `voters` for which `isActive` holds form a majority. */
export function hasQuorum(
  voters: ReadonlySet<MemberId>,
  isActive: (id: MemberId) => boolean,
): boolean {
  let active = 0;
  for (const id of voters) if (isActive(id)) active++;
  return active >= quorumSize(voters.size);
}
