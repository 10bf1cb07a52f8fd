/**
 * Shared fixtures for the storage tests: entries, a prepared simulated disk, copies of a disk.
 */
import { posix } from "node:path";
import type { Entry } from "../../../src/raft/types.ts";
import { SimulatedFileSystem } from "../../../src/storage/fs/index.ts";

export const walDir = "/data/member/wal";

/** An entry whose data encodes its index and term, so mixups show. */
export function entry(index: number, term = 1, size = 8): Entry {
  const data = Uint8Array.from(
    { length: size },
    (_, position) => (index * 13 + term + position) & 0xff,
  );
  return { index, term, type: 0, data };
}

/** Consecutive entries [from, to]. */
export function entries(from: number, to: number, term = 1): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, offset) => entry(from + offset, term));
}

/** A simulated disk whose `/data/member` directory exists durably. */
export async function preparedDisk(): Promise<SimulatedFileSystem> {
  const fs = new SimulatedFileSystem();
  await fs.mkdirp("/data/member");
  await fs.fsyncDir("/");
  await fs.fsyncDir("/data");
  return fs;
}

/** A new disk holding durable copies of every file of `dir`, with `edit` applied per file. */
export async function copyDir(
  source: SimulatedFileSystem,
  dir: string,
  edit: (name: string, bytes: Uint8Array) => Uint8Array = (_name, bytes) => bytes,
): Promise<SimulatedFileSystem> {
  const target = await preparedDisk();
  await target.mkdirp(dir);
  for (const name of await source.readdir(dir)) {
    const handle = await target.open(posix.join(dir, name), "createExclusive");
    await handle.write(edit(name, await source.readFile(posix.join(dir, name))), 0);
    await handle.datasync();
    await handle.close();
  }
  await target.fsyncDir(dir);
  await target.fsyncDir(posix.dirname(dir));
  return target;
}
