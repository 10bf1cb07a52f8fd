/**
 * @module
 * The gate between peers and the Raft core. The core asserts its own invariants (an append never
 * truncates committed entries, a peer never acknowledges beyond our log, ...) and an assertion
 * stops the process. A peer's message is not our invariant: a buggy, old or hostile member can
 * send one that is well-shaped but impossible, and it must cost that message, not the member.
 * So `RawNode.step` asks `messageRefusal` first and drops (with a warning and a counter) every
 * message that could reach an assertion or that no correct peer can send.
 *
 * The transport's shape check (`src/transport/message-shape.ts`) already guarantees types,
 * non-negative safe integers, 64-bit ids and byte strings for messages off the wire; the shape
 * checks are repeated here because `RawNode.step` is the core's own boundary (tests, the
 * simulator and future transports call it too) and they cost a few comparisons. Pure: no I/O.
 *
 * What is deliberately not refused, because correct peers send it:
 * - an append whose `commit` is beyond its last entry (the leader sends its commit with a
 *   size-limited batch; the follower clamps it to the entries it matched);
 * - messages from members not in our configuration (a joiner learns its leader before it knows
 *   the membership; a voter whose configuration lags can be asked for a vote by a new voter);
 * - a forwarded request whose `from` is a third member (it names who asked, not the sender).
 */

import { formatMemberId, memberIdMax } from "../lib/member-id.ts";
import { parseConfChange } from "./conf-change.ts";
import type { Message, MessageType, MsgAppResp, Role } from "./messages.ts";
import { messageTypeNames, noMember } from "./messages.ts";
import type { ConfState, Entry, MemberId, Snapshot } from "./types.ts";
import { EntryType } from "./types.ts";

/**
 * The largest term or index accepted from a peer: half the exact integer range, so that the
 * core's `+ 1` and `+ entries.length` arithmetic on any accepted value stays exact. An honest
 * cluster never gets near it (a million elections a second would take 140 years).
 */
export const peerNumberMax = 2 ** 52;

/** What the receiver's state says about which messages are possible. */
export interface ReceiverView {
  readonly id: MemberId;
  readonly term: number;
  readonly role: Role;
  readonly lead: MemberId;
  readonly lastIndex: number;
}

/** Why `message` must be dropped before the core sees it, or null if it may be stepped. */
export function messageRefusal(message: Message, receiver: ReceiverView): string | null {
  return (
    headerRefusal(message, receiver) ?? bodyRefusal(message) ?? stateRefusal(message, receiver)
  );
}

// --- internal ---

/** Requests a follower forwards to its leader: they travel without a term. */
const forwardedTypes: ReadonlySet<string> = new Set<MessageType>([
  "MsgProp",
  "MsgReadIndex",
  "MsgTransferLeader",
]);

function headerRefusal(message: Message, receiver: ReceiverView): string | null {
  if (typeof message !== "object" || message === null) return "not a message";
  if (!messageTypeNames.has(message.type)) return `unknown type ${String(message.type)}`;
  if (!isMemberId(message.from) || !isMemberId(message.to)) return "from or to is not a member id";
  // Raft.step asserts this: the transport routes by `to`, so a mismatch is a routing bug.
  if (message.to !== receiver.id) return `addressed to ${formatMemberId(message.to)}`;
  // Every reply goes to `from`; replies to nobody, or to ourselves, trip the send assertions.
  if (message.from === 0n) return "from member 0";
  if (message.from === receiver.id) return "from this member itself";
  if (!isPeerNumber(message.term)) return "term is not an integer in range";
  if (forwardedTypes.has(message.type)) {
    // Followers forward requests at term 0; a term would let a mere request move ours.
    return message.term === 0 ? null : `forwarded ${message.type} carries term ${message.term}`;
  }
  return message.term === 0 ? "no term" : null;
}

