/**
 * @module
 * `/version` and `/health`, as etcd 3.4 answers them (GET only, no trailing newline, the health
 * body sent as `text/plain`).
 */
import { Elysia } from "elysia";
import type { HttpDeps } from "../deps.ts";
import {
  corsHeaders,
  getOnly,
  jsonResponse,
  methodNotAllowedResponse,
  plainTextError,
} from "../responses.ts";
import { checkHealth, versionJson } from "./service.ts";

/**
 * The version and health plugin.
 * @param deps The member whose health is checked and cairn's version.
 */
export function infoRoutes(deps: HttpDeps) {
  const version = versionJson(deps.version);
  return new Elysia({ name: "cairn.info" })
    .get("/version", ({ request }) => getOnly(request, () => jsonResponse(version, 200)))
    .get("/health", async ({ request }) => {
      if (request.method !== "GET") return methodNotAllowedResponse("GET");
      const health = await checkHealth(deps.node);
      if (!health.healthy) return plainTextError(503, health.body);
      return new Response(health.body, {
        status: 200,
        headers: { ...corsHeaders, "Content-Type": "text/plain; charset=utf-8" },
      });
    });
}
