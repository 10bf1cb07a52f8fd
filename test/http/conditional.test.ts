/**
 * Conditional writes (v2-api-reference.md §5, §7.6, §7.7): prevExist create/update,
 * compare-and-swap and compare-and-delete with their compare-failure causes.
 */
import { expect, test } from "bun:test";
import { currentIndex, get, nodeOfReply, put, send } from "../support/http-client.ts";
import { describeMatrix } from "../support/http-matrix.ts";

describeMatrix("prevExist", (target) => {
  test("prevExist=false creates (201), then 412/105; prevExist=true updates (200)", async () => {
    const created = await put(target(), "/v2/keys/casnone", "value=new&prevExist=false");
    expect(created.status).toBe(201);
    expect(created.body["action"]).toBe("create");
    expect(created.body["prevNode"]).toBeUndefined();
    const index = Number(created.headers.get("x-etcd-index"));
    const again = await put(target(), "/v2/keys/casnone", "value=new&prevExist=false");
    expect(again.status).toBe(412);
    expect(again.body).toEqual({
      errorCode: 105,
      message: "Key already exists",
      cause: "/casnone",
      index,
    });
    const updated = await put(target(), "/v2/keys/casnone", "value=upd&prevExist=true");
    expect(updated.status).toBe(200);
    expect(updated.body["action"]).toBe("update");
    expect(nodeOfReply(updated)).toMatchObject({ value: "upd", createdIndex: index });
    expect(updated.body["prevNode"]).toMatchObject({ value: "new" });
  });

  test("prevExist=true on a missing key is 404/100", async () => {
    const reply = await put(target(), "/v2/keys/missing", "value=x&prevExist=true");
    expect(reply.status).toBe(404);
    expect(reply.body["errorCode"]).toBe(100);
  });

  test("prevExist=false ignores prevValue and prevIndex; with dir=true creates a dir", async () => {
    const reply = await put(target(), "/v2/keys/pe", "value=v&prevExist=false&prevValue=zz");
    expect(reply.body["action"]).toBe("create");
    const dir = await put(target(), "/v2/keys/ped", "dir=true&prevExist=false");
    expect(dir.status).toBe(201);
    expect(nodeOfReply(dir)["dir"]).toBe(true);
  });

  test("prevExist=true with prevValue is a compareAndSwap", async () => {
    await put(target(), "/v2/keys/pc", "value=one");
    const reply = await put(target(), "/v2/keys/pc", "value=two&prevExist=true&prevValue=one");
    expect(reply.body["action"]).toBe("compareAndSwap");
  });

  test("prevExist=true on a directory with a value is 403/102", async () => {
    await put(target(), "/v2/keys/pd", "dir=true");
    const reply = await put(target(), "/v2/keys/pd", "value=x&prevExist=true");
    expect(reply.status).toBe(403);
  });
});

describeMatrix("compare-and-swap and compare-and-delete", (target) => {
  test("CAS failure causes name the failing comparisons; success keeps createdIndex", async () => {
    await put(target(), "/v2/keys/other", "value=x"); // so that index 1 is not the key's
    const first = await put(target(), "/v2/keys/cas", "value=one");
    const index = Number(first.headers.get("x-etcd-index"));
    const cases: readonly [string, string][] = [
      ["value=three&prevValue=two", "[two != one]"],
      ["value=three&prevIndex=1", `[1 != ${index}]`],
      ["value=three&prevIndex=1&prevValue=two", `[two != one] [1 != ${index}]`],
      ["value=three&prevIndex=1&prevValue=one", `[1 != ${index}]`],
    ];
    for (const [form, cause] of cases) {
      const reply = await put(target(), "/v2/keys/cas", form);
      expect(reply.status).toBe(412);
      expect(reply.body).toEqual({ errorCode: 101, message: "Compare failed", cause, index });
    }
    const swapped = await put(target(), "/v2/keys/cas", "value=two&prevValue=one");
    expect(swapped.status).toBe(200);
    expect(swapped.body["action"]).toBe("compareAndSwap");
    expect(nodeOfReply(swapped)).toMatchObject({ value: "two", createdIndex: index });
    const byIndex = await put(target(), "/v2/keys/cas", `value=3&prevIndex=${index + 1}`);
    expect(byIndex.body["action"]).toBe("compareAndSwap");
  });

  test("CAS on a missing key is 404; on a directory 403/102; on the root 107", async () => {
    expect((await put(target(), "/v2/keys/nope", "value=x&prevValue=y")).status).toBe(404);
    await put(target(), "/v2/keys/cd", "dir=true");
    expect((await put(target(), "/v2/keys/cd", "value=x&prevValue=y")).body["errorCode"]).toBe(
      102,
    );
    expect((await put(target(), "/v2/keys/", "value=x&prevValue=y")).body["errorCode"]).toBe(107);
  });

  test("CAS without ttl drops the TTL, with ttl sets it", async () => {
    await put(target(), "/v2/keys/ct", "value=a&ttl=50");
    const dropped = await put(target(), "/v2/keys/ct", "value=b&prevValue=a");
    expect(nodeOfReply(dropped)["ttl"]).toBeUndefined();
    const set = await put(target(), "/v2/keys/ct", "value=c&prevValue=b&ttl=9");
    expect(nodeOfReply(set)["ttl"]).toBe(9);
  });

  test("CAD compares from the query string; failures are 412 with causes", async () => {
    await put(target(), "/v2/keys/other", "value=x"); // so that index 1 is not the key's
    const first = await put(target(), "/v2/keys/cad", "value=one");
    const index = Number(first.headers.get("x-etcd-index"));
    const wrongValue = await send(target(), "DELETE", "/v2/keys/cad?prevValue=two");
    expect(wrongValue.body).toMatchObject({ errorCode: 101, cause: "[two != one]" });
    const wrongIndex = await send(target(), "DELETE", "/v2/keys/cad?prevIndex=1");
    expect(wrongIndex.body).toMatchObject({ errorCode: 101, cause: `[1 != ${index}]` });
    const deleted = await send(target(), "DELETE", "/v2/keys/cad?prevValue=one");
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe(
      `{"action":"compareAndDelete","node":{"key":"/cad","modifiedIndex":${index + 1},` +
        `"createdIndex":${index}},"prevNode":{"key":"/cad","value":"one",` +
        `"modifiedIndex":${index},"createdIndex":${index}}}\n`,
    );
  });

  test("CAD on a dir is 403/102 even with recursive; on the root 102, no cause", async () => {
    await put(target(), "/v2/keys/cdd/x", "value=1");
    const dir = await send(target(), "DELETE", "/v2/keys/cdd?prevValue=x&recursive=true");
    expect(dir.body).toMatchObject({ errorCode: 102, cause: "/cdd" });
    const index = await currentIndex(target());
    const root = await send(target(), "DELETE", "/v2/keys/?prevValue=x");
    expect(root.status).toBe(403);
    expect(root.text).toBe(`{"errorCode":102,"message":"Not a file","index":${index}}\n`);
  });

  test("prevIndex=0 on DELETE is a plain delete", async () => {
    await put(target(), "/v2/keys/d0", "value=v");
    const reply = await send(target(), "DELETE", "/v2/keys/d0?prevIndex=0");
    expect(reply.body["action"]).toBe("delete");
    expect((await get(target(), "/v2/keys/d0")).status).toBe(404);
  });
});
