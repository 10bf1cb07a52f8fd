/**
 * @module
 * Creating directories so that they survive a crash: a new directory entry is durable only once
 * its parent directory has been synced.
 */
import { posix } from "node:path";
import type { FileSystem } from "./types.ts";

/**
 * Creates `path` and any missing parents, syncing each new directory's parent so the new entries
 * survive a crash. Existing directories are left alone.
 * @throws {FileSystemError} when a directory cannot be created or synced.
 */
export async function makeDirectoryDurably(fs: FileSystem, path: string): Promise<void> {
  const missing: string[] = [];
  let current = posix.normalize(path);
  while ((await fs.stat(current)) === null) {
    missing.push(current);
    const parent = posix.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (missing.length === 0) return;
  await fs.mkdirp(path);
  // Parents first, so each synced entry points at a directory that is itself durable.
  for (const directory of missing.reverse()) await fs.fsyncDir(posix.dirname(directory));
}
