/**
 * @module
 * The replicated member list: every member's name, peer URLs and client URLs, and the ids removed
 * for good. It changes only by applying log entries (conf changes and member commands), so every
 * replica holds the same list at the same index, and it travels in snapshots. Raft's ConfState
 * says who votes; this says how to reach them and what to call them.
 */
import type { MemberId } from "../raft/types.ts";
import type { PeerMeta } from "../storage/index.ts";
import { MembershipError } from "./types.ts";

/** Why a membership change was refused; each maps to one etcd answer. */
export type MembershipRefusal = "idExists" | "peerUrlExists" | "idRemoved" | "idNotFound";

/** Plain data that restores a registry exactly. */
export interface MemberRegistrySnapshot {
  readonly members: readonly PeerMeta[];
  readonly removed: readonly MemberId[];
}

export class MemberRegistry {
  readonly #members = new Map<MemberId, PeerMeta>();
  readonly #removed = new Set<MemberId>();

  static fromSnapshot(snapshot: MemberRegistrySnapshot): MemberRegistry {
    const registry = new MemberRegistry();
    registry.restore(snapshot);
    return registry;
  }

  /** Replaces the whole list (a snapshot installed from the leader). */
  restore(snapshot: MemberRegistrySnapshot): void {
    this.#members.clear();
    this.#removed.clear();
    for (const member of snapshot.members) this.#members.set(member.id, member);
    for (const id of snapshot.removed) this.#removed.add(id);
  }

  toSnapshot(): MemberRegistrySnapshot {
    return { members: this.list(), removed: [...this.#removed].sort(compareIds) };
  }

  /** Members sorted by id, the order etcd lists them in. */
  list(): PeerMeta[] {
    return [...this.#members.values()].sort((left, right) => compareIds(left.id, right.id));
  }

  get(id: MemberId): PeerMeta | undefined {
    return this.#members.get(id);
  }

  has(id: MemberId): boolean {
    return this.#members.has(id);
  }

  isRemoved(id: MemberId): boolean {
    return this.#removed.has(id);
  }

  get size(): number {
    return this.#members.size;
  }

  /** Why `add` would refuse, or null. */
  checkAdd(id: MemberId, peerURLs: readonly string[]): MembershipRefusal | null {
    if (this.#removed.has(id)) return "idRemoved";
    if (this.#members.has(id)) return "idExists";
    if (this.#peerUrlTaken(peerURLs, id)) return "peerUrlExists";
    return null;
  }

  /** Adds a member with no client URLs yet (it publishes them once it runs). */
  add(id: MemberId, name: string, peerURLs: readonly string[]): MembershipRefusal | null {
    const refusal = this.checkAdd(id, peerURLs);
    if (refusal !== null) return refusal;
    this.#members.set(id, { id, name, peerURLs: [...peerURLs], clientURLs: [] });
    return null;
  }

  /** Why `remove` would refuse, or null. */
  checkRemove(id: MemberId): MembershipRefusal | null {
    if (this.#removed.has(id)) return "idRemoved";
    if (!this.#members.has(id)) return "idNotFound";
    return null;
  }

  /** Removes a member for good: its id can never rejoin. */
  remove(id: MemberId): MembershipRefusal | null {
    const refusal = this.checkRemove(id);
    if (refusal !== null) return refusal;
    this.#members.delete(id);
    this.#removed.add(id);
    return null;
  }

  /** Why `updatePeerURLs` would refuse, or null. */
  checkUpdate(id: MemberId, peerURLs: readonly string[]): MembershipRefusal | null {
    if (!this.#members.has(id)) return "idNotFound";
    if (this.#peerUrlTaken(peerURLs, id)) return "peerUrlExists";
    return null;
  }

  updatePeerURLs(id: MemberId, peerURLs: readonly string[]): MembershipRefusal | null {
    const refusal = this.checkUpdate(id, peerURLs);
    if (refusal !== null) return refusal;
    const member = this.#members.get(id);
    if (member !== undefined) this.#members.set(id, { ...member, peerURLs: [...peerURLs] });
    return null;
  }

  /** Records a running member's name and client URLs (what it announces after it starts). */
  publish(id: MemberId, name: string, clientURLs: readonly string[]): MembershipRefusal | null {
    const member = this.#members.get(id);
    if (member === undefined) return this.#removed.has(id) ? "idRemoved" : "idNotFound";
    this.#members.set(id, { ...member, name, clientURLs: [...clientURLs] });
    return null;
  }

  // --- internal ---

  #peerUrlTaken(peerURLs: readonly string[], except: MemberId): boolean {
    const wanted = new Set(peerURLs);
    for (const member of this.#members.values()) {
      if (member.id === except) continue;
      if (member.peerURLs.some((url) => wanted.has(url))) return true;
    }
    return false;
  }
}

/** A refusal as the error etcd answers with; `id` is written as the request wrote it. */
export function refusalError(refusal: MembershipRefusal, id: string): MembershipError {
  switch (refusal) {
    case "idExists":
      return new MembershipError(refusal, "membership: ID exists");
    case "peerUrlExists":
      return new MembershipError(refusal, "membership: peerURL exists");
    case "idRemoved":
      return new MembershipError(refusal, `Member permanently removed: ${id}`);
    case "idNotFound":
      return new MembershipError(refusal, `No such member: ${id}`);
  }
}

function compareIds(left: MemberId, right: MemberId): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
