import { describe, expect, test } from "bun:test";
import { posix } from "node:path";
import { createPrng } from "../../../src/lib/prng.ts";
import type { Snapshot } from "../../../src/raft/types.ts";
import {
  DataDirLockedError,
  type DataDirOptions,
  SimulatedFileSystem,
  dataDirLayout,
  openDataDir,
} from "../../../src/storage/index.ts";
import { snapshotFileName } from "../../../src/storage/snapshot/index.ts";
import { entries } from "./helpers.ts";

function options(fs: SimulatedFileSystem): DataDirOptions {
  return { fs, path: "/var/lib/cairn", segmentBytes: 400, frameBytesMax: 1 << 16 };
}

const meta = { clusterId: 7n, memberId: 1n, name: "one", peers: [] };

function snapshotAt(index: number): Snapshot {
  return {
    metadata: { index, term: 1, confState: { voters: [1n], learners: [] } },
    data: new Uint8Array([index]),
  };
}

describe("openDataDir", () => {
  test("a fresh data dir gets its layout durably and starts empty", async () => {
    const fs = new SimulatedFileSystem();
    const dir = await openDataDir(options(fs));
    expect(dir.meta).toBeNull();
    expect(dir.hardState).toBeNull();
    expect(dir.snapshot).toBeNull();
    expect(dir.entries).toEqual([]);
    await dir.writeMeta(meta);
    await dir.close();
    fs.crash(createPrng(1), "drop");
    const layout = dataDirLayout("/var/lib/cairn");
    expect((await fs.readdir(layout.wal)).length).toBe(1);
    expect(await fs.stat(layout.snap)).not.toBeNull();
    expect((await openDataDir(options(fs))).meta).toEqual(meta);
  });

  test("a reopened data dir returns the meta, hard state and entries", async () => {
    const fs = new SimulatedFileSystem();
    const first = await openDataDir(options(fs));
    await first.writeMeta(meta);
    await first.wal.save({ term: 2, vote: 1n, commit: 5 }, entries(1, 8, 2));
    await first.wal.sync();
    await first.close();
    const second = await openDataDir(options(fs));
    expect(second.meta).toEqual(meta);
    expect(second.hardState).toEqual({ term: 2, vote: 1n, commit: 5 });
    expect(second.entries).toEqual(entries(1, 8, 2));
  });

  test("after a snapshot and a release it restores the snapshot and later entries", async () => {
    const fs = new SimulatedFileSystem();
    const first = await openDataDir(options(fs));
    for (let index = 1; index <= 40; index += 4) {
      await first.wal.save({ term: 1, vote: 0n, commit: index }, entries(index, index + 3));
    }
    await first.snapshots.save(snapshotAt(30));
    await first.wal.saveSnapshotMarker(snapshotAt(30).metadata);
    await first.wal.releaseTo(30);
    await first.close();
    const second = await openDataDir(options(fs));
    expect(second.snapshot).toEqual(snapshotAt(30));
    expect(second.entries).toEqual(entries(31, 40));
  });

  test("a snapshot file without a WAL marker is ignored", async () => {
    const fs = new SimulatedFileSystem();
    const first = await openDataDir(options(fs));
    await first.wal.save(null, entries(1, 10));
    await first.wal.sync();
    await first.snapshots.save(snapshotAt(8));
    await first.close();
    const second = await openDataDir(options(fs));
    expect(second.snapshot).toBeNull();
    expect(second.entries).toEqual(entries(1, 10));
  });

  test("a broken snapshot is survivable while the log still starts at index 1", async () => {
    const fs = new SimulatedFileSystem();
    const first = await openDataDir(options(fs));
    await first.wal.save(null, entries(1, 10));
    await first.snapshots.save(snapshotAt(8));
    await first.wal.saveSnapshotMarker(snapshotAt(8).metadata);
    await first.close();
    const path = posix.join(dataDirLayout("/var/lib/cairn").snap, snapshotFileName(1, 8));
    fs.corruptByte(path, 40, 0xff);
    const second = await openDataDir(options(fs));
    expect(second.snapshot).toBeNull();
    expect(second.entries).toEqual(entries(1, 10));
  });

  test("a released log without its snapshot is refused", async () => {
    const fs = new SimulatedFileSystem();
    const first = await openDataDir(options(fs));
    for (let index = 1; index <= 40; index += 4) {
      await first.wal.save(null, entries(index, index + 3));
    }
    await first.snapshots.save(snapshotAt(30));
    await first.wal.saveSnapshotMarker(snapshotAt(30).metadata);
    await first.wal.releaseTo(30);
    await first.close();
    await fs.unlink(posix.join(dataDirLayout("/var/lib/cairn").snap, snapshotFileName(1, 30)));
    await expect(openDataDir(options(fs))).rejects.toThrow(
      "no snapshot file named by a WAL marker",
    );
    // The failed open released the lock.
    await (await fs.lockExclusive("/var/lib/cairn/LOCK")).release();
  });

  test("a second open of a locked data dir is refused with a clear error", async () => {
    const fs = new SimulatedFileSystem();
    const first = await openDataDir(options(fs));
    const error = await openDataDir(options(fs)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect(String(error)).toContain(
      "Cannot open data dir /var/lib/cairn: it is in use by another cairn process (LOCK is held)",
    );
    await first.close();
    await (await openDataDir(options(fs))).close();
  });
});
