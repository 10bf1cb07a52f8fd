/**
 * @module
 * Log replication details: term-skipping rejection hints, reordered and duplicated appends,
 * flow control (probe/replicate, inflight window, message size), the uncommitted budget, the
 * committed-size cap per Ready and follower proposal forwarding.
 */

import { describe, expect, test } from "bun:test";
import { EntryType, type Message } from "../../../src/raft/index.ts";
import { createPrng } from "../../../src/lib/prng.ts";
import { drain, electLeader, fixture, ofType } from "../../support/raft-fixtures.ts";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

/** Exchanges messages between two fixtures until quiet; returns the leader's MsgApp count. */
function converse(
  leader: ReturnType<typeof fixture>,
  follower: ReturnType<typeof fixture>,
  inbox: Message[],
): number {
  let appends = 0;
  for (let round = 0; round < 200 && inbox.length > 0; round++) {
    const message = inbox.shift() as Message;
    if (message.to !== 2n) continue;
    if (message.type === "MsgApp") appends++;
    follower.node.step(message);
    for (const reply of drain(follower)) leader.node.step(reply);
    inbox.push(...drain(leader).filter((item) => item.to === 2n));
  }
  return appends;
}

describe("replication", () => {
  test("fast log rejection skips whole divergent terms on both sides", () => {
    // Leader: 1 then 100 entries of term 2 and 100 of term 4. Follower: 1 then 200 of term 3.
    const leaderTerms = [1, ...Array(100).fill(2), ...Array(100).fill(4)];
    const followerTerms = [1, ...Array(200).fill(3)];
    const leader = fixture(1n, { terms: leaderTerms, hardState: { term: 5, vote: 0n,
      commit: 1 } });
    const follower = fixture(2n, { terms: followerTerms, hardState: { term: 5, vote: 0n,
      commit: 1 } });
    const appends = converse(leader, follower, electLeader(leader));
    expect(appends).toBeLessThanOrEqual(6);
    expect(follower.node.status().lastIndex).toBe(202);
    for (const index of [1, 2, 101, 102, 201, 202]) {
      expect(follower.storage.term(index)).toBe(leader.storage.term(index));
    }
  });

  test("reordered and duplicated appends never lose acknowledged entries", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const prng = createPrng(seed);
      const network = new RaftNetwork([1n, 2n, 3n], { seed });
      network.campaign(1n);
      for (let round = 0; round < 8; round++) {
        network.node(1n).propose(bytes(`v${seed}-${round}`));
        network.process(1n);
        // Shuffle and duplicate whatever is in flight, then deliver it all.
        const inFlight = network.take();
        for (const message of inFlight) {
          if (prng.chance(0.3)) inFlight.push(message);
        }
        for (let index = inFlight.length - 1; index > 0; index--) {
          const other = prng.nextInt(index + 1);
          [inFlight[index], inFlight[other]] = [inFlight[other] as Message, inFlight[index] as
            Message];
        }
        network.queue.push(...inFlight);
        network.stabilize();
      }
      network.tickAll(2);
      const expected = Array.from({ length: 8 }, (_, round) => `v${seed}-${round}`);
      for (const id of [1n, 2n, 3n]) {
        expect(network.member(id).applied.map((entry) => text(entry.data))).toEqual(expected);
      }
    }
  });

  test("a stale rejection does not move next below match", () => {
    const leader = fixture(1n);
    electLeader(leader);
    const term = leader.node.status().term;
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(leader);
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term, index: 0, reject: true,
      rejectHint: 0, logTerm: 0 });
    const peer = leader.node.status().progress?.get(2n);
    expect(peer?.match).toBe(1);
    expect(peer?.next).toBe(2);
    expect(peer?.state).toBe("replicate");
  });
});

