/**
 * @module
 * The root Elysia app: the error mapper first (so it covers everything after it), the
 * transport guard (OPTIONS, malformed and unclean paths), then one plugin per route group.
 */
import { Elysia } from "elysia";
import type { HttpDeps } from "./deps.ts";
import { errorMapper } from "./error-mapper.ts";
import { infoRoutes } from "./info/index.ts";
import { keysRoutes } from "./keys/index.ts";
import { membersRoutes } from "./members/index.ts";
import { requestGuard } from "./request-guard.ts";
import { statsRoutes } from "./stats/index.ts";

/**
 * Builds the HTTP app serving the etcd v2 key space and the member information endpoints.
 * @param deps The member, limits, logger and cairn's version.
 * @returns An Elysia app; drive it with `app.handle(request)` or serve it with `listen`.
 */
export function createApp(deps: HttpDeps) {
  return new Elysia({ name: "cairn.http" })
    .use(errorMapper(deps))
    .use(requestGuard())
    .use(keysRoutes(deps))
    .use(statsRoutes(deps))
    .use(membersRoutes(deps))
    .use(infoRoutes(deps));
}

/** The app `createApp` builds. */
export type CairnApp = ReturnType<typeof createApp>;