function bodyRefusal(message: Message): string | null {
  switch (message.type) {
    case "MsgApp":
      return appendRefusal(message.index, message.logTerm, message.term, message.entries) ??
        countsRefusal({ commit: message.commit });
    case "MsgAppResp":
      return appendResponseRefusal(message);
    case "MsgVote":
    case "MsgPreVote":
      if (typeof message.force !== "boolean") return "force is not a boolean";
      return countsRefusal({ index: message.index, logTerm: message.logTerm }) ??
        (message.logTerm > message.term ? "last log term above the campaign term" : null);
    case "MsgVoteResp":
    case "MsgPreVoteResp":
      return typeof message.reject === "boolean" ? null : "reject is not a boolean";
    case "MsgHeartbeat":
      return countsRefusal({ commit: message.commit }) ?? contextRefusal(message.context, true);
    case "MsgHeartbeatResp":
      return contextRefusal(message.context, true);
    case "MsgSnap":
      return snapshotRefusal(message.snapshot, message.term);
    case "MsgProp":
      return proposalRefusal(message.entries);
    case "MsgReadIndex":
      return contextRefusal(message.context, false);
    case "MsgReadIndexResp":
      return contextRefusal(message.context, false) ?? countsRefusal({ index: message.index });
    case "MsgTimeoutNow":
    case "MsgTransferLeader":
      return null;
  }
}

/**
 * MsgApp's entries must continue the log at `index + 1` without gaps (the follower's append
 * asserts it), and their terms must be possible in a leader's log: at least 1, never falling,
 * never below the previous entry's, never above the leader's term.
 */
function appendRefusal(
  index: number,
  logTerm: number,
  term: number,
  entries: readonly Entry[],
): string | null {
  const counts = countsRefusal({ index, logTerm });
  if (counts !== null) return counts;
  if (logTerm > term) return `previous entry's term ${logTerm} above the message term ${term}`;
  if (!Array.isArray(entries)) return "entries is not a list";
  if (index + entries.length > peerNumberMax) return "entries run beyond the index range";
  let previousTerm = logTerm;
  for (let offset = 0; offset < entries.length; offset++) {
    const entry = entries[offset] as Entry;
    const shape = entryRefusal(entry);
    if (shape !== null) return shape;
    const expected = index + 1 + offset;
    if (entry.index !== expected) {
      return `entry ${offset} has index ${entry.index}, not ${expected}`;
    }
    if (entry.term < 1) return `entry ${entry.index} has term 0`;
    if (entry.term < previousTerm) return `entry ${entry.index}'s term goes back to ${entry.term}`;
    if (entry.term > term) return `entry ${entry.index}'s term ${entry.term} is above ${term}`;
    previousTerm = entry.term;
  }
  return null;
}

function appendResponseRefusal(message: MsgAppResp): string | null {
  if (typeof message.reject !== "boolean") return "reject is not a boolean";
  const { index, rejectHint, logTerm } = message;
  const counts = countsRefusal({ index, rejectHint, logTerm });
  if (counts !== null) return counts;
  // The hint is an entry of the follower's log at or below the rejected index, of a term it
  // could hold: never above its own term.
  if (logTerm > message.term) return `hint term ${logTerm} above the message term`;
  if (message.reject && rejectHint > index) return `hint ${rejectHint} above rejected ${index}`;
  return null;
}

/**
 * A snapshot replaces the log and the membership (`#restoreConf` asserts that the members are
 * distinct). Its last entry is of a real term no newer than the sender's, and its membership
 * is one Raft can produce: at least one voter, no id twice, no member 0.
 */
function snapshotRefusal(snapshot: Snapshot, term: number): string | null {
  if (typeof snapshot !== "object" || snapshot === null) return "snapshot is not an object";
  const metadata = snapshot.metadata;
  if (typeof metadata !== "object" || metadata === null) return "snapshot has no metadata";
  if (!(snapshot.data instanceof Uint8Array)) return "snapshot data is not bytes";
  const counts = countsRefusal({ index: metadata.index, term: metadata.term });
  if (counts !== null) return `snapshot ${counts}`;
  if (metadata.term > term) return `snapshot term ${metadata.term} above the message term`;
  if ((metadata.index === 0) !== (metadata.term === 0)) {
    return `snapshot index ${metadata.index} and term ${metadata.term} disagree`;
  }
  return confStateRefusal(metadata.confState);
}

function confStateRefusal(confState: ConfState): string | null {
  if (typeof confState !== "object" || confState === null) return "snapshot has no conf state";
  const { voters, learners } = confState;
  if (!Array.isArray(voters) || !Array.isArray(learners)) return "conf state lists missing";
  if (voters.length === 0) return "conf state has no voters";
  const seen = new Set<MemberId>();
  for (const id of [...voters, ...learners]) {
    if (!isMemberId(id) || id === 0n) return "conf state names an invalid member id";
    if (seen.has(id)) return `conf state names ${formatMemberId(id)} twice`;
    seen.add(id);
  }
  return null;
}

