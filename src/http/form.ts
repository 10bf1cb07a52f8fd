/**
 * @module
 * Go's `url.ParseQuery` for query strings and `application/x-www-form-urlencoded` bodies: `&`
 * separates pairs, a `;` anywhere in a pair is an error, `+` is a space, and a malformed escape
 * is an error with Go's exact text. Only the first value of a repeated name is kept, which is
 * all etcd ever reads (`r.FormValue`).
 */
import { percentDecode } from "./percent-encoding.ts";

/** Parameter name → first value seen. */
export type FormValues = Map<string, string>;

/**
 * Adds the pairs of `encoded` to `values`, keeping any value already there, so parsing the body
 * first and the query second makes the body win as Go's `r.Form` does.
 * @returns `null`, or the text of the first error (for etcd's 210 `Invalid POST form`).
 */
export function parseFormInto(values: FormValues, encoded: string): string | null {
  if (encoded === "") return null;
  let start = 0;
  while (start <= encoded.length) {
    let end = encoded.indexOf("&", start);
    if (end === -1) end = encoded.length;
    const pair = encoded.slice(start, end);
    start = end + 1;
    if (pair === "") continue;
    if (pair.includes(";")) return "invalid semicolon separator in query";
    const error = addPair(values, pair);
    if (error !== null) return error;
  }
  return null;
}

// --- internal ---

function addPair(values: FormValues, pair: string): string | null {
  const equals = pair.indexOf("=");
  const name = percentDecode(equals === -1 ? pair : pair.slice(0, equals), true);
  if (!name.ok) return name.error;
  const value = percentDecode(equals === -1 ? "" : pair.slice(equals + 1), true);
  if (!value.ok) return value.error;
  if (!values.has(name.text)) values.set(name.text, value.text);
  return null;
}
