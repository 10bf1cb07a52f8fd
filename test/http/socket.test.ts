/**
 * The app behind a real `Bun.serve` socket: raw request lines keep `//` and `%2F` as sent, long
 * polls flush their headers before any event, and a client that closes its connection removes
 * its watcher.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { type Listening, createApp, listen } from "../../src/http/index.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { defaultLimits } from "../../src/limits.ts";
import { pollUntil } from "../support/http-client.ts";
import { MemoryNode } from "../support/memory-node.ts";

/** A raw client connection that collects everything the server sends. */
class RawConnection {
  received = "";
  closed = false;
  #socket: { write(data: string): number; end(): void } | null = null;

  static async open(port: number): Promise<RawConnection> {
    const connection = new RawConnection();
    connection.#socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_socket, data) => {
          connection.received += new TextDecoder().decode(data);
        },
        close: () => {
          connection.closed = true;
        },
        error: () => {
          connection.closed = true;
        },
      },
    });
    return connection;
  }

  send(text: string): void {
    this.#socket?.write(text);
  }

  close(): void {
    this.#socket?.end();
  }

  async waitFor(text: string): Promise<void> {
    await pollUntil(() => this.received.includes(text), `"${text}" from the server`, 5000);
  }
}

let node: MemoryNode;
let server: Listening;

beforeEach(() => {
  node = new MemoryNode();
  const app = createApp({ node, limits: defaultLimits, logger: silentLogger, version: "test" });
  server = listen(app, { hostname: "127.0.0.1", port: 0 });
});

afterEach(async () => {
  await server.stop();
});

function request(line: string, headers = ""): string {
  return `${line}\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`;
}

test("a raw GET /v2/keys/a//b is redirected: Bun keeps // in request.url", async () => {
  const connection = await RawConnection.open(server.port);
  connection.send(request("GET /v2/keys/a//b?x=1 HTTP/1.1"));
  await pollUntil(() => connection.closed, "the response to end", 5000);
  expect(connection.received).toStartWith("HTTP/1.1 301");
  expect(connection.received).toContain("Location: /v2/keys/a/b?x=1");
});

test("a short Host header (Elysia routes by URL offset) still reaches the key space", async () => {
  for (const host of ["x", "kv", "db1"]) {
    const connection = await RawConnection.open(server.port);
    const head = `GET /v2/keys/?recursive=true HTTP/1.1\r\nHost: ${host}\r\n`;
    connection.send(`${head}Connection: close\r\n\r\n`);
    await pollUntil(() => connection.closed, "the response to end", 5000);
    expect(connection.received).toStartWith("HTTP/1.1 200");
    expect(connection.received).toContain('{"action":"get","node":{"dir":true}}');
  }
});

test("a raw PUT /v2/keys/x%2Fy writes the nested key /x/y", async () => {
  const connection = await RawConnection.open(server.port);
  const body = "value=v";
  const headers =
    `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n`;
  connection.send(request("PUT /v2/keys/x%2Fy HTTP/1.1", headers) + body);
  await pollUntil(() => connection.closed, "the response to end", 5000);
  expect(connection.received).toStartWith("HTTP/1.1 201");
  expect(connection.received).toContain('"key":"/x/y"');
});

test("a long poll sends chunked headers at once and the event when it happens", async () => {
  const connection = await RawConnection.open(server.port);
  connection.send(request("GET /v2/keys/lp?wait=true HTTP/1.1"));
  await connection.waitFor("\r\n\r\n");
  expect(connection.received).toStartWith("HTTP/1.1 200");
  expect(connection.received.toLowerCase()).toContain("transfer-encoding: chunked");
  expect(connection.received).not.toContain('"action"');
  await node.propose({ op: "set", key: "/lp", value: "v", dir: false, ttlSeconds: null,
    refresh: false });
  await connection.waitFor('"action":"set"');
  await pollUntil(() => connection.closed, "the long poll to end", 5000);
  expect(node.store.stats().watchers).toBe(0);
});

test("closing the connection during a long poll removes the watcher", async () => {
  const connection = await RawConnection.open(server.port);
  connection.send(request("GET /v2/keys/gone?wait=true HTTP/1.1"));
  await connection.waitFor("\r\n\r\n");
  expect(node.store.stats().watchers).toBe(1);
  connection.close();
  await pollUntil(() => node.store.stats().watchers === 0, "the watcher to leave", 5000);
});

test("closing the connection of a stream removes the watcher", async () => {
  const connection = await RawConnection.open(server.port);
  connection.send(request("GET /v2/keys/st?wait=true&stream=true HTTP/1.1"));
  await connection.waitFor("\r\n\r\n");
  await node.propose({ op: "set", key: "/st", value: "1", dir: false, ttlSeconds: null,
    refresh: false });
  await connection.waitFor('"value":"1"');
  expect(node.store.stats().watchers).toBe(1);
  connection.close();
  await pollUntil(() => node.store.stats().watchers === 0, "the watcher to leave", 5000);
});
