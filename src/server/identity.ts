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
  // Padded here so the derivation stays what it was when ids were printed padded.
  const material = sorted.map((memberId) => memberId.toString(16).padStart(16, "0")).join("");
  const id = first64Bits(material);
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

/**
 * The id of a member added at runtime. Like etcd, it hashes the time of the request too, so a
 * member re-added with the peer URLs of one removed earlier gets a fresh id (removed ids stay
 * banned).
 */
export function computeAddedMemberId(
  peerUrls: readonly string[],
  clusterId: MemberId,
  nowMs: number,
): MemberId {
  assert(peerUrls.length > 0, "a member needs at least one peer URL");
  const material = [...peerUrls].sort().join("") + clusterId.toString(16) + String(nowMs);
  const id = first64Bits(material);
  return id === 0n ? 1n : id;
}

/**
 * Reads a member id written as hex, as `/v2/members/<id>` carries it.
 * @returns null when `text` is not 1 to 16 hex digits or names member 0.
 */
export function parseMemberId(text: string): MemberId | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) return null;
  const id = BigInt(`0x${text}`);
  return id === 0n ? null : id;
}