/**
 * A forwarded proposal becomes entries of the leader's log: the leader asserts it is not empty,
 * and it decodes every membership change (asserting on bytes Raft never wrote). The entries'
 * own index and term are ignored: the leader stamps them.
 */
function proposalRefusal(entries: readonly Entry[]): string | null {
  if (!Array.isArray(entries)) return "entries is not a list";
  if (entries.length === 0) return "proposal has no entries";
  for (const entry of entries) {
    if (typeof entry !== "object" || entry === null) return "entry is not an object";
    const refusal = entryBodyRefusal(entry);
    if (refusal !== null) return refusal;
  }
  return null;
}

function entryRefusal(entry: Entry): string | null {
  if (typeof entry !== "object" || entry === null) return "entry is not an object";
  const counts = countsRefusal({ index: entry.index, term: entry.term });
  if (counts !== null) return `entry ${counts}`;
  return entryBodyRefusal(entry);
}

/** A membership change that does not decode would stop every member that applies it. */
function entryBodyRefusal(entry: Entry): string | null {
  if (!(entry.data instanceof Uint8Array)) return "entry data is not bytes";
  if (entry.type === EntryType.normal) return null;
  if (entry.type !== EntryType.confChange) return `unknown entry type ${String(entry.type)}`;
  return parseConfChange(entry.data) === null ? "membership change does not decode" : null;
}

/**
 * What our own state shows to be impossible. Each check guards an assertion the message would
 * otherwise reach, or a decision only our leader may make.
 */
function stateRefusal(message: Message, receiver: ReceiverView): string | null {
  switch (message.type) {
    case "MsgHeartbeat":
      // The leader clamps a heartbeat's commit to what we acknowledged, so a heartbeat of our
      // term or a newer one never names an index we lack (commitTo asserts it). An older
      // leader may, after a newer one shortened our log, but that message only gets a reply.
      if (message.term >= receiver.term && message.commit > receiver.lastIndex) {
        return `commit ${message.commit} beyond our last index ${receiver.lastIndex}`;
      }
      return null;
    case "MsgAppResp":
      // A same-term peer can only acknowledge or reject entries we sent it; the leader asserts
      // that no match lies beyond its log.
      if (sameTermAt(message, receiver, "leader") && message.index > receiver.lastIndex) {
        return `answers index ${message.index} beyond our last index ${receiver.lastIndex}`;
      }
      return null;
    case "MsgPreVoteResp":
      // A granted pre-vote echoes the term we asked for, our term + 1 at the time.
      if (!message.reject && message.term > receiver.term + 1) {
        return `grants a pre-vote for term ${message.term}, which we never asked for`;
      }
      return null;
    case "MsgTimeoutNow":
      // Only our leader may make us campaign at once; it sends this at our term, to a member
      // that acknowledged its whole log (so already at its term).
      if (message.term > receiver.term) return "timeout-now from a newer term";
      if (sameTermAt(message, receiver, "follower") && isNotLeader(message.from, receiver)) {
        return "timeout-now not from our leader";
      }
      return null;
    case "MsgReadIndexResp":
      // A read answered by anyone but our leader could be stale (ours is the only one).
      if (sameTermAt(message, receiver, "follower") && isNotLeader(message.from, receiver)) {
        return "read index answer not from our leader";
      }
      return null;
    default:
      return null;
  }
}

/**
 * Whether `from` is known not to be the leader of our term. A follower may have forgotten the
 * leader of its term (after a failed pre-vote round), so only a known, different leader counts.
 */
function isNotLeader(from: MemberId, receiver: ReceiverView): boolean {
  return receiver.lead !== noMember && from !== receiver.lead;
}

function sameTermAt(message: Message, receiver: ReceiverView, role: Role): boolean {
  return message.term === receiver.term && receiver.role === role;
}

/** Checks named numbers; the first name that is not an integer in range is reported. */
function countsRefusal(counts: Readonly<Record<string, number>>): string | null {
  for (const [name, value] of Object.entries(counts)) {
    if (!isPeerNumber(value)) return `${name} is not an integer in range`;
  }
  return null;
}

function contextRefusal(context: Uint8Array | null, nullable: boolean): string | null {
  if (context instanceof Uint8Array) return null;
  return nullable && context === null ? null : "context is not bytes";
}

function isPeerNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 &&
    value <= peerNumberMax;
}

function isMemberId(value: unknown): value is MemberId {
  return typeof value === "bigint" && value >= 0n && value <= memberIdMax;
}