describe("flow control", () => {
  test("a follower moves from probe to replicate on its first acknowledgement", () => {
    const leader = fixture(1n);
    electLeader(leader);
    expect(leader.node.status().progress?.get(2n)?.state).toBe("probe");
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    expect(leader.node.status().progress?.get(2n)?.state).toBe("replicate");
  });

  test("probe sends one append at a time until acknowledged", () => {
    const leader = fixture(1n);
    electLeader(leader);
    leader.node.propose(bytes("a"));
    leader.node.propose(bytes("b"));
    expect(ofType(drain(leader), "MsgApp").filter((message) => message.to === 2n)).toHaveLength(0);
  });

  test("the inflight window caps pipelined appends and reopens on acknowledgement", () => {
    const leader = fixture(1n, { config: { maxInflightMsgs: 2, maxSizePerMsgBytes: 0 } });
    electLeader(leader);
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(leader);
    for (const word of ["a", "b", "c", "d"]) leader.node.propose(bytes(word));
    const sent = ofType(drain(leader), "MsgApp").filter((message) => message.to === 2n);
    expect(sent.flatMap((message) => message.entries.map((entry) => entry.index))).toEqual([2, 3]);
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 3, reject: false,
      rejectHint: 0, logTerm: 0 });
    const more = ofType(drain(leader), "MsgApp").filter((message) => message.to === 2n);
    expect(more.flatMap((message) => message.entries.map((entry) => entry.index))).toEqual([4, 5]);
  });

  test("proposals between two Readies reach each follower in one append", () => {
    const leader = fixture(1n);
    electLeader(leader);
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(leader);
    for (const word of ["a", "b", "c", "d", "e"]) leader.node.propose(bytes(word));
    const sent = ofType(drain(leader), "MsgApp").filter((message) => message.to === 2n);
    expect(sent.map((message) => message.entries.map((entry) => entry.index))).toEqual([
      [2, 3, 4, 5, 6],
    ]);
  });

  test("a commit advance with nothing new to send is one empty append per follower", () => {
    const leader = fixture(1n);
    electLeader(leader);
    for (const from of [2n, 3n]) {
      leader.node.step({ type: "MsgAppResp", from, to: 1n, term: 1, index: 1, reject: false,
        rejectHint: 0, logTerm: 0 });
    }
    drain(leader);
    leader.node.propose(bytes("a"));
    drain(leader);
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 2, reject: false,
      rejectHint: 0, logTerm: 0 });
    const sent = ofType(drain(leader), "MsgApp");
    expect(sent.map((message) => [message.to, message.entries.length, message.commit])).toEqual([
      [2n, 0, 2],
      [3n, 0, 2],
    ]);
  });

  test("appends are batched up to maxSizePerMsgBytes", () => {
    const leader = fixture(1n, { config: { maxSizePerMsgBytes: 60 } });
    electLeader(leader);
    // The probe is outstanding, so these wait; each entry weighs 10 + 16 bytes.
    for (let count = 0; count < 6; count++) leader.node.propose(bytes("0123456789"));
    drain(leader);
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    const sent = ofType(drain(leader), "MsgApp").filter((message) => message.to === 2n);
    expect(sent.map((message) => message.entries.map((entry) => entry.index))).toEqual([
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
  });

  test("proposals beyond the uncommitted budget are dropped until entries apply", () => {
    const network = new RaftNetwork([1n, 2n, 3n], {
      config: { maxUncommittedEntriesBytes: 12 },
    });
    network.campaign(1n);
    network.isolate(1n);
    expect(network.node(1n).propose(bytes("12345678"))).toEqual({ ok: true });
    expect(network.node(1n).propose(bytes("12345678"))).toEqual({ dropped: "uncommitted limit" });
    network.recover();
    network.tickAll(1);
    expect(network.member(1n).applied).toHaveLength(1);
    expect(network.node(1n).propose(bytes("12345678"))).toEqual({ ok: true });
  });

  test("committed entries are handed out in Readys of at most the configured size", () => {
    const network = new RaftNetwork([1n], { config: { maxCommittedSizePerReadyBytes: 60 } });
    network.campaign(1n);
    const member = network.member(1n);
    const before = member.readys.length;
    for (let count = 0; count < 10; count++) network.node(1n).propose(bytes("0123456789"));
    network.process(1n);
    const batches = member.readys.slice(before).map((ready) => ready.committedEntries.length);
    expect(batches.filter((size) => size > 0).length).toBeGreaterThan(3);
    expect(Math.max(...batches)).toBeLessThanOrEqual(2);
    expect(member.applied).toHaveLength(10);
  });
});

