/**
 * Storage bugs the simulator found. The first (seed 110 before the host worked around it): a
 * snapshot marker written below the open segment's first index (the applied index lags the
 * WAL), then `releaseTo` a later snapshot, leaves a WAL that `Wal.open` refuses: replay resets
 * the log at the old marker and then met an entry beyond the gap. Both bugs are fixed in the
 * WAL's replay (src/storage/wal/replay.ts); these are their regression tests.
 */
import { expect, test } from "bun:test";
import { type Entry, EntryType } from "../../src/raft/index.ts";
import { SimulatedFileSystem, Wal } from "../../src/storage/index.ts";

function entry(index: number): Entry {
  return { index, term: 1, type: EntryType.normal, data: new Uint8Array(64) };
}

const confState = { voters: [1n], learners: [] };

test("a WAL released after a lagging snapshot marker reopens", async () => {
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

/**
 * A second replay bug the simulator found (seeds 557 and 10832 before the host worked around
 * it): a follower's truncation rewrites entries below the open segment's first index (a new
 * leader replaced uncommitted entries that straddle a segment cut); once a later snapshot
 * releases the segment before it, `Wal.open` refuses the WAL ("entry at index 98 precedes the
 * log start 102"), although every record it needs is still there.
 */
test("a WAL released after a truncation across a segment cut reopens", async () => {
  const fs = new SimulatedFileSystem();
  const options = { fs, dir: "/wal", segmentBytes: 512, frameBytesMax: 1 << 20 };
  const { wal } = await Wal.create(options);
  for (let index = 1; index <= 21; index++) {
    await wal.save({ term: 1, vote: 1n, commit: 16 }, [entry(index)]);
  }
  // The open segment starts at 21 and holds entry 21; a new leader (term 2) replaces entries
  // from 18 on.
  const rewritten = [18, 19, 20, 21, 22, 23, 24].map((index) => ({ ...entry(index), term: 2 }));
  await wal.save({ term: 2, vote: 0n, commit: 24 }, rewritten);
  await wal.saveSnapshotMarker({ index: 24, term: 2, confState });
  await wal.releaseTo(24);
  await wal.sync();
  await wal.close();
  const reopened = await Wal.open(options);
  expect(reopened.snapshot?.index).toBe(24);
});
