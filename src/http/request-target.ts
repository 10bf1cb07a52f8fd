/**
 * @module
 * The request target as Go's `net/http` sees it, read from the raw `request.url`: the raw path
 * and query, the percent-decoded path (`%2F` included, as `r.URL.Path`), and `ServeMux`'s
 * cleaning rule that answers unclean paths with a redirect.
 */
import { escapePathGo, percentDecode } from "./percent-encoding.ts";

/** The raw pieces of a request URL. */
export interface RequestTarget {
  /** The path as sent, still percent-encoded. */
  readonly rawPath: string;
  /** The query after `?`, still encoded; "" when there is none. */
  readonly rawQuery: string;
}

/**
 * Splits an absolute request URL (`http://host/path?query`) into raw path and query.
 * @param url `request.url`; Bun keeps `//` and percent escapes in it as sent.
 */
export function splitRequestUrl(url: string): RequestTarget {
  const pathStart = url.indexOf("/", url.indexOf("://") + 3);
  if (pathStart === -1) return { rawPath: "/", rawQuery: "" };
  const queryStart = url.indexOf("?", pathStart);
  if (queryStart === -1) return { rawPath: url.slice(pathStart), rawQuery: "" };
  return { rawPath: url.slice(pathStart, queryStart), rawQuery: url.slice(queryStart + 1) };
}

/**
 * Decodes a raw path like Go's `r.URL.Path` (`+` stays `+`).
 * @returns The decoded path, or `null` when it holds a malformed escape (Go answers those with
 * `400 Bad Request` before any handler runs).
 */
export function decodePath(rawPath: string): string | null {
  const decoded = percentDecode(rawPath, false);
  return decoded.ok ? decoded.text : null;
}

/**
 * Cleans a path like Go's `ServeMux` (`path.Clean`, keeping a trailing slash).
 * @returns The cleaned path; equal to the input when the path is already clean.
 */
export function cleanPath(path: string): string {
  if (path === "") return "/";
  const rooted = path.startsWith("/") ? path : `/${path}`;
  const segments: string[] = [];
  for (const segment of rooted.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const cleaned = `/${segments.join("/")}`;
  if (rooted.endsWith("/") && cleaned !== "/") return `${cleaned}/`;
  return cleaned;
}

/** What a request's path asks of the transport before routing. */
export type PathVerdict =
  | { readonly kind: "serve" }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "badRequest" };

/**
 * Decides whether `ServeMux` would serve a request, redirect it to its clean path (301, with
 * the original query kept) or reject its malformed escapes.
 */
export function judgePath(target: RequestTarget): PathVerdict {
  const { rawPath } = target;
  // Fast path: without escapes or empty segments the path is already what Go would serve (Bun
  // resolves `.` and `..` segments before the request reaches us).
  if (!rawPath.includes("%") && !rawPath.includes("//")) return serve;
  const path = decodePath(rawPath);
  if (path === null) return badRequest;
  const cleaned = cleanPath(path);
  if (cleaned === path) return serve;
  const query = target.rawQuery === "" ? "" : `?${target.rawQuery}`;
  return { kind: "redirect", location: `${escapePathGo(cleaned)}${query}` };
}

// --- internal ---

const serve: PathVerdict = { kind: "serve" };
const badRequest: PathVerdict = { kind: "badRequest" };
