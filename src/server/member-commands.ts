/**
 * @module
 * How membership travels through the log. A Raft conf change carries, in its opaque context, who
 * proposed it (so only that member answers the client) and the added member's name and peer
 * URLs. Changes that do not touch who votes (a member announcing its client URLs after it starts,
 * new peer URLs for a member) are ordinary proposals with a member command.
 */
import {
  type MsgpackCodec,
  expectCount,
  expectId,
  expectText,
  expectTexts,
  expectTuple,
} from "../codec/index.ts";
import type { MemberId } from "../raft/types.ts";

const contextFormatVersion = 1;

/** What a conf change entry says beyond Raft's own fields. */
export interface ConfChangeContext {
  /** The member whose client waits for the answer; 0 for the founders' bootstrap entries. */
  readonly proposer: MemberId;
  readonly requestId: number;
  /** The added member's name ("" until it publishes) and peer URLs; empty for a removal. */
  readonly name: string;
  readonly peerURLs: readonly string[];
}

/** Member commands carried by ordinary proposals. */
export type MemberCommand =
  | {
      readonly op: "publishMember";
      readonly memberId: MemberId;
      readonly name: string;
      readonly clientURLs: readonly string[];
    }
  | {
      readonly op: "updateMemberPeers";
      readonly memberId: MemberId;
      readonly peerURLs: readonly string[];
    };

export function encodeConfChangeContext(
  codec: MsgpackCodec,
  context: ConfChangeContext,
): Uint8Array {
  const { proposer, requestId, name, peerURLs } = context;
  return codec.pack([contextFormatVersion, proposer, requestId, name, [...peerURLs]]);
}

/**
 * Decodes a conf change's context. An empty context is what bootstrap logs written before
 * contexts existed hold: the caller knows those founders from the member meta.
 * @returns null for an empty context.
 * @throws {CorruptionError} when the bytes are not a context of a known format.
 */
export function decodeConfChangeContext(
  codec: MsgpackCodec,
  bytes: Uint8Array,
): ConfChangeContext | null {
  if (bytes.byteLength === 0) return null;
  const fields = expectTuple(codec.unpack(bytes), 5, "conf change context");
  const version = expectCount(fields[0], "conf change context version");
  if (version !== contextFormatVersion) {
    throw new RangeError(`Unknown conf change context format ${version}`);
  }
  return {
    proposer: expectId(fields[1], "conf change proposer"),
    requestId: expectCount(fields[2], "conf change request id"),
    name: expectText(fields[3], "member name"),
    peerURLs: expectTexts(fields[4], "member peer URLs"),
  };
}

/** True for a well-formed member command (the envelope decoder's check). */
export function isMemberCommand(value: unknown): value is MemberCommand {
  if (typeof value !== "object" || value === null) return false;
  const op: unknown = Reflect.get(value, "op");
  const memberId: unknown = Reflect.get(value, "memberId");
  if (typeof memberId !== "bigint") return false;
  if (op === "publishMember") {
    return typeof Reflect.get(value, "name") === "string" &&
      isTextList(Reflect.get(value, "clientURLs"));
  }
  if (op === "updateMemberPeers") return isTextList(Reflect.get(value, "peerURLs"));
  return false;
}

// --- internal ---

function isTextList(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}
