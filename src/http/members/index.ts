/**
 * @module
 * The `/v2/members`, `/v2/members/leader` and `/v2/machines` routes. Membership changes
 * (POST/PUT/DELETE on `/v2/members`) are not offered: the member contract has no way to make
 * them, so those methods get a 405.
 */
import { Elysia } from "elysia";
import type { HttpDeps } from "../deps.ts";
import { decodePath, splitRequestUrl } from "../request-target.ts";
import { corsHeaders, getOnly, jsonResponse, methodNotAllowedResponse } from "../responses.ts";
import { leaderMemberJson, machinesText, memberListJson } from "./service.ts";

/**
 * The membership plugin.
 * @param deps The member whose cluster view is reported.
 */
export function membersRoutes(deps: HttpDeps) {
  const members = (request: Request) => getOnly(request, () => serveMembers(deps, request));
  return new Elysia({ name: "cairn.members" })
    .get("/v2/members", ({ request }) => members(request))
    .get("/v2/members/*", ({ request }) => members(request))
    .get("/v2/machines", ({ request }) => serveMachines(deps, request));
}

// --- internal ---

function serveMembers(deps: HttpDeps, request: Request): Response {
  const { node } = deps;
  const status = node.status();
  const headers = { "X-Etcd-Cluster-Id": status.clusterId };
  const path = decodePath(splitRequestUrl(request.url).rawPath) ?? "";
  const rest = path.slice("/v2/members".length).replace(/^\//, "");
  if (rest === "") return jsonResponse(memberListJson(node.members()), 200, headers);
  if (rest !== "leader") return jsonResponse('{"message":"Not found"}', 404, headers);
  const body = leaderMemberJson(status, node.members());
  if (body === null) return jsonResponse('{"message":"During election"}', 503, headers);
  return jsonResponse(body, 200, headers);
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
