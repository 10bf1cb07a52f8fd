/**
 * @module
 * The messages Raft peers exchange, and the values the core hands to its caller (Ready, read
 * states, proposal results). Every shape is plain data (numbers, bigint ids, Uint8Array, arrays)
 * so the codec can encode it with msgpack without special cases.
 */

import type { Entry, HardState, MemberId, Snapshot } from "./types.ts";

/** The member id meaning "nobody" (no leader, no vote). */
export const noMember: MemberId = 0n;

/** Fields every message carries. `term` is 0 only for forwarded local requests. */
interface MessageHeader {
  readonly from: MemberId;
  readonly to: MemberId;
  readonly term: number;
}

/** AppendEntries: `index`/`logTerm` identify the entry preceding `entries`. */
export interface MsgApp extends MessageHeader {
  readonly type: "MsgApp";
  readonly index: number;
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * The answer to MsgApp or MsgSnap. On success `index` is the last index known to match. On
 * rejection `index` is the rejected MsgApp's `index`, and (`rejectHint`, `logTerm`) is the
 * follower's best guess of a matching position (the last entry with term ≤ the probed term).
 */
export interface MsgAppResp extends MessageHeader {
  readonly type: "MsgAppResp";
  readonly index: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly logTerm: number;
}

/** RequestVote (or PreVote): `index`/`logTerm` describe the candidate's last entry. */
export interface MsgVote extends MessageHeader {
  readonly type: "MsgVote" | "MsgPreVote";
  readonly index: number;
  readonly logTerm: number;
  /** Set by a leadership-transfer campaign: voters skip the leader-lease check. */
  readonly force: boolean;
}

/** A (pre-)vote answer. A granted pre-vote echoes the requested term. */
export interface MsgVoteResp extends MessageHeader {
  readonly type: "MsgVoteResp" | "MsgPreVoteResp";
  readonly reject: boolean;
}

/** A leader's heartbeat; `commit` is clamped to what the follower is known to hold. */
export interface MsgHeartbeat extends MessageHeader {
  readonly type: "MsgHeartbeat";
  readonly commit: number;
  /** A ReadIndex request context being confirmed by this round, or null. */
  readonly context: Uint8Array | null;
}

export interface MsgHeartbeatResp extends MessageHeader {
  readonly type: "MsgHeartbeatResp";
  readonly context: Uint8Array | null;
}

/** InstallSnapshot (the whole snapshot; chunking is the transport's business). */
export interface MsgSnap extends MessageHeader {
  readonly type: "MsgSnap";
  readonly snapshot: Snapshot;
}

/** A proposal forwarded by a follower to its leader (term 0). */
export interface MsgProp extends MessageHeader {
  readonly type: "MsgProp";
  readonly entries: readonly Entry[];
}

/** A ReadIndex request forwarded by a follower to its leader (term 0). */
export interface MsgReadIndex extends MessageHeader {
  readonly type: "MsgReadIndex";
  readonly context: Uint8Array;
}

/** The leader's answer to a forwarded ReadIndex request. */
export interface MsgReadIndexResp extends MessageHeader {
  readonly type: "MsgReadIndexResp";
  readonly context: Uint8Array;
  readonly index: number;
}

/** Tells a caught-up transferee to campaign at once. */
export interface MsgTimeoutNow extends MessageHeader {
  readonly type: "MsgTimeoutNow";
}

/** Asks the leader to hand leadership to `from` (forwarded by followers, term 0). */
export interface MsgTransferLeader extends MessageHeader {
  readonly type: "MsgTransferLeader";
}

/** Every message a Raft node sends or receives. */
export type Message =
  | MsgApp
  | MsgAppResp
  | MsgVote
  | MsgVoteResp
  | MsgHeartbeat
  | MsgHeartbeatResp
  | MsgSnap
  | MsgProp
  | MsgReadIndex
  | MsgReadIndexResp
  | MsgTimeoutNow
  | MsgTransferLeader;

export type MessageType = Message["type"];

/** Every message type, for checking what arrives from a peer. */
export const messageTypeNames: ReadonlySet<string> = new Set<MessageType>([
  "MsgApp",
  "MsgAppResp",
  "MsgVote",
  "MsgPreVote",
  "MsgVoteResp",
  "MsgPreVoteResp",
  "MsgHeartbeat",
  "MsgHeartbeatResp",
  "MsgSnap",
  "MsgProp",
  "MsgReadIndex",
  "MsgReadIndexResp",
  "MsgTimeoutNow",
  "MsgTransferLeader",
]);

/** The role a node plays. A pre-candidate runs a PreVote round without bumping its term. */
export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** Volatile state worth reporting but never persisted. */
export interface SoftState {
  readonly leader: MemberId;
  readonly role: Role;
}

/** A confirmed ReadIndex: once `applied ≥ index`, a read for `context` is linearizable. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

/**
 * What the caller must do next; see `index.ts` for the contract. Fields absent or empty mean
 * nothing to do for that part.
 */
export interface Ready {
  readonly softState?: SoftState;
  /** Persist when present (with `entries`, before sending `messages`). */
  readonly hardState?: HardState;
  /** Append to stable storage; an entry at index i replaces every stored entry ≥ i. */
  readonly entries: readonly Entry[];
  /** Persist and restore the state machine from it, before applying `committedEntries`. */
  readonly snapshot?: Snapshot;
  /** Apply in order, after persisting `entries`. */
  readonly committedEntries: readonly Entry[];
  /** Send after persisting `entries`, `hardState` and `snapshot` (but see below). */
  readonly messages: readonly Message[];
  /**
   * How many of `messages`, from the front, may be sent before this Ready is persisted (the rest
   * only after). Those are the responses released by the previous `advance()`, which vouch only
   * for what that Ready made durable; requests forwarded to the leader (term 0), which vouch for
   * nothing, so a client of a follower does not wait for the follower's disk; and, when the node
   * leads and this Ready changes neither term nor vote and holds no snapshot, all of them: a
   * leader's appends, heartbeats and read answers vouch for nothing unpersisted (its
   * acknowledgement of its own entries is gated), so followers write in parallel with the
   * leader's own write, which takes one disk write off every commit (Raft thesis §10.2.1).
   */
  readonly earlyMessageCount: number;
  readonly readStates: readonly ReadState[];
  /** True when `entries`, term or vote changed: the write must be fsynced. */
  readonly mustSync: boolean;
}

/**
 * What `RawNode.writeFreeReady()` hands out while a Ready is being written: nothing in it needs
 * persisting, and nothing in it waits for that write.
 */
export interface WriteFreeReady {
  /** Send now. */
  readonly messages: readonly Message[];
  /** Apply now, in order, after the committed entries of the Ready being written. */
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
}

/** Why a proposal, read or transfer request was refused. Refusals are normal outcomes. */
export type DropReason =
  | "no leader"
  | "transfer in progress"
  | "uncommitted limit"
  | "not a member"
  | "conf change pending"
  | "no current-term commit"
  | "invalid conf change"
  | "read queue full"
  | "not leader";

/** The outcome of a local request. `ok` means accepted locally, not committed. */
export type RequestResult = { readonly ok: true } | { readonly dropped: DropReason };

export const accepted: RequestResult = Object.freeze({ ok: true });

export function dropped(reason: DropReason): RequestResult {
  return { dropped: reason };
}
