import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { createPrng } from "../../../src/lib/prng.ts";
import type { Snapshot } from "../../../src/raft/types.ts";
import {
  type FileSystem,
  SimulatedFileSystem,
  createRealFileSystem,
} from "../../../src/storage/fs/index.ts";
import { SnapshotStore, snapshotFileName } from "../../../src/storage/snapshot/index.ts";

const snapDir = "/data/member/snap";
const frameBytesMax = 1 << 20;

function snapshot(term: number, index: number, size = 100): Snapshot {
  const data = Uint8Array.from({ length: size }, (_, position) => (position * index + term) & 0xff);
  const confState = { voters: [1n, 2n, 0xffff_ffff_ffff_ffffn], learners: [] };
  return { metadata: { term, index, confState }, data };
}

async function diskWithSnapDir(): Promise<SimulatedFileSystem> {
  const fs = new SimulatedFileSystem();
  await fs.mkdirp(snapDir);
  for (const dir of ["/", "/data", "/data/member"]) await fs.fsyncDir(dir);
  return fs;
}

function store(fs: FileSystem, dir = snapDir): SnapshotStore {
  return new SnapshotStore({ fs, dir, frameBytesMax });
}

describe("SnapshotStore", () => {
  test("a saved snapshot loads back byte-exact", async () => {
    const fs = await diskWithSnapDir();
    const saved = snapshot(3, 120, 5000);
    await store(fs).save(saved);
    expect(await fs.readdir(snapDir)).toEqual([snapshotFileName(3, 120)]);
    expect(await store(fs).loadNewest()).toEqual(saved);
  });

  test("the newest snapshot wins, by index then term", async () => {
    const fs = await diskWithSnapDir();
    for (const [term, index] of [[1, 10], [2, 30], [2, 20]] as const) {
      await store(fs).save(snapshot(term, index));
    }
    expect((await store(fs).loadNewest())?.metadata.index).toBe(30);
  });

  test("a saved snapshot survives a crash; an unfinished save stays invisible", async () => {
    const fs = await diskWithSnapDir();
    await store(fs).save(snapshot(1, 10));
    let renames = 0;
    fs.setFaultHook((operation) => (operation === "rename" && ++renames === 1 ? "EIO" : null));
    await expect(store(fs).save(snapshot(1, 20))).rejects.toThrow("EIO");
    fs.setFaultHook(null);
    fs.crash(createPrng(5));
    expect((await store(fs).loadNewest())?.metadata.index).toBe(10);
  });

  test("a damaged newest snapshot is renamed .broken and the next one is loaded", async () => {
    const fs = await diskWithSnapDir();
    await store(fs).save(snapshot(1, 10));
    await store(fs).save(snapshot(1, 20, 3000));
    fs.corruptByte(posix.join(snapDir, snapshotFileName(1, 20)), 2000, 0x10);
    const loaded = await store(fs).loadNewest();
    expect(loaded).toEqual(snapshot(1, 10));
    expect((await fs.readdir(snapDir)).sort()).toEqual([
      snapshotFileName(1, 10),
      `${snapshotFileName(1, 20)}.broken`,
    ]);
  });

  test("truncated, empty and misnamed snapshot files are all treated as broken", async () => {
    const fs = await diskWithSnapDir();
    await store(fs).save(snapshot(1, 5));
    const good = await fs.readFile(posix.join(snapDir, snapshotFileName(1, 5)));
    const files: [string, Uint8Array][] = [
      [snapshotFileName(1, 6), good.slice(0, good.byteLength - 1)],
      [snapshotFileName(1, 7), new Uint8Array(0)],
      [snapshotFileName(1, 8), good],
    ];
    for (const [name, bytes] of files) {
      const handle = await fs.open(posix.join(snapDir, name), "createExclusive");
      await handle.write(bytes, 0);
      await handle.close();
    }
    expect(await store(fs).loadNewest()).toEqual(snapshot(1, 5));
    const broken = (await fs.readdir(snapDir)).filter((name) => name.endsWith(".broken"));
    expect(broken).toHaveLength(3);
  });

  test("loadNewest skips snapshots the caller does not accept", async () => {
    const fs = await diskWithSnapDir();
    await store(fs).save(snapshot(1, 10));
    await store(fs).save(snapshot(1, 20));
    const loaded = await store(fs).loadNewest((name) => name.index === 10);
    expect(loaded?.metadata.index).toBe(10);
    expect(await store(fs).loadNewest(() => false)).toBeNull();
  });

  test("purge keeps the N newest snapshots and removes temporary files", async () => {
    const fs = await diskWithSnapDir();
    for (let index = 1; index <= 5; index++) await store(fs).save(snapshot(1, index * 10));
    await (await fs.open(posix.join(snapDir, "x.snap.tmp"), "createExclusive")).close();
    expect(await store(fs).purge(2)).toBe(3);
    expect((await fs.readdir(snapDir)).sort()).toEqual([
      snapshotFileName(1, 40),
      snapshotFileName(1, 50),
    ]);
  });

  test("an empty directory loads nothing", async () => {
    const fs = await diskWithSnapDir();
    expect(await store(fs).loadNewest()).toBeNull();
  });
});

describe("SnapshotStore on the real disk", () => {
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  test("saves and loads through mmap, and falls back past a broken file", async () => {
    const directory = await mkdtemp(join(tmpdir(), "cairn-snap-"));
    directories.push(directory);
    const fs = createRealFileSystem();
    const real = store(fs, directory);
    await real.save(snapshot(2, 7, 100_000));
    await real.save(snapshot(2, 9, 10));
    const newest = join(directory, snapshotFileName(2, 9));
    const bytes = await fs.readFile(newest);
    bytes[bytes.byteLength - 1] = (bytes[bytes.byteLength - 1] ?? 0) ^ 1;
    const handle = await fs.open(newest, "readWrite");
    await handle.write(bytes, 0);
    await handle.close();
    expect(await real.loadNewest()).toEqual(snapshot(2, 7, 100_000));
    expect(await fs.stat(`${newest}.broken`)).not.toBeNull();
  });
});
