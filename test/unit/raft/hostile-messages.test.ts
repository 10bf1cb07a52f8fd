/**
 * @module
 * A peer message that is well-shaped but impossible must never crash a member: RawNode.step
 * refuses it (validate-message.ts), counts it and changes nothing. Each case is fed to a
 * follower, a leader and a (pre-)candidate; afterwards a correct message still works.
 */

import { describe, expect, test } from "bun:test";
import { createJsonLogger } from "../../../src/lib/log.ts";
import {
  EntryType,
  type MemberId,
  type Message,
  RawNode,
  encodeConfChange,
} from "../../../src/raft/index.ts";
import { type Fixture, drain, entries, fixture } from "../../support/raft-fixtures.ts";
import { RaftNetwork, bytes } from "../../support/raft-network.ts";

/** What a case may use to build its message for one receiver. */
interface Receiver {
  readonly self: MemberId;
  /** A member other than the receiver (the leader, for a follower). */
  readonly peer: MemberId;
  readonly term: number;
  readonly lastIndex: number;
}

interface Case {
  readonly name: string;
  readonly message: (receiver: Receiver) => unknown;
}

/** Casts a deliberately malformed value to a Message, as a buggy decoder could hand it over. */
function forge(value: unknown): Message {
  return value as Message;
}

function header(receiver: Receiver, term: number): { from: MemberId; to: MemberId; term: number } {
  return { from: receiver.peer, to: receiver.self, term };
}

function append(receiver: Receiver, fields: Record<string, unknown>): unknown {
  const { term, lastIndex } = receiver;
  return {
    type: "MsgApp",
    ...header(receiver, term + 1),
    index: lastIndex,
    logTerm: term,
    entries: entries(lastIndex + 1, [term + 1, term + 1]),
    commit: lastIndex,
    ...fields,
  };
}

function snap(receiver: Receiver, metadata: Record<string, unknown>, data?: unknown): unknown {
  const confState = { voters: [1n, 2n, 3n], learners: [] };
  return {
    type: "MsgSnap",
    ...header(receiver, receiver.term + 1),
    snapshot: {
      metadata: { index: receiver.lastIndex + 5, term: receiver.term, confState, ...metadata },
      data: data ?? new Uint8Array(),
    },
  };
}

const badConfChange = { index: 0, term: 0, type: EntryType.confChange, data: new Uint8Array([9]) };

