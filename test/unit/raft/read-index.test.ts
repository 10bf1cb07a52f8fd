/**
 * @module
 * Safe ReadIndex: parked until the leader commits an entry of its term, confirmed by a quorum
 * heartbeat round carrying the request's context, forwarded by followers, dropped on term or
 * role change. No lease reads.
 */

import { describe, expect, test } from "bun:test";
import { drain, electLeader, entries, fixture } from "../../support/raft-fixtures.ts";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

describe("ReadIndex", () => {
  test("a new leader answers only after its no-op commits, at the no-op's index", () => {
    const network = new RaftNetwork([1n, 2n, 3n], {
      prepare: (id, storage) => {
        // Entries 1..3 of term 1 are everywhere; 1 does not know they are committed.
        storage.append(entries(1, [1, 1, 1]));
        storage.setHardState({ term: 1, vote: 0n, commit: id === 1n ? 0 : 3 });
      },
    });
    network.ignore("MsgApp");
    network.campaign(1n);
    expect(network.leaders()).toEqual([1n]);
    expect(network.node(1n).status().commit).toBe(0);
    expect(network.node(1n).readIndex(bytes("ctx1"))).toEqual({ ok: true });
    network.tickAll(2);
    expect(network.member(1n).readStates).toHaveLength(0);
    network.recover();
    network.tickAll(2);
    const states = network.member(1n).readStates;
    expect(states.map((state) => text(state.context))).toEqual(["ctx1"]);
    expect(states[0]?.index).toBe(4);
  });

  test("a read is confirmed only by a quorum of heartbeat acks", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.isolate(1n);
    network.node(1n).readIndex(bytes("r"));
    network.tickAll(2);
    expect(network.member(1n).readStates).toHaveLength(0);
    network.recover();
    network.cut(1n, 3n);
    network.tickAll(1);
    expect(network.member(1n).readStates.map((state) => state.index)).toEqual([1]);
  });

  test("the newest context's confirmation releases the older ones queued before it", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.ignore("MsgHeartbeatResp");
    network.node(1n).readIndex(bytes("a"));
    network.node(1n).readIndex(bytes("b"));
    network.stabilize();
    network.recover();
    network.tickAll(1);
    expect(network.member(1n).readStates.map((state) => text(state.context))).toEqual(["a", "b"]);
  });

  test("a follower's read is forwarded to the leader and answered back", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.node(1n).propose(bytes("x"));
    network.stabilize();
    expect(network.node(2n).readIndex(bytes("f"))).toEqual({ ok: true });
    network.stabilize();
    const states = network.member(2n).readStates;
    expect(states.map((state) => [text(state.context), state.index])).toEqual([["f", 2]]);
  });

  test("a single voter answers at once after its current-term commit", () => {
    const network = new RaftNetwork([1n]);
    network.campaign(1n);
    expect(network.node(1n).readIndex(bytes("solo"))).toEqual({ ok: true });
    network.process(1n);
    expect(network.member(1n).readStates.map((state) => state.index)).toEqual([1]);
  });

  test("pending reads are dropped when the leader loses its role", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.isolate(1n);
    network.node(1n).readIndex(bytes("lost"));
    for (let tick = 0; tick < 25; tick++) network.tick(1n);
    expect(network.node(1n).status().role).toBe("follower");
    network.recover();
    network.tickAll(30);
    expect(network.member(1n).readStates).toHaveLength(0);
  });

  test("a read pending when leadership is lost is never answered in a later term", () => {
    const leader = fixture(1n, { config: { preVote: true, checkQuorum: true } });
    electLeader(leader);
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(leader);
    const context = bytes("old");
    leader.node.readIndex(context);
    drain(leader);
    leader.node.step({ type: "MsgApp", from: 2n, to: 1n, term: 2, index: 1, logTerm: 1,
      entries: [], commit: 1 });
    drain(leader);
    // 1 wins term 3 and hears acks that still carry the old context.
    for (let tick = 0; tick < 20 && leader.node.status().role === "follower"; tick++) {
      leader.node.tick();
    }
    drain(leader);
    for (const from of [2n, 3n]) {
      leader.node.step({ type: "MsgPreVoteResp", from, to: 1n, term: 3, reject: false });
    }
    drain(leader);
    for (const from of [2n, 3n]) {
      leader.node.step({ type: "MsgVoteResp", from, to: 1n, term: 3, reject: false });
    }
    drain(leader);
    expect(leader.node.status().role).toBe("leader");
    for (const from of [2n, 3n]) {
      leader.node.step({ type: "MsgAppResp", from, to: 1n, term: 3, index: 2, reject: false,
        rejectHint: 0, logTerm: 0 });
      leader.node.step({ type: "MsgHeartbeatResp", from, to: 1n, term: 3, context });
    }
    drain(leader);
    const answered = leader.readys.flatMap((ready) => ready.readStates);
    expect(answered).toHaveLength(0);
  });

  test("a read without a known leader is refused", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    expect(network.node(2n).readIndex(bytes("x"))).toEqual({ dropped: "no leader" });
  });
});
