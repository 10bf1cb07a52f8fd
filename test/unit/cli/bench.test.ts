/**
 * cairn bench: argument parsing, the HTTP response framing of the raw transport, the closed-loop
 * engine on a virtual clock, and whole runs of both transports against a Bun.serve fake.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { parseBenchArgs } from "../../../src/cli/bench/bench-args.ts";
import { percentile, runBench } from "../../../src/cli/bench/run.ts";
import {
  type BenchConnection,
  type BenchRequest,
  createBenchConnection,
  parseHttpResponse,
} from "../../../src/cli/bench/transport.ts";
import { runCli } from "../../../src/cli/index.ts";

describe("parseBenchArgs", () => {
  test("defaults", () => {
    expect(parseBenchArgs([])).toMatchObject({
      endpoints: ["http://127.0.0.1:4001"],
      operation: "put",
      clients: 64,
      requests: undefined,
      durationS: 10,
      warmupS: 1,
      keys: 1000,
      valueBytes: 256,
      quorum: false,
      json: false,
      transport: "raw",
    });
  });

  test("every flag, in both dash styles", () => {
    const options = parseBenchArgs([
      "-endpoints=http://127.0.0.1:1,http://127.0.0.1:2",
      "--op",
      "mixed",
      "-clients",
      "3",
      "--requests=50",
      "--keys=10",
      "--value-bytes=0",
      "--quorum",
      "--json",
      "--transport=fetch",
      "--read-percent=90",
      "--warmup-s=0",
    ]);
    expect(options).toMatchObject({
      endpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2"],
      operation: "mixed",
      clients: 3,
      requests: 50,
      keys: 10,
      valueBytes: 0,
      quorum: true,
      json: true,
      transport: "fetch",
      readPercent: 90,
      warmupS: 0,
    });
  });

  test("bad values are usage errors naming the flag", () => {
    expect(() => parseBenchArgs(["--clients=0"])).toThrow('Invalid --clients "0"');
    expect(() => parseBenchArgs(["--endpoints=localhost:1"])).toThrow("Invalid --endpoints");
    expect(() => parseBenchArgs(["--transport=udp"])).toThrow("expected raw or fetch");
    expect(() => parseBenchArgs(["--bogus"])).toThrow("Unknown flag --bogus");
  });
});

describe("parseHttpResponse", () => {
  const bytes = (text: string): Buffer => Buffer.from(text, "latin1");

  test("frames a Content-Length response and leaves what follows", () => {
    const one = "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Etcd-Index: 4\r\n\r\nhello";
    expect(parseHttpResponse(bytes(one))).toEqual({ status: 201, size: one.length });
    expect(parseHttpResponse(bytes(`${one}HTTP/1.1`))?.size).toBe(one.length);
    expect(parseHttpResponse(bytes(one.slice(0, -1)))).toBeUndefined();
    expect(parseHttpResponse(bytes("HTTP/1.1 200 OK\r\nContent-"))).toBeUndefined();
  });

  test("frames a chunked response", () => {
    const head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const full = `${head}5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n`;
    expect(parseHttpResponse(bytes(full))).toEqual({ status: 200, size: full.length });
    expect(parseHttpResponse(bytes(full.slice(0, -2)))).toBeUndefined();
    expect(parseHttpResponse(bytes(`${head}5\r\nhel`))).toBeUndefined();
  });
});

describe("percentile", () => {
  test("uses the nearest rank", () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, index) => index + 1);
    expect(percentile(sorted, 0.5)).toBe(500);
    expect(percentile(sorted, 0.99)).toBe(990);
    expect(percentile(sorted, 0.999)).toBe(999);
    expect(percentile(new Float64Array(0), 0.5)).toBe(0);
  });
});

describe("runBench engine", () => {
  /** A connection whose every request takes 2 ms of virtual time; every 10th PUT fails. */
  function fakeWorld(): {
    now: () => number;
    connect: () => BenchConnection;
    sent: BenchRequest[];
  } {
    let nowMs = 0;
    const sent: BenchRequest[] = [];
    const connect = (): BenchConnection => ({
      send: async (request) => {
        const count = sent.push(request);
        await Promise.resolve();
        nowMs += 2;
        if (request.path === "/version") return 200;
        return count % 10 === 0 && request.method === "PUT" ? 500 : 200;
      },
      close: () => undefined,
    });
    return { now: () => nowMs, connect, sent };
  }

  test("runs exactly --requests measured requests after warm-up, with errors counted", async () => {
    const world = fakeWorld();
    const options = { ...parseBenchArgs(["--requests=200", "--clients=4", "--warmup-s=1"]) };
    const report = await runBench(options, { ...world, cpuTimeMs: () => 0 });
    expect(report.requests).toBe(200);
    expect(report.errors).toBeGreaterThan(0);
    expect(report.errors).toBeLessThan(40);
    expect(report.latencyMs.p50).toBeGreaterThanOrEqual(2);
    const puts = world.sent.filter((request) => request.method === "PUT");
    // Warm-up requests were sent but not measured.
    expect(puts.length).toBeGreaterThan(200);
    expect(puts[0]?.body).toBe(`value=${"x".repeat(256)}`);
  });

  test("get workloads write every key first and can ask for quorum reads", async () => {
    const world = fakeWorld();
    const options = parseBenchArgs([
      "--op=get",
      "--keys=5",
      "--requests=20",
      "--quorum",
      "--warmup-s=0",
    ]);
    const report = await runBench(options, { ...world, cpuTimeMs: () => 0 });
    const puts = world.sent.filter((request) => request.method === "PUT").map((r) => r.path);
    expect(new Set(puts)).toEqual(new Set([0, 1, 2, 3, 4].map((k) => `/v2/keys/bench/k${k}`)));
    const gets = world.sent.filter(
      (request) => request.method === "GET" && request.path !== "/version",
    );
    expect(gets.every((request) => request.path.endsWith("?quorum=true"))).toBe(true);
    expect(report.requests).toBe(20);
  });

  test("client loops are spread round-robin over the endpoints, each checked first", async () => {
    const world = fakeWorld();
    const endpoints: string[] = [];
    const sentBy = new Map<string, BenchRequest[]>();
    const connect = (endpoint: string): BenchConnection => {
      endpoints.push(endpoint);
      const connection = world.connect();
      return {
        send: (request) => {
          sentBy.set(endpoint, [...(sentBy.get(endpoint) ?? []), request]);
          return connection.send(request);
        },
        close: () => connection.close(),
      };
    };
    const urls = ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"];
    const options = parseBenchArgs([
      `--endpoints=${urls.join(",")}`,
      "--clients=7",
      "--requests=70",
      "--warmup-s=0",
    ]);
    await runBench(options, { ...world, connect, cpuTimeMs: () => 0 });
    // Client i talks to endpoint i mod 3, so a cluster's members share the load.
    expect(endpoints).toEqual([...urls, ...urls, urls[0] ?? ""]);
    for (const url of urls) {
      const requests = sentBy.get(url) ?? [];
      expect(requests[0]?.path).toBe("/version");
      expect(requests.filter((request) => request.method === "PUT").length).toBeGreaterThan(10);
    }
  });

  test("timed runs stop issuing at the end of the window", async () => {
    const world = fakeWorld();
    const options = parseBenchArgs(["--duration-s=1", "--warmup-s=0", "--clients=1"]);
    const report = await runBench(options, { ...world, cpuTimeMs: () => 0 });
    expect(report.requests).toBe(500);
    expect(report.durationS).toBeCloseTo(1, 2);
  });
});

