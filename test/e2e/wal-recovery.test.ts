/**
 * Recovery of the compiled binary from damaged WALs: a torn tail (an unacknowledged write cut
 * short by a crash) is repaired on start; damage in the middle of the log refuses to start with
 * a message naming the file, because truncating there would lose acknowledged writes.
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  binaryPath,
  freePort,
  killAll,
  removeDir,
  startServer,
} from "../support/server-process.ts";

const dirs: string[] = [];
afterAll(async () => {
  await killAll();
  for (const dir of dirs) removeDir(dir);
});

async function writeKeys(base: string, count: number, prefix = "k"): Promise<void> {
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${base}/v2/keys/${prefix}${index}`, {
      method: "PUT",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `value=${"v".repeat(200)}${index}`,
    });
    expect(response.status).toBe(201);
  }
}

function onlySegment(dataDir: string): string {
  const walDir = join(dataDir, "member", "wal");
  const segments = readdirSync(walDir).filter((name) => name.endsWith(".wal"));
  expect(segments).toHaveLength(1);
  return join(walDir, segments[0] ?? "");
}

test("a torn WAL tail is cut off on start and every complete write survives", async () => {
  const server = await startServer();
  dirs.push(server.dataDir);
  await writeKeys(server.clientUrl, 20);
  await server.stop("SIGKILL");
  const segment = onlySegment(server.dataDir);
  // Cut the last record short, as a crash in the middle of a write would (the WAL preallocates
  // zeros after its records, so the records end at the last non-zero byte).
  const dataEnd = readFileSync(segment).findLastIndex((byte) => byte !== 0) + 1;
  truncateSync(segment, dataEnd - 40);
  const restarted = await startServer({ dataDir: server.dataDir });
  let present = 0;
  for (let index = 0; index < 20; index++) {
    const response = await fetch(`${restarted.clientUrl}/v2/keys/k${index}`);
    if (response.status === 200) present += 1;
  }
  // Only the last record was torn; what it held may be gone, nothing before it.
  expect(present).toBeGreaterThanOrEqual(19);
  expect((await fetch(`${restarted.clientUrl}/v2/keys/k0`)).status).toBe(200);
  // The repaired log takes new writes.
  await writeKeys(restarted.clientUrl, 1, "after");
  await restarted.stop();
});

test("a corrupted record in the middle of the WAL refuses to start, naming the file", async () => {
  const server = await startServer();
  dirs.push(server.dataDir);
  await writeKeys(server.clientUrl, 20);
  await server.stop("SIGTERM");
  const segment = onlySegment(server.dataDir);
  const bytes = readFileSync(segment);
  // The middle of the records, not of the file: the WAL preallocates zeros after its data.
  const dataEnd = bytes.findLastIndex((byte) => byte !== 0) + 1;
  const middle = Math.floor(dataEnd / 2);
  bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
  writeFileSync(segment, bytes);
  const child = Bun.spawn(
    [binaryPath, "--data-dir", server.dataDir, "--listen-client-urls", `http://127.0.0.1:${freePort()}`],
    { stdout: "pipe", stderr: "pipe" },
  );
  expect(await child.exited).toBe(1);
  const stderr = await new Response(child.stderr).text();
  expect(stderr).toContain("Cannot open WAL");
  expect(stderr).toContain(segment.split("/").at(-1) ?? "");
}, 30_000);
