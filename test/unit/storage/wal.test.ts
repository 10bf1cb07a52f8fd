import { describe, expect, test } from "bun:test";
import { posix } from "node:path";
import { RecordType, encodeFrame } from "../../../src/codec/index.ts";
import { createPrng } from "../../../src/lib/prng.ts";
import type { HardState } from "../../../src/raft/types.ts";
import type { SimulatedFileSystem } from "../../../src/storage/fs/index.ts";
import { Wal, WalCorruptionError, type WalOptions } from "../../../src/storage/wal/index.ts";
import { copyDir, entries, entry, preparedDisk, walDir } from "./helpers.ts";

const frameBytesMax = 64 * 1024;

function options(fs: SimulatedFileSystem, segmentBytes = 1024 * 1024): WalOptions {
  return { fs, dir: walDir, segmentBytes, frameBytesMax };
}

const state = (term: number, commit: number, vote = 0n): HardState => ({ term, vote, commit });

async function lastSegment(fs: SimulatedFileSystem): Promise<string> {
  const names = (await fs.readdir(walDir)).filter((name) => name.endsWith(".wal")).sort();
  const last = names.at(-1);
  if (last === undefined) throw new Error("no segment");
  return last;
}

describe("Wal", () => {
  test("create, save, sync and open round-trip across several segments", async () => {
    const fs = await preparedDisk();
    const metadata = new Uint8Array([1, 2, 3]);
    const { wal } = await Wal.create(options(fs, 600), metadata);
    for (let index = 1; index <= 60; index += 3) {
      await wal.save(state(2, index, 0xffff_ffff_ffff_fff1n), entries(index, index + 2, 2));
    }
    await wal.sync();
    expect(wal.segmentFileNames.length).toBeGreaterThan(3);
    expect(wal.segmentFileNames[0]).toBe("0000000000000001-0000000000000000.wal");
    await wal.close();
    const opened = await Wal.open(options(fs, 600));
    expect(opened.entries).toEqual(entries(1, 60, 2));
    expect(opened.hardState).toEqual(state(2, 58, 0xffff_ffff_ffff_fff1n));
    expect(opened.metadata).toEqual(metadata);
    expect(opened.snapshot).toBeNull();
    expect(opened.wal.lastIndex).toBe(60);
    expect(opened.wal.segmentFileNames).toEqual(wal.segmentFileNames);
  });

  test("save issues one write however many entries it carries", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    let writes = 0;
    fs.setFaultHook((operation) => {
      if (operation === "write") writes += 1;
      return null;
    });
    await wal.save(state(1, 0), entries(1, 500));
    expect(writes).toBe(1);
  });

  test("a cut segment is named after its sequence and the next index", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs, 100));
    await wal.save(null, entries(1, 5));
    expect(wal.segmentFileNames).toEqual([
      "0000000000000001-0000000000000000.wal",
      "0000000000000002-0000000000000006.wal",
    ]);
  });

  test("a later entry at an index replaces it and everything after it", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs, 700));
    await wal.save(state(1, 0), entries(1, 10, 1));
    await wal.save(state(2, 0), [entry(6, 2), entry(7, 2)]);
    await wal.save(null, [entry(8, 2)]);
    await wal.save(state(3, 4), [entry(8, 3)]);
    await wal.sync();
    const opened = await Wal.open(options(fs, 700));
    expect(opened.entries).toEqual([...entries(1, 5, 1), entry(6, 2), entry(7, 2), entry(8, 3)]);
    expect(opened.hardState).toEqual(state(3, 4));
    expect(opened.wal.lastIndex).toBe(8);
  });

  test("a truncation below the last segment's first index lowers the last index", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs, 300));
    for (let index = 1; index <= 20; index += 5) await wal.save(null, entries(index, index + 4));
    expect(wal.segmentFileNames.length).toBeGreaterThan(2);
    await wal.save(state(2, 3), [entry(4, 2)]);
    await wal.sync();
    const opened = await Wal.open(options(fs, 300));
    expect(opened.wal.lastIndex).toBe(4);
    expect(opened.entries).toEqual([...entries(1, 3), entry(4, 2)]);
  });

  test("saves after reopening continue the log and the checksum chain", async () => {
    const fs = await preparedDisk();
    const first = await Wal.create(options(fs, 500));
    await first.wal.save(null, entries(1, 10));
    await first.wal.sync();
    const second = await Wal.open(options(fs, 500));
    await second.wal.save(state(1, 3), entries(11, 30));
    await second.wal.sync();
    const third = await Wal.open(options(fs, 500));
    expect(third.entries).toEqual(entries(1, 30));
  });

  test("a torn tail at every byte of the last record is cut; synced records stay", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    await wal.save(state(1, 2), entries(1, 3));
    await wal.sync();
    const name = await lastSegment(fs);
    const syncedBytes = (await fs.readFile(posix.join(walDir, name))).byteLength;
    await wal.save(null, [entry(4, 1, 700)]);
    const fullBytes = (await fs.readFile(posix.join(walDir, name))).byteLength;
    for (let cut = syncedBytes; cut <= fullBytes; cut++) {
      const disk = await copyDir(fs, walDir, (file, bytes) =>
        file === name ? bytes.slice(0, cut) : bytes,
      );
      const opened = await Wal.open(options(disk));
      const expected = cut === fullBytes ? entries(1, 4) : entries(1, 3);
      expect(opened.entries.map((item) => item.index)).toEqual(expected.map((item) => item.index));
      expect(opened.hardState).toEqual(state(1, 2));
      await opened.wal.save(null, [entry(opened.wal.lastIndex + 1, 2)]);
      await opened.wal.sync();
      const again = await Wal.open(options(disk));
      expect(again.entries.at(-1)).toEqual(entry(opened.wal.lastIndex, 2));
    }
  });

  test("a torn record whose data holds valid-looking frames is still a torn tail", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    await wal.save(state(1, 1), entries(1, 2));
    await wal.sync();
    const inner = encodeFrame(RecordType.entry, new Uint8Array(40), frameBytesMax);
    const data = new Uint8Array(8 * (inner.byteLength + 8));
    for (let shift = 0; shift < 8; shift++) {
      data.set(inner, shift * (inner.byteLength + 8) + shift);
    }
    await wal.save(null, [{ index: 3, term: 1, type: 0, data }]);
    const name = await lastSegment(fs);
    const disk = await copyDir(fs, walDir, (file, bytes) =>
      file === name ? bytes.slice(0, bytes.byteLength - 4) : bytes,
    );
    expect((await Wal.open(options(disk))).entries).toEqual(entries(1, 2));
  });

  test("zeroed sectors at the tail are repaired and a .broken copy is kept", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    await wal.save(state(1, 2), entries(1, 3));
    await wal.sync();
    await wal.save(null, [entry(4, 1, 1500)]);
    const name = await lastSegment(fs);
    const disk = await copyDir(fs, walDir, (file, bytes) => {
      if (file !== name) return bytes;
      const torn = new Uint8Array(bytes.byteLength + 1024);
      torn.set(bytes);
      torn.fill(0, bytes.byteLength - 600);
      return torn;
    });
    const opened = await Wal.open(options(disk));
    expect(opened.entries).toEqual(entries(1, 3));
    expect(await disk.readdir(walDir)).toContain(`${name}.broken`);
  });

  test("zeros appended after valid data (preallocated space) are cut off", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    await wal.save(state(1, 2), entries(1, 3));
    await wal.sync();
    const name = await lastSegment(fs);
    const disk = await copyDir(fs, walDir, (file, bytes) => {
      const padded = new Uint8Array(bytes.byteLength + 4096);
      padded.set(bytes);
      return file === name ? padded : bytes;
    });
    expect((await Wal.open(options(disk))).entries).toEqual(entries(1, 3));
  });

  test("preallocated zeros end the log cleanly: reopened, appended to, reopened again", async () => {
    const fs = await preparedDisk();
    const preallocating = { ...options(fs), preallocateBytes: 4096 };
    const { wal } = await Wal.create(preallocating);
    await wal.save(state(1, 2), entries(1, 3));
    await wal.sync();
    const name = await lastSegment(fs);
    expect((await fs.readFile(posix.join(walDir, name))).byteLength).toBe(4096);
    await wal.close();
    const reopened = await Wal.open(preallocating);
    expect(reopened.entries).toEqual(entries(1, 3));
    await reopened.wal.save(state(1, 5), entries(4, 30));
    await reopened.wal.sync();
    await reopened.wal.close();
    const again = await Wal.open(preallocating);
    expect(again.entries).toEqual(entries(1, 30));
    expect(again.hardState).toEqual(state(1, 5));
    const size = (await fs.readFile(posix.join(walDir, name))).byteLength;
    expect(size % 4096).toBe(0);
    expect(await fs.readdir(walDir)).not.toContain(`${name}.broken`);
  });

  test("a segment preallocates no further than where it is cut", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create({ ...options(fs, 1000), preallocateBytes: 4096 });
    await wal.save(null, entries(1, 2));
    const first = await lastSegment(fs);
    expect((await fs.readFile(posix.join(walDir, first))).byteLength).toBe(1000);
  });

  test("a frame torn inside preallocated space is still a torn tail", async () => {
    const fs = await preparedDisk();
    const preallocating = { ...options(fs), preallocateBytes: 4096 };
    const { wal } = await Wal.create(preallocating);
    await wal.save(state(1, 2), entries(1, 3));
    await wal.sync();
    const name = await lastSegment(fs);
    const synced = await fs.readFile(posix.join(walDir, name));
    const dataEnd = synced.findLastIndex((byte) => byte !== 0) + 1;
    await wal.save(null, [entry(4, 1, 1500)]);
    const disk = await copyDir(fs, walDir, (file, bytes) => {
      // The new frame's first sector made it to disk; the rest did not.
      if (file === name) bytes.fill(0, Math.ceil((dataEnd + 1) / 512) * 512);
      return bytes;
    });
    const opened = await Wal.open({ ...preallocating, fs: disk });
    expect(opened.entries).toEqual(entries(1, 3));
    expect(await disk.readdir(walDir)).toContain(`${name}.broken`);
  });

  test("a flipped bit in a middle record is refused with a clear error", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    await wal.save(null, entries(1, 20));
    await wal.sync();
    const name = await lastSegment(fs);
    const path = posix.join(walDir, name);
    const size = (await fs.readFile(path)).byteLength;
    fs.corruptByte(path, Math.floor(size / 2), 0x04);
    const error = await Wal.open(options(fs)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WalCorruptionError);
    expect(String(error)).toMatch(
      new RegExp(
        `Cannot open WAL: record at ${path}:\\d+ fails its (header )?checksum; ` +
          "the data dir is damaged",
      ),
    );
  });

  test("a flipped bit in the last complete record is refused, not truncated", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    await wal.save(null, entries(1, 5));
    await wal.sync();
    const path = posix.join(walDir, await lastSegment(fs));
    const size = (await fs.readFile(path)).byteLength;
    fs.corruptByte(path, size - 12, 0x01);
    await expect(Wal.open(options(fs))).rejects.toThrow(WalCorruptionError);
  });

  test("a zeroed record followed by valid records is refused", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    for (let index = 1; index <= 6; index++) await wal.save(null, [entry(index, 1, 600)]);
    await wal.sync();
    const name = await lastSegment(fs);
    const disk = await copyDir(fs, walDir, (file, bytes) => {
      if (file === name) bytes.fill(0, 1024, 1536);
      return bytes;
    });
    await expect(Wal.open(options(disk))).rejects.toThrow("followed by a valid record");
  });

  test("damage in a segment that is not the last is refused", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs, 400));
    await wal.save(null, entries(1, 30));
    await wal.sync();
    const first = wal.segmentFileNames[0];
    const disk = await copyDir(fs, walDir, (file, bytes) =>
      file === first ? bytes.slice(0, bytes.byteLength - 8) : bytes,
    );
    await expect(Wal.open(options(disk))).rejects.toThrow("its segment is not the last one");
  });

  test("a missing middle segment breaks the sequence and is refused", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs, 300));
    for (let index = 1; index <= 40; index += 4) await wal.save(null, entries(index, index + 3));
    await wal.sync();
    const middle = wal.segmentFileNames[1];
    if (middle === undefined) throw new Error("expected three segments");
    await fs.unlink(posix.join(walDir, middle));
    await expect(Wal.open(options(fs))).rejects.toThrow("a segment is missing");
  });

  test("a segment swapped for one from another log breaks the checksum chain", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs, 300));
    for (let index = 1; index <= 20; index += 4) await wal.save(null, entries(index, index + 3));
    await wal.sync();
    const other = await preparedDisk();
    const otherWal = (await Wal.create(options(other, 300))).wal;
    for (let index = 1; index <= 20; index += 4) {
      await otherWal.save(null, entries(index, index + 3, 5));
    }
    await otherWal.sync();
    const second = wal.segmentFileNames[1];
    if (second === undefined || otherWal.segmentFileNames[1] !== second) {
      throw new Error("expected matching segment names");
    }
    const foreign = await other.readFile(posix.join(walDir, second));
    const disk = await copyDir(fs, walDir, (file, bytes) => (file === second ? foreign : bytes));
    await expect(Wal.open(options(disk))).rejects.toThrow("does not continue the checksum chain");
  });

  test("releaseTo deletes segments wholly below a snapshot; the log reopens after it", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs, 400));
    for (let index = 1; index <= 40; index += 4) {
      await wal.save(state(1, 40), entries(index, index + 3));
    }
    const metadata = { index: 30, term: 1, confState: { voters: [1n, 2n, 3n], learners: [] } };
    await wal.saveSnapshotMarker(metadata);
    const before = wal.segmentFileNames.length;
    await wal.releaseTo(30);
    const after = wal.segmentFileNames;
    expect(after.length).toBeLessThan(before);
    expect(after.length).toBeGreaterThan(0);
    const opened = await Wal.open(options(fs, 400));
    expect(opened.snapshot).toEqual(metadata);
    expect(opened.hardState).toEqual(state(1, 40));
    expect(opened.entries.at(-1)).toEqual(entry(40));
    expect(opened.entries[0]?.index).toBeLessThanOrEqual(31);
    expect(await fs.readdir(walDir)).toHaveLength(after.length);
  });

  test("a marker beyond the last entry restarts the log after the snapshot", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    await wal.save(null, entries(1, 5));
    const metadata = { index: 100, term: 3, confState: { voters: [1n], learners: [2n] } };
    await wal.saveSnapshotMarker(metadata);
    await wal.save(state(3, 101), [entry(101, 3), entry(102, 3)]);
    await wal.sync();
    const opened = await Wal.open(options(fs));
    expect(opened.entries).toEqual([entry(101, 3), entry(102, 3)]);
    expect(opened.snapshots).toEqual([metadata]);
    expect(opened.wal.lastIndex).toBe(102);
  });

  test("an entry larger than a frame is refused without writing anything", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    await wal.save(null, [entry(1)]);
    await expect(wal.save(null, [entry(2, 1, frameBytesMax)])).rejects.toThrow(
      "Cannot save entry at index 2",
    );
    await wal.save(null, [entry(2)]);
    await wal.sync();
    expect((await Wal.open(options(fs))).entries).toEqual(entries(1, 2));
  });

  test("after a failed write or sync the WAL refuses every later call", async () => {
    const fs = await preparedDisk();
    const { wal } = await Wal.create(options(fs));
    fs.setFaultHook((operation) => (operation === "datasync" ? "EIO" : null));
    await wal.save(null, [entry(1)]);
    await expect(wal.sync()).rejects.toThrow("EIO");
    fs.setFaultHook(null);
    await expect(wal.save(null, [entry(2)])).rejects.toThrow("an earlier write or sync failed");
  });

  test("create refuses a directory holding a WAL; open refuses an empty one", async () => {
    const fs = await preparedDisk();
    await Wal.create(options(fs));
    await expect(Wal.create(options(fs))).rejects.toThrow("already holds segments");
    const empty = await preparedDisk();
    await empty.mkdirp(walDir);
    await expect(Wal.open(options(empty))).rejects.toThrow("holds no segments");
  });

  test("a crash during a segment cut leaves a log that opens", async () => {
    for (let seed = 0; seed < 30; seed++) {
      const fs = await preparedDisk();
      const { wal } = await Wal.create(options(fs, 300));
      await wal.save(null, entries(1, 3));
      await wal.sync();
      let renames = 0;
      fs.setFaultHook((operation) => (operation === "rename" && ++renames > 0 ? "EIO" : null));
      await wal.save(null, entries(4, 20)).catch(() => undefined);
      fs.setFaultHook(null);
      fs.crash(createPrng(seed));
      const opened = await Wal.open(options(fs, 300));
      expect(opened.entries.slice(0, 3)).toEqual(entries(1, 3));
    }
  });
});
