/**
 * A storage bug the simulator found (seed 110 before the host worked around it): a snapshot
 * marker written below the open segment's first index (the applied index lags the WAL), then
 * `releaseTo` a later snapshot, leaves a WAL that `Wal.open` refuses: replay resets the log at
 * the old marker and then meets an entry beyond the gap. `test.failing` inverts the result, so
 * this test starts failing (and should become a plain test) once the WAL is fixed.
 */
import { expect, test } from "bun:test";
import { type Entry, EntryType } from "../../src/raft/index.ts";
import { SimulatedFileSystem, Wal } from "../../src/storage/index.ts";

function entry(index: number): Entry {
  return { index, term: 1, type: EntryType.normal, data: new Uint8Array(64) };
}

const confState = { voters: [1n], learners: [] };

test.failing("a WAL released after a lagging snapshot marker reopens", async () => {
  const fs = new SimulatedFileSystem();
  const options = { fs, dir: "/wal", segmentBytes: 512, frameBytesMax: 1 << 20 };
  const { wal } = await Wal.create(options);
  for (let index = 1; index <= 20; index++) {
    await wal.save({ term: 1, vote: 1n, commit: index - 1 }, [entry(index)]);
  }
  // Segments are cut past 512 bytes (the open one starts at 21); the applied index (16) lags.
  expect(wal.segmentFileNames.length).toBeGreaterThan(1);
  await wal.saveSnapshotMarker({ index: 16, term: 1, confState });
  for (let index = 21; index <= 24; index++) {
    await wal.save({ term: 1, vote: 1n, commit: index - 1 }, [entry(index)]);
  }
  await wal.saveSnapshotMarker({ index: 24, term: 1, confState });
  await wal.releaseTo(24);
  await wal.sync();
  await wal.close();
  const reopened = await Wal.open(options);
  expect(reopened.snapshot?.index).toBe(24);
});
