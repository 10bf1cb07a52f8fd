/**
 * @module
 * What Go's server and etcd's CORS wrapper do before any handler: `OPTIONS` gets an empty 200,
 * a path with malformed escapes gets `400 Bad Request`, and an unclean path (`//`, or `.`/`..`
 * segments once `%2F` and `%2E` are decoded) gets a 301 to its clean form.
 */
import { Elysia } from "elysia";
import { judgePath, splitRequestUrl } from "./request-target.ts";
import { badRequestResponse, optionsResponse, redirectResponse } from "./responses.ts";

/** The guard plugin; `onRequest` runs before routing for every request. */
export function requestGuard() {
  return new Elysia({ name: "cairn.request-guard" }).onRequest(({ request }) =>
    guardRequest(request),
  );
}

/**
 * The response that pre-empts routing, if any.
 * @returns `undefined` when the request should be routed.
 */
export function guardRequest(request: Request): Response | undefined {
  if (request.method === "OPTIONS") return optionsResponse();
  const verdict = judgePath(splitRequestUrl(request.url));
  if (verdict.kind === "serve") return undefined;
  if (verdict.kind === "badRequest") return badRequestResponse();
  return redirectResponse(request.method, verdict.location);
}
