/**
 * @module
 * The plain read's short way in. A `GET` of the key space without `wait`, `quorum` or
 * `consistent` is answered from the local store before Elysia routes it: reads are most of a
 * member's load, and routing, hooks and the per-request context cost about a fifth of a plain
 * read's CPU (docs/PERFORMANCE.md, eighth session). The same parsing, validation and response
 * code as the `/v2/keys` route serve it, and the store's own errors (an unknown key) get the
 * error mapper's answer. Any other request, or one with a bad parameter or a path the guard
 * would redirect, is declined and takes the normal route, which answers it as it always has.
 */
import { EtcdError } from "../../store/errors.ts";
import type { HttpDeps } from "../deps.ts";
import { type FormValues, parseFormInto } from "../form.ts";
import { decodePath, judgePath, splitRequestUrl } from "../request-target.ts";
import { etcdErrorResponse } from "../responses.ts";
import { KeyResponseWriter } from "./key-responses.ts";
import type { KeyParameters } from "./model.ts";
import { keyFromPath, keysPrefix, parseKeyParameters } from "./service.ts";

/**
 * Answers a request before routing when it is a plain read that succeeds.
 * @returns The response, or `undefined` to route the request as usual.
 */
export type BeforeRouting = (request: Request) => Response | undefined;

/**
 * The plain-read server for one member.
 * @param deps The member whose store answers.
 */
export function plainReadServer(deps: HttpDeps): BeforeRouting {
  const responses = new KeyResponseWriter(deps.node);
  return (request) => {
    if (request.method !== "GET") return undefined;
    const read = parsePlainRead(request.url);
    if (read === null) return undefined;
    const { recursive, sorted } = read.parameters;
    try {
      return responses.event(deps.node.store.get(read.key, { recursive, sorted }), false);
    } catch (error) {
      // Declining would count the store's failed get twice; answer as the error mapper does.
      if (!(error instanceof EtcdError)) throw error;
      return etcdErrorResponse(error, deps.node.headerStatus().clusterId);
    }
  };
}

// --- internal ---

interface PlainRead {
  readonly key: string;
  readonly parameters: KeyParameters;
}

/** The key and parameters of a plain read, or `null` for anything the route must answer. */
function parsePlainRead(url: string): PlainRead | null {
  const target = splitRequestUrl(url);
  const { rawPath } = target;
  if (!isKeySpacePath(rawPath)) return null;
  if (judgePath(target).kind !== "serve") return null;
  const values: FormValues = new Map();
  if (parseFormInto(values, target.rawQuery) !== null) return null;
  const parameters = parametersOrDecline(values);
  if (parameters === null) return null;
  if (parameters.wait || parameters.quorum || parameters.consistent) return null;
  const path = decodePath(rawPath);
  if (path === null) return null;
  return { key: keyFromPath(path), parameters };
}

/** Raw paths the `/v2/keys` routes certainly match; any other is left to Elysia's router. */
function isKeySpacePath(rawPath: string): boolean {
  if (!rawPath.startsWith(keysPrefix)) return false;
  return rawPath.length === keysPrefix.length || rawPath.charCodeAt(keysPrefix.length) === 0x2f;
}

function parametersOrDecline(values: FormValues): KeyParameters | null {
  try {
    return parseKeyParameters("GET", values);
  } catch (error) {
    if (error instanceof EtcdError) return null;
    throw error;
  }
}
