/**
 * @module
 * The `/v2/members`, `/v2/members/leader` and `/v2/machines` routes, and runtime membership:
 * POST `/v2/members` adds a member, DELETE `/v2/members/<id>` removes one, PUT
 * `/v2/members/<id>` replaces its peer URLs, with etcd 3.4's statuses and messages. Also the
 * source document's `/v2/leader`.
 */
import { Elysia } from "elysia";
import type { HttpDeps } from "../deps.ts";
import { decodePath, splitRequestUrl } from "../request-target.ts";
import { ErrorCode, EtcdError } from "../../store/errors.ts";
import {
  corsHeaders,
  etcdErrorResponse,
  getOnly,
  jsonResponse,
  methodNotAllowedResponse,
  plainTextError,
} from "../responses.ts";
import {
  leaderMemberJson,
  machinesText,
  memberJson,
  memberListJson,
  membershipErrorResponse,
  readPeerUrlsRequest,
} from "./service.ts";

const membersMethods = "GET,POST,DELETE,PUT";

/**
 * The membership plugin.
 * @param deps The member whose cluster view is reported and changed.
 */
export function membersRoutes(deps: HttpDeps) {
  const members = ({ request }: { request: Request }) => serveMembers(deps, request);
  return new Elysia({ name: "cairn.members" })
    .all("/v2/members", members)
    .all("/v2/members/*", members)
    .get("/v2/machines", ({ request }) => serveMachines(deps, request))
    .get("/v2/leader", ({ request }) => getOnly(request, () => serveLeaderUrl(deps)));
}

// --- internal ---

async function serveMembers(deps: HttpDeps, request: Request): Promise<Response> {
  const { node } = deps;
  if (!["GET", "POST", "DELETE", "PUT"].includes(request.method)) {
    return methodNotAllowedResponse(membersMethods);
  }
  const headers = { "X-Etcd-Cluster-Id": node.headerStatus().clusterId };
  const path = decodePath(splitRequestUrl(request.url).rawPath) ?? "";
  const rest = path.slice("/v2/members".length).replace(/^\//, "");
  try {
    switch (request.method) {
      case "GET":
        return serveGet(deps, rest, headers);
      case "POST": {
        const peerURLs = await readPeerUrlsRequest(request, deps.limits.requestBodyBytesMax);
        if (peerURLs instanceof Response) return withHeaders(peerURLs, headers);
        const member = await node.addMember(peerURLs);
        return jsonResponse(memberJson(member), 201, headers);
      }
      case "DELETE": {
        if (rest === "") return plainTextError(405, "Method Not Allowed");
        await node.removeMember(rest);
        return new Response(null, { status: 204, headers: { ...corsHeaders, ...headers } });
      }
      default: {
        if (rest === "") return plainTextError(405, "Method Not Allowed");
        const peerURLs = await readPeerUrlsRequest(request, deps.limits.requestBodyBytesMax);
        if (peerURLs instanceof Response) return withHeaders(peerURLs, headers);
        await node.updateMember(rest, peerURLs);
        return new Response(null, { status: 204, headers: { ...corsHeaders, ...headers } });
      }
    }
  } catch (error) {
    return withHeaders(membershipErrorResponse(error, deps.logger), headers);
  }
}

function serveGet(deps: HttpDeps, rest: string, headers: Record<string, string>): Response {
  const { node } = deps;
  if (rest === "") return jsonResponse(memberListJson(node.members()), 200, headers);
  if (rest !== "leader") return jsonResponse('{"message":"Not found"}', 404, headers);
  const body = leaderMemberJson(node.status(), node.members());
  if (body === null) return jsonResponse('{"message":"During election"}', 503, headers);
  return jsonResponse(body, 200, headers);
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

/**
 * The source document's `/v2/leader` (dropped by etcd 3): the leader's peer URL as plain text, or
 * error 301 while there is none.
 */
function serveLeaderUrl(deps: HttpDeps): Response {
  const status = deps.node.status();
  const leader = deps.node.members().find((member) => member.id === status.leaderId);
  const url = leader?.peerURLs[0];
  if (url === undefined) {
    const error = new EtcdError(ErrorCode.leaderElect, "During Leader Election", 0);
    return etcdErrorResponse(error, status.clusterId);
  }
  return new Response(url, {
    status: 200,
    headers: { ...corsHeaders, "Content-Type": "text/plain; charset=utf-8" },
  });
}

function serveMachines(deps: HttpDeps, request: Request): Response {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return methodNotAllowedResponse("GET,HEAD");
  }
  return new Response(machinesText(deps.node.members()), {
    status: 200,
    headers: { ...corsHeaders, "Content-Type": "text/plain; charset=utf-8" },
  });
}
