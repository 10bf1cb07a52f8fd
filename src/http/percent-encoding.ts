/**
 * @module
 * Percent-decoding and -encoding with Go's `net/url` semantics: the failures Go reports (and
 * their exact text), `+` as a space only in queries and forms, and the path escaping Go uses
 * when it writes a `Location` header.
 */

/** The result of decoding: the text, or Go's `EscapeError` text. */
export type DecodeResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly error: string };

/**
 * Decodes `%XX` escapes like Go's `url.PathUnescape` (`plusIsSpace` false) or
 * `url.QueryUnescape` (`plusIsSpace` true). Byte sequences that are not UTF-8 become U+FFFD.
 * @returns The decoded text, or `invalid URL escape "%zz"` for a malformed escape.
 */
export function percentDecode(encoded: string, plusIsSpace: boolean): DecodeResult {
  const hasPercent = encoded.includes("%");
  const hasPlus = plusIsSpace && encoded.includes("+");
  if (!hasPercent && !hasPlus) return { ok: true, text: encoded };
  const spaced = hasPlus ? encoded.replaceAll("+", " ") : encoded;
  if (!hasPercent) return { ok: true, text: spaced };
  const bad = badEscape.exec(spaced);
  if (bad !== null) {
    const escape = quoteGoString(spaced.slice(bad.index, bad.index + 3));
    return { ok: false, error: `invalid URL escape ${escape}` };
  }
  try {
    return { ok: true, text: decodeURIComponent(spaced) };
  } catch {
    // decodeURIComponent rejects escapes that are not UTF-8; Go keeps the bytes, and its JSON
    // encoder later prints them as U+FFFD, which is what decoding bytes leniently gives here.
    return { ok: true, text: decodeBytesLeniently(spaced) };
  }
}

/**
 * Escapes a path the way Go's `url.URL.EscapedPath` does for a path without a raw form: every
 * byte except letters, digits, `-_.~` and `$&+,/:;=@` becomes `%XX`.
 */
export function escapePathGo(path: string): string {
  if (pathSafe.test(path)) return path;
  let escaped = "";
  for (const byte of textEncoder.encode(path)) {
    const character = String.fromCharCode(byte);
    escaped += byte < 0x80 && pathSafeCharacter.test(character) ? character : `%${hex(byte)}`;
  }
  return escaped;
}

/**
 * Quotes a string like Go's `strconv.Quote` for the short ASCII snippets found in error texts.
 */
export function quoteGoString(text: string): string {
  let quoted = '"';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (character === '"' || character === "\\") quoted += `\\${character}`;
    else if (code >= 0x20 && code < 0x7f) quoted += character;
    else if (code < 0x80) quoted += `\\x${hex(code).toLowerCase()}`;
    else quoted += character;
  }
  return `${quoted}"`;
}

// --- internal ---

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: false });
const badEscape = /%(?![0-9A-Fa-f]{2})/;
const pathSafe = /^[A-Za-z0-9\-_.~$&+,/:;=@]*$/;
const pathSafeCharacter = /^[A-Za-z0-9\-_.~$&+,/:;=@]$/;

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}

function decodeBytesLeniently(escaped: string): string {
  const bytes: number[] = [];
  for (let position = 0; position < escaped.length; position += 1) {
    const character = escaped.charCodeAt(position);
    if (character === 0x25) {
      bytes.push(Number.parseInt(escaped.slice(position + 1, position + 3), 16));
      position += 2;
    } else if (character < 0x80) {
      bytes.push(character);
    } else {
      const end = nextEscapeOrEnd(escaped, position);
      bytes.push(...textEncoder.encode(escaped.slice(position, end)));
      position = end - 1;
    }
  }
  return textDecoder.decode(Uint8Array.from(bytes));
}

function nextEscapeOrEnd(text: string, from: number): number {
  const next = text.indexOf("%", from);
  return next === -1 ? text.length : next;
}
