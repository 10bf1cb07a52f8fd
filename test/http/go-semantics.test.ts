/**
 * The pieces of Go's `net/url` and `net/http` behaviour the transport reproduces, tested
 * directly: path cleaning, path escaping for `Location`, form parsing and its error texts.
 */
import { expect, test } from "bun:test";
import { type FormValues, parseFormInto } from "../../src/http/form.ts";
import { escapePathGo, percentDecode } from "../../src/http/percent-encoding.ts";
import { cleanPath, judgePath } from "../../src/http/request-target.ts";

test("cleanPath follows Go's ServeMux: collapse //, drop ., resolve .., keep a trailing /", () => {
  expect(cleanPath("/v2/keys/a//b")).toBe("/v2/keys/a/b");
  expect(cleanPath("/v2/keys/a/./b/")).toBe("/v2/keys/a/b/");
  expect(cleanPath("/v2/keys/sp/../sp2")).toBe("/v2/keys/sp2");
  expect(cleanPath("/../..")).toBe("/");
  expect(cleanPath("/v2/keys/a/..")).toBe("/v2/keys");
  expect(cleanPath("/v2/keys/")).toBe("/v2/keys/");
});

test("judgePath serves clean paths, redirects unclean ones and rejects bad escapes", () => {
  expect(judgePath({ rawPath: "/v2/keys/a/b/", rawQuery: "" })).toEqual({ kind: "serve" });
  expect(judgePath({ rawPath: "/v2/keys/a%2F%2Fb", rawQuery: "x=1" })).toEqual({
    kind: "redirect",
    location: "/v2/keys/a/b?x=1",
  });
  expect(judgePath({ rawPath: "/v2/keys/%G0", rawQuery: "" })).toEqual({ kind: "badRequest" });
});

test("escapePathGo leaves $&+,/:;=@ alone and escapes ?, space, ! and non-ASCII", () => {
  expect(escapePathGo("/a$&+,:;=@-_.~")).toBe("/a$&+,:;=@-_.~");
  expect(escapePathGo("/a b?c!é")).toBe("/a%20b%3Fc%21%C3%A9");
});

test("percentDecode: + is a space only for queries; bad escapes report Go's text", () => {
  expect(percentDecode("a+b%2B", true)).toEqual({ ok: true, text: "a b+" });
  expect(percentDecode("a+b%2B", false)).toEqual({ ok: true, text: "a+b+" });
  expect(percentDecode("x%zzy", true)).toEqual({ ok: false, error: 'invalid URL escape "%zz"' });
  expect(percentDecode("x%4", true)).toEqual({ ok: false, error: 'invalid URL escape "%4"' });
});

test("parseFormInto keeps first values, earlier sources win, and skips empty pairs", () => {
  const values: FormValues = new Map();
  expect(parseFormInto(values, "a=1&&a=2&b")).toBeNull();
  expect(parseFormInto(values, "a=3&c=4")).toBeNull();
  expect([...values]).toEqual([["a", "1"], ["b", ""], ["c", "4"]]);
  expect(parseFormInto(new Map(), "a=1;b=2")).toBe("invalid semicolon separator in query");
  expect(parseFormInto(new Map(), "%zz=1")).toBe('invalid URL escape "%zz"');
});
