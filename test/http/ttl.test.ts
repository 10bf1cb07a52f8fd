/**
 * TTLs (v2-api-reference.md §7.4) with a manual clock: `expiration` and a rounded-up `ttl`,
 * removal of a TTL, `ttl=0`, expiry consuming one index, directory TTLs.
 */
import { expect, test } from "bun:test";
import { currentIndex, get, nodeOfReply, put } from "../support/http-client.ts";
import { describeMatrix, nodeOf } from "../support/http-matrix.ts";

describeMatrix(
  "ttl",
  (target) => {
    test("a TTL write shows expiration in RFC 3339 and the whole ttl", async () => {
      const node = nodeOf(target());
      node.clock.advance(123);
      const reply = await put(target(), "/v2/keys/foo", "value=bar&ttl=5");
      expect(reply.status).toBe(201);
      // The clock starts at .536 s, so the deadline's fraction (.659) has no trailing zero.
      const expected = new Date(node.clock.wallMs() + 5000).toISOString();
      expect(expected).toEndWith(".659Z");
      expect(nodeOfReply(reply)).toMatchObject({ expiration: expected, ttl: 5 });
      expect(reply.text).toContain(`"value":"bar","expiration":"${expected}","ttl":5,`);
    });

    test("expiration trims trailing zeros and drops a zero fraction", async () => {
      const node = nodeOf(target());
      node.clock.advance(1000 - (node.clock.wallMs() % 1000) + 100);
      const tenth = await put(target(), "/v2/keys/a", "value=v&ttl=1");
      expect(String(nodeOfReply(tenth)["expiration"])).toMatch(/:\d\d\.1Z$/);
      node.clock.advance(900);
      const whole = await put(target(), "/v2/keys/b", "value=v&ttl=1");
      expect(String(nodeOfReply(whole)["expiration"])).toMatch(/:\d\dZ$/);
    });

    test("ttl is rounded up: a 2 s key read 1.2 s later shows 1", async () => {
      const node = nodeOf(target());
      await put(target(), "/v2/keys/t", "value=v&ttl=2");
      node.clock.advance(1200);
      expect(nodeOfReply(await get(target(), "/v2/keys/t"))["ttl"]).toBe(1);
      node.clock.advance(700);
      expect(nodeOfReply(await get(target(), "/v2/keys/t"))["ttl"]).toBe(1);
    });

    test("an expired but unswept key has expiration but no ttl", async () => {
      const node = nodeOf(target());
      await put(target(), "/v2/keys/t", "value=v&ttl=1");
      node.clock.advance(1500);
      const reply = await get(target(), "/v2/keys/t");
      expect(nodeOfReply(reply)["expiration"]).toBeDefined();
      expect(nodeOfReply(reply)["ttl"]).toBeUndefined();
    });

    test("ttl=0 gives an expiration of now and no ttl field", async () => {
      const reply = await put(target(), "/v2/keys/t0", "value=x&ttl=0");
      expect(nodeOfReply(reply)["expiration"]).toBeDefined();
      expect(reply.text).not.toContain('"ttl"');
    });

    test("after expiry GET is 404 and the index advanced by one", async () => {
      const node = nodeOf(target());
      await put(target(), "/v2/keys/t2", "value=v&ttl=1");
      const before = await currentIndex(target());
      node.clock.advance(2200);
      await node.sweep();
      const reply = await get(target(), "/v2/keys/t2");
      expect(reply.status).toBe(404);
      expect(reply.body).toMatchObject({ errorCode: 100, cause: "/t2", index: before + 1 });
    });

    test("ttl= prevExist=true removes the TTL; a set without ttl is permanent", async () => {
      await put(target(), "/v2/keys/p", "value=bar&ttl=5");
      const update = await put(target(), "/v2/keys/p", "value=bar&ttl=&prevExist=true");
      expect(update.body["action"]).toBe("update");
      expect(nodeOfReply(update)["expiration"]).toBeUndefined();
      expect((update.body["prevNode"] as Record<string, unknown>)["ttl"]).toBe(5);
      await put(target(), "/v2/keys/q", "value=v&ttl=5");
      const set = await put(target(), "/v2/keys/q", "value=w");
      expect(nodeOfReply(set)["ttl"]).toBeUndefined();
    });

    test("unset-TTL pitfall: ttl= prevExist=true without value stores \"\"", async () => {
      await put(target(), "/v2/keys/t1", "value=v&ttl=5");
      const reply = await put(target(), "/v2/keys/t1", "ttl=&prevExist=true");
      expect(nodeOfReply(reply)["value"]).toBe("");
    });

    test("a directory TTL expires the whole subtree as one expire event", async () => {
      const node = nodeOf(target());
      await put(target(), "/v2/keys/dt", "dir=true&ttl=1");
      await put(target(), "/v2/keys/dt/child", "value=c");
      const before = await currentIndex(target());
      node.clock.advance(1001);
      await node.sweep();
      expect(await currentIndex(target())).toBe(before + 1);
      expect((await get(target(), "/v2/keys/dt/child")).status).toBe(404);
    });

    test("a TTL too large for Go's time range makes the key permanent", async () => {
      const reply = await put(target(), "/v2/keys/big", "value=v&ttl=100000000000");
      expect(reply.status).toBe(201);
      expect(nodeOfReply(reply)["expiration"]).toBeUndefined();
    });
  },
  { needsNode: true },
);

