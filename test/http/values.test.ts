/**
 * Values and escaping (v2-api-reference.md §3.4, §7.12): compact JSON with a newline, Go's
 * escaping of `<`, `>`, `&`, control characters and U+2028/2029, raw non-ASCII, exact round
 * trips of anything form-encodable, large values.
 */
import { expect, test } from "bun:test";
import { quoteGo, stringifyGo } from "../../src/http/go-json.ts";
import { get, nodeOfReply, put } from "../support/http-client.ts";
import { describeMatrix } from "../support/http-matrix.ts";

describeMatrix("values and escaping", (target) => {
  test("< > & are escaped as \\u003c \\u003e \\u0026; non-ASCII is raw", async () => {
    const value = '<b>&"x"</b> é 中 \\ /';
    const reply = await put(target(), "/v2/keys/esc/a", `value=${encodeURIComponent(value)}`);
    expect(reply.text).toContain(
      '"value":"\\u003cb\\u003e\\u0026\\"x\\"\\u003c/b\\u003e é 中 \\\\ /"',
    );
    expect(nodeOfReply(reply)["value"]).toBe(value);
  });

  test("newlines round-trip and control characters are \\u escapes like Go", async () => {
    const value = "Hello\nWorld\n\t\r\b\f\u0001\u2028";
    const reply = await put(target(), "/v2/keys/file/afile", `value=${encodeURIComponent(value)}`);
    expect(reply.text).toContain(
      '"value":"Hello\\nWorld\\n\\t\\r\\u0008\\u000c\\u0001\\u2028"',
    );
    expect(nodeOfReply(await get(target(), "/v2/keys/file/afile"))["value"]).toBe(value);
  });

  test("a literal backslash followed by b or f is not mistaken for an escape", () => {
    expect(quoteGo("\\b\\f<")).toBe('"\\\\b\\\\f\\u003c"');
  });

  test("plain text is quoted as is, and every code unit still escapes as Go's encoder does", () => {
    expect(quoteGo("/a/b c")).toBe('"/a/b c"');
    for (let code = 0; code <= 0xffff; code++) {
      const text = `k${String.fromCharCode(code)}v`;
      expect(quoteGo(text)).toBe(stringifyGo(text));
    }
    expect(quoteGo("\u{1F600}")).toBe(stringifyGo("\u{1F600}"));
  });

  test("keys are escaped the same way", async () => {
    const reply = await put(target(), "/v2/keys/%3Ca%3E%26", "value=v");
    expect(reply.text).toContain('"key":"/\\u003ca\\u003e\\u0026"');
  });

  test("bodies are one compact line ending in a newline", async () => {
    const reply = await put(target(), "/v2/keys/c", "value=v");
    expect(reply.text.endsWith("}\n")).toBe(true);
    expect(reply.text.slice(0, -1)).not.toContain("\n");
    expect(reply.text).not.toContain(": ");
  });

  test("a 1 MiB value is stored and read back exactly", async () => {
    const value = "0123456789abcdef".repeat(65536);
    const reply = await put(target(), "/v2/keys/big", `value=${value}`);
    expect(reply.status).toBe(201);
    expect(nodeOfReply(await get(target(), "/v2/keys/big"))["value"]).toBe(value);
  });

  test("invalid UTF-8 in a value becomes U+FFFD, as Go's encoder prints it", async () => {
    const reply = await put(target(), "/v2/keys/bad", "value=a%FFb");
    expect(nodeOfReply(reply)["value"]).toBe("a\uFFFDb");
  });
});