describe("cairn bench against a fake server", () => {
  const writes: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/version") return Response.json({ etcdserver: "3.4.23" });
      if (request.method === "PUT") writes.push(await request.text());
      return Response.json({ action: "set" }, { status: request.method === "PUT" ? 201 : 200 });
    },
  });
  afterAll(() => server.stop(true));

  for (const transport of ["raw", "fetch"]) {
    test(`the ${transport} transport runs a workload and prints JSON`, async () => {
      const stdout: string[] = [];
      const status = await runCli(
        [
          "bench",
          `--endpoints=http://127.0.0.1:${server.port}`,
          "--op=mixed",
          "--clients=4",
          "--requests=300",
          "--warmup-s=0",
          `--transport=${transport}`,
          "--json",
        ],
        {
          env: {},
          stdout: (text) => stdout.push(text),
          stderr: () => undefined,
          cpuTimeMs: () => 0,
          serve: async () => undefined,
        },
      );
      expect(status).toBe(0);
      const report = JSON.parse(stdout.join("\n")) as {
        requests: number;
        errors: number;
        throughputPerS: number;
      };
      expect(report.requests).toBe(300);
      expect(report.errors).toBe(0);
      expect(report.throughputPerS).toBeGreaterThan(0);
    });
  }

  test("the raw transport reconnects after the server closes the connection", async () => {
    const connection = createBenchConnection("raw", `http://127.0.0.1:${server.port}`);
    expect(await connection.send({ method: "GET", path: "/version", body: "" })).toBe(200);
    connection.close();
    expect(await connection.send({ method: "PUT", path: "/v2/keys/r", body: "value=1" })).toBe(201);
    connection.close();
  });

  test("the raw transport rejects a request the server drops, then reconnects", async () => {
    let accepted = 0;
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: () => {
          accepted++;
        },
        data: (socket) => {
          if (accepted === 1) socket.end();
          else socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        },
      },
    });
    try {
      const connection = createBenchConnection("raw", `http://127.0.0.1:${listener.port}`);
      const request = { method: "GET", path: "/version", body: "" } as const;
      await expect(connection.send(request)).rejects.toThrow("Connection closed by the server");
      expect(await connection.send(request)).toBe(200);
      expect(accepted).toBe(2);
      connection.close();
    } finally {
      listener.stop(true);
    }
  });

  test("an unreachable endpoint fails the run with exit status 1", async () => {
    const stderr: string[] = [];
    const status = await runCli(["bench", "--endpoints=http://127.0.0.1:1", "--requests=1"], {
      env: {},
      stdout: () => undefined,
      stderr: (text) => stderr.push(text),
      cpuTimeMs: () => 0,
      serve: async () => undefined,
    });
    expect(status).toBe(1);
    expect(stderr[0]).toContain("Cannot reach http://127.0.0.1:1");
  });
});
