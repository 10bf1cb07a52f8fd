/**
 * @module
 * Every size and count limit in one place. Each has a flag (see `src/config.ts`); these are the
 * defaults, and `checkLimits` asserts how they must relate before anything starts.
 */
import { assert } from "./lib/assert.ts";

export interface Limits extends TransportLimits {
  /** Longest key path in bytes (UTF-8). etcd answers ~4 KiB request lines. */
  keyBytesMax: number;
  /** Largest value in bytes. */
  valueBytesMax: number;
  /** Largest HTTP request body; etcd rejects form bodies over 10 MiB. */
  requestBodyBytesMax: number;
  /** Events kept for `waitIndex` watches (etcd keeps 1000). */
  historyEventsMax: number;
  /** Registered watchers across all clients. */
  watchersMax: number;
  /** Events a streaming watcher may fall behind before it is closed. */
  watchEventsBufferedMax: number;
  /** Nodes (files and directories) in the key tree. */
  nodesMax: number;
  /** Proposals waiting for commit on one member. */
  pendingProposalsMax: number;
  /** Bytes after which a WAL segment is cut. */
  walSegmentBytes: number;
  /** Largest single WAL record or peer frame. */
  frameBytesMax: number;
  /** Applied entries between two snapshots. */
  snapshotEntries: number;
  /**
   * Entries a leader keeps in memory below its latest snapshot, so a follower a little behind
   * catches up from the log rather than by a whole snapshot (etcd keeps 5000).
   */
  snapshotCatchUpEntries: number;
  /** Client requests in flight at once; each open watch holds one (and its connection). */
  clientConnectionsMax: number;
  /** Entry bytes in one Raft append message (one entry always goes). */
  raftMessageBytesMax: number;
  /** Append messages in flight to one follower. */
  raftInflightMessagesMax: number;
  /** Bytes of proposed but uncommitted entries a leader holds before refusing proposals. */
  raftUncommittedBytesMax: number;
  /** Committed entry bytes handed to the apply step at once. */
  raftApplyBatchBytesMax: number;
  /** ReadIndex requests a leader keeps waiting. */
  readIndexPendingMax: number;
}

const mebibyte = 1024 * 1024;

export const defaultLimits: Readonly<Limits> = {
  keyBytesMax: 4096,
  valueBytesMax: 10 * mebibyte,
  requestBodyBytesMax: 10 * mebibyte,
  historyEventsMax: 1000,
  watchersMax: 100_000,
  watchEventsBufferedMax: 100,
  nodesMax: 10_000_000,
  pendingProposalsMax: 10_000,
  walSegmentBytes: 64 * mebibyte,
  frameBytesMax: 32 * mebibyte,
  snapshotEntries: 10_000,
  snapshotCatchUpEntries: 5000,
  clientConnectionsMax: 10_000,
  raftMessageBytesMax: mebibyte,
  raftInflightMessagesMax: 256,
  raftUncommittedBytesMax: 128 * mebibyte,
  raftApplyBatchBytesMax: 64 * mebibyte,
  readIndexPendingMax: 4096,
  peerSendQueueMessagesMax: 4096,
  peerSendQueueBytesMax: 64 * mebibyte,
  snapshotChunkBytes: mebibyte,
  snapshotReceiveBytesMax: 1024 * mebibyte,
};

/**
 * Checks that a set of limits is usable.
 * @throws {RangeError} naming the first limit that is out of range.
 */
export function checkLimits(limits: Limits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!(Number.isSafeInteger(value) && value > 0)) {
      throw new RangeError(`Invalid limit ${name}=${String(value)}: must be a positive integer`);
    }
  }
  if (limits.valueBytesMax > limits.requestBodyBytesMax) {
    throw new RangeError("Invalid limits: valueBytesMax must not exceed requestBodyBytesMax");
  }
  // One record carries a key, a value and a fixed header; it must always fit in a frame.
  const recordBytesMax = limits.keyBytesMax + limits.valueBytesMax + 4096;
  if (recordBytesMax > limits.frameBytesMax) {
    throw new RangeError("Invalid limits: frameBytesMax must exceed keyBytesMax + valueBytesMax");
  }
  if (limits.frameBytesMax > limits.walSegmentBytes) {
    throw new RangeError("Invalid limits: walSegmentBytes must hold at least one frame");
  }
  // An append carries at least one entry; batched entries must still fit in one peer frame.
  if (limits.raftMessageBytesMax + recordBytesMax > limits.frameBytesMax) {
    throw new RangeError(
      "Invalid limits: frameBytesMax must exceed raftMessageBytesMax plus one largest entry",
    );
  }
  checkTransportLimits(limits, limits.frameBytesMax);
}

checkLimits(defaultLimits);
assert(defaultLimits.historyEventsMax >= 1, "history must keep at least one event");

/** The peer transport's limits: the part of `Limits` the transport sees. */
export interface TransportLimits {
  /** Messages waiting to be written to one peer; more are dropped (peer reported unreachable). */
  peerSendQueueMessagesMax: number;
  /** Bytes of encoded messages waiting for one peer; must hold at least one largest frame. */
  peerSendQueueBytesMax: number;
  /** Snapshot data bytes per streamed chunk frame. */
  snapshotChunkBytes: number;
  /** Largest snapshot a member accepts from a peer, in bytes of data. */
  snapshotReceiveBytesMax: number;
}

export const defaultTransportLimits: Readonly<TransportLimits> = {
  peerSendQueueMessagesMax: defaultLimits.peerSendQueueMessagesMax,
  peerSendQueueBytesMax: defaultLimits.peerSendQueueBytesMax,
  snapshotChunkBytes: defaultLimits.snapshotChunkBytes,
  snapshotReceiveBytesMax: defaultLimits.snapshotReceiveBytesMax,
};

/**
 * Checks transport limits against each other and against `frameBytesMax`.
 * @throws {RangeError} naming the first limit that is out of range.
 */
export function checkTransportLimits(limits: TransportLimits, frameBytesMax: number): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!(Number.isSafeInteger(value) && value > 0)) {
      throw new RangeError(`Invalid limit ${name}=${String(value)}: must be a positive integer`);
    }
  }
  if (limits.peerSendQueueBytesMax < frameBytesMax) {
    throw new RangeError("Invalid limits: peerSendQueueBytesMax must be at least frameBytesMax");
  }
  // A chunk travels in one frame with a 16-byte header and up to 7 bytes of padding.
  if (limits.snapshotChunkBytes + 64 > frameBytesMax) {
    throw new RangeError("Invalid limits: snapshotChunkBytes must fit in frameBytesMax");
  }
}

