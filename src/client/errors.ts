/**
 * @module
 * What can go wrong talking to an etcd v2 endpoint, as typed errors a caller can branch on.
 */
import type { EtcdHeaders } from "./types.ts";

/** The server answered with an etcd error body (`{errorCode, message, cause, index}`). */
export class EtcdClientError extends Error {
  override readonly name = "EtcdClientError";
  /** etcd's error code: 100 key not found, 101 compare failed, 105 already exists, ... */
  readonly errorCode: number;
  /** etcd's cause text (usually the key), when the server gave one. */
  override readonly cause: string | undefined;
  /** The store index at the time of the error (0 for request-validation errors). */
  readonly index: number;
  /** The HTTP status. */
  readonly status: number;
  readonly headers: EtcdHeaders;

  constructor(
    body: { errorCode: number; message: string; cause?: string; index?: number },
    response: { status: number; headers: EtcdHeaders },
  ) {
    super(body.message);
    this.errorCode = body.errorCode;
    this.cause = body.cause;
    this.index = body.index ?? 0;
    this.status = response.status;
    this.headers = response.headers;
  }
}

/** The server answered with a status and a body that is not etcd's (404 page not found, ...). */
export class EtcdHttpError extends Error {
  override readonly name = "EtcdHttpError";
  readonly status: number;
  /** The start of the body, for diagnosis. */
  readonly body: string;

  constructor(url: string, status: number, body: string) {
    super(`Request to ${url} failed: HTTP ${status} ${body.slice(0, 200).trim()}`);
    this.status = status;
    this.body = body.slice(0, 1000);
  }
}

/** No endpoint could be reached. `cause` holds the last connection error. */
export class EtcdConnectionError extends Error {
  override readonly name = "EtcdConnectionError";
  /** The endpoints tried, in order. */
  readonly endpoints: readonly string[];

  constructor(endpoints: readonly string[], cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot reach any etcd endpoint (${endpoints.join(", ")}): ${reason}`, { cause });
    this.endpoints = endpoints;
  }
}

/** The request did not complete within its timeout; a write may or may not have happened. */
export class EtcdTimeoutError extends Error {
  override readonly name = "EtcdTimeoutError";
  readonly timeoutMs: number;

  constructor(url: string, timeoutMs: number) {
    super(`Request to ${url} timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}