/** Impossible for any receiver, whatever its role. */
const anyRoleCases: readonly Case[] = [
  { name: "null instead of a message", message: () => null },
  { name: "a message without fields", message: () => ({ type: "MsgApp" }) },
  { name: "an unknown message type", message: (r) => ({ type: "MsgBogus", ...header(r, r.term) }) },
  {
    name: "a message addressed to another member",
    message: (r) => ({ type: "MsgHeartbeat", ...header(r, r.term + 1), to: 42n, commit: 0,
      context: null }),
  },
  {
    name: "a message claiming to come from the receiver itself",
    message: (r) => ({ type: "MsgHeartbeatResp", ...header(r, r.term), from: r.self,
      context: null }),
  },
  {
    name: "a vote request from member 0",
    message: (r) => ({ type: "MsgVote", ...header(r, r.term + 1), from: 0n, index: 99,
      logTerm: r.term, force: true }),
  },
  ...[Number.NaN, -1, 1.5, 2 ** 53, Number.POSITIVE_INFINITY].map((term) => ({
    name: `a heartbeat with term ${term}`,
    message: (r: Receiver) => ({ type: "MsgHeartbeat", ...header(r, term), commit: 0,
      context: null }),
  })),
  {
    name: "a forwarded proposal carrying a term (it would move ours)",
    message: (r) => ({ type: "MsgProp", ...header(r, r.term + 5), entries: entries(0, [0]) }),
  },
  { name: "an append without a term", message: (r) => append(r, { term: 0 }) },
  {
    name: "an append whose entries leave a gap",
    message: (r) => append(r, { entries: [...entries(r.lastIndex + 1, [r.term + 1]),
      ...entries(r.lastIndex + 3, [r.term + 1])] }),
  },
  {
    name: "an append whose indexes go backwards",
    message: (r) => append(r, { entries: [...entries(r.lastIndex + 1, [r.term + 1]),
      ...entries(r.lastIndex, [r.term + 1])] }),
  },
  {
    name: "an append whose entry terms exceed the message term",
    message: (r) => append(r, { entries: entries(r.lastIndex + 1, [r.term + 2]) }),
  },
  {
    name: "an append whose entry terms fall",
    message: (r) => append(r, { entries: entries(r.lastIndex + 1, [r.term + 1, r.term]) }),
  },
  {
    name: "an append whose entry term is below the previous entry's",
    message: (r) => append(r, { logTerm: r.term + 1, entries: entries(r.lastIndex + 1, [1]) }),
  },
  {
    name: "an append with an entry of term 0",
    message: (r) => append(r, { logTerm: 0, index: 0, entries: entries(1, [0]) }),
  },
  { name: "an append whose previous term exceeds its term", message: (r) =>
    append(r, { logTerm: r.term + 2 }) },
  { name: "an append at index NaN", message: (r) => append(r, { index: Number.NaN }) },
  { name: "an append at index -1", message: (r) => append(r, { index: -1, entries: [] }) },
  { name: "an append at index 2.5", message: (r) => append(r, { index: 2.5, entries: [] }) },
  { name: "an append with commit NaN", message: (r) => append(r, { commit: Number.NaN }) },
  { name: "an append whose entries are not a list", message: (r) => append(r, { entries: 7 }) },
  {
    name: "an append carrying a membership change that does not decode",
    message: (r) => append(r, { entries: [{ ...badConfChange, index: r.lastIndex + 1,
      term: r.term + 1 }] }),
  },
  {
    name: "an append running past the index range",
    message: (r) => append(r, { index: 2 ** 52, logTerm: r.term,
      entries: entries(2 ** 52 + 1, [r.term + 1]) }),
  },
  {
    name: "a heartbeat from a newer term with a commit beyond anything",
    message: (r) => ({ type: "MsgHeartbeat", ...header(r, r.term + 1), commit: r.lastIndex + 1000,
      context: null }),
  },
  { name: "a heartbeat with a context that is not bytes", message: (r) =>
    ({ type: "MsgHeartbeat", ...header(r, r.term + 1), commit: 0, context: "ctx" }) },
  { name: "a snapshot newer than its message's term", message: (r) =>
    snap(r, { term: r.term + 2 }) },
  { name: "a snapshot at index 5 of term 0", message: (r) => snap(r, { term: 0 }) },
  { name: "a snapshot at index NaN", message: (r) => snap(r, { index: Number.NaN }) },
  { name: "a snapshot without voters", message: (r) =>
    snap(r, { confState: { voters: [], learners: [r.self] } }) },
  { name: "a snapshot naming a voter twice", message: (r) =>
    snap(r, { confState: { voters: [1n, 2n, 2n, 3n], learners: [] } }) },
  { name: "a snapshot naming a member as voter and learner", message: (r) =>
    snap(r, { confState: { voters: [1n, 2n, 3n], learners: [r.self] } }) },
  { name: "a snapshot naming member 0", message: (r) =>
    snap(r, { confState: { voters: [0n, 1n, 2n, 3n], learners: [] } }) },
  { name: "a snapshot without a conf state", message: (r) => snap(r, { confState: null }) },
  { name: "a snapshot whose data is not bytes", message: (r) => snap(r, {}, "data") },
  {
    name: "a vote request whose last log term exceeds its term",
    message: (r) => ({ type: "MsgVote", ...header(r, r.term + 1), index: 99, logTerm: r.term + 2,
      force: true }),
  },
  {
    name: "a vote request at index NaN",
    message: (r) => ({ type: "MsgVote", ...header(r, r.term + 1), index: Number.NaN,
      logTerm: r.term, force: true }),
  },
  {
    name: "a vote response whose reject is not a boolean",
    message: (r) => ({ type: "MsgVoteResp", ...header(r, r.term), reject: "no" }),
  },
  {
    name: "an append response at index NaN",
    message: (r) => ({ type: "MsgAppResp", ...header(r, r.term), index: Number.NaN,
      reject: false, rejectHint: 0, logTerm: 0 }),
  },
  {
    name: "a rejection whose hint is above the rejected index",
    message: (r) => ({ type: "MsgAppResp", ...header(r, r.term), index: 1, reject: true,
      rejectHint: 3, logTerm: 1 }),
  },
  {
    name: "a rejection whose hint term exceeds its term",
    message: (r) => ({ type: "MsgAppResp", ...header(r, r.term), index: 1, reject: true,
      rejectHint: 1, logTerm: r.term + 1 }),
  },
  { name: "a proposal without entries", message: (r) =>
    ({ type: "MsgProp", ...header(r, 0), entries: [] }) },
  { name: "a proposal with a membership change that does not decode", message: (r) =>
    ({ type: "MsgProp", ...header(r, 0), entries: [badConfChange] }) },
  { name: "a proposal with an unknown entry type", message: (r) =>
    ({ type: "MsgProp", ...header(r, 0), entries: [{ ...badConfChange, type: 7 }] }) },
  { name: "a read request without a context", message: (r) =>
    ({ type: "MsgReadIndex", ...header(r, 0), context: null }) },
  { name: "a read answer at index NaN", message: (r) =>
    ({ type: "MsgReadIndexResp", ...header(r, r.term), context: bytes("x"),
      index: Number.NaN }) },
  { name: "a timeout-now from a newer term", message: (r) =>
    ({ type: "MsgTimeoutNow", ...header(r, r.term + 1) }) },
];

