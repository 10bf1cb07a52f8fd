/**
 * @module
 * The envelope a store command travels in through the log: who proposed it (so only that member
 * answers the client), a request id, and the proposer's wall time, which becomes the command's
 * one notion of "now" on every replica.
 */
import { type MsgpackCodec, isPackedAsInteger } from "../codec/index.ts";
import { assert } from "../lib/assert.ts";
import type { MemberId } from "../raft/types.ts";
import type { StoreCommand } from "../store/types.ts";
import { type MemberCommand, isMemberCommand } from "./member-commands.ts";

const proposalFormatVersion = 1;

/** What a proposal carries: a key-space write, or a change to the member list. */
export type ReplicatedCommand = StoreCommand | MemberCommand;

export interface Proposal {
  readonly proposer: MemberId;
  readonly requestId: number;
  /** Wall-clock ms stamped when the command entered the log. */
  readonly nowMs: number;
  readonly command: ReplicatedCommand;
}

/** Encodes a proposal as the data of a normal log entry. */
export function encodeProposal(codec: MsgpackCodec, proposal: Proposal): Uint8Array {
  assert(proposal.requestId > 0, "request ids start at 1");
  const { proposer, requestId, nowMs, command } = proposal;
  return codec.pack([proposalFormatVersion, proposer, requestId, nowMs, command]);
}

/**
 * Decodes the data of a normal log entry. Entries come from our own CRC-checked WAL or from a
 * peer's checked frame, so a malformed one is a programmer error, not an operating one.
 */
export function decodeProposal(codec: MsgpackCodec, data: Uint8Array): Proposal {
  const proposal = tryDecodeProposal(codec, data);
  assert(proposal !== null, "a log entry holds a well-formed proposal");
  return proposal;
}

/**
 * Decodes a proposal a peer forwarded, before it enters the log.
 * @returns null when the bytes are not a well-formed proposal.
 */
export function tryDecodeProposal(codec: MsgpackCodec, data: Uint8Array): Proposal | null {
  let decoded: unknown;
  try {
    decoded = codec.unpack(data);
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 5) return null;
  const [version, proposer, requestId, nowMs, command] = decoded as unknown[];
  if (version !== proposalFormatVersion || typeof proposer !== "bigint") return null;
  if (typeof requestId !== "number" || typeof nowMs !== "number") return null;
  if (!isStoreCommand(command) && !isMemberCommand(command)) return null;
  return { proposer, requestId, nowMs, command };
}

/**
 * The same proposal with another time stamp, by overwriting the stamp's bytes in a copy of
 * `data` when both stamps are msgpack float64s (wall-clock milliseconds always are): what
 * `encodeProposal` would write for it, without encoding the command again.
 */
export function restampProposal(
  codec: MsgpackCodec,
  data: Uint8Array,
  proposal: Proposal,
  nowMs: number,
): Uint8Array {
  const offset = stampOffset(data);
  if (offset === null || isPackedAsInteger(nowMs)) {
    return encodeProposal(codec, { ...proposal, nowMs });
  }
  const copy = data.slice();
  new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setFloat64(offset + 1, nowMs);
  return copy;
}

// --- internal ---

/** Where the stamp's float64 marker is: after the array header, version, proposer and id. */
function stampOffset(data: Uint8Array): number | null {
  // fixarray of 5, then the format version as a positive fixint.
  if (data[0] !== 0x95 || data[1] !== proposalFormatVersion) return null;
  // The proposer, a 64-bit id (int64 or uint64).
  if (data[2] !== 0xd3 && data[2] !== 0xcf) return null;
  let offset = 11;
  const idMarker = data[offset];
  if (idMarker === undefined) return null;
  if (idMarker < 0x80) offset += 1;
  else if (idMarker === 0xcc) offset += 2;
  else if (idMarker === 0xcd) offset += 3;
  else if (idMarker === 0xce) offset += 5;
  else if (idMarker === 0xcb) offset += 9;
  else return null;
  return data[offset] === 0xcb && offset + 9 <= data.byteLength ? offset : null;
}

const commandOps = new Set([
  "set",
  "create",
  "update",
  "compareAndSwap",
  "delete",
  "compareAndDelete",
  "expire",
]);

function isStoreCommand(value: unknown): value is StoreCommand {
  if (typeof value !== "object" || value === null) return false;
  const op: unknown = Reflect.get(value, "op");
  return typeof op === "string" && commandOps.has(op);
}
