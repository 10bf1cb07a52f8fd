/**
 * @module
 * The `/v2/keys` routes: GET and HEAD (reads and watches), PUT, POST and DELETE (writes). The
 * handlers read the raw request (path, query, form body) and hand plain values to the service;
 * errors are thrown as `EtcdError` for the app's one error mapper.
 */
import { Elysia } from "elysia";
import { assert } from "../../lib/assert.ts";
import { ErrorCode, EtcdError } from "../../store/errors.ts";
import type { HttpDeps } from "../deps.ts";
import { type FormValues, parseFormInto } from "../form.ts";
import { readFormBody } from "../request-body.ts";
import { decodePath, splitRequestUrl } from "../request-target.ts";
import { keysAllow, methodNotAllowedResponse } from "../responses.ts";
import { eventJson } from "./event-json.ts";
import { KeyResponseWriter } from "./key-responses.ts";
import {
  type KeyMethod,
  applyWrite,
  keyFromPath,
  parseKeyParameters,
  readKey,
  writeCommand,
} from "./service.ts";
import type { KeyParameters } from "./model.ts";
import { openWatchBody } from "./watch.ts";

/**
 * The key-space plugin.
 * @param deps The member, limits and logger the routes use.
 */
export function keysRoutes(deps: HttpDeps) {
  const responses = new KeyResponseWriter(deps.node);
  const serve = (request: Request, method: KeyMethod) =>
    serveKeys({ deps, responses }, request, method);
  const read = (request: Request) => {
    // Elysia routes HEAD, and methods it does not know, to GET handlers.
    const method = request.method;
    if (method === "GET" || method === "HEAD") return serve(request, method);
    return methodNotAllowedResponse(keysAllow);
  };
  return new Elysia({ name: "cairn.keys" })
    .get("/v2/keys", ({ request }) => read(request))
    .get("/v2/keys/*", ({ request }) => read(request))
    .put("/v2/keys", ({ request }) => serve(request, "PUT"), { parse: "none" })
    .put("/v2/keys/*", ({ request }) => serve(request, "PUT"), { parse: "none" })
    .post("/v2/keys", ({ request }) => serve(request, "POST"), { parse: "none" })
    .post("/v2/keys/*", ({ request }) => serve(request, "POST"), { parse: "none" })
    .delete("/v2/keys", ({ request }) => serve(request, "DELETE"), { parse: "none" })
    .delete("/v2/keys/*", ({ request }) => serve(request, "DELETE"), { parse: "none" });
}

// --- internal ---

interface ParsedKeyRequest {
  readonly key: string;
  readonly parameters: KeyParameters;
}

/** What the handlers share: the member and the response writer. */
interface KeysContext {
  readonly deps: HttpDeps;
  readonly responses: KeyResponseWriter;
}

async function serveKeys(
  context: KeysContext,
  request: Request,
  method: KeyMethod,
): Promise<Response> {
  const { deps, responses } = context;
  const { key, parameters } = await parseKeyRequest(deps, request, method);
  const { node } = deps;
  if (method === "GET" || method === "HEAD") {
    if (parameters.wait && !parameters.quorum) return openWatch(context, request, key, parameters);
    const event = await readKey(node, key, parameters);
    return responses.event(event, false);
  }
  const command = writeCommand({
    method,
    key,
    parameters,
    limits: deps.limits,
    nowMs: node.clock.wallMs(),
  });
  const event = await applyWrite(node, command);
  return responses.event(event, parameters.noValueOnSuccess);
}

async function parseKeyRequest(
  deps: HttpDeps,
  request: Request,
  method: KeyMethod,
): Promise<ParsedKeyRequest> {
  const target = splitRequestUrl(request.url);
  const values: FormValues = new Map();
  if (method === "PUT" || method === "POST") {
    const body = await readFormBody(request, deps.limits.requestBodyBytesMax);
    if (body !== null) throwIfFormError(parseFormInto(values, body));
  }
  throwIfFormError(parseFormInto(values, target.rawQuery));
  const parameters = parseKeyParameters(method, values);
  const path = decodePath(target.rawPath);
  // The request guard answers malformed escapes before routing.
  assert(path !== null, `key path must decode: ${target.rawPath}`);
  return { key: keyFromPath(path), parameters };
}

function throwIfFormError(error: string | null): void {
  if (error !== null) throw new EtcdError(ErrorCode.invalidForm, error, 0);
}

function openWatch(
  context: KeysContext,
  request: Request,
  key: string,
  parameters: KeyParameters,
): Response {
  const { deps, responses } = context;
  const { node } = deps;
  if (node.leaderLost) {
    throw new EtcdError(ErrorCode.leaderElect, "member has no leader", node.store.index);
  }
  const { watcher, body } = openWatchBody({
    store: node.store,
    request: {
      key,
      recursive: parameters.recursive,
      stream: parameters.stream,
      sinceIndex: parameters.waitIndex === 0 ? null : parameters.waitIndex,
    },
    bufferedEventsMax: deps.limits.watchEventsBufferedMax,
    encode: (event) => eventJson(event, node.clock.wallMs(), false),
    signal: request.signal,
  });
  return responses.watch(body, watcher.startIndex);
}
