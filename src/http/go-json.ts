/**
 * @module
 * The pieces of Go's `encoding/json` and `time` formatting that etcd's responses show: string
 * quoting with HTML-safe escapes, RFC 3339 timestamps and `time.Duration` strings.
 */

/**
 * Quotes a string exactly as Go's `encoding/json` does: `<`, `>`, `&`, U+2028 and U+2029 become
 * `\u` escapes, and control characters other than `\n`, `\r`, `\t` are written as `\u00XX`.
 * @param text The string to quote.
 * @returns The JSON string literal, quotes included.
 */
export function quoteGo(text: string): string {
  // Keys and values are usually plain text that both encoders copy as is.
  if (plainText.test(text)) return `"${text}"`;
  const quoted = JSON.stringify(text);
  // Most strings need nothing more; only scan again when a character Go treats differently
  // (or a backslash pair that might be `\b` or `\f`) is present.
  if (!goDifferences.test(quoted)) return quoted;
  return quoted.replace(goEscapes, replaceGoEscape);
}

/**
 * Serialises a plain value as compact JSON with Go's escaping (see `quoteGo`), like Go's
 * `json.Marshal`. Field order is the object's own order.
 * @param value Plain data: objects, arrays, strings, finite numbers, booleans, null.
 */
export function stringifyGo(value: unknown): string {
  const json = JSON.stringify(value);
  // Outside strings, JSON has no backslashes and none of `<>&`, so one pass over the whole
  // text only touches string contents.
  if (!goDifferences.test(json)) return json;
  return json.replace(goEscapes, replaceGoEscape);
}

/**
 * Formats wall-clock milliseconds as RFC 3339 in UTC, the way Go prints a `time.Time` with
 * `RFC3339Nano`: fractional seconds with trailing zeros trimmed, none when whole.
 * @param wallMs Milliseconds since the Unix epoch; fractions of a millisecond are kept.
 */
export function formatRfc3339(wallMs: number): string {
  const wholeMs = Math.floor(wallMs);
  const iso = new Date(wholeMs).toISOString();
  const secondsEnd = iso.length - 5;
  const nanos = Math.round((wallMs - wholeMs) * 1e6) + (wholeMs % 1000) * 1e6;
  if (nanos === 0) return `${iso.slice(0, secondsEnd)}Z`;
  const fraction = String(nanos).padStart(9, "0").replace(/0+$/, "");
  return `${iso.slice(0, secondsEnd)}.${fraction}Z`;
}

/**
 * Formats a duration like Go's `time.Duration.String`: `33m34.169912296s`, `1h0m5s`, `250ms`,
 * `1.5µs`, `0s`.
 * @param durationMs The duration in milliseconds; negative values are printed with a sign.
 */
export function formatGoDuration(durationMs: number): string {
  if (durationMs < 0) return `-${formatGoDuration(-durationMs)}`;
  const totalNanos = Math.round(durationMs * 1e6);
  if (totalNanos === 0) return "0s";
  if (totalNanos < 1e3) return `${totalNanos}ns`;
  if (totalNanos < 1e6) return `${withFraction(totalNanos, 1e3)}µs`;
  if (totalNanos < 1e9) return `${withFraction(totalNanos, 1e6)}ms`;
  const wholeSeconds = Math.floor(durationMs / 1000);
  const fractionNanos = Math.round((durationMs - wholeSeconds * 1000) * 1e6);
  const hours = Math.floor(wholeSeconds / 3600);
  const minutes = Math.floor((wholeSeconds % 3600) / 60);
  const seconds = wholeSeconds % 60;
  const fraction = fractionNanos === 0 ? "" : `.${trimmedFraction(fractionNanos, 9)}`;
  const secondsText = `${seconds}${fraction}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

// --- internal ---

/** Text JSON and Go copy between the quotes unchanged (surrogates take the careful path). */
const plainText = /^[^"\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]*$/;
const goDifferences = /[<>&\u2028\u2029]|\\[bf]/;
// Escape sequences are matched as pairs so that an escaped backslash followed by `b` is kept.
const goEscapes = /\\[\\"bfnrtu/]|[<>&\u2028\u2029]/g;

function replaceGoEscape(match: string): string {
  switch (match) {
    case "\\b":
      return "\\u0008";
    case "\\f":
      return "\\u000c";
    case "<":
      return "\\u003c";
    case ">":
      return "\\u003e";
    case "&":
      return "\\u0026";
    case "\u2028":
      return "\\u2028";
    case "\u2029":
      return "\\u2029";
    default:
      return match;
  }
}

function withFraction(nanos: number, unitNanos: number): string {
  const whole = Math.floor(nanos / unitNanos);
  const rest = nanos - whole * unitNanos;
  if (rest === 0) return String(whole);
  return `${whole}.${trimmedFraction(rest, String(unitNanos).length - 1)}`;
}

function trimmedFraction(value: number, digits: number): string {
  return String(value).padStart(digits, "0").replace(/0+$/, "");
}