/** Only a follower can tell these are impossible (from its leader and its log). */
const followerCases: readonly Case[] = [
  {
    name: "a heartbeat of our term with a commit beyond our log",
    message: (r) => ({ type: "MsgHeartbeat", ...header(r, r.term), commit: r.lastIndex + 1,
      context: null }),
  },
  { name: "a timeout-now from a member that is not our leader", message: (r) =>
    ({ type: "MsgTimeoutNow", ...header(r, r.term), from: 3n }) },
  { name: "a read answer from a member that is not our leader", message: (r) =>
    ({ type: "MsgReadIndexResp", ...header(r, r.term), from: 3n, context: bytes("x"), index: 1 }) },
];

/** Only a leader can tell these are impossible (from its own log). */
const leaderCases: readonly Case[] = [
  {
    name: "an acknowledgement beyond the leader's last index",
    message: (r) => ({ type: "MsgAppResp", ...header(r, r.term), index: r.lastIndex + 1,
      reject: false, rejectHint: 0, logTerm: 0 }),
  },
  {
    name: "a rejection of an index beyond the leader's last index",
    message: (r) => ({ type: "MsgAppResp", ...header(r, r.term), index: r.lastIndex + 5,
      reject: true, rejectHint: 1, logTerm: 1 }),
  },
];

/** A pre-candidate asked for term + 1 and nothing else. */
const preCandidateCases: readonly Case[] = [
  { name: "a pre-vote granted for a term never asked for", message: (r) =>
    ({ type: "MsgPreVoteResp", ...header(r, r.term + 2), reject: false }) },
];

/** Everything a refused message must leave untouched, as one comparable string. */
function fingerprint(node: RawNode): string {
  const status = node.status();
  const log = node.raftForTesting.log;
  const terms: (number | null)[] = [];
  for (let index = log.firstIndex(); index <= log.lastIndex(); index++) terms.push(log.term(index));
  const progress = status.progress === null ? null : [...status.progress.entries()];
  const plain = { ...status, terms, progress, hasReady: node.hasReady() };
  return JSON.stringify(plain, (_key, value) =>
    typeof value === "bigint" ? value.toString(16) : value);
}

function expectRefused(node: RawNode, message: unknown): void {
  const before = fingerprint(node);
  const refused = node.refusedMessageCount;
  expect(() => node.step(forge(message))).not.toThrow();
  expect(node.refusedMessageCount).toBe(refused + 1);
  expect(fingerprint(node)).toBe(before);
}

