import { describe, expect, test } from "bun:test";
import { createPrng } from "../../../src/lib/prng.ts";
import { Wal, type WalOptions } from "../../../src/storage/wal/index.ts";
import { entries, entry, preparedDisk, walDir } from "./helpers.ts";

const marker = { index: 25, term: 1, confState: { voters: [1n], learners: [] } };

/**
 * Saves 40 entries in batches with a sync after each, cutting segments, then writes a snapshot
 * marker and releases. Returns the last index whose sync resolved before a failure.
 */
async function workload(options: WalOptions): Promise<number> {
  let syncedIndex = 0;
  try {
    const { wal } = await Wal.create(options);
    for (let index = 1; index <= 40; index += 5) {
      await wal.save({ term: 1, vote: 1n, commit: index }, entries(index, index + 4));
      await wal.sync();
      syncedIndex = index + 4;
      if (index === 26) {
        await wal.saveSnapshotMarker(marker);
        await wal.releaseTo(marker.index);
      }
    }
  } catch {
    // The injected failure stands for the process dying at that point.
  }
  return syncedIndex;
}

describe("Wal crash points", () => {
  test.each([0, 128])("a crash at any file-system operation keeps every synced entry (preallocating %d bytes)", async (preallocateBytes) => {
    let operationsTotal = Number.POSITIVE_INFINITY;
    for (let failAt = 1; failAt <= operationsTotal; failAt++) {
      for (const mode of ["drop", "prefix", "torn"] as const) {
        const fs = await preparedDisk();
        const options: WalOptions = {
          fs,
          dir: walDir,
          segmentBytes: 300,
          frameBytesMax: 4096,
          preallocateBytes,
        };
        let operations = 0;
        fs.setFaultHook(() => (++operations === failAt ? "EIO" : null));
        const syncedIndex = await workload(options);
        if (operations < failAt) operationsTotal = operations;
        fs.setFaultHook(null);
        fs.crash(createPrng(failAt), mode);
        if (syncedIndex === 0 && !(await Wal.exists(fs, walDir))) continue;
        const opened = await Wal.open(options);
        const last = opened.entries.at(-1)?.index ?? 0;
        expect(last).toBeGreaterThanOrEqual(syncedIndex);
        for (const item of opened.entries) expect(item).toEqual(entry(item.index));
        const first = opened.entries[0]?.index ?? 1;
        expect(first <= 1 || (opened.snapshot !== null && first <= marker.index + 1)).toBe(true);
      }
    }
    expect(operationsTotal).toBeGreaterThan(40);
  });
});
