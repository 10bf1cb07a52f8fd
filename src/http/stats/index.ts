/**
 * @module
 * The `/v2/stats/self`, `/v2/stats/leader` and `/v2/stats/store` routes (GET only).
 */
import { Elysia } from "elysia";
import type { HttpDeps } from "../deps.ts";
import { getOnly, jsonResponse } from "../responses.ts";
import { leaderStatsJson, selfStatsJson, storeStatsJson } from "./service.ts";

/**
 * The statistics plugin.
 * @param deps The member whose status and store counters are reported.
 */
export function statsRoutes(deps: HttpDeps) {
  const { node } = deps;
  return new Elysia({ name: "cairn.stats" })
    .get("/v2/stats/self", ({ request }) =>
      getOnly(request, () => jsonResponse(selfStatsJson(node.status(), node.clock.wallMs()), 200)),
    )
    .get("/v2/stats/leader", ({ request }) =>
      getOnly(request, () => {
        const body = leaderStatsJson(node.status(), node.followerStats());
        if (body === null) return jsonResponse('{"message":"not current leader"}', 403);
        return jsonResponse(body, 200);
      }),
    )
    .get("/v2/stats/store", ({ request }) =>
      getOnly(request, () => jsonResponse(storeStatsJson(node.store.stats()), 200)),
    );
}
