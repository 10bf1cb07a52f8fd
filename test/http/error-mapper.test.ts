/**
 * The one error mapper: Elysia's own errors never reach a client in Elysia's shape, unexpected
 * failures become etcd's 300 and are logged.
 */
import { expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { errorMapper } from "../../src/http/error-mapper.ts";
import { createJsonLogger } from "../../src/lib/log.ts";
import { defaultLimits } from "../../src/limits.ts";
import { MemoryNode } from "../support/memory-node.ts";

function appWithMapper(lines: string[]) {
  const write = (line: string): void => {
    lines.push(line);
  };
  const logger = createJsonLogger({ level: "info", write, now: () => new Date(0) });
  const deps = { node: new MemoryNode(), limits: defaultLimits, logger, version: "test" };
  return new Elysia()
    .use(errorMapper(deps))
    .get("/typed", ({ query }) => query.count, { query: t.Object({ count: t.Numeric() }) })
    .get("/boom", () => {
      throw new Error("disk on fire");
    });
}

test("an Elysia validation failure is etcd's 400/209, never Elysia's 422", async () => {
  const response = await appWithMapper([]).handle(new Request("http://localhost/typed?count=x"));
  expect(response.status).toBe(400);
  expect(response.headers.get("x-etcd-index")).toBe("0");
  const body: unknown = await response.json();
  expect(body).toMatchObject({ errorCode: 209, message: "Invalid field", index: 0 });
});

test("an unexpected error is logged and answered as 500/300 Raft Internal Error", async () => {
  const lines: string[] = [];
  const response = await appWithMapper(lines).handle(new Request("http://localhost/boom"));
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({
    errorCode: 300,
    message: "Raft Internal Error",
    cause: "disk on fire",
    index: 0,
  });
  expect(lines.some((line) => line.includes("http.unexpected_error"))).toBe(true);
});

test("an unknown route is Go's 404 text, not Elysia's NOT_FOUND", async () => {
  const response = await appWithMapper([]).handle(new Request("http://localhost/elsewhere"));
  expect(response.status).toBe(404);
  expect(await response.text()).toBe("404 page not found\n");
});
