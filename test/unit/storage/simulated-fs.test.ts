import { describe, expect, test } from "bun:test";
import { createPrng } from "../../../src/lib/prng.ts";
import {
  FileSystemError,
  LockHeldError,
  SimulatedFileSystem,
} from "../../../src/storage/fs/index.ts";

async function freshDisk(): Promise<SimulatedFileSystem> {
  const fs = new SimulatedFileSystem();
  await fs.mkdirp("/data");
  await fs.fsyncDir("/");
  return fs;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe("SimulatedFileSystem", () => {
  test("a file created but not dir-synced disappears in a crash", async () => {
    const fs = await freshDisk();
    const handle = await fs.open("/data/a", "createExclusive");
    await handle.write(bytes(1, 2, 3), 0);
    await handle.datasync();
    fs.crash(createPrng(1), "drop");
    expect(await fs.stat("/data/a")).toBeNull();
  });

  test("synced data in a dir-synced file survives; unsynced appends are dropped", async () => {
    const fs = await freshDisk();
    const handle = await fs.open("/data/a", "createExclusive");
    await handle.write(bytes(1, 2, 3), 0);
    await handle.datasync();
    await fs.fsyncDir("/data");
    await handle.append(bytes(4, 5));
    fs.crash(createPrng(1), "drop");
    expect(await fs.readFile("/data/a")).toEqual(bytes(1, 2, 3));
  });

  test("prefix mode keeps a prefix of the unsynced appends and never more", async () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const fs = await freshDisk();
      const handle = await fs.open("/data/a", "createExclusive");
      await handle.write(bytes(1, 2), 0);
      await handle.datasync();
      await fs.fsyncDir("/data");
      await handle.append(bytes(3, 4, 5, 6));
      fs.crash(createPrng(seed), "prefix");
      const after = await fs.readFile("/data/a");
      expect(after).toEqual(bytes(1, 2, 3, 4, 5, 6).subarray(0, after.byteLength));
      expect(after.byteLength).toBeGreaterThanOrEqual(2);
      seen.add(after.byteLength);
    }
    expect(seen.size).toBe(5);
  });

  test("torn mode cuts at a sector boundary and may leave zeroed sectors", async () => {
    let sawZeros = false;
    for (let seed = 0; seed < 100; seed++) {
      const fs = await freshDisk();
      const handle = await fs.open("/data/a", "createExclusive");
      await fs.fsyncDir("/data");
      const written = Uint8Array.from({ length: 2000 }, () => 7);
      await handle.write(written, 0);
      fs.crash(createPrng(seed), "torn");
      const after = await fs.readFile("/data/a");
      const nonZero = after.findIndex((value) => value === 0);
      const kept = nonZero === -1 ? after.byteLength : nonZero;
      expect(kept % 512 === 0 || kept === 2000).toBe(true);
      expect(after.subarray(kept).every((value) => value === 0)).toBe(true);
      if (after.byteLength > kept) sawZeros = true;
    }
    expect(sawZeros).toBe(true);
  });

  test("an unsynced rename is undone by a crash; a dir-synced one is kept", async () => {
    const fs = await freshDisk();
    const handle = await fs.open("/data/tmp", "createExclusive");
    await handle.write(bytes(9), 0);
    await handle.datasync();
    await fs.fsyncDir("/data");
    await fs.rename("/data/tmp", "/data/final");
    fs.crash(createPrng(1));
    expect(await fs.readdir("/data")).toEqual(["tmp"]);
    await fs.rename("/data/tmp", "/data/final");
    await fs.fsyncDir("/data");
    fs.crash(createPrng(1));
    expect(await fs.readdir("/data")).toEqual(["final"]);
    expect(await fs.readFile("/data/final")).toEqual(bytes(9));
  });

  test("an overwrite of preallocated zeros survives a crash as whole sectors, in order", async () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const fs = await freshDisk();
      const handle = await fs.open("/data/a", "createExclusive");
      await handle.write(new Uint8Array(4096), 0);
      await handle.datasync();
      await fs.fsyncDir("/data");
      await handle.write(Uint8Array.from({ length: 1500 }, () => 7), 100);
      fs.crash(createPrng(seed), seed % 2 === 0 ? "prefix" : "torn");
      const after = await fs.readFile("/data/a");
      expect(after.byteLength).toBe(4096);
      const end = after.findLastIndex((value) => value !== 0) + 1;
      // Nothing, everything, or up to a sector boundary; never a gap before the end.
      expect(end === 0 || end === 1600 || end % 512 === 0).toBe(true);
      expect(after.subarray(Math.min(end, 100), end).every((value) => value === 7)).toBe(true);
      seen.add(end);
    }
    expect([...seen].sort((left, right) => left - right)).toEqual([0, 512, 1024, 1536, 1600]);
  });

  test("a truncate into synced bytes reverts the file to its synced contents in a crash", async () => {
    const fs = await freshDisk();
    const handle = await fs.open("/data/a", "createExclusive");
    await handle.write(bytes(1, 2, 3, 4), 0);
    await handle.datasync();
    await fs.fsyncDir("/data");
    await handle.write(bytes(9), 1);
    await handle.truncate(2);
    expect(await fs.readFile("/data/a")).toEqual(bytes(1, 9));
    fs.crash(createPrng(3), "prefix");
    expect(await fs.readFile("/data/a")).toEqual(bytes(1, 2, 3, 4));
  });

  test("handles opened before a crash are dead afterwards", async () => {
    const fs = await freshDisk();
    const handle = await fs.open("/data/a", "createExclusive");
    fs.crash(createPrng(1));
    await expect(handle.write(bytes(1), 0)).rejects.toThrow(FileSystemError);
  });

  test("open modes: read needs an existing file, createExclusive refuses one", async () => {
    const fs = await freshDisk();
    await expect(fs.open("/data/missing", "read")).rejects.toThrow("ENOENT");
    await (await fs.open("/data/a", "create")).close();
    await expect(fs.open("/data/a", "createExclusive")).rejects.toThrow("EEXIST");
    const handle = await fs.open("/data/a", "read");
    await expect(handle.write(bytes(1), 0)).rejects.toThrow("EBADF");
  });

  test("the fault hook injects EIO and ENOSPC", async () => {
    const fs = await freshDisk();
    const handle = await fs.open("/data/a", "createExclusive");
    fs.setFaultHook((operation) => (operation === "write" ? "ENOSPC" : null));
    await expect(handle.write(bytes(1), 0)).rejects.toThrow("ENOSPC");
    fs.setFaultHook((operation) => (operation === "datasync" ? "EIO" : null));
    await expect(handle.datasync()).rejects.toThrow("EIO");
    fs.setFaultHook(null);
    await handle.datasync();
  });

  test("a lock is refused while held and released by a crash", async () => {
    const fs = await freshDisk();
    const lock = await fs.lockExclusive("/data/LOCK");
    await expect(fs.lockExclusive("/data/LOCK")).rejects.toThrow(LockHeldError);
    fs.crash(createPrng(1));
    const again = await fs.lockExclusive("/data/LOCK");
    await lock.release();
    await expect(fs.lockExclusive("/data/LOCK")).rejects.toThrow(LockHeldError);
    await again.release();
    await (await fs.lockExclusive("/data/LOCK")).release();
  });

  test("durableBytes reports what a drop crash would keep", async () => {
    const fs = await freshDisk();
    const handle = await fs.open("/data/a", "createExclusive");
    await handle.write(bytes(1, 2), 0);
    await handle.datasync();
    await handle.append(bytes(3));
    expect(fs.durableBytes("/data/a")).toEqual(bytes(1, 2));
  });
});
