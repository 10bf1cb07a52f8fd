/**
 * @module
 * Reading a request body the way Go's `ParseForm` does for PUT and POST: only an
 * `application/x-www-form-urlencoded` body is read (any other or no content type is ignored),
 * and one larger than the limit fails with Go's `http: POST too large`.
 */
import { ErrorCode, EtcdError } from "../store/errors.ts";

/**
 * Whether a `Content-Type` header names a form body (parameters such as `charset` allowed).
 */
export function isFormContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const semicolon = contentType.indexOf(";");
  const mediaType = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return mediaType.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

/**
 * Reads a form body as text. A body without a declared length is read whole and then measured:
 * `listen` caps what Bun accepts a little above the limit, so the read itself is bounded.
 * @param bytesMax The largest body accepted.
 * @returns The body, or `null` when the request does not carry a form body.
 * @throws {EtcdError} 210 `http: POST too large` when the body is over `bytesMax`.
 */
export async function readFormBody(request: Request, bytesMax: number): Promise<string | null> {
  // `request.body` is not touched: in Bun, materialising the stream makes `text()` slower.
  if (!isFormContentType(request.headers.get("content-type"))) return null;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > bytesMax) throw tooLarge();
  const text = await request.text();
  // A UTF-16 unit is at most three UTF-8 bytes, so short bodies need no byte count.
  if (text.length * 3 > bytesMax && Buffer.byteLength(text, "utf8") > bytesMax) throw tooLarge();
  return text;
}

// --- internal ---

function tooLarge(): EtcdError {
  return new EtcdError(ErrorCode.invalidForm, "http: POST too large", 0);
}
