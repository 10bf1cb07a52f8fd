/**
 * @module
 * Serving the app on a socket with Bun. Watches are long polls that may stay silent for hours,
 * so the server never closes an idle connection; request bodies are capped a little above the
 * form limit so the app itself can answer etcd's `http: POST too large`.
 */
import { defaultLimits } from "../limits.ts";
import { EtcdError, ErrorCode } from "../store/errors.ts";
import type { CairnApp } from "./app.ts";
import type { BeforeRouting } from "./keys/plain-read.ts";
import { etcdErrorResponse } from "./responses.ts";

/** Where to listen. */
export interface ListenOptions {
  readonly hostname: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The app's body limit; Bun itself accepts a little more (default `defaultLimits`'). */
  readonly requestBodyBytesMax?: number;
  /**
   * Requests in flight at once, open watches included (each holds its connection); past it a
   * request is answered 503 at once (default `defaultLimits.clientConnectionsMax`).
   */
  readonly requestsInFlightMax?: number;
  /** The cluster id for the busy answer's `X-Etcd-Cluster-Id`. */
  readonly clusterId?: string;
  /** Answers some requests before the app routes them (see `plainReadServer`). */
  readonly beforeRouting?: BeforeRouting;
}

/** A running server. */
export interface Listening {
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting and closes open connections (watches included). */
  stop(): Promise<void>;
}

/**
 * Serves `app` with `Bun.serve`.
 * @throws {Error} when the address cannot be bound.
 */
export function listen(app: CairnApp, options: ListenOptions): Listening {
  const bodyBytesMax = options.requestBodyBytesMax ?? defaultLimits.requestBodyBytesMax;
  const requestsInFlightMax = options.requestsInFlightMax ?? defaultLimits.clientConnectionsMax;
  const clusterId = options.clusterId ?? "";
  const beforeRouting = options.beforeRouting ?? declineAll;
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    // No idle timeout: a long-poll watch sends its headers and then nothing until an event.
    idleTimeout: 0,
    // Over the app's own limit, so a body just over it gets etcd's 210 rather than Bun's 413.
    maxRequestBodySize: bodyBytesMax + 1024 * 1024,
    fetch: (request, running) => {
      // pendingRequests counts this request too.
      if (running.pendingRequests > requestsInFlightMax) return busyResponse(clusterId);
      return beforeRouting(request) ?? app.handle(routableRequest(request));
    },
  });
  const port = server.port;
  if (port === undefined) throw new Error(`Cannot listen on ${options.hostname}: no port bound`);
  return { port, stop: () => server.stop(true) };
}

// --- internal ---

function declineAll(): undefined {
  return undefined;
}

function busyResponse(clusterId: string): Response {
  const cause = "the member is at its limit of requests in flight (--client-connections-max)";
  return etcdErrorResponse(new EtcdError(ErrorCode.requestLimit, cause, 0), clusterId);
}

/** The origin given to requests whose own origin Elysia cannot route (see below). */
const routableOrigin = "http://localhost";

/**
 * Elysia finds the path by searching for "/" from index 11 of the URL, which skips the path's
 * first slash when the Host header is shorter than four characters (`http://kv/v2/keys` would
 * route as `/keys`). Such requests are re-addressed to a longer origin; nothing reads the host.
 */
function routableRequest(request: Request): Request {
  const url = request.url;
  const pathStart = url.indexOf("/", url.indexOf("://") + 3);
  if (pathStart === -1 || pathStart >= 11) return request;
  return new Request(`${routableOrigin}${url.slice(pathStart)}`, request);
}