function receiverOf(node: RawNode, peer: MemberId): Receiver {
  const status = node.status();
  return { self: status.id, peer, term: status.term, lastIndex: status.lastIndex };
}

/** A three-member cluster: 1 leads term 6, four entries committed and applied everywhere. */
function cluster(): RaftNetwork {
  const network = new RaftNetwork([1n, 2n, 3n], {
    seed: 11,
    prepare: (_id, storage) => storage.setHardState({ term: 5, vote: 0n, commit: 0 }),
  });
  network.campaign(1n);
  for (const word of ["a", "b", "c"]) {
    expect(network.node(1n).propose(bytes(word))).toEqual({ ok: true });
    network.stabilize();
  }
  expect(network.node(2n).status().commit).toBe(4);
  return network;
}

/** After the refusals, a proposal still commits on every member. */
function expectStillReplicates(network: RaftNetwork): void {
  expect(network.node(1n).propose(bytes("after"))).toEqual({ ok: true });
  network.stabilize();
  for (const id of [1n, 2n, 3n]) {
    expect(network.node(id).status().commit).toBe(5);
    expect(network.node(id).status().role).toBe(id === 1n ? "leader" : "follower");
  }
}

describe("hostile messages to a follower", () => {
  for (const entry of [...anyRoleCases, ...followerCases]) {
    test(`refuses ${entry.name}`, () => {
      const network = cluster();
      const follower = network.node(2n);
      expectRefused(follower, entry.message(receiverOf(follower, 1n)));
      expectStillReplicates(network);
    });
  }
});

describe("hostile messages to a leader", () => {
  for (const entry of [...anyRoleCases, ...leaderCases]) {
    test(`refuses ${entry.name}`, () => {
      const network = cluster();
      const leader = network.node(1n);
      expectRefused(leader, entry.message(receiverOf(leader, 2n)));
      expectStillReplicates(network);
    });
  }
});

/** A member of {1, 2, 3} with entries of terms 1-3, campaigning (a pre-candidate at term 3). */
function campaigning(preVote: boolean): Fixture {
  const hardState = { term: 3, vote: 0n, commit: 3 };
  const candidate = fixture(1n, { terms: [1, 2, 3], hardState, config: { preVote } });
  candidate.node.campaign();
  drain(candidate);
  expect(candidate.node.status().role).toBe(preVote ? "preCandidate" : "candidate");
  return candidate;
}

describe("hostile messages to a candidate", () => {
  for (const entry of anyRoleCases) {
    test(`refuses ${entry.name}`, () => {
      const candidate = campaigning(false);
      const node = candidate.node;
      expectRefused(node, entry.message(receiverOf(node, 2n)));
      node.step({ type: "MsgVoteResp", from: 2n, to: 1n, term: 4, reject: false });
      drain(candidate);
      expect(node.status().role).toBe("leader");
    });
  }
});

describe("hostile messages to a pre-candidate", () => {
  for (const entry of [...anyRoleCases, ...preCandidateCases]) {
    test(`refuses ${entry.name}`, () => {
      const candidate = campaigning(true);
      const node = candidate.node;
      expectRefused(node, entry.message(receiverOf(node, 2n)));
      node.step({ type: "MsgPreVoteResp", from: 2n, to: 1n, term: 4, reject: false });
      drain(candidate);
      expect(node.status().role).toBe("candidate");
    });
  }
});

