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
 * Reads a form body as text.
 * @param bytesMax The largest body accepted.
 * @returns The body, or `null` when the request does not carry a form body.
 * @throws {EtcdError} 210 `http: POST too large` when the body is over `bytesMax`.
 */
export async function readFormBody(request: Request, bytesMax: number): Promise<string | null> {
  if (request.body === null || !isFormContentType(request.headers.get("content-type"))) {
    return null;
  }
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    // The declared length is enforced by the server, so the text can be read in one go.
    if (Number(declared) > bytesMax) throw tooLarge();
    return await request.text();
  }
  return await readLimited(request.body, bytesMax);
}

// --- internal ---

function tooLarge(): EtcdError {
  return new EtcdError(ErrorCode.invalidForm, "http: POST too large", 0);
}

async function readLimited(body: ReadableStream<Uint8Array>, bytesMax: number): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let byteCount = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    byteCount += value.byteLength;
    if (byteCount > bytesMax) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