describe("proposal forwarding", () => {
  test("a follower forwards proposals to the leader", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    expect(network.node(3n).propose(bytes("via follower"))).toEqual({ ok: true });
    network.stabilize();
    for (const id of [1n, 2n, 3n]) {
      expect(network.member(id).applied.map((entry) => text(entry.data))).toEqual([
        "via follower",
      ]);
    }
  });

  test("proposals forwarded before a Ready leave as one message, in order", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.stabilize();
    for (const value of ["a", "b", "c"]) network.node(3n).propose(bytes(value));
    network.process(3n);
    const forwarded = network.take((message) => message.type === "MsgProp");
    expect(forwarded).toHaveLength(1);
    const [message] = forwarded;
    if (message?.type !== "MsgProp") throw new Error("no MsgProp");
    expect(message.entries.map((entry) => text(entry.data))).toEqual(["a", "b", "c"]);
    network.send(message);
    network.stabilize();
    expect(network.member(2n).applied.map((entry) => text(entry.data))).toEqual(["a", "b", "c"]);
  });

  test("a joined forward stays within the message size; membership changes go alone", () => {
    const network = new RaftNetwork([1n, 2n, 3n], { config: { maxSizePerMsgBytes: 260 } });
    network.campaign(1n);
    network.stabilize();
    const follower = network.node(3n);
    for (let index = 0; index < 4; index++) follower.propose(new Uint8Array(100).fill(index));
    follower.proposeConfChange({ type: "removeNode", nodeId: 2n, context: new Uint8Array(0) });
    follower.propose(new Uint8Array(10));
    network.process(3n);
    const forwarded = network.take((message) => message.type === "MsgProp");
    const sizes = forwarded.map((message) =>
      message.type === "MsgProp" ? message.entries.length : 0
    );
    // Two 100-byte entries fill a message; the small one after the change joins the last one
    // with room, never the change.
    expect(sizes).toEqual([2, 3, 1]);
    const [, second, change] = forwarded;
    if (second?.type !== "MsgProp" || change?.type !== "MsgProp") throw new Error("no MsgProp");
    expect(second.entries.at(-1)?.data.byteLength).toBe(10);
    expect(change.entries.map((entry) => entry.type)).toEqual([EntryType.confChange]);
  });

  test("a proposal with no known leader is dropped with a reason", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    expect(network.node(2n).propose(bytes("x"))).toEqual({ dropped: "no leader" });
    network.isolate(1n);
    network.campaign(1n);
    expect(network.node(1n).propose(bytes("x"))).toEqual({ dropped: "no leader" });
  });
});

describe("sending before persisting (thesis §10.2.1)", () => {
  test("a follower's forwarded proposal leaves before the write of the Ready holding it", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.node(1n).propose(bytes("a"));
    network.process(1n);
    // The follower takes the leader's append and a client's proposal into one Ready.
    const appends = network.take((message) => message.to === 2n && message.type === "MsgApp");
    expect(appends.length).toBeGreaterThan(0);
    for (const message of appends) network.node(2n).step(message);
    expect(network.node(2n).propose(bytes("b"))).toEqual({ ok: true });
    const ready = network.node(2n).ready();
    expect(ready.entries.length).toBeGreaterThan(0);
    const early = ready.messages.slice(0, ready.earlyMessageCount);
    const forwards = early.filter((message) => message.type === "MsgProp");
    expect(forwards.map((message) => message.to)).toEqual([1n]);
    expect(forwards.every((message) => message.term === 0)).toBe(true);
    // Nothing that vouches for this Ready's entries goes early.
    expect(early.some((message) => message.type === "MsgAppResp" && message.index > 1)).toBe(
      false,
    );
    network.member(2n).pending = ready;
    network.process(2n);
    network.stabilize();
    expect(network.member(3n).applied.map((entry) => text(entry.data))).toEqual(["a", "b"]);
  });

  test("only a leader's Readys that change neither term nor vote let messages go first", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    const leader = network.member(1n);
    const follower = network.member(2n);
    // The campaign's Readys change term and vote: their vote requests wait for the write.
    const allEarly = (ready: (typeof leader.readys)[number]) =>
      ready.messages.length > 0 && ready.earlyMessageCount === ready.messages.length;
    expect(leader.readys.some(allEarly)).toBe(true);
    const campaignReadys = leader.readys.filter((ready) =>
      ready.messages.some((message) => message.type === "MsgVote" || message.type === "MsgPreVote")
    );
    expect(campaignReadys.length).toBeGreaterThan(0);
    expect(campaignReadys.every((ready) => ready.earlyMessageCount === 0)).toBe(true);
    leader.readys.length = 0;
    follower.readys.length = 0;
    network.node(1n).propose(bytes("x"));
    network.stabilize();
    const appending = leader.readys.filter((ready) => ready.entries.length > 0);
    expect(appending.length).toBeGreaterThan(0);
    expect(appending.every(allEarly)).toBe(true);
    // A follower's acknowledgement of one batch goes ahead of the next batch's write, and only it.
    const followerEarly = follower.readys.flatMap((ready) =>
      ready.messages.slice(0, ready.earlyMessageCount)
    );
    expect(followerEarly.length).toBeGreaterThan(0);
    expect(followerEarly.every((message) => message.type === "MsgAppResp")).toBe(true);
  });
});
