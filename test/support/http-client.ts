/**
 * @module
 * Small request helpers for the HTTP conformance tests: send with a form body or query, read
 * the reply once, and poll with a deadline instead of sleeping.
 */
import type { HttpTarget } from "./http-matrix.ts";

/** A reply read to the end. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON. */
  readonly body: Record<string, unknown>;
}

/** Request options: `form` goes into an urlencoded body, everything else is sent as given. */
export interface SendOptions {
  /** Raw `application/x-www-form-urlencoded` body. */
  readonly form?: string;
  /** A raw body with its own content type (or none). */
  readonly body?: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

/** Sends a request and reads the whole reply. */
export async function send(
  target: HttpTarget,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply> {
  const response = await target.send(path, requestInit(method, options));
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: parseBody(text) };
}

/** The `RequestInit` for `send`'s options. */
export function requestInit(method: string, options: SendOptions = {}): RequestInit {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | null = null;
  if (options.form !== undefined) {
    body = options.form;
    headers["content-type"] = "application/x-www-form-urlencoded";
  } else if (options.body !== undefined) {
    body = options.body;
    if (options.contentType !== undefined) headers["content-type"] = options.contentType;
  }
  return { method, headers, body };
}

/** PUT with a form body. */
export function put(target: HttpTarget, path: string, form = ""): Promise<Reply> {
  return send(target, "PUT", path, { form });
}

/** GET. */
export function get(target: HttpTarget, path: string): Promise<Reply> {
  return send(target, "GET", path);
}

/** The store's current etcd index, as a read reports it. */
export async function currentIndex(target: HttpTarget): Promise<number> {
  const reply = await get(target, "/v2/keys/");
  return Number(reply.headers.get("x-etcd-index"));
}

/** The `node` object of a reply, typed loosely for assertions. */
export function nodeOfReply(reply: Reply): Record<string, unknown> {
  const node = reply.body["node"];
  if (typeof node !== "object" || node === null) throw new Error(`No node in ${reply.text}`);
  return node as Record<string, unknown>;
}

/**
 * Polls `condition` until it holds, yielding to the event loop between tries.
 * @throws {Error} when `deadlineMs` passes first.
 */
export async function pollUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 2000,
): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

// --- internal ---

function parseBody(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
