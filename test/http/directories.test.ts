/**
 * Directories (v2-api-reference.md §7.1–7.3): creation, listings (recursive, sorted, hidden
 * children), empty directories without `nodes`, and the delete table.
 */
import { expect, test } from "bun:test";
import { get, nodeOfReply, put, send } from "../support/http-client.ts";
import { describeMatrix } from "../support/http-matrix.ts";

describeMatrix("directories", (target) => {
  test("a listing shows direct children, sub-directories without nodes", async () => {
    await put(target(), "/v2/keys/dir1/x", "value=1");
    await put(target(), "/v2/keys/dir1/sub/y", "value=2");
    const reply = await get(target(), "/v2/keys/dir1?sorted=true");
    const node = nodeOfReply(reply);
    expect(node["dir"]).toBe(true);
    expect(node["value"]).toBeUndefined();
    const children = node["nodes"] as Record<string, unknown>[];
    expect(children.map((child) => child["key"])).toEqual(["/dir1/sub", "/dir1/x"]);
    expect(children[0]?.["nodes"]).toBeUndefined();
  });

  test("recursive=true returns the whole subtree; sorted sorts every level", async () => {
    await put(target(), "/v2/keys/t/b/2", "value=b2");
    await put(target(), "/v2/keys/t/b/1", "value=b1");
    await put(target(), "/v2/keys/t/a", "value=a");
    const reply = await get(target(), "/v2/keys/t?recursive=true&sorted=true");
    const node = nodeOfReply(reply);
    const children = node["nodes"] as Record<string, unknown>[];
    expect(children.map((child) => child["key"])).toEqual(["/t/a", "/t/b"]);
    const grandchildren = children[1]?.["nodes"] as Record<string, unknown>[];
    expect(grandchildren.map((child) => child["key"])).toEqual(["/t/b/1", "/t/b/2"]);
  });

  test("an empty directory has no nodes field; an empty root is just dir", async () => {
    expect((await get(target(), "/v2/keys/")).text).toBe('{"action":"get","node":{"dir":true}}\n');
    const made = await put(target(), "/v2/keys/emptydir", "dir=true");
    expect(made.status).toBe(201);
    const reply = await get(target(), "/v2/keys/emptydir");
    expect(nodeOfReply(reply)["nodes"]).toBeUndefined();
    expect(reply.text).not.toContain("nodes");
  });

  test("hidden children are left out of listings but readable directly", async () => {
    await put(target(), "/v2/keys/hid/_secret", "value=s");
    await put(target(), "/v2/keys/hid/visible", "value=v");
    await put(target(), "/v2/keys/hid/_hdir/inner", "value=i");
    const listing = nodeOfReply(await get(target(), "/v2/keys/hid?recursive=true"));
    const keys = (listing["nodes"] as Record<string, unknown>[]).map((child) => child["key"]);
    expect(keys).toEqual(["/hid/visible"]);
    expect(nodeOfReply(await get(target(), "/v2/keys/hid/_secret"))["value"]).toBe("s");
    const hidden = nodeOfReply(await get(target(), "/v2/keys/hid/_hdir?recursive=true"));
    expect((hidden["nodes"] as unknown[]).length).toBe(1);
  });

  test("PUT dir=true with a value creates a directory and ignores the value", async () => {
    const reply = await put(target(), "/v2/keys/dv", "dir=true&value=x");
    expect(nodeOfReply(reply)).toMatchObject({ key: "/dv", dir: true });
    expect(nodeOfReply(reply)["value"]).toBeUndefined();
  });

  test("writing a value over a directory is 403/102", async () => {
    await put(target(), "/v2/keys/dd", "dir=true");
    expect((await put(target(), "/v2/keys/dd", "value=x")).status).toBe(403);
    expect((await put(target(), "/v2/keys/dd", "dir=true")).body["errorCode"]).toBe(102);
  });

  test("PUT dir=true over a file replaces it with a directory (200 set)", async () => {
    await put(target(), "/v2/keys/fd", "value=x");
    const reply = await put(target(), "/v2/keys/fd", "dir=true");
    expect(reply.status).toBe(200);
    expect(reply.body["action"]).toBe("set");
  });

  test("the delete table: file, empty and full dirs, missing; dir and recursive", async () => {
    await put(target(), "/v2/keys/del/file", "value=x");
    await put(target(), "/v2/keys/del/empty", "dir=true");
    await put(target(), "/v2/keys/del/full/a", "value=a");
    const del = (path: string) => send(target(), "DELETE", path);
    expect((await del("/v2/keys/del/empty")).body).toMatchObject({ errorCode: 102 });
    expect((await del("/v2/keys/del/full?dir=true")).body).toMatchObject({ errorCode: 108 });
    expect((await del("/v2/keys/del/full?dir=true")).status).toBe(403);
    expect((await del("/v2/keys/del/missing?recursive=true")).status).toBe(404);
    expect((await del("/v2/keys/del/file?dir=true")).status).toBe(200);
    const empty = await del("/v2/keys/del/empty?dir=true");
    expect(empty.text).toContain('"node":{"key":"/del/empty","dir":true,');
    const full = await del("/v2/keys/del/full?recursive=true");
    expect(full.body["action"]).toBe("delete");
    expect((await get(target(), "/v2/keys/del/full/a")).status).toBe(404);
  });

  test("recursive and sorted on a file are accepted and ignored", async () => {
    await put(target(), "/v2/keys/plain", "value=p");
    const reply = await get(target(), "/v2/keys/plain?recursive=true&sorted=true");
    expect(nodeOfReply(reply)["value"]).toBe("p");
  });
});
