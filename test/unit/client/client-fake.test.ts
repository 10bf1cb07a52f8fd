/**
 * EtcdClient against a tiny Bun.serve fake that returns canned etcd answers: what is sent, how
 * headers and errors are read, watch streams, failover and timeouts.
 */
import { afterAll, describe, expect, test } from "bun:test";
import {
  EtcdClient,
  EtcdClientError,
  EtcdConnectionError,
  EtcdHttpError,
  EtcdTimeoutError,
  keyPath,
} from "../../../src/client/index.ts";
import { freePort } from "./etcd-process.ts";

interface Seen {
  method: string;
  path: string;
  query: string;
  body: string;
  contentType: string | null;
}

const seen: Seen[] = [];
const etcdHeaders = {
  "content-type": "application/json",
  "x-etcd-index": "7",
  "x-raft-index": "12",
  "x-raft-term": "2",
  "x-etcd-cluster-id": "cdf818194e3a8c32",
};

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const url = new URL(request.url);
    const body = await request.text();
    seen.push({
      method: request.method,
      path: url.pathname,
      query: url.search,
      body,
      contentType: request.headers.get("content-type"),
    });
    return answer(url);
  },
});
const endpoint = `http://127.0.0.1:${server.port}`;

afterAll(() => server.stop(true));

function answer(url: URL): Response | Promise<Response> {
  const event = (action: string, status = 200): Response =>
    Response.json(
      { action, node: { key: url.pathname.slice(8), value: "v" } },
      {
        status,
        headers: etcdHeaders,
      },
    );
  if (url.pathname === "/v2/keys/missing") {
    const error = { errorCode: 100, message: "Key not found", cause: "/missing", index: 7 };
    return Response.json(error, { status: 404, headers: { "x-etcd-index": "7" } });
  }
  if (url.pathname === "/v2/keys/stream") return streamResponse();
  if (url.pathname === "/v2/keys/slow") return new Promise(() => undefined);
  if (url.pathname === "/v2/keys/later") {
    return new Promise((resolve) => setTimeout(() => resolve(event("set")), 300));
  }
  if (url.pathname.startsWith("/nowhere"))
    return new Response("404 page not found\n", { status: 404 });
  if (url.pathname === "/version")
    return Response.json({ etcdserver: "3.4.23", etcdcluster: "3.4.0" });
  if (url.pathname === "/v2/members") return Response.json({ members: [{ id: "a", name: "n0" }] });
  if (url.pathname === "/health") return new Response('{"health":"true"}');
  return event("set", 201);
}

/** Three events split across chunks in awkward places, then the stream stays open. */
function streamResponse(): Response {
  const lines = [1, 2, 3].map(
    (index) => `${JSON.stringify({ action: "set", node: { key: `/s/${index}` } })}\n`,
  );
  const text = lines.join("");
  const pieces = [text.slice(0, 10), text.slice(10, 70), text.slice(70)];
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece));
    },
  });
  return new Response(body, { headers: etcdHeaders });
}

function lastSeen(): Seen {
  const last = seen[seen.length - 1];
  if (last === undefined) throw new Error("the fake saw no request");
  return last;
}

describe("EtcdClient requests", () => {
  const client = new EtcdClient({ endpoints: [endpoint] });

  test("set sends a form body with value and ttl and returns status and headers", async () => {
    const result = await client.set("/a b/c", "x y+z", { ttl: 5 });
    expect(lastSeen()).toMatchObject({
      method: "PUT",
      path: "/v2/keys/a%20b/c",
      body: "value=x+y%2Bz&ttl=5",
      contentType: "application/x-www-form-urlencoded",
    });
    expect(result.status).toBe(201);
    expect(result.action).toBe("set");
    expect(result.headers).toEqual({
      etcdIndex: 7,
      raftIndex: 12,
      raftTerm: 2,
      clusterId: "cdf818194e3a8c32",
    });
  });

  test("each operation sends etcd's parameters", async () => {
    await client.create("/k", "v");
    expect(lastSeen().body).toBe("value=v&prevExist=false");
    await client.update("/k", "v", { ttl: null });
    expect(lastSeen().body).toBe("value=v&prevExist=true&ttl=");
    await client.compareAndSwap("/k", "v", { prevValue: "old", prevIndex: 3 });
    expect(lastSeen().body).toBe("value=v&prevValue=old&prevIndex=3");
    await client.compareAndDelete("/k", { prevIndex: 4 });
    expect(lastSeen()).toMatchObject({ method: "DELETE", query: "?prevIndex=4", body: "" });
    await client.delete("/d", { recursive: true });
    expect(lastSeen()).toMatchObject({ method: "DELETE", query: "?recursive=true" });
    await client.mkdir("/d", { ttl: 9 });
    expect(lastSeen().body).toBe("dir=true&prevExist=false&ttl=9");
    await client.refresh("/k", 30);
    expect(lastSeen().body).toBe("ttl=30&refresh=true&prevExist=true");
    await client.createInOrder("/queue", "job");
    expect(lastSeen()).toMatchObject({ method: "POST", path: "/v2/keys/queue", body: "value=job" });
    await client.get("/d", { recursive: true, sorted: true, quorum: true });
    expect(lastSeen().query).toBe("?recursive=true&sorted=true&quorum=true");
    await client.watch("/k", { waitIndex: 8, recursive: true });
    expect(lastSeen().query).toBe("?wait=true&recursive=true&waitIndex=8");
  });

  test("compare operations need a condition", async () => {
    await expect(client.compareAndSwap("/k", "v", {})).rejects.toThrow(TypeError);
    await expect(client.compareAndDelete("/k", {})).rejects.toThrow("give prevValue, prevIndex");
  });

  test("an etcd error body becomes EtcdClientError with code, cause, index, status", async () => {
    const error = await client.get("/missing").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EtcdClientError);
    if (!(error instanceof EtcdClientError)) return;
    expect([error.errorCode, error.message, error.cause, error.index]).toEqual([
      100,
      "Key not found",
      "/missing",
      7,
    ]);
    expect(error.status).toBe(404);
    expect(error.headers.etcdIndex).toBe(7);
    expect(error.headers.raftIndex).toBeUndefined();
  });

  test("version, members and health", async () => {
    expect((await client.version()).etcdserver).toBe("3.4.23");
    expect((await client.members()).map((member) => member.name)).toEqual(["n0"]);
    expect(await client.health()).toBe(true);
  });

  test("keyPath encodes each segment and keeps the slashes", () => {
    expect(keyPath("/a/b c/%")).toBe("/v2/keys/a/b%20c/%25");
    expect(keyPath("/")).toBe("/v2/keys/");
    expect(keyPath("x")).toBe("/v2/keys/x");
  });
});