describeMatrix(
  "refresh",
  (target) => {
    test("refresh with prevExist=true keeps the value, sets the TTL, is an update", async () => {
      const first = await put(target(), "/v2/keys/foo", "value=bar&ttl=5");
      const created = nodeOfReply(first)["createdIndex"];
      nodeOf(target()).clock.advance(3000);
      const reply = await put(target(), "/v2/keys/foo", "ttl=30&refresh=true&prevExist=true");
      expect(reply.status).toBe(200);
      expect(reply.body["action"]).toBe("update");
      expect(nodeOfReply(reply)).toMatchObject({ value: "bar", ttl: 30, createdIndex: created });
      expect(reply.text).not.toContain("refresh");
      expect(reply.body["prevNode"]).toMatchObject({ value: "bar", ttl: 2 });
    });

    test("refresh without prevExist is a set that replaces the node", async () => {
      const first = await put(target(), "/v2/keys/r1", "value=v&ttl=5");
      const reply = await put(target(), "/v2/keys/r1", "ttl=10&refresh=true");
      expect(reply.status).toBe(200);
      expect(reply.body["action"]).toBe("set");
      expect(nodeOfReply(reply)["value"]).toBe("v");
      expect(nodeOfReply(reply)["createdIndex"]).not.toBe(nodeOfReply(first)["createdIndex"]);
    });

    test("refresh with prevValue compares: mismatch 412/101, match compareAndSwap", async () => {
      await put(target(), "/v2/keys/rc", "value=one");
      const bad = await put(target(), "/v2/keys/rc", "ttl=5&refresh=true&prevValue=two");
      expect(bad.status).toBe(412);
      const good = await put(target(), "/v2/keys/rc", "ttl=5&refresh=true&prevValue=one");
      expect(good.body["action"]).toBe("compareAndSwap");
      expect(nodeOfReply(good)).toMatchObject({ value: "one", ttl: 5 });
    });

    test("refresh consumes an index but does not wake a watcher", async () => {
      await put(target(), "/v2/keys/rw", "value=v&ttl=5");
      const watch = await target().send("/v2/keys/rw?wait=true");
      const before = await currentIndex(target());
      await put(target(), "/v2/keys/rw", "ttl=9&refresh=true&prevExist=true");
      expect(await currentIndex(target())).toBe(before + 1);
      await put(target(), "/v2/keys/rw", "value=w");
      const event = JSON.parse(await watch.text()) as Record<string, unknown>;
      expect(event["action"]).toBe("set");
      expect((event["node"] as Record<string, unknown>)["value"]).toBe("w");
    });

    test("refresh of a missing key is 404/100", async () => {
      const reply = await put(target(), "/v2/keys/none", "ttl=5&refresh=true&prevExist=true");
      expect(reply.status).toBe(404);
    });
  },
  { needsNode: true },
);
