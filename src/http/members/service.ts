/**
 * @module
 * Cluster membership as etcd 3.4 reports it: the member list and the leader (JSON written by
 * `json.Encoder`, so with a trailing newline) and `/v2/machines` (client URLs as plain text);
 * and the requests that change it: a JSON body with `peerURLs`, checked as etcd checks it, and
 * etcd's `{"message": ...}` answers (written by `json.Marshal`, so without a newline).
 */
import type { Logger } from "../../lib/log.ts";
import { EtcdError } from "../../store/errors.ts";
import { type MemberInfo, MembershipError, type NodeStatus } from "../../server/types.ts";
import { quoteGo, stringifyGo } from "../go-json.ts";
import { jsonResponse } from "../responses.ts";
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

/** One member, as POST `/v2/members` answers with it. */
export function memberJson(member: MemberInfo): string {
  return `${stringifyGo(memberBody(member))}\n`;
}

/**
 * Reads the JSON body of POST and PUT `/v2/members`: `{"peerURLs": [...]}`.
 * @returns the peer URLs, trimmed and sorted as etcd stores them, or the error response.
 */
export async function readPeerUrlsRequest(
  request: Request,
  bodyBytesMax: number,
): Promise<readonly string[] | Response> {
  const contentType = mediaType(request.headers.get("content-type") ?? "");
  if (contentType !== "application/json") {
    return messageResponse(415, `Bad Content-Type ${contentType}, accept application/json`);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > bodyBytesMax) return messageResponse(413, "http: request body too large");
  const text = await request.text();
  if (Buffer.byteLength(text, "utf8") > bodyBytesMax) {
    return messageResponse(413, "http: request body too large");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return messageResponse(400, error instanceof Error ? error.message : "invalid JSON");
  }
  const peerURLs: unknown = typeof body === "object" && body !== null
    ? Reflect.get(body, "peerURLs")
    : undefined;
  if (peerURLs !== undefined && peerURLs !== null && !isTextList(peerURLs)) {
    return messageResponse(400, "peerURLs must be a list of strings");
  }
  const urls = (peerURLs ?? []).map((url) => url.trim());
  if (urls.length === 0) return messageResponse(400, "no valid URLs given");
  for (const url of urls) {
    const problem = peerUrlProblem(url);
    if (problem !== null) return messageResponse(400, problem);
  }
  return [...urls].sort();
}

/** etcd's answer to a refused or failed membership change. */
export function membershipErrorResponse(error: unknown, logger: Logger): Response {
  if (error instanceof MembershipError) {
    switch (error.kind) {
      case "idExists":
      case "peerUrlExists":
        return messageResponse(409, error.message);
      case "idRemoved":
        return messageResponse(410, error.message);
      case "idNotFound":
        return messageResponse(404, error.message);
      case "notEnoughStartedMembers":
        // etcd answers 500 here; the message says what to do about it.
        return messageResponse(500, error.message);
    }
  }
  if (error instanceof EtcdError) {
    // A timeout or a missing leader: etcd's generic 500, with the reason.
    return messageResponse(500, `etcdserver: ${error.message}`);
  }
  logger.error("membership change failed", { error });
  return messageResponse(500, "Internal Server Error");
}

/** `/v2/machines`: every member's client URLs, sorted, joined by `, `, no newline. */
export function machinesText(members: readonly MemberInfo[]): string {
  return members
    .flatMap((member) => member.clientURLs)
    .sort()
    .join(", ");
}

// --- internal ---

function messageResponse(status: number, message: string): Response {
  return jsonResponse(`{"message":${quoteGo(message)}}`, status);
}

function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return semicolon === -1 ? contentType : contentType.slice(0, semicolon).trim().toLowerCase();
}

function isTextList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** etcd's `types.NewURLs` checks (cairn's peers speak only its TCP protocol, so no unix). */
function peerUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `parse ${JSON.stringify(text)}: invalid URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `URL scheme must be http or https: ${text}`;
  }
  if (url.port === "" || url.hostname === "") {
    return `URL address does not have the form "host:port": ${text}`;
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || text.endsWith("/")) {
    return `URL must not contain a path: ${text}`;
  }
  return null;
}

function memberBody(member: MemberInfo): MemberBody {
  return {
    id: member.id,
    name: member.name,
    peerURLs: [...member.peerURLs],
    clientURLs: [...member.clientURLs],
  };
}
