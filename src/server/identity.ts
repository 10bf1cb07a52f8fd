/**
 * @module
 * Member and cluster identifiers, derived like etcd's: a member id hashes its peer URLs and the
 * cluster token; the cluster id hashes the sorted member ids. Stable across restarts.
 */
import { assert } from "../lib/assert.ts";
import { formatMemberId } from "../lib/member-id.ts";
import type { MemberId } from "../raft/types.ts";

/** The id of a member from its advertised peer URLs and the cluster token. */
export function computeMemberId(peerUrls: readonly string[], clusterToken: string): MemberId {
  assert(peerUrls.length > 0, "a member needs at least one peer URL");
  const material = [...peerUrls].sort().join("") + clusterToken;
  const id = first64Bits(material);
  // 0 means "no member" in Raft messages, so it can never be an id.
  return id === 0n ? 1n : id;
}

/** The id of a cluster from its members' ids. */
export function computeClusterId(memberIds: readonly MemberId[]): MemberId {
  assert(memberIds.length > 0, "a cluster needs at least one member");
  const sorted = [...memberIds].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
  const id = first64Bits(sorted.map((memberId) => formatMemberId(memberId)).join(""));
  return id === 0n ? 1n : id;
}

// The formatter lives in src/lib so that the Raft core prints ids the same way.
export { formatMemberId };

// --- internal ---

function first64Bits(material: string): bigint {
  const digest = new Bun.CryptoHasher("sha1").update(material).digest();
  let value = 0n;
  for (let byteIndex = 0; byteIndex < 8; byteIndex++) {
    value = (value << 8n) | BigInt(digest[byteIndex] ?? 0);
  }
  return value;
}
