import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemError, createRealFileSystem } from "../../../src/storage/fs/index.ts";
import { Wal } from "../../../src/storage/wal/index.ts";
import { entries } from "./helpers.ts";

const directories: string[] = [];

afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "cairn-fs-"));
  directories.push(directory);
  return directory;
}

describe("real FileSystem", () => {
  test("positional writes, reads, truncate and the open modes", async () => {
    const directory = await temporaryDirectory();
    const fs = createRealFileSystem();
    const path = join(directory, "a");
    await expect(fs.open(path, "read")).rejects.toThrow();
    const handle = await fs.open(path, "create");
    await handle.write(new Uint8Array([1, 2, 3, 4]), 0);
    await handle.write(new Uint8Array([9]), 1);
    await handle.append(new Uint8Array([5]));
    await handle.datasync();
    expect(await handle.read(0, 10)).toEqual(new Uint8Array([1, 9, 3, 4, 5]));
    await handle.truncate(2);
    expect(await handle.size()).toBe(2);
    await handle.close();
    const reopened = await fs.open(path, "create");
    expect(await reopened.size()).toBe(2);
    await reopened.close();
    await expect(fs.open(path, "createExclusive")).rejects.toThrow();
    await (await fs.open(path, "createTruncate")).close();
    expect(await fs.stat(path)).toEqual({ size: 0, isDirectory: false });
    expect(await fs.mapFile(path)).toEqual(new Uint8Array(0));
  });

  test("directories: mkdirp, readdir, rename, unlink, fsyncDir, stat", async () => {
    const directory = await temporaryDirectory();
    const fs = createRealFileSystem();
    const nested = join(directory, "x", "y");
    await fs.mkdirp(nested);
    await fs.mkdirp(nested);
    await (await fs.open(join(nested, "f.tmp"), "createExclusive")).close();
    await fs.rename(join(nested, "f.tmp"), join(nested, "f"));
    await fs.fsyncDir(nested);
    expect(await fs.readdir(nested)).toEqual(["f"]);
    expect((await fs.stat(nested))?.isDirectory).toBe(true);
    await fs.unlink(join(nested, "f"));
    expect(await fs.stat(join(nested, "f"))).toBeNull();
    await expect(fs.unlink(join(nested, "f"))).rejects.toThrow();
    expect(FileSystemError.name).toBe("FileSystemError");
  });

  test("a WAL on the real disk round-trips and repairs a torn tail", async () => {
    const directory = await temporaryDirectory();
    const fs = createRealFileSystem();
    const options = { fs, dir: join(directory, "member", "wal"), segmentBytes: 1 << 12 };
    const full = { ...options, frameBytesMax: 1 << 16 };
    const { wal } = await Wal.create(full);
    for (let index = 1; index <= 100; index += 10) {
      await wal.save({ term: 1, vote: 2n, commit: index }, entries(index, index + 9));
    }
    await wal.sync();
    await wal.close();
    const last = wal.segmentFileNames.at(-1);
    if (last === undefined) throw new Error("no segment");
    const lastPath = join(full.dir, last);
    const size = (await fs.stat(lastPath))?.size ?? 0;
    await truncate(lastPath, size - 3);
    const opened = await Wal.open(full);
    expect(opened.entries.length).toBeGreaterThanOrEqual(90);
    expect(opened.entries).toEqual(entries(1, opened.entries.length));
    expect(await fs.stat(`${lastPath}.broken`)).not.toBeNull();
    await opened.wal.close();
  });
});
