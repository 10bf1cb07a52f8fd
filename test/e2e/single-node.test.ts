/**
 * The compiled binary as a real process: serving, restarting with everything intact, refusing
 * a second process on its data dir, and stopping cleanly on SIGTERM.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  binaryPath,
  killAll,
  removeDir,
  startServer,
  tempDir,
} from "../support/server-process.ts";

const dirs: string[] = [];
afterAll(async () => {
  await killAll();
  for (const dir of dirs) removeDir(dir);
});

async function put(base: string, key: string, body: string): Promise<Response> {
  return fetch(`${base}/v2/keys${key}`, {
    method: "PUT",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

/** The environment a running process was given at its last `execve` (Linux /proc). */
function environmentOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  return new Map(
    entries.filter((entry) => entry.includes("=")).map((entry) => {
      const at = entry.indexOf("=");
      return [entry.slice(0, at), entry.slice(at + 1)] as const;
    }),
  );
}

describe("the cairn binary", () => {
  test("serves writes and reads with etcd's headers", async () => {
    const server = await startServer();
    dirs.push(server.dataDir);
    const created = await put(server.clientUrl, "/message", "value=Hello+world");
    expect(created.status).toBe(201);
    expect(created.headers.get("x-etcd-index")).not.toBeNull();
    expect(Number(created.headers.get("x-raft-term"))).toBeGreaterThanOrEqual(1);
    expect(created.headers.get("x-etcd-cluster-id")).toMatch(/^[0-9a-f]{1,16}$/);
    const read = await fetch(`${server.clientUrl}/v2/keys/message`);
    const body = (await read.json()) as { node: { value: string } };
    expect(body.node.value).toBe("Hello world");
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  test("a restart keeps keys, indexes, TTL deadlines and the event history", async () => {
    const first = await startServer();
    dirs.push(first.dataDir);
    await put(first.clientUrl, "/keep/a", "value=1");
    type NodeBody = { node: { expiration: string; modifiedIndex: number } };
    const ttlResponse = await put(first.clientUrl, "/keep/ttl", "value=t&ttl=600");
    const ttl = (await ttlResponse.json()) as NodeBody;
    await fetch(`${first.clientUrl}/v2/keys/keep/a`, { method: "DELETE" });
    const before = await (await fetch(`${first.clientUrl}/v2/keys/keep?recursive=true`)).text();
    const indexBefore = (await fetch(`${first.clientUrl}/v2/keys/keep`)).headers.get(
      "x-etcd-index",
    );
    await first.stop("SIGKILL");

    const second = await startServer({ dataDir: first.dataDir });
    const after = await (await fetch(`${second.clientUrl}/v2/keys/keep?recursive=true`)).text();
    const stripTtl = (text: string): string => text.replace(/"ttl":\d+,?/g, "");
    expect(stripTtl(after)).toBe(stripTtl(before));
    const reread = (await (await fetch(`${second.clientUrl}/v2/keys/keep/ttl`)).json()) as NodeBody;
    expect(reread.node.expiration).toBe(ttl.node.expiration);
    const history = await fetch(
      `${second.clientUrl}/v2/keys/keep/a?wait=true&waitIndex=${ttl.node.modifiedIndex - 1}`,
    );
    expect(((await history.json()) as { action: string }).action).toBe("set");
    expect((await fetch(`${second.clientUrl}/v2/keys/keep`)).headers.get("x-etcd-index")).toBe(
      indexBefore,
    );
    await second.stop();
  });

  test("a restart from a snapshot plus the WAL after it keeps every write", async () => {
    const first = await startServer({ extraArgs: ["--snapshot-count", "7"] });
    dirs.push(first.dataDir);
    for (let index = 0; index < 40; index++) {
      expect((await put(first.clientUrl, `/snap/k${index}`, `value=v${index}`)).status).toBe(201);
    }
    const before = await (await fetch(`${first.clientUrl}/v2/keys/snap?recursive=true`)).text();
    await first.stop("SIGKILL");
    const snapDir = `${first.dataDir}/member/snap`;
    const snapshots = Array.from(new Bun.Glob("*.snap").scanSync(snapDir));
    // Snapshots were taken and old ones purged: two are kept, three for a moment if the kill
    // landed between writing a new one and purging the oldest.
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    expect(snapshots.length).toBeLessThanOrEqual(3);
    const second = await startServer({
      dataDir: first.dataDir,
      extraArgs: ["--snapshot-count", "7"],
    });
    const after = await (await fetch(`${second.clientUrl}/v2/keys/snap?recursive=true`)).text();
    expect(after).toBe(before);
    expect((await put(second.clientUrl, "/snap/after", "value=1")).status).toBe(201);
    await second.stop();
  });

  test("a second process on the same data dir is refused with a clear error", async () => {
    const server = await startServer();
    dirs.push(server.dataDir);
    const intruder = Bun.spawn(
      [binaryPath, "--data-dir", server.dataDir, "--listen-client-urls", "http://127.0.0.1:1"],
      { stdout: "pipe", stderr: "pipe" },
    );
    expect(await intruder.exited).not.toBe(0);
    expect(await new Response(intruder.stderr).text()).toContain("in use by another cairn");
    expect((await fetch(`${server.clientUrl}/health`)).ok).toBe(true);
    await server.stop();
  });

  test.each([
    ["runs with its allocator settings, in the process that was started", {}, "1000"],
    ["an allocator setting from the environment wins over cairn's", { MIMALLOC_PURGE_DELAY: "250" },
      "250"],
  ])("%s", async (_name, env: Record<string, string>, purgeDelay) => {
    const server = await startServer({ env });
    dirs.push(server.dataDir);
    const environment = environmentOf(server.process.pid);
    expect(environment.get("MIMALLOC_PURGE_DELAY")).toBe(purgeDelay);
    expect(environment.get("MIMALLOC_PURGE_HOLES")).toBe("0");
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  test("--version prints the version and exits 0", async () => {
    const child = Bun.spawn([binaryPath, "--version"], { stdout: "pipe" });
    expect(await child.exited).toBe(0);
    expect(await new Response(child.stdout).text()).toMatch(/^cairn \d+\.\d+\.\d+/);
  });

  test("an unknown flag exits 2 and names the flag", async () => {
    const dir = tempDir("flags");
    dirs.push(dir);
    const child = Bun.spawn([binaryPath, "--data-dir", dir, "--no-such-flag"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await child.exited).toBe(2);
    expect(await new Response(child.stderr).text()).toContain("no-such-flag");
  });
});
