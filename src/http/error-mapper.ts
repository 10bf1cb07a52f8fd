/**
 * @module
 * The one place where failures become responses, registered first on the root app: `EtcdError`
 * becomes etcd's JSON error; Elysia's own errors never reach a client in Elysia's shape (an
 * unknown route is Go's 404 text, or 405 when only the method is wrong); anything unexpected is
 * logged and answered as etcd's 300 `Raft Internal Error`.
 */
import { Elysia } from "elysia";
import { ErrorCode, EtcdError } from "../store/errors.ts";
import type { HttpDeps } from "./deps.ts";
import { decodePath, splitRequestUrl } from "./request-target.ts";
import {
  etcdErrorResponse,
  keysAllow,
  methodNotAllowedResponse,
  notFoundResponse,
} from "./responses.ts";

/**
 * The error-mapping plugin; its handler is global so it covers every route group.
 * @param deps Used for the cluster id header and to log unexpected errors.
 */
export function errorMapper(deps: HttpDeps) {
  return new Elysia({ name: "cairn.error-mapper" }).onError(
    { as: "global" },
    ({ code, error, request }) => mapError(deps, { code, error, request }),
  );
}

/**
 * The methods etcd serves on a path it knows, for the `Allow` header of a 405.
 * @returns `null` for a path etcd does not serve at all (404).
 */
export function allowedMethods(path: string): string | null {
  if (path === "/v2/keys" || path.startsWith("/v2/keys/")) return keysAllow;
  if (path === "/v2/members" || path.startsWith("/v2/members/")) return "GET";
  if (path === "/v2/machines") return "GET,HEAD";
  if (simpleGetPaths.has(path)) return "GET";
  return null;
}

// --- internal ---

const simpleGetPaths: ReadonlySet<string> = new Set([
  "/v2/stats/self",
  "/v2/stats/leader",
  "/v2/stats/store",
  "/version",
  "/health",
]);

interface FailedRequest {
  readonly code: unknown;
  readonly error: unknown;
  readonly request: Request;
}

function mapError(deps: HttpDeps, failed: FailedRequest): Response {
  const { code, error, request } = failed;
  if (error instanceof EtcdError) return etcdErrorResponse(error, clusterIdOf(deps));
  if (code === "NOT_FOUND") return routeNotFound(request);
  if (code === "VALIDATION") {
    const invalid = new EtcdError(ErrorCode.invalidField, "invalid request parameters", 0);
    return etcdErrorResponse(invalid, clusterIdOf(deps));
  }
  if (code === "PARSE") {
    const invalid = new EtcdError(ErrorCode.invalidForm, "invalid request body", 0);
    return etcdErrorResponse(invalid, clusterIdOf(deps));
  }
  const message = error instanceof Error ? error.message : String(error);
  deps.logger.error("http.unexpected_error", {
    method: request.method,
    url: request.url,
    error: error instanceof Error ? error : message,
  });
  return etcdErrorResponse(new EtcdError(ErrorCode.raftInternal, message, 0), "");
}

function routeNotFound(request: Request): Response {
  const path = decodePath(splitRequestUrl(request.url).rawPath) ?? "";
  const allow = allowedMethods(path);
  return allow === null ? notFoundResponse() : methodNotAllowedResponse(allow);
}

function clusterIdOf(deps: HttpDeps): string {
  try {
    return deps.node.headerStatus().clusterId;
  } catch {
    // The error being answered may come from a member too broken to report its status.
    return "";
  }
}
