/**
 * @module
 * The member meta file (`<data-dir>/member/meta`): cluster id, member id, name and the peers this
 * member knows, in one CRC-checked frame with a format version. Written atomically and durably
 * (temporary file, fdatasync, rename, directory fsync), so a crash leaves the old or the new file.
 */
import { posix } from "node:path";
import {
  CorruptionError,
  type MsgpackCodec,
  RecordType,
  createMsgpackCodec,
  decodeFrame,
  encodeFrame,
  expectCount,
  expectId,
  expectText,
  expectTexts,
  expectTuple,
  expectArray,
  TruncatedError,
} from "../codec/index.ts";
import { assert } from "../lib/assert.ts";
import type { MemberId } from "../raft/types.ts";
import type { FileSystem } from "./fs/types.ts";

/** The meta format this code writes and reads. */
export const metaFormatVersion = 1;

/** A cluster member as this member knows it. */
export interface PeerMeta {
  readonly id: MemberId;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
}

/** Who this member is and which cluster it belongs to. */
export interface MemberMeta {
  readonly clusterId: MemberId;
  readonly memberId: MemberId;
  readonly name: string;
  readonly peers: readonly PeerMeta[];
}

/** Meta files are small; this bounds the frame read back. */
const metaFrameBytesMax = 16 * 1024 * 1024;

/**
 * Reads the meta file.
 * @returns null when the file does not exist.
 * @throws {Error} naming the file when it is damaged, cut short or of an unknown format version.
 */
export async function readMeta(fs: FileSystem, path: string): Promise<MemberMeta | null> {
  if ((await fs.stat(path)) === null) return null;
  const bytes = await fs.readFile(path);
  try {
    return decodeMeta(createMsgpackCodec(), decodeFrame(bytes, metaFrameBytesMax).payload);
  } catch (error) {
    if (error instanceof CorruptionError || error instanceof TruncatedError) {
      const message = `Cannot read member meta ${path}: ${error.message}; the data dir is damaged`;
      throw new Error(message, { cause: error });
    }
    throw error;
  }
}

/**
 * Replaces the meta file atomically and durably.
 * @throws {FileSystemError} when a write, sync or rename fails (the old file stays).
 */
export async function writeMeta(fs: FileSystem, path: string, meta: MemberMeta): Promise<void> {
  const codec = createMsgpackCodec();
  const bytes = encodeFrame(RecordType.dataDirMeta, encodeMeta(codec, meta), metaFrameBytesMax);
  const temporary = `${path}.tmp`;
  const handle = await fs.open(temporary, "createTruncate");
  try {
    await handle.write(bytes, 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, path);
  await fs.fsyncDir(posix.dirname(path));
}

// --- internal ---

function encodeMeta(codec: MsgpackCodec, meta: MemberMeta): Uint8Array {
  assert(meta.memberId > 0n, "a member id is never 0");
  const peers = meta.peers.map((peer) => [
    BigInt.asUintN(64, peer.id),
    peer.name,
    [...peer.peerURLs],
    [...peer.clientURLs],
  ]);
  return codec.pack([
    metaFormatVersion,
    BigInt.asUintN(64, meta.clusterId),
    BigInt.asUintN(64, meta.memberId),
    meta.name,
    peers,
  ]);
}

function decodeMeta(codec: MsgpackCodec, payload: Uint8Array): MemberMeta {
  let value: unknown;
  try {
    value = codec.unpack(payload);
  } catch (error) {
    throw new CorruptionError(`bad msgpack: ${String(error)}`, 0);
  }
  const fields = expectTuple(value, 5, "member meta");
  const version = expectCount(fields[0], "meta format version");
  if (version !== metaFormatVersion) {
    throw new CorruptionError(`unsupported meta format version ${version}`, 0);
  }
  const peers = expectArray(fields[4], "meta peers").map((item) => {
    const peer = expectTuple(item, 4, "meta peer");
    return {
      id: expectId(peer[0], "peer id"),
      name: expectText(peer[1], "peer name"),
      peerURLs: expectTexts(peer[2], "peer URLs"),
      clientURLs: expectTexts(peer[3], "client URLs"),
    };
  });
  return {
    clusterId: expectId(fields[1], "cluster id"),
    memberId: expectId(fields[2], "member id"),
    name: expectText(fields[3], "member name"),
    peers,
  };
}
