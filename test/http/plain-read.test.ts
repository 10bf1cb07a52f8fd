/**
 * The plain read's short way in (`plainReadServer`): it answers exactly what the `/v2/keys`
 * route answers, status, headers and body, and declines every request it must not take.
 */
import { describe, expect, test } from "bun:test";
import { createApp, plainReadServer } from "../../src/http/index.ts";
import { KeyResponseWriter } from "../../src/http/keys/key-responses.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { defaultLimits } from "../../src/limits.ts";
import { MemoryNode } from "../support/memory-node.ts";

const origin = "http://localhost";

async function member() {
  const node = new MemoryNode(defaultLimits);
  const deps = { node, limits: defaultLimits, logger: silentLogger, version: "0.1.0-test" };
  const app = createApp(deps);
  const put = (path: string, body: string) =>
    app.handle(
      new Request(`${origin}${path}`, {
        method: "PUT",
        body,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
    );
  await put("/v2/keys/message", "value=Hello+%3Cworld%3E");
  await put("/v2/keys/dir/b", "value=2");
  await put("/v2/keys/dir/a", "value=1");
  await put("/v2/keys/dir/sub/c", "value=3");
  await put("/v2/keys/a%20b", "value=spaced");
  await put("/v2/keys/ttl", "value=soon&ttl=30");
  await put("/v2/keys/_hidden", "value=h");
  node.clock.advance(2500);
  return { node, app, plainRead: plainReadServer(deps) };
}

async function snapshot(response: Response) {
  return {
    status: response.status,
    headers: [...response.headers.entries()],
    body: await response.text(),
  };
}

describe("plainReadServer answers plain reads as the route does", () => {
  const paths = [
    "/v2/keys/message",
    "/v2/keys/dir",
    "/v2/keys/dir/",
    "/v2/keys/dir?recursive=true&sorted=true",
    "/v2/keys/dir?sorted=1&recursive=false",
    "/v2/keys",
    "/v2/keys/",
    "/v2/keys?recursive=true&sorted=true",
    "/v2/keys/a%20b",
    "/v2/keys/ttl",
    "/v2/keys/_hidden",
    "/v2/keys/message?quorum=false&wait=false&consistent=false",
    "/v2/keys/missing",
    "/v2/keys/message/below",
  ];
  for (const path of paths) {
    test(`GET ${path}`, async () => {
      const { app, plainRead } = await member();
      const short = plainRead(new Request(`${origin}${path}`));
      expect(short).toBeDefined();
      const routed = await app.handle(new Request(`${origin}${path}`));
      expect(await snapshot(short as Response)).toEqual(await snapshot(routed));
    });
  }

  test("a read of an unknown key counts one failed get, not two", async () => {
    const { app, plainRead } = await member();
    const gets = async () => {
      const stats = await app.handle(new Request(`${origin}/v2/stats/store`));
      return (await stats.json()) as { getsFail: number; getsSuccess: number };
    };
    const before = await gets();
    const missing = plainRead(new Request(`${origin}/v2/keys/missing`));
    expect(missing?.status).toBe(404);
    const after = await gets();
    expect(after.getsFail).toBe(before.getsFail + 1);
    expect(after.getsSuccess).toBe(before.getsSuccess);
  });
});

describe("plainReadServer declines what the routes must answer", () => {
  const declined: readonly [string, string][] = [
    ["HEAD", "/v2/keys/message"],
    ["PUT", "/v2/keys/message?value=x"],
    ["DELETE", "/v2/keys/message"],
    ["OPTIONS", "/v2/keys/message"],
    ["GET", "/v2/keys/message?wait=true"],
    ["GET", "/v2/keys/message?quorum=true"],
    ["GET", "/v2/keys/message?consistent=true"],
    ["GET", "/v2/keys/message?recursive=maybe"],
    ["GET", "/v2/keys/message?a;b"],
    ["GET", "/v2/keys/message?x=%zz"],
    ["GET", "/v2/keys//message"],
    ["GET", "/v2/keys/dir%2F..%2Fmessage"],
    ["GET", "/v2/keys/%zz"],
    ["GET", "/v2/keysmessage"],
    ["GET", "/v2/machines"],
    ["GET", "/version"],
  ];
  for (const [method, path] of declined) {
    test(`${method} ${path}`, async () => {
      const { node, plainRead } = await member();
      const index = node.store.index;
      expect(plainRead(new Request(`${origin}${path}`, { method }))).toBeUndefined();
      expect(node.store.index).toBe(index);
    });
  }
});

describe("KeyResponseWriter", () => {
  test("each response keeps its own headers when the template moves on", async () => {
    const { node } = await member();
    const writer = new KeyResponseWriter(node);
    const event = node.store.get("/message", { recursive: false, sorted: false });
    const first = writer.event(event, false);
    node.raftTerm = 3;
    const later = writer.event({ ...event, index: event.index + 5 }, false);
    expect(first.headers.get("x-etcd-index")).toBe(String(event.index));
    expect(first.headers.get("x-raft-term")).toBe("2");
    expect(later.headers.get("x-etcd-index")).toBe(String(event.index + 5));
    expect(later.headers.get("x-raft-term")).toBe("3");
    expect(later.headers.get("x-etcd-cluster-id")).toBe(first.headers.get("x-etcd-cluster-id"));
    const again = writer.event(event, false);
    expect(again.headers.get("x-etcd-index")).toBe(String(event.index));
    expect(again.headers.get("x-raft-term")).toBe("3");
  });
});
