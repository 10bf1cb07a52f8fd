/**
 * cairn check: whole workloads against an in-memory fake etcd behind a fake fetch — correct
 * (the check passes, every operation kind is exercised) and serving stale quorum reads (the
 * check must say illegal).
 */
import { describe, expect, test } from "bun:test";
import { checkEtcdHistory } from "../../../src/check/index.ts";
import { runWorkload, type WorkloadSettings } from "../../../src/cli/check/workload.ts";

interface Stored {
  readonly value: string;
  readonly modifiedIndex: number;
}

/** A single-node etcd v2 key space; `stale` makes GETs answer the value before the last write. */
function fakeEtcd(options: { stale: boolean }): typeof fetch {
  const keys = new Map<string, Stored>();
  const previous = new Map<string, Stored | undefined>();
  let index = 1;
  const answer = (status: number, body: unknown): Response =>
    new Response(JSON.stringify(body), { status, headers: { "x-etcd-index": String(index) } });
  const fail = (errorCode: number, status: number): Response =>
    answer(status, { errorCode, message: `error ${errorCode}`, index });
  const handle = (url: URL, method: string, form: URLSearchParams): Response => {
    const key = decodeURIComponent(url.pathname.replace(/^\/v2\/keys/, ""));
    const current = keys.get(key);
    const prevValue = form.get("prevValue") ?? url.searchParams.get("prevValue");
    if (method === "GET") {
      const seen = options.stale && previous.has(key) ? previous.get(key) : current;
      if (seen === undefined) return fail(100, 404);
      return answer(200, { action: "get", node: { key, ...seen } });
    }
    if (form.get("prevExist") === "false" && current !== undefined) return fail(105, 412);
    if (prevValue !== null && current === undefined) return fail(100, 404);
    if (prevValue !== null && current?.value !== prevValue) return fail(101, 412);
    if (method === "DELETE" && current === undefined) return fail(100, 404);
    index++;
    previous.set(key, current);
    if (method === "DELETE") {
      keys.delete(key);
      return answer(200, { action: "delete", node: { key, modifiedIndex: index } });
    }
    const stored = { value: form.get("value") ?? "", modifiedIndex: index };
    keys.set(key, stored);
    return answer(200, { action: "set", node: { key, ...stored } });
  };
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    await Bun.sleep(0);
    const form = new URLSearchParams(typeof init?.body === "string" ? init.body : "");
    return handle(new URL(String(input)), init?.method ?? "GET", form);
  };
  return Object.assign(fake, { preconnect: fetch.preconnect });
}

function settings(operations: number): WorkloadSettings {
  return {
    endpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2"],
    clients: 6,
    keys: 2,
    durationS: 30,
    operations,
    seed: 11,
    timeoutMs: 1000,
    runId: "run",
    directory: "/cairn-check/run",
  };
}

const environment = (fake: typeof fetch) => ({
  now: () => performance.now(),
  sleep: (milliseconds: number) => Bun.sleep(milliseconds),
  fetch: fake,
});

describe("the workload", () => {
  test("against a correct store: every kind of operation, unique values, passing", async () => {
    const result = await runWorkload(settings(600), environment(fakeEtcd({ stale: false })));
    expect(result.history).toHaveLength(600);
    const kinds = new Set(result.history.map((operation) => operation.input.kind));
    expect([...kinds].sort()).toEqual([
      "compareAndDelete",
      "compareAndSwap",
      "create",
      "delete",
      "get",
      "set",
    ]);
    const values = result.history.flatMap((operation) =>
      "value" in operation.input ? [operation.input.value] : [],
    );
    expect(new Set(values).size).toBe(values.length);
    const casOk = result.history.filter(
      (operation) =>
        operation.input.kind === "compareAndSwap" &&
        "outcome" in operation.output &&
        operation.output.outcome === "ok",
    );
    expect(casOk.length).toBeGreaterThan(0);
    for (const operation of result.history) {
      expect(operation.returnTime).toBeGreaterThanOrEqual(operation.callTime);
    }
    expect(checkEtcdHistory(result.history).result).toBe("ok");
  });

  test("against a store serving stale reads: illegal", async () => {
    const result = await runWorkload(settings(400), environment(fakeEtcd({ stale: true })));
    expect(checkEtcdHistory(result.history).result).toBe("illegal");
  });

  test("a refused connection is dropped, and the run still ends", async () => {
    const refused = Object.assign(
      () => Promise.reject(Object.assign(new TypeError("refused"), { code: "ECONNREFUSED" })),
      { preconnect: fetch.preconnect },
    );
    const result = await runWorkload(settings(20), environment(refused));
    expect(result.history).toEqual([]);
    expect(result.failedByReason).toEqual({ "connection refused by every endpoint": 20 });
  });
});
