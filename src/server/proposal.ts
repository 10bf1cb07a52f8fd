/**
 * @module
 * The envelope a store command travels in through the log: who proposed it (so only that member
 * answers the client), a request id, and the proposer's wall time, which becomes the command's
 * one notion of "now" on every replica.
 */
import type { MsgpackCodec } from "../codec/index.ts";
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
  const decoded = codec.unpack(data);
  assert(Array.isArray(decoded) && decoded.length === 5, "a proposal is a 5-tuple");
  const [version, proposer, requestId, nowMs, command] = decoded as unknown[];
  assert(version === proposalFormatVersion, `unknown proposal format ${String(version)}`);
  assert(typeof proposer === "bigint", "proposer must be a member id");
  assert(typeof requestId === "number" && typeof nowMs === "number", "bad proposal numbers");
  assert(
    isStoreCommand(command) || isMemberCommand(command),
    "proposal does not carry a store or member command",
  );
  return { proposer, requestId, nowMs, command };
}

// --- internal ---

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