describe("unusual but possible messages are handled, not refused", () => {
  test("an append whose commit is beyond its entries commits only what it matched", () => {
    const network = cluster();
    const follower = network.node(2n);
    const { term } = follower.status();
    follower.step({ type: "MsgApp", from: 1n, to: 2n, term, index: 4, logTerm: term,
      entries: entries(5, [term]), commit: 1000 });
    expect(follower.refusedMessageCount).toBe(0);
    expect(follower.status().commit).toBe(5);
  });

  test("a stale leader's heartbeat with a commit beyond our log gets a reply", () => {
    const network = cluster();
    const follower = network.node(2n);
    const { term } = follower.status();
    follower.step({ type: "MsgHeartbeat", from: 3n, to: 2n, term: term - 1, commit: 1000,
      context: null });
    expect(follower.refusedMessageCount).toBe(0);
    expect(follower.status().commit).toBe(4);
    network.process(2n);
    expect(network.queue.map((message) => [message.type, message.to])).toEqual([
      ["MsgAppResp", 3n],
    ]);
  });

  test("a vote request from a member outside our configuration follows the ordinary rules", () => {
    // A voter whose configuration lags may be asked for its vote by a newly added voter, so
    // membership is not a reason to refuse. In lease, the request is ignored as any other.
    const network = cluster();
    const follower = network.node(2n);
    const before = follower.status();
    expect(() => follower.step({ type: "MsgPreVote", from: 99n, to: 2n, term: before.term + 1,
      index: 99, logTerm: before.term, force: false })).not.toThrow();
    expect(follower.refusedMessageCount).toBe(0);
    expect(follower.status().term).toBe(before.term);
    expect(follower.status().lead).toBe(1n);
  });

  test("a forwarded request names who asked, which may be a third member", () => {
    const network = cluster();
    network.node(1n).step({ type: "MsgProp", from: 3n, to: 1n, term: 0,
      entries: [{ index: 0, term: 0, type: EntryType.normal, data: bytes("via 2") }] });
    network.stabilize();
    expect(network.node(1n).refusedMessageCount).toBe(0);
    expect(network.node(3n).status().commit).toBe(5);
  });

  test("a well-formed membership change may be forwarded", () => {
    const network = cluster();
    const data = encodeConfChange({ type: "addLearner", nodeId: 4n, context: new Uint8Array() });
    network.node(1n).step({ type: "MsgProp", from: 2n, to: 1n, term: 0,
      entries: [{ index: 0, term: 0, type: EntryType.confChange, data }] });
    network.stabilize();
    expect(network.node(1n).refusedMessageCount).toBe(0);
    expect(network.node(1n).status().confState.learners).toEqual([4n]);
  });
});

describe("refusals are reported", () => {
  function logged(): { lines: Record<string, unknown>[]; fixtureValue: Fixture } {
    const lines: Record<string, unknown>[] = [];
    const write = (line: string): void => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    };
    const logger = createJsonLogger({ level: "debug", write, now: () => new Date(0) });
    const fixtureValue = fixture(0x2an, { voters: [0x2an, 0xffn, 3n], config: { logger } });
    return { lines, fixtureValue };
  }

  test("a refusal is a warning naming the member, the peer (in hex) and the reason", () => {
    const { lines, fixtureValue } = logged();
    const node = fixtureValue.node;
    node.step({ type: "MsgHeartbeat", from: 0xffn, to: 0x2an, term: 1, commit: 7, context: null });
    const refused = lines.filter((line) => line["event"] === "raft.message.refused");
    expect(refused).toEqual([expect.objectContaining({
      level: "warn",
      member: "2a",
      from: "ff",
      type: "MsgHeartbeat",
      reason: "commit 7 beyond our last index 0",
      refusedCount: 1,
    })]);
  });

  test("raft's own log lines print member ids in hex too", () => {
    const { lines, fixtureValue } = logged();
    fixtureValue.node.step({ type: "MsgHeartbeat", from: 0xffn, to: 0x2an, term: 1, commit: 0,
      context: null });
    expect(lines).toContainEqual(expect.objectContaining({
      event: "raft.follower",
      member: "2a",
      lead: "ff",
    }));
  });

  test("a flood of refusals is counted in full but sampled in the log", () => {
    const { lines, fixtureValue } = logged();
    const node = fixtureValue.node;
    for (let count = 0; count < 2500; count++) {
      node.step(forge({ type: "MsgBogus", from: 0xffn, to: 0x2an, term: 1 }));
    }
    expect(node.refusedMessageCount).toBe(2500);
    const refused = lines.filter((line) => line["event"] === "raft.message.refused");
    expect(refused.map((line) => line["refusedCount"]).slice(-3)).toEqual([100, 1000, 2000]);
    expect(refused.length).toBe(102);
  });
});
