/**
 * cairn check: which answers are definite, indeterminate or failed (no effect), driven through
 * the real EtcdClient with a fake fetch; and that writes never ride a kept-alive connection.
 */
import { describe, expect, test } from "bun:test";
import type { EtcdInput } from "../../../src/check/index.ts";
import {
  classifyError,
  performOperation,
} from "../../../src/cli/check/classify.ts";
import { EtcdClient } from "../../../src/client/index.ts";

const set: EtcdInput = { kind: "set", key: "/k", value: "v1" };
const get: EtcdInput = { kind: "get", key: "/k" };
const cas: EtcdInput = { kind: "compareAndSwap", key: "/k", prevValue: "v0", value: "v2" };
const create: EtcdInput = { kind: "create", key: "/k", value: "v3" };
const remove: EtcdInput = { kind: "delete", key: "/k" };

function respond(status: number, body: unknown, etcdIndex = 9): typeof fetch {
  const answer = (): Promise<Response> =>
    Promise.resolve(
      new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json", "x-etcd-index": String(etcdIndex) },
      }),
    );
  return Object.assign(answer, { preconnect: fetch.preconnect });
}

function failWith(error: Error): typeof fetch {
  return Object.assign(() => Promise.reject(error), { preconnect: fetch.preconnect });
}

function codeError(code: string): Error {
  return Object.assign(new TypeError(`${code}: fake`), { code });
}

function etcdError(errorCode: number, index = 9): Record<string, unknown> {
  return { errorCode, message: `error ${errorCode}`, cause: "/k", index };
}

async function classify(input: EtcdInput, fake: typeof fetch, timeoutMs = 1000) {
  const client = new EtcdClient({ endpoints: ["http://127.0.0.1:1"], fetch: fake, timeoutMs });
  return performOperation(client, input, true);
}

describe("definite outcomes", () => {
  test("a successful write carries node.modifiedIndex", async () => {
    const body = { action: "set", node: { key: "/k", value: "v1", modifiedIndex: 7 } };
    expect(await classify(set, respond(201, body, 7))).toEqual({
      kind: "definite",
      output: { outcome: "ok", index: 7 },
    });
  });

  test("a successful quorum get carries X-Etcd-Index and the node's modifiedIndex", async () => {
    const body = { action: "get", node: { key: "/k", value: "v1", modifiedIndex: 4 } };
    expect(await classify(get, respond(200, body, 12))).toEqual({
      kind: "definite",
      output: { outcome: "ok", value: "v1", index: 12, modifiedIndex: 4 },
    });
  });

  test("100, 101 and 105 are definite failures of the model", async () => {
    expect(await classify(get, respond(404, etcdError(100, 3), 3))).toEqual({
      kind: "definite",
      output: { outcome: "notFound", index: 3 },
    });
    expect(await classify(cas, respond(412, etcdError(101)))).toEqual({
      kind: "definite",
      output: { outcome: "compareFailed", index: 9 },
    });
    expect(await classify(create, respond(412, etcdError(105)))).toEqual({
      kind: "definite",
      output: { outcome: "exists", index: 9 },
    });
  });
});

describe("indeterminate and failed outcomes", () => {
  test("5xx etcd errors (300, 301) leave a write indeterminate and drop a read", async () => {
    for (const code of [300, 301]) {
      const fake = respond(500, etcdError(code));
      expect((await classify(set, fake)).kind).toBe("indeterminate");
      expect((await classify(remove, fake)).kind).toBe("indeterminate");
      expect((await classify(get, fake)).kind).toBe("failed");
    }
    expect((await classify(set, respond(502, "bad gateway"))).kind).toBe("indeterminate");
  });

  test("a timeout leaves a write indeterminate and drops a read", async () => {
    const never: typeof fetch = Object.assign(
      (_input: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
      { preconnect: fetch.preconnect },
    );
    expect(await classify(set, never, 30)).toEqual({ kind: "indeterminate", reason: "timeout" });
    expect(await classify(get, never, 30)).toEqual({ kind: "failed", reason: "timeout" });
  });

  test("a connection lost after sending leaves a write indeterminate", async () => {
    const reset = failWith(codeError("ECONNRESET"));
    expect(await classify(cas, reset)).toMatchObject({ kind: "indeterminate" });
    expect(await classify(get, reset)).toMatchObject({ kind: "failed" });
  });

  test("a connection refused by every endpoint had no effect", async () => {
    for (const code of ["ECONNREFUSED", "ConnectionRefused"]) {
      expect(await classify(set, failWith(codeError(code)))).toEqual({
        kind: "failed",
        reason: "connection refused by every endpoint",
      });
    }
  });

  test("a 4xx rejection other than 100, 101 and 105 had no effect", async () => {
    expect(await classify(set, respond(400, etcdError(209)))).toMatchObject({ kind: "failed" });
    expect(await classify(set, respond(404, "404 page not found"))).toMatchObject({
      kind: "failed",
    });
  });

  test("anything unexpected leaves a write indeterminate", () => {
    expect(classifyError(set, new SyntaxError("bad json")).kind).toBe("indeterminate");
    expect(classifyError(get, new SyntaxError("bad json")).kind).toBe("failed");
  });

  test("a get answered without a value observed nothing", async () => {
    const body = { action: "get", node: { key: "/k", dir: true } };
    expect((await classify(get, respond(200, body))).kind).toBe("failed");
  });
});

