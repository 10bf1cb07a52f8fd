import { describe, expect, test } from "bun:test";
import { type Prng, createPrng } from "../../../src/lib/prng.ts";
import type { Entry, HardState } from "../../../src/raft/types.ts";
import type { SimulatedFileSystem } from "../../../src/storage/fs/index.ts";
import type { WalRecord } from "../../../src/storage/wal/records.ts";
import {
  type ReplayState,
  emptyReplayState,
  lastIndexOf,
  replayRecord,
} from "../../../src/storage/wal/replay.ts";
import { Wal, type WalOptions } from "../../../src/storage/wal/index.ts";
import { entry, preparedDisk, walDir } from "./helpers.ts";

/** Everything saved so far, as records, and how many of them the last sync made durable. */
interface History {
  records: WalRecord[];
  durableCount: number;
}

function replayed(records: readonly WalRecord[]): ReplayState {
  const state = emptyReplayState();
  for (const record of records) replayRecord(state, record);
  return state;
}

function summary(state: { entries: readonly Entry[]; hardState: HardState | null }): string {
  const entries = state.entries.map(
    (item) => `${item.index}:${item.term}:${Bun.hash.crc32(item.data)}:${item.data.byteLength}`,
  );
  const hard = state.hardState;
  const hardText = hard === null ? "none" : `${hard.term}/${hard.vote}/${hard.commit}`;
  return `${hardText} ${entries.join(" ")}`;
}

/** The number of records a recovered log corresponds to; fails when it matches no prefix. */
function matchingPrefix(history: History, recovered: string): number {
  const state = replayed(history.records.slice(0, history.durableCount));
  let match = summary(state) === recovered ? history.durableCount : -1;
  for (let count = history.durableCount + 1; count <= history.records.length; count++) {
    const record = history.records[count - 1];
    if (record === undefined) break;
    replayRecord(state, record);
    if (summary(state) === recovered) match = count;
  }
  if (match >= 0) return match;
  throw new Error(
    `recovered log matches no prefix of at least ${history.durableCount} records: ${recovered}`,
  );
}

function randomSave(
  prng: Prng,
  state: ReplayState,
): { hardState: HardState | null; entries: Entry[] } {
  const last = lastIndexOf(state);
  const first = (state.base ?? 0) + 1;
  const term = (state.hardState?.term ?? 1) + (prng.chance(0.2) ? 1 : 0);
  const start = prng.chance(0.2) ? Math.max(first, last - prng.nextInt(4)) : last + 1;
  const count = prng.nextInt(6);
  const entries = Array.from({ length: count }, (_, offset) =>
    entry(start + offset, term, 1 + prng.nextInt(300)),
  );
  const hardState = prng.chance(0.5) ? { term, vote: BigInt(prng.nextInt(5)), commit: last } : null;
  return { hardState, entries };
}

async function runSeed(seed: number): Promise<{ crashes: number; keptUnsynced: number }> {
  const prng = createPrng(seed);
  const fs: SimulatedFileSystem = await preparedDisk();
  const options: WalOptions = { fs, dir: walDir, segmentBytes: 2048, frameBytesMax: 4096 };
  let wal = (await Wal.create(options)).wal;
  const history: History = { records: [], durableCount: 0 };
  let model = emptyReplayState();
  let crashes = 0;
  let keptUnsynced = 0;
  for (let step = 0; step < 60; step++) {
    const roll = prng.nextFloat();
    if (roll < 0.6) {
      const { hardState, entries } = randomSave(prng, model);
      await wal.save(hardState, entries);
      const records: WalRecord[] = entries.map((item) => ({ type: "entry", entry: item }));
      if (hardState !== null) records.push({ type: "hardState", hardState });
      for (const record of records) replayRecord(model, record);
      history.records.push(...records);
    } else if (roll < 0.85) {
      await wal.sync();
      history.durableCount = history.records.length;
    } else {
      fs.crash(prng);
      crashes += 1;
      const opened = await Wal.open(options);
      wal = opened.wal;
      const count = matchingPrefix(history, summary(opened));
      keptUnsynced += count - history.durableCount;
      history.records.length = count;
      history.durableCount = count;
      model = replayed(history.records);
    }
  }
  return { crashes, keptUnsynced };
}

describe("Wal under crashes", () => {
  test("a crash keeps every synced record in order, plus a prefix of the rest", async () => {
    let crashes = 0;
    let keptUnsynced = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const outcome = await runSeed(seed).catch((error: unknown) => {
        throw new Error(`seed ${seed}: ${String(error)}`);
      });
      crashes += outcome.crashes;
      keptUnsynced += outcome.keptUnsynced;
    }
    // The runs must exercise crashes that keep part of the unsynced data, not only clean ones.
    expect(crashes).toBeGreaterThan(300);
    expect(keptUnsynced).toBeGreaterThan(50);
  }, 60_000);
});