describe("EtcdClient watch streams", () => {
  const client = new EtcdClient({ endpoints: [endpoint] });

  test("yields one event per line whatever the chunking; break stops it", async () => {
    const keys: string[] = [];
    const stream = await client.watchStream("/stream", { recursive: true });
    for await (const event of stream) {
      keys.push(event.node?.key ?? "");
      expect(event.headers.etcdIndex).toBe(7);
      if (keys.length === 3) break;
    }
    expect(keys).toEqual(["/s/1", "/s/2", "/s/3"]);
    expect(lastSeen().query).toBe("?wait=true&recursive=true&stream=true");
  });

  test("a refused stream watch throws the etcd error", async () => {
    await expect(client.watchStream("/missing")).rejects.toBeInstanceOf(EtcdClientError);
  });
});

describe("EtcdClient failures", () => {
  test("a non-etcd error answer becomes EtcdHttpError", async () => {
    const other = await new EtcdClient({ endpoints: [`${endpoint}/nowhere`] })
      .version()
      .catch((caught: unknown) => caught);
    expect(other).toBeInstanceOf(EtcdHttpError);
  });

  test("fails over to the next endpoint when the first refuses connections", async () => {
    const dead = `http://127.0.0.1:${freePort()}`;
    const client = new EtcdClient({ endpoints: [dead, endpoint] });
    const result = await client.set("/k", "v");
    expect(result.status).toBe(201);
    expect(client.endpoints).toEqual([endpoint, dead]);
  });

  test("throws EtcdConnectionError when no endpoint can be reached", async () => {
    const client = new EtcdClient({ endpoints: [`http://127.0.0.1:${freePort()}`] });
    await expect(client.get("/k")).rejects.toBeInstanceOf(EtcdConnectionError);
  });

  test("a timed-out request throws EtcdTimeoutError without failing over", async () => {
    const client = new EtcdClient({ endpoints: [endpoint, endpoint], timeoutMs: 100 });
    const before = seen.length;
    const error = await client.get("/slow").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EtcdTimeoutError);
    expect(seen.length - before).toBe(1);
  });

  test("a watch outlives the client's default timeout", async () => {
    const client = new EtcdClient({ endpoints: [endpoint], timeoutMs: 100 });
    expect((await client.watch("/later")).action).toBe("set");
    await expect(client.get("/later")).rejects.toBeInstanceOf(EtcdTimeoutError);
    await expect(client.watch("/later", { timeoutMs: 50 })).rejects.toBeInstanceOf(
      EtcdTimeoutError,
    );
  });

  test("the caller's signal cancels a watch", async () => {
    const client = new EtcdClient({ endpoints: [endpoint] });
    const controller = new AbortController();
    const watch = client.watch("/slow", { signal: controller.signal });
    controller.abort();
    const error = await watch.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("AbortError");
  });
});

test("writes go out on fresh connections and reads keep theirs alive", async () => {
  // Bun resends a request whose kept-alive connection closed; on a fresh connection a refusal
  // means the write was never sent, so failing over to the next endpoint cannot apply it twice.
  const seen: { method: string; keepalive: boolean | undefined }[] = [];
  const recording: typeof fetch = Object.assign(
    (_input: string | URL | Request, init?: RequestInit) => {
      seen.push({ method: init?.method ?? "GET", keepalive: init?.keepalive });
      return Promise.resolve(new Response("{}", { status: 200 }));
    },
    { preconnect: fetch.preconnect },
  );
  const client = new EtcdClient({ endpoints: ["http://127.0.0.1:1"], fetch: recording });
  await client.set("/k", "v");
  await client.get("/k", { quorum: true });
  await client.delete("/k");
  expect(seen).toEqual([
    { method: "PUT", keepalive: false },
    { method: "GET", keepalive: true },
    { method: "DELETE", keepalive: false },
  ]);
});
