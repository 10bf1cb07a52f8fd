import { afterAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DataDirLockedError,
  LockHeldError,
  createRealFileSystem,
  openDataDir,
} from "../../../src/storage/index.ts";
import { loadFlock } from "../../../src/storage/fs/flock.ts";

const realFsModule = join(import.meta.dir, "../../../src/storage/fs/real.ts");
const flockModule = join(import.meta.dir, "../../../src/storage/fs/flock.ts");
const directories: string[] = [];

afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "cairn-lock-"));
  directories.push(directory);
  return directory;
}

/** A program that takes the lock on argv[2], reports how, and then holds it until killed. */
function holderSource(): string {
  return [
    `import { createRealFileSystem } from ${JSON.stringify(realFsModule)};`,
    `import { loadFlock } from ${JSON.stringify(flockModule)};`,
    "const path = process.argv[2] ?? process.argv[1];",
    "await createRealFileSystem().lockExclusive(path);",
    'process.stdout.write(`locked ${loadFlock() === null ? "pidfile" : "flock"}\\n`);',
    "setInterval(() => {}, 1 << 30);",
  ].join("\n");
}

/** Reads the child's stdout until `marker` appears or the deadline passes. */
async function waitForOutput(child: Subprocess<"ignore", "pipe", "pipe">, marker: string) {
  const deadline = Date.now() + 20_000;
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes(marker)) {
    if (Date.now() > deadline) throw new Error(`child never printed ${marker}: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`child exited before printing ${marker}: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text;
}

/** Tries to take the lock until it succeeds or the deadline passes. */
async function lockWithin(path: string, deadlineMs: number): Promise<void> {
  const fs = createRealFileSystem();
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await (await fs.lockExclusive(path)).release();
      return;
    } catch (error) {
      if (!(error instanceof LockHeldError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

async function checkHolder(command: string[], lockPath: string): Promise<string> {
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  try {
    const output = await waitForOutput(child, "locked");
    const fs = createRealFileSystem();
    await expect(fs.lockExclusive(lockPath)).rejects.toThrow(LockHeldError);
    return output;
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
}

describe("data-dir lock on the real disk", () => {
  test("flock is available through bun:ffi", () => {
    expect(loadFlock()).not.toBeNull();
  });

  test("a second handle in the same process is refused until the first is released", async () => {
    const path = join(await temporaryDirectory(), "LOCK");
    const fs = createRealFileSystem();
    const lock = await fs.lockExclusive(path);
    await expect(fs.lockExclusive(path)).rejects.toThrow(LockHeldError);
    await lock.release();
    await (await fs.lockExclusive(path)).release();
  });

  test("a lock whose handle object is garbage collected stays held", async () => {
    const path = join(await temporaryDirectory(), "LOCK");
    const fs = createRealFileSystem();
    await fs.lockExclusive(path);
    Bun.gc(true);
    await expect(fs.lockExclusive(path)).rejects.toThrow(LockHeldError);
  });

  test("another process is refused; the lock frees itself when it is killed", async () => {
    const directory = await temporaryDirectory();
    const lockPath = join(directory, "LOCK");
    const source = join(directory, "holder.ts");
    await writeFile(source, holderSource());
    const output = await checkHolder([process.execPath, source, lockPath], lockPath);
    expect(output).toContain("locked flock");
    await lockWithin(lockPath, 10_000);
  });

  test("openDataDir names the data dir another process holds", async () => {
    const directory = await temporaryDirectory();
    const dataDir = join(directory, "data");
    const lockPath = join(dataDir, "LOCK");
    const child = Bun.spawn([process.execPath, "-e", holderSource(), "--", lockPath], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      await Bun.write(join(dataDir, ".keep"), "");
      await waitForOutput(child, "locked");
      const options = { fs: createRealFileSystem(), path: dataDir };
      const opening = openDataDir({ ...options, segmentBytes: 1 << 20, frameBytesMax: 1 << 16 });
      const error = await opening.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataDirLockedError);
      expect(String(error)).toContain(`Cannot open data dir ${dataDir}: it is in use by another`);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
    const opened = await openDataDir({
      fs: createRealFileSystem(),
      path: dataDir,
      segmentBytes: 1 << 20,
      frameBytesMax: 1 << 16,
    });
    await opened.close();
  });

  test("the lock works the same inside a bun build --compile binary", async () => {
    const directory = await temporaryDirectory();
    const source = join(directory, "holder.ts");
    const binary = join(directory, "holder");
    await writeFile(source, holderSource());
    const build = Bun.spawnSync([
      process.execPath,
      "build",
      "--compile",
      source,
      "--outfile",
      binary,
    ]);
    expect(build.exitCode).toBe(0);
    const lockPath = join(directory, "LOCK");
    const output = await checkHolder([binary, lockPath], lockPath);
    expect(output).toContain("locked flock");
    await lockWithin(lockPath, 10_000);
  }, 60_000);

  test("the pid-file fallback refuses a live holder and takes over from a dead one", async () => {
    const path = join(await temporaryDirectory(), "LOCK");
    const fs = createRealFileSystem({ pidFileLock: true });
    const lock = await fs.lockExclusive(path);
    await expect(fs.lockExclusive(path)).rejects.toThrow(LockHeldError);
    await lock.release();
    const dead = Bun.spawnSync([process.execPath, "-e", "0"]);
    expect(dead.exitCode).toBe(0);
    await writeFile(path, `${dead.pid}\n`);
    await (await fs.lockExclusive(path)).release();
  });
});
