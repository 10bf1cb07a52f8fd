/**
 * @module
 * Cluster membership as etcd 3.4 reports it: the member list and the leader (JSON written by
 * `json.Encoder`, so with a trailing newline) and `/v2/machines` (client URLs as plain text).
 */
import type { MemberInfo, NodeStatus } from "../../server/types.ts";
import { stringifyGo } from "../go-json.ts";
import type { MemberBody, MemberListBody } from "./model.ts";

/** `/v2/members`. */
export function memberListJson(members: readonly MemberInfo[]): string {
  const body: MemberListBody = { members: members.map(memberBody) };
  return `${stringifyGo(body)}\n`;
}

/**
 * `/v2/members/leader`.
 * @returns `null` when no leader is known (etcd answers 503 `During election`).
 */
export function leaderMemberJson(
  status: NodeStatus,
  members: readonly MemberInfo[],
): string | null {
  if (status.leaderId === "") return null;
  const leader = members.find((member) => member.id === status.leaderId);
  if (leader === undefined) return null;
  return `${stringifyGo(memberBody(leader))}\n`;
}

/** `/v2/machines`: every member's client URLs, sorted, joined by `, `, no newline. */
export function machinesText(members: readonly MemberInfo[]): string {
  return members
    .flatMap((member) => member.clientURLs)
    .sort()
    .join(", ");
}

// --- internal ---

function memberBody(member: MemberInfo): MemberBody {
  return {
    id: member.id,
    name: member.name,
    peerURLs: [...member.peerURLs],
    clientURLs: [...member.clientURLs],
  };
}
