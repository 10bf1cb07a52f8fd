/**
 * In-order keys (§7.8), noValueOnSuccess (§7.9), quorum reads (§7.10) and the root (§7.11).
 */
import { expect, test } from "bun:test";
import { ErrorCode, EtcdError } from "../../src/store/errors.ts";
import { currentIndex, get, nodeOfReply, put, send } from "../support/http-client.ts";
import { describeMatrix, nodeOf } from "../support/http-matrix.ts";

describeMatrix("in-order keys", (target) => {
  test("POST creates 20-digit zero-padded names from the index, in creation order", async () => {
    const first = await send(target(), "POST", "/v2/keys/queue", { form: "value=Job1" });
    const second = await send(target(), "POST", "/v2/keys/queue", { form: "value=Job2" });
    expect(first.status).toBe(201);
    expect(first.body["action"]).toBe("create");
    const index = Number(first.headers.get("x-etcd-index"));
    expect(nodeOfReply(first)).toMatchObject({
      key: `/queue/${String(index).padStart(20, "0")}`,
      value: "Job1",
    });
    const listing = nodeOfReply(await get(target(), "/v2/keys/queue?recursive=true&sorted=true"));
    const keys = (listing["nodes"] as Record<string, unknown>[]).map((node) => node["key"]);
    expect(keys).toEqual([nodeOfReply(first)["key"], nodeOfReply(second)["key"]]);
  });

  test("POST on the root, with dir=true and ttl; POST on a file is 104", async () => {
    const root = await send(target(), "POST", "/v2/keys/", { form: "value=r" });
    expect(String(nodeOfReply(root)["key"])).toMatch(/^\/\d{20}$/);
    const dir = await send(target(), "POST", "/v2/keys/qd", { form: "dir=true&ttl=5" });
    expect(nodeOfReply(dir)).toMatchObject({ dir: true, ttl: 5 });
    await put(target(), "/v2/keys/file", "value=f");
    const onFile = await send(target(), "POST", "/v2/keys/file", { form: "value=x" });
    expect(onFile.status).toBe(400);
    expect(onFile.body).toMatchObject({ errorCode: 104, cause: "/file" });
  });

  test("POST validates prevExist/prevValue/prevIndex and then ignores them", async () => {
    const form = "value=v&prevExist=true&prevValue=zz&prevIndex=77";
    const reply = await send(target(), "POST", "/v2/keys/pq", { form });
    expect(reply.status).toBe(201);
    const bad = await send(target(), "POST", "/v2/keys/pq", { form: "prevIndex=x" });
    expect(bad.body["errorCode"]).toBe(203);
  });
});

describeMatrix("noValueOnSuccess", (target) => {
  test("set, create, update and compareAndSwap report only the action", async () => {
    const set = await put(target(), "/v2/keys/n?noValueOnSuccess=true", "value=a");
    expect(set.status).toBe(201);
    expect(set.text).toBe('{"action":"set"}\n');
    expect(set.headers.get("x-etcd-index")).not.toBeNull();
    const update = await put(target(), "/v2/keys/n", "value=b&prevExist=true&noValueOnSuccess=1");
    expect(update.text).toBe('{"action":"update"}\n');
    const cas = await put(target(), "/v2/keys/n", "value=c&prevValue=b&noValueOnSuccess=true");
    expect(cas.text).toBe('{"action":"compareAndSwap"}\n');
    const create = await send(target(), "POST", "/v2/keys/nq", {
      form: "value=v&noValueOnSuccess=true",
    });
    expect(create.text).toBe('{"action":"create"}\n');
  });

  test("delete and errors are unaffected", async () => {
    await put(target(), "/v2/keys/n", "value=a");
    const removed = await send(target(), "DELETE", "/v2/keys/n?noValueOnSuccess=true");
    expect(removed.body["node"]).toBeDefined();
    const failed = await put(target(), "/v2/keys/n?noValueOnSuccess=true", "value=a&prevValue=q");
    expect(failed.body["errorCode"]).toBe(100);
  });
});

describeMatrix(
  "quorum",
  (target) => {
    test("quorum=true waits for a read barrier and answers like a plain get", async () => {
      const node = nodeOf(target());
      await put(target(), "/v2/keys/qk", "value=v");
      const before = await currentIndex(target());
      const reply = await get(target(), "/v2/keys/qk?quorum=true");
      expect(node.barrierCount).toBe(1);
      expect(reply.body["action"]).toBe("get");
      expect(await currentIndex(target())).toBe(before);
      expect((await get(target(), "/v2/keys/none?quorum=true")).status).toBe(404);
    });

    test("quorum=true beats wait=true: an immediate get, no watcher", async () => {
      await put(target(), "/v2/keys/qw", "value=v");
      const reply = await get(target(), "/v2/keys/qw?quorum=true&wait=true");
      expect(reply.body["action"]).toBe("get");
      const stats = await get(target(), "/v2/stats/store");
      expect(stats.body["watchers"]).toBe(0);
    });

    test("a failed barrier is the member's etcd error, 500 for 300", async () => {
      const node = nodeOf(target());
      node.barrierError = new EtcdError(ErrorCode.raftInternal, "etcdserver: request timed out", 0);
      const reply = await get(target(), "/v2/keys/x?quorum=true");
      expect(reply.status).toBe(500);
      expect(reply.body).toMatchObject({ errorCode: 300, message: "Raft Internal Error" });
    });

    test("consistent=true is honoured as a linearizable read (cairn)", async () => {
      const node = nodeOf(target());
      await get(target(), "/v2/keys/?consistent=true");
      expect(node.barrierCount).toBe(1);
    });
  },
  { needsNode: true },
);

describeMatrix("root", (target) => {
  test("every PUT and DELETE on the root is 400/107 with cause /", async () => {
    const index = await currentIndex(target());
    const writes: readonly [string, string][] = [
      ["PUT", "/v2/keys"],
      ["PUT", "/v2/keys/?dir=true"],
      ["PUT", "/v2/keys/?prevExist=true"],
      ["PUT", "/v2/keys/?prevExist=false"],
      ["DELETE", "/v2/keys/"],
      ["DELETE", "/v2/keys/?dir=true"],
      ["DELETE", "/v2/keys?recursive=true"],
    ];
    for (const [method, path] of writes) {
      const reply = await send(target(), method, path, { form: "value=x" });
      expect(reply.status).toBe(400);
      expect(reply.text).toBe(
        `{"errorCode":107,"message":"Root is read only","cause":"/","index":${index}}\n`,
      );
    }
  });

  test("the root listing has no key and no indexes", async () => {
    await put(target(), "/v2/keys/a", "value=one");
    const reply = await get(target(), "/v2/keys/?recursive=true");
    const node = nodeOfReply(reply);
    expect(Object.keys(node).sort()).toEqual(["dir", "nodes"]);
  });
});
