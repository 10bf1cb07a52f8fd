/**
 * Paths and redirects (v2-api-reference.md §3.1): percent-decoding, `%2F` as a separator,
 * 301 for unclean paths with the query kept, trailing slashes ignored.
 */
import { expect, test } from "bun:test";
import { currentIndex, get, nodeOfReply, put, send } from "../support/http-client.ts";
import { describeMatrix } from "../support/http-matrix.ts";

describeMatrix("paths", (target) => {
  test("the key is the decoded path: %20, %3F, %23, %25, UTF-8, a literal +", async () => {
    const reply = await put(target(), "/v2/keys/a%20b%3Fc%23d%25e%C3%A9+f", "value=x");
    expect(reply.status).toBe(201);
    expect(nodeOfReply(reply)["key"]).toBe("/a b?c#d%eé+f");
    const read = await get(target(), "/v2/keys/a%20b%3Fc%23d%25e%C3%A9+f");
    expect(nodeOfReply(read)["value"]).toBe("x");
  });

  test("%2F is decoded to / so it writes a nested key and creates the directory", async () => {
    const reply = await put(target(), "/v2/keys/a%2Fb", "value=1");
    expect(nodeOfReply(reply)["key"]).toBe("/a/b");
    const dir = await get(target(), "/v2/keys/a");
    expect(nodeOfReply(dir)["dir"]).toBe(true);
  });

  test("%00 becomes a NUL in the key, JSON-escaped as \\u0000", async () => {
    const reply = await put(target(), "/v2/keys/nul%00x", "value=1");
    expect(reply.text).toContain('"key":"/nul\\u0000x"');
  });

  test("GET of a path with // is a 301 keeping the query, with an HTML body", async () => {
    const reply = await get(target(), "/v2/keys/sp//dbl?recursive=true");
    expect(reply.status).toBe(301);
    expect(reply.headers.get("location")).toBe("/v2/keys/sp/dbl?recursive=true");
    expect(reply.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(reply.text).toBe('<a href="/v2/keys/sp/dbl?recursive=true">Moved Permanently</a>.\n\n');
  });

  test("a PUT to an unclean path is redirected with an empty body and writes nothing", async () => {
    const before = await currentIndex(target());
    // (`/./`, `/../` and `%2E` segments are resolved by the URL parser before the app runs.)
    for (const path of ["/v2/keys/sp//x", "/v2/keys/sp%2F..%2Fsp2", "/v2/keys/a%2F.%2Fb"]) {
      const reply = await put(target(), path, "value=v");
      expect(reply.status).toBe(301);
      expect(reply.text).toBe("");
      expect(reply.headers.get("content-type")).toBeNull();
    }
    expect((await put(target(), "/v2/keys/sp%2F..%2Fsp2", "")).headers.get("location")).toBe(
      "/v2/keys/sp2",
    );
    expect(await currentIndex(target())).toBe(before);
  });

  test("the redirect location is escaped the way Go escapes paths", async () => {
    const reply = await get(target(), "/v2/keys/a%20b//c");
    expect(reply.headers.get("location")).toBe("/v2/keys/a%20b/c");
  });

  test("HEAD redirects carry the HTML content type but no body", async () => {
    const reply = await send(target(), "HEAD", "/v2/keys/x//y");
    expect(reply.status).toBe(301);
    expect(reply.text).toBe("");
  });

  test("a trailing slash is ignored: /v2/keys/foo/ is the key /foo", async () => {
    await put(target(), "/v2/keys/foo/", "value=bar");
    const reply = await get(target(), "/v2/keys/foo");
    expect(nodeOfReply(reply)).toMatchObject({ key: "/foo", value: "bar" });
  });

  test("/v2/keys and /v2/keys/ both address the root", async () => {
    await put(target(), "/v2/keys/r", "value=1");
    for (const path of ["/v2/keys", "/v2/keys/"]) {
      const reply = await get(target(), path);
      expect(reply.status).toBe(200);
      expect(nodeOfReply(reply)["dir"]).toBe(true);
      expect(nodeOfReply(reply)["key"]).toBeUndefined();
    }
  });

  test("a malformed escape in the path is Go's 400 Bad Request", async () => {
    const reply = await get(target(), "/v2/keys/%zz");
    expect(reply.status).toBe(400);
    expect(reply.text).toBe("400 Bad Request");
  });

  test("/v2/keysfoo is not the key space", async () => {
    const reply = await get(target(), "/v2/keysfoo");
    expect(reply.status).toBe(404);
    expect(reply.text).toBe("404 page not found\n");
  });
});
