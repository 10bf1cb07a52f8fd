/**
 * Watches (v2-api-reference.md §6): long polls answered when the event arrives, the start index
 * header, recursive and hidden rules, directory removal, history with `waitIndex`, 401, streams,
 * and watchers removed when the client goes away or falls too far behind.
 */
import { expect, test } from "bun:test";
import { watchPreamble } from "../../src/http/keys/watch.ts";
import { defaultLimits } from "../../src/limits.ts";
import { currentIndex, get, pollUntil, put, send } from "../support/http-client.ts";
import {
  type HttpTarget,
  describeMatrix,
  inProcessDriver,
  nodeOf,
} from "../support/http-matrix.ts";

interface ChunkReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
  cancel(): Promise<void>;
}

/** Reads a streamed body line by line. */
class LineReader {
  readonly #reader: ChunkReader;
  readonly #decoder = new TextDecoder();
  #buffer = "";

  constructor(response: Response) {
    if (response.body === null) throw new Error("Watch response has no body");
    this.#reader = response.body.getReader();
  }

  /** The next line without its newline, or `null` at the end of the body. */
  async line(): Promise<string | null> {
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline !== -1) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        return line;
      }
      const { done, value } = await this.#reader.read();
      if (done) return null;
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

async function watchers(target: HttpTarget): Promise<number> {
  return Number((await get(target, "/v2/stats/store")).body["watchers"]);
}

describeMatrix("watches", (target) => {
  test("a long poll answers 200 and the start index at once, the event later", async () => {
    await put(target(), "/v2/keys/other", "value=x");
    const start = await currentIndex(target());
    const response = await target().send("/v2/keys/foo?wait=true");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-etcd-index")).toBe(String(start));
    expect(response.headers.get("x-raft-index")).not.toBeNull();
    expect(await watchers(target())).toBe(1);
    const write = await put(target(), "/v2/keys/foo", "value=bar");
    // A waiting watch starts with one space so that Bun flushes the headers (see watch.ts).
    expect(await response.text()).toBe(watchPreamble + write.text);
    expect(await watchers(target())).toBe(0);
  });

  test("a recursive watch sees children, a plain watch on a dir does not", async () => {
    await put(target(), "/v2/keys/dir/x", "value=1");
    const plain = new LineReader(await target().send("/v2/keys/dir?wait=true"));
    const recursivePath = "/v2/keys/dir?wait=true&recursive=true";
    const recursive = new LineReader(await target().send(recursivePath));
    await put(target(), "/v2/keys/dir/y", "value=2");
    expect(JSON.parse((await recursive.line()) ?? "")).toMatchObject({
      action: "set",
      node: { key: "/dir/y", value: "2" },
    });
    await send(target(), "DELETE", "/v2/keys/dir?recursive=true");
    expect(JSON.parse((await plain.line()) ?? "")).toMatchObject({
      action: "delete",
      node: { key: "/dir", dir: true },
    });
  });

  test("hidden keys do not wake a recursive watch; a watch on the key itself wakes", async () => {
    await put(target(), "/v2/keys/h/v", "value=1");
    const recursive = new LineReader(await target().send("/v2/keys/h?wait=true&recursive=true"));
    const direct = new LineReader(await target().send("/v2/keys/h/_x?wait=true"));
    await put(target(), "/v2/keys/h/_x", "value=hidden");
    expect(JSON.parse((await direct.line()) ?? "")).toMatchObject({ node: { key: "/h/_x" } });
    await put(target(), "/v2/keys/h/v", "value=2");
    expect(JSON.parse((await recursive.line()) ?? "")).toMatchObject({ node: { key: "/h/v" } });
  });

  test("a watch on /d/k is woken by the deletion of /d", async () => {
    await put(target(), "/v2/keys/d/k", "value=1");
    const response = await target().send("/v2/keys/d/k?wait=true");
    await send(target(), "DELETE", "/v2/keys/d?recursive=true");
    expect(JSON.parse(await response.text())).toMatchObject({
      action: "delete",
      node: { key: "/d", dir: true },
    });
  });

  test("waitIndex answers from history, skipping refreshes; header = current index", async () => {
    const v1 = await put(target(), "/v2/keys/hist", "value=v1&ttl=100");
    const first = Number(v1.headers.get("x-etcd-index"));
    await put(target(), "/v2/keys/hist", "ttl=200&refresh=true&prevExist=true");
    const v2 = await put(target(), "/v2/keys/hist", "value=v2");
    const fromFirst = await target().send(`/v2/keys/hist?wait=true&waitIndex=${first}`);
    expect(fromFirst.headers.get("x-etcd-index")).toBe(String(first + 2));
    expect(JSON.parse(await fromFirst.text())).toMatchObject({ node: { value: "v1" } });
    const fromRefresh = await target().send(`/v2/keys/hist?wait=true&waitIndex=${first + 1}`);
    expect(await fromRefresh.text()).toBe(v2.text);
  });

  test("a future waitIndex ignores events before it", async () => {
    const index = await currentIndex(target());
    const response = await target().send(`/v2/keys/fw?wait=true&waitIndex=${index + 2}`);
    await put(target(), "/v2/keys/fw", "value=early");
    const later = await put(target(), "/v2/keys/fw", "value=later");
    expect(await response.text()).toBe(watchPreamble + later.text);
  });

  test("waitIndex without wait=true is ignored", async () => {
    await put(target(), "/v2/keys/ww", "value=v");
    const reply = await get(target(), "/v2/keys/ww?waitIndex=1");
    expect(reply.body["action"]).toBe("get");
  });

  test("stream=true delivers every event as one line and keeps the watcher", async () => {
    const lines = new LineReader(await target().send("/v2/keys/s?wait=true&stream=true"));
    const writes = [];
    for (const value of ["a", "b", "c"]) {
      writes.push(await put(target(), "/v2/keys/s", `value=${value}`));
    }
    expect(`${await lines.line()}\n`).toBe(watchPreamble + writes[0]?.text);
    for (const write of writes.slice(1)) expect(`${await lines.line()}\n`).toBe(write.text);
    expect(await watchers(target())).toBe(1);
    await lines.cancel();
    await pollUntil(async () => (await watchers(target())) === 0, "the stream watcher to leave");
  });

  test("a client that disconnects removes its long-poll watcher", async () => {
    const response = await target().send("/v2/keys/gone?wait=true");
    expect(await watchers(target())).toBe(1);
    await response.body?.cancel();
    await pollUntil(async () => (await watchers(target())) === 0, "the watcher to leave");
  });

  test("an aborted request removes its watcher", async () => {
    const abort = new AbortController();
    await target().send("/v2/keys/ab?wait=true", { signal: abort.signal });
    expect(await watchers(target())).toBe(1);
    abort.abort();
    await pollUntil(async () => (await watchers(target())) === 0, "the watcher to leave");
  });
});

