/**
 * @module
 * Sends one request to a list of endpoints: the last endpoint that worked first, failing over to
 * the next on connection errors, with a per-request timeout, and turns the answer into a result
 * or a typed error.
 */
import { EtcdClientError, EtcdConnectionError, EtcdHttpError, EtcdTimeoutError } from "./errors.ts";
import type { EtcdHeaders } from "./types.ts";

/** A request to send. */
export interface HttpRequest {
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  /** Path without query, starting with `/`. */
  readonly path: string;
  readonly query?: URLSearchParams;
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: URLSearchParams;
  /**
   * True when sending twice is harmless. Idempotent requests fail over on any network error;
   * others only when the connection was refused, so a write is never sent twice.
   */
  readonly idempotent: boolean;
  /** Undefined means no timeout (watches). */
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
}

/** A response whose headers have arrived; the body has not been read. */
export interface HttpResponse {
  readonly response: Response;
  readonly url: string;
  readonly headers: EtcdHeaders;
  /** The request's timeout, which also bounds reading the body. */
  readonly timeoutMs: number | undefined;
}

/** The endpoints of one client and which one to try first. */
export class EndpointPool {
  readonly #endpoints: readonly string[];
  readonly #fetch: typeof fetch;
  #preferred = 0;

  /**
   * @throws {TypeError} when `endpoints` is empty.
   */
  constructor(endpoints: readonly string[], fetchFunction: typeof fetch) {
    if (endpoints.length === 0) throw new TypeError("Cannot create a client: no endpoints given");
    this.#endpoints = endpoints.map((endpoint) => endpoint.replace(/\/+$/, ""));
    this.#fetch = fetchFunction;
  }

  /** The endpoints, in the order the next request will try them. */
  get order(): readonly string[] {
    const start = this.#preferred;
    return [...this.#endpoints.slice(start), ...this.#endpoints.slice(0, start)];
  }

  /**
   * Sends a request, failing over between endpoints on connection errors.
   * @throws {EtcdConnectionError} when no endpoint could be reached.
   * @throws {EtcdTimeoutError} when the timeout passed first.
   */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const order = this.order;
    let lastError: unknown;
    for (const endpoint of order) {
      const url = endpoint + request.path + queryString(request.query);
      try {
        const response = await this.#fetchOnce(url, request);
        this.#preferred = this.#endpoints.indexOf(endpoint);
        const headers = readHeaders(response.headers);
        return { response, url, headers, timeoutMs: request.timeoutMs };
      } catch (error) {
        if (!isConnectionError(error, request.idempotent)) throw error;
        lastError = error;
      }
    }
    throw new EtcdConnectionError(order, lastError);
  }

  async #fetchOnce(url: string, request: HttpRequest): Promise<Response> {
    const timeout =
      request.timeoutMs === undefined ? undefined : AbortSignal.timeout(request.timeoutMs);
    const signals = [request.signal, timeout].filter((signal) => signal !== undefined);
    // A non-idempotent request goes out on a fresh connection. Bun's fetch silently resends a
    // request whose kept-alive connection closed under it and then reports the resend's
    // ECONNREFUSED, though the first copy reached a server; only on a fresh connection does
    // "refused" mean "never sent", which failover to the next endpoint relies on.
    const init: RequestInit = { method: request.method, keepalive: request.idempotent };
    if (signals.length > 0) init.signal = AbortSignal.any(signals);
    if (request.form !== undefined) {
      init.body = request.form.toString();
      init.headers = { "content-type": "application/x-www-form-urlencoded" };
    }
    try {
      return await this.#fetch(url, init);
    } catch (error) {
      if (timeout?.aborted === true && request.signal?.aborted !== true) {
        throw new EtcdTimeoutError(url, request.timeoutMs ?? 0);
      }
      throw error;
    }
  }
}

/**
 * Reads a whole response: an etcd error body becomes `EtcdClientError`, any other failure
 * status `EtcdHttpError`, and a success its parsed JSON.
 */
export async function readJson(sent: HttpResponse): Promise<unknown> {
  let text: string;
  try {
    text = await sent.response.text();
  } catch (error) {
    if (error instanceof Error && error.name === "TimeoutError") {
      throw new EtcdTimeoutError(sent.url, sent.timeoutMs ?? 0);
    }
    throw error;
  }
  return parseJsonBody(sent, text);
}

/**
 * Parses a body already read.
 * @throws {EtcdClientError} for an etcd error body.
 * @throws {EtcdHttpError} for any other failure status or unparsable success body.
 */
export function parseJsonBody(sent: HttpResponse, text: string): unknown {
  const status = sent.response.status;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (status >= 400 || text.trim() !== "") throw new EtcdHttpError(sent.url, status, text);
    return undefined;
  }
  if (isEtcdErrorBody(body)) throw new EtcdClientError(body, { status, headers: sent.headers });
  if (status >= 400) throw new EtcdHttpError(sent.url, status, text);
  return body;
}

// --- internal ---

function queryString(query: URLSearchParams | undefined): string {
  const text = query?.toString() ?? "";
  return text === "" ? "" : `?${text}`;
}

function readHeaders(headers: Headers): EtcdHeaders {
  const number = (name: string): number | undefined => {
    const value = headers.get(name);
    return value === null || value === "" ? undefined : Number(value);
  };
  return {
    etcdIndex: number("x-etcd-index"),
    raftIndex: number("x-raft-index"),
    raftTerm: number("x-raft-term"),
    clusterId: headers.get("x-etcd-cluster-id") ?? undefined,
  };
}

/** Errors after which the request certainly did not reach the server (or may be repeated). */
function isConnectionError(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof Error) || error.name === "AbortError") return false;
  if (error instanceof EtcdTimeoutError || error.name === "TimeoutError") return false;
  const code = "code" in error ? String(error.code) : "";
  const refused = ["ECONNREFUSED", "ConnectionRefused", "FailedToOpenSocket", "ENOTFOUND"];
  return refused.includes(code) || (idempotent && error instanceof TypeError);
}

function isEtcdErrorBody(
  body: unknown,
): body is { errorCode: number; message: string; cause?: string; index?: number } {
  return (
    typeof body === "object" &&
    body !== null &&
    "errorCode" in body &&
    typeof body.errorCode === "number" &&
    "message" in body &&
    typeof body.message === "string"
  );
}
