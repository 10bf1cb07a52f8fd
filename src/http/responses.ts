/**
 * @module
 * Every response cairn's HTTP layer writes is built here, so the headers etcd always sends (CORS
 * on every response, `X-Etcd-Index` on errors, Go's `http.Error` shape for plain-text errors)
 * are decided in one place.
 */
import type { EtcdError } from "../store/errors.ts";
import { quoteGo } from "./go-json.ts";

/** Header values sent with every response, as etcd's CORS wrapper does. */
export const corsHeaders = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, GET, OPTIONS, PUT, DELETE",
  "Access-Control-Allow-Headers": "accept, content-type, authorization",
} as const;

/** The `Allow` header of the key space's 405. */
export const keysAllow = "HEAD,GET,PUT,POST,DELETE";

/** Response headers as a plain record. */
export type HeaderRecord = Record<string, string>;

/**
 * An etcd error as JSON (`{"errorCode":..,"message":..,"cause":..,"index":..}` and a newline),
 * with `X-Etcd-Index` equal to the body's index and no Raft headers.
 * @param clusterId Sent as `X-Etcd-Cluster-Id` when not empty.
 */
export function etcdErrorResponse(error: EtcdError, clusterId: string): Response {
  const headers: HeaderRecord = {
    ...corsHeaders,
    "Content-Type": "application/json",
    "X-Etcd-Index": String(error.index),
  };
  if (clusterId !== "") headers["X-Etcd-Cluster-Id"] = clusterId;
  return new Response(etcdErrorJson(error), { status: error.status, headers });
}

/** The body of an etcd error: compact JSON, Go escaping, a trailing newline. */
export function etcdErrorJson(error: EtcdError): string {
  const cause = error.cause === "" ? "" : `,"cause":${quoteGo(error.cause)}`;
  const message = quoteGo(error.message);
  return `{"errorCode":${error.errorCode},"message":${message}${cause},"index":${error.index}}\n`;
}

/**
 * A JSON body with CORS headers.
 * @param body The complete body text, newline included when etcd sends one.
 */
export function jsonResponse(body: string, status: number, headers?: HeaderRecord): Response {
  return new Response(body, {
    status,
    headers: { ...corsHeaders, "Content-Type": "application/json", ...headers },
  });
}

/** A plain-text body the way Go's `http.Error` writes it: text, newline, `nosniff`. */
export function plainTextError(status: number, text: string, headers?: HeaderRecord): Response {
  return new Response(`${text}\n`, {
    status,
    headers: {
      ...corsHeaders,
      "Content-Type": "text/plain; charset=utf-8",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    },
  });
}

/** Go's `ServeMux` answer for an unknown path. */
export function notFoundResponse(): Response {
  return plainTextError(404, "404 page not found");
}

/** etcd's `allowMethod` answer for a method its handler does not serve. */
export function methodNotAllowedResponse(allow: string): Response {
  return plainTextError(405, "Method Not Allowed", { Allow: allow });
}

/**
 * Answers etcd's 405 to anything but GET (Elysia routes HEAD to GET handlers, etcd does not),
 * and runs `serve` otherwise.
 */
export function getOnly(request: Request, serve: () => Response): Response {
  if (request.method !== "GET") return methodNotAllowedResponse("GET");
  return serve();
}

/** The empty 200 etcd's CORS wrapper gives every `OPTIONS` request. */
export function optionsResponse(): Response {
  return new Response(null, { status: 200, headers: corsHeaders });
}

/**
 * Go's `http.Redirect` with 301: `Location`, and for GET and HEAD a small HTML body.
 */
export function redirectResponse(method: string, location: string): Response {
  const headers: HeaderRecord = { ...corsHeaders, Location: location };
  if (method !== "GET" && method !== "HEAD") return new Response(null, { status: 301, headers });
  headers["Content-Type"] = "text/html; charset=utf-8";
  if (method === "HEAD") return new Response(null, { status: 301, headers });
  const body = `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n`;
  return new Response(body, { status: 301, headers });
}

/** What Go's server answers, before any handler, to a request line it cannot parse. */
export function badRequestResponse(): Response {
  return new Response("400 Bad Request", {
    status: 400,
    headers: { "Content-Type": "text/plain; charset=utf-8", Connection: "close" },
  });
}

// --- internal ---

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&#34;")
    .replaceAll("'", "&#39;");
}