describeMatrix(
  "watch limits",
  (target) => {
    test("a waitIndex older than the history is 400/401 with the current index", async () => {
      for (let count = 0; count < 8; count += 1) {
        await put(target(), "/v2/keys/k", `value=${count}`);
      }
      const reply = await get(target(), "/v2/keys/k?wait=true&waitIndex=1");
      expect(reply.status).toBe(400);
      expect(reply.headers.get("x-etcd-index")).toBe("8");
      expect(reply.body).toEqual({
        errorCode: 401,
        message: "The event in requested index is outdated and cleared",
        cause: "the requested history has been cleared [4/1]",
        index: 8,
      });
    });

  },
  { limits: { ...defaultLimits, historyEventsMax: 5, watchEventsBufferedMax: 3 } },
);

// Only in-process can a client leave a body unread: over a socket, Bun moves every chunk into
// the kernel's buffers long before a few events could pile up.
describeMatrix(
  "slow stream",
  (target) => {
    test("a stream that falls more than watchEventsBufferedMax behind is ended", async () => {
      const response = await target().send("/v2/keys/slow?wait=true&stream=true");
      for (let count = 0; count < 10; count += 1) {
        await put(target(), "/v2/keys/slow", `value=${count}`);
      }
      expect(await watchers(target())).toBe(0);
      const lines = (await response.text()).split("\n").filter((line) => line !== "");
      expect(lines.length).toBeLessThanOrEqual(4);
      expect(lines.length).toBeGreaterThan(0);
    });
  },
  { limits: { ...defaultLimits, watchEventsBufferedMax: 3 }, drivers: [inProcessDriver] },
);

describeMatrix(
  "watch expiry",
  (target) => {
    test("expiry wakes a watcher with an expire event without value", async () => {
      const node = nodeOf(target());
      await put(target(), "/v2/keys/we/f", "value=v&ttl=1");
      const response = await target().send("/v2/keys/we/f?wait=true");
      node.clock.advance(1500);
      await node.sweep();
      const event = JSON.parse(await response.text()) as Record<string, unknown>;
      expect(event["action"]).toBe("expire");
      expect(event["node"]).not.toHaveProperty("value");
      expect(event["prevNode"]).toMatchObject({ value: "v" });
      expect(event["prevNode"]).not.toHaveProperty("ttl");
    });
  },
  { needsNode: true },
);

describeMatrix(
  "a member cut off from its leader",
  (target) => {
    test("refuses new watches with 301 instead of letting them wait silently", async () => {
      const node = nodeOf(target());
      node.leaderLost = true;
      const refused = await target().send("/v2/keys/w?wait=true");
      const body = JSON.parse(await refused.text()) as Record<string, unknown>;
      expect(body).toMatchObject({ errorCode: 301, message: "During Leader Election" });
      expect(await watchers(target())).toBe(0);
      // Plain reads are still served from the local store, as etcd does.
      expect((await target().send("/v2/keys/")).status).toBe(200);
      node.leaderLost = false;
    });
  },
  { needsNode: true },
);
