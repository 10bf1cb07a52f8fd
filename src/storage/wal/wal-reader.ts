/**
 * @module
 * Opening a WAL: finds its segments, reads them in order, checks that they are consecutive and
 * that each continues the previous one's CRC chain, replays their records, and repairs a torn tail
 * of the last segment (logged, with a `.broken` copy kept) before anything is appended again.
 */
import { posix } from "node:path";
import { createMsgpackCodec } from "../../codec/index.ts";
import { assert } from "../../lib/assert.ts";
import type { Logger } from "../../lib/log.ts";
import type { FileSystem } from "../fs/types.ts";
import { WalCorruptionError } from "./errors.ts";
import { type ReplayState, emptyReplayState, lastIndexOf, replayRecord } from "./replay.ts";
import { type SegmentContents, scanSegment } from "./segment-reader.ts";
import { type SegmentName, parseSegmentFileName } from "./segment-name.ts";

/** The outcome of reading every segment. */
export interface ReadSegments {
  readonly segments: readonly SegmentName[];
  readonly state: ReplayState;
  /** Bytes of valid data in the last segment (after any repair). */
  readonly validBytes: number;
  /** Bytes in the last segment's file, preallocated zeros included (after any repair). */
  readonly fileBytes: number;
  /** The chain value after the last valid frame. */
  readonly chain: number;
  readonly lastIndex: number;
}

/**
 * Reads every segment in `dir`.
 * @throws {WalCorruptionError} on damage other than a torn tail of the last segment.
 * @throws {Error} when the directory holds no segments.
 */
export async function readSegments(options: {
  fs: FileSystem;
  dir: string;
  frameBytesMax: number;
  logger: Logger;
}): Promise<ReadSegments> {
  const { fs, dir } = options;
  const segments = await listSegments(fs, dir);
  const codec = createMsgpackCodec();
  const state = emptyReplayState();
  let chain = 0;
  let last: SegmentContents | null = null;
  for (const [position, segment] of segments.entries()) {
    const path = posix.join(dir, segment.fileName);
    const isLast = position === segments.length - 1;
    const bytes = await fs.readFile(path);
    const contents = scanSegment(codec, bytes, {
      segment,
      path,
      isLast,
      frameBytesMax: options.frameBytesMax,
    });
    if (position > 0 && contents.previousChain !== chain) {
      const problem = `does not continue the checksum chain of the previous segment`;
      throw new WalCorruptionError({ file: path, offset: 0, problem });
    }
    replayContents(state, contents, path);
    chain = contents.chain;
    last = contents;
    if (isLast && contents.tornReason !== null) {
      await repairTornTail({ ...options, path, bytes, contents });
    }
  }
  assert(last !== null, "at least one segment was read");
  // A repair cuts the file at the end of its valid data.
  const fileBytes = last.tornReason === null ? last.fileBytes : last.validBytes;
  const { validBytes } = last;
  return { segments, state, validBytes, fileBytes, chain, lastIndex: lastIndexOf(state) };
}

// --- internal ---

async function listSegments(fs: FileSystem, dir: string): Promise<SegmentName[]> {
  const names = await fs.readdir(dir);
  const temporaries = names.filter((name) => name.endsWith(".wal.tmp"));
  for (const name of temporaries) await fs.unlink(posix.join(dir, name));
  if (temporaries.length > 0) await fs.fsyncDir(dir);
  const segments = names
    .map(parseSegmentFileName)
    .filter((segment): segment is SegmentName => segment !== null)
    .sort((left, right) => left.sequence - right.sequence);
  if (segments.length === 0) throw new Error(`Cannot open WAL in ${dir}: it holds no segments`);
  for (let position = 1; position < segments.length; position++) {
    const previous = segments[position - 1];
    const segment = segments[position];
    assert(previous !== undefined && segment !== undefined, "segments are dense");
    if (segment.sequence !== previous.sequence + 1) {
      throw new WalCorruptionError({
        file: posix.join(dir, segment.fileName),
        offset: 0,
        problem: `does not follow segment ${previous.fileName} (a segment is missing)`,
      });
    }
  }
  return segments;
}

function replayContents(state: ReplayState, contents: SegmentContents, path: string): void {
  for (const [position, record] of contents.records.entries()) {
    try {
      replayRecord(state, record);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      const offset = contents.offsets[position] ?? 0;
      const problem = `is out of order: ${error.message}`;
      throw new WalCorruptionError({ file: path, offset, problem });
    }
  }
}

async function repairTornTail(options: {
  fs: FileSystem;
  logger: Logger;
  path: string;
  bytes: Uint8Array;
  contents: SegmentContents;
}): Promise<void> {
  const { fs, path, bytes, contents } = options;
  const droppedBytes = bytes.byteLength - contents.validBytes;
  assert(droppedBytes > 0, "a torn tail drops at least one byte");
  options.logger.warn("wal_torn_tail_repaired", {
    file: path,
    offset: contents.validBytes,
    droppedBytes,
    reason: contents.tornReason,
  });
  const broken = await fs.open(`${path}.broken`, "createTruncate");
  await broken.write(bytes, 0);
  await broken.datasync();
  await broken.close();
  const handle = await fs.open(path, "readWrite");
  await handle.truncate(contents.validBytes);
  await handle.datasync();
  await handle.close();
  await fs.fsyncDir(posix.dirname(path));
}
