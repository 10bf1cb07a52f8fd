/**
 * Set, get and delete of files (v2-api-reference.md §7.1, §3.4, §4): bodies, statuses 201/200,
 * index headers, createdIndex changing on a plain set, errors with the current index.
 */
import { expect, test } from "bun:test";
import { currentIndex, get, nodeOfReply, put, send } from "../support/http-client.ts";
import { describeMatrix } from "../support/http-matrix.ts";

describeMatrix("set, get, delete", (target) => {
  test("set, get, overwrite, delete and get again, as etcd answers them", async () => {
    const first = await put(target(), "/v2/keys/message", "value=Hello+world");
    const index = Number(first.headers.get("x-etcd-index"));
    expect(first.status).toBe(201);
    expect(first.text).toBe(
      `{"action":"set","node":{"key":"/message","value":"Hello world","modifiedIndex":${index},` +
        `"createdIndex":${index}}}\n`,
    );
    const read = await get(target(), "/v2/keys/message");
    expect(read.status).toBe(200);
    expect(read.headers.get("x-etcd-index")).toBe(String(index));
    expect(read.body).toEqual({ action: "get", node: first.body["node"] });
    const second = await put(target(), "/v2/keys/message", "value=Hello+etcd");
    expect(second.status).toBe(200);
    expect(second.headers.get("x-etcd-index")).toBe(String(index + 1));
    expect(second.body["prevNode"]).toEqual(first.body["node"]);
    const indexes = { createdIndex: index + 1, modifiedIndex: index + 1 };
    expect(nodeOfReply(second)).toMatchObject(indexes);
    const removed = await send(target(), "DELETE", "/v2/keys/message");
    expect(removed.status).toBe(200);
    expect(removed.text).toBe(
      `{"action":"delete","node":{"key":"/message","modifiedIndex":${index + 2},` +
        `"createdIndex":${index + 1}},"prevNode":{"key":"/message","value":"Hello etcd",` +
        `"modifiedIndex":${index + 1},"createdIndex":${index + 1}}}\n`,
    );
    const gone = await get(target(), "/v2/keys/message");
    expect(gone.status).toBe(404);
    expect(gone.headers.get("x-etcd-index")).toBe(String(index + 2));
    expect(gone.text).toBe(
      `{"errorCode":100,"message":"Key not found","cause":"/message","index":${index + 2}}\n`,
    );
  });

  test("successful responses carry JSON, index, Raft and cluster headers and CORS", async () => {
    const reply = await put(target(), "/v2/keys/h", "value=v");
    expect(reply.headers.get("content-type")).toBe("application/json");
    expect(Number(reply.headers.get("x-raft-index"))).toBeGreaterThan(0);
    expect(Number(reply.headers.get("x-raft-term"))).toBeGreaterThanOrEqual(1);
    expect(reply.headers.get("x-etcd-cluster-id")).toMatch(/^[0-9a-f]+$/);
    expect(reply.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("PUT without a value stores the empty string", async () => {
    const reply = await put(target(), "/v2/keys/empty", "");
    expect(nodeOfReply(reply)["value"]).toBe("");
    expect(reply.text).toContain('"value":""');
  });

  test("store errors carry the current index in body and header, no Raft headers", async () => {
    await put(target(), "/v2/keys/f", "value=1");
    const index = await currentIndex(target());
    const reply = await put(target(), "/v2/keys/f/child", "value=2");
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ errorCode: 104, message: "Not a directory", cause: "/f", index });
    expect(reply.headers.get("x-etcd-index")).toBe(String(index));
    expect(reply.headers.get("x-raft-index")).toBeNull();
  });

  test("a 100 names the first missing component", async () => {
    const reply = await get(target(), "/v2/keys/a/b/c");
    expect(reply.body).toMatchObject({ errorCode: 100, cause: "/a" });
  });

  test("failed writes and reads consume no index", async () => {
    const before = await currentIndex(target());
    await get(target(), "/v2/keys/missing");
    await send(target(), "DELETE", "/v2/keys/missing");
    await put(target(), "/v2/keys/missing?prevExist=true", "value=x");
    expect(await currentIndex(target())).toBe(before);
  });

  test("HEAD is GET without a body, same status and headers", async () => {
    await put(target(), "/v2/keys/hd", "value=v");
    const head = await send(target(), "HEAD", "/v2/keys/hd");
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect(head.headers.get("x-etcd-index")).not.toBeNull();
    const missing = await send(target(), "HEAD", "/v2/keys/none");
    expect(missing.status).toBe(404);
  });
});
