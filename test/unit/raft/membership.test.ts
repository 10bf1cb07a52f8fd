/**
 * @module
 * Single-server membership changes: applied at apply time, one pending at a time, Ongaro's
 * current-term-commit rule, learners and promotion, removal (a removed leader steps down, removed
 * members and learners never campaign) and votes counted only from voters.
 */

import { describe, expect, test } from "bun:test";
import {
  type ConfChange,
  EntryType,
  type MemberId,
  MemoryStorage,
  RawNode,
  encodeConfChange,
} from "../../../src/raft/index.ts";
import { drain, electLeader, fixture, testConfig } from "../../support/raft-fixtures.ts";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

function change(type: ConfChange["type"], nodeId: MemberId): ConfChange {
  return { type, nodeId, context: new Uint8Array() };
}

function appliedTexts(network: RaftNetwork, id: MemberId): string[] {
  return network.member(id).applied.map((entry) => text(entry.data));
}

describe("membership", () => {
  test("removing a member shrinks the quorum so pending entries commit", () => {
    const leader = fixture(1n, { voters: [1n, 2n] });
    electLeader(leader);
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(leader);
    expect(leader.node.proposeConfChange(change("removeNode", 2n))).toEqual({ ok: true });
    leader.node.propose(bytes("hello"));
    drain(leader);
    expect(leader.node.status().commit).toBe(1);
    leader.node.applyConfChange(change("removeNode", 2n));
    drain(leader);
    expect(leader.node.status().commit).toBe(3);
  });

  test("a new leader proposes no conf change before committing an entry of its term", () => {
    const leader = fixture(1n);
    electLeader(leader);
    expect(leader.node.proposeConfChange(change("addLearner", 4n))).toEqual({
      dropped: "no current-term commit",
    });
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(leader);
    expect(leader.node.proposeConfChange(change("addLearner", 4n))).toEqual({ ok: true });
  });

  test("Ongaro's scenario: changes by leaders of different terms cannot split the quorum", () => {
    // C0 = {1,2,3,4}. Leader 1 (term 1) appends C1 = C0 + 5 but reaches nobody.
    const network = new RaftNetwork([1n, 2n, 3n, 4n], { preVote: false, checkQuorum: false });
    network.addMember(5n, new MemoryStorage());
    network.campaign(1n);
    network.isolate(1n);
    expect(network.node(1n).proposeConfChange(change("addVoter", 5n))).toEqual({ ok: true });
    network.stabilize();
    // Leader 2 (term 2) may not append C2 = C0 - 4 until its no-op commits in C0.
    network.ignore("MsgApp");
    network.campaign(2n);
    expect(network.leaders()).toContain(2n);
    expect(network.node(2n).proposeConfChange(change("removeNode", 4n))).toEqual({
      dropped: "no current-term commit",
    });
    network.recover();
    network.isolate(1n);
    network.tickAll(1);
    expect(network.node(2n).proposeConfChange(change("removeNode", 4n))).toEqual({ ok: true });
    network.stabilize();
    expect(network.member(2n).confState.voters).toEqual([1n, 2n, 3n]);
    // 1 returns with only 4 and 5 reachable: 4 holds term-2 entries and refuses it.
    network.recover();
    network.cut(1n, 2n);
    network.cut(1n, 3n);
    network.restart(1n);
    for (let attempt = 0; attempt < 3; attempt++) network.campaign(1n);
    expect(network.node(1n).status().role).not.toBe("leader");
    // Healed, the cluster {1,2,3} converges on C2's history and keeps working.
    network.recover();
    network.tickAll(60);
    const [leader] = network.leaders();
    expect(leader === 2n || leader === 3n).toBe(true);
    network.node(leader as MemberId).propose(bytes("after"));
    network.stabilize();
    for (const id of [1n, 2n, 3n]) expect(appliedTexts(network, id)).toEqual(["after"]);
    expect(network.member(1n).confState.voters).toEqual([1n, 2n, 3n]);
  });

  test("a removed leader steps down and a remaining member takes over", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    expect(network.node(1n).proposeConfChange(change("removeNode", 1n))).toEqual({ ok: true });
    network.stabilize();
    expect(network.node(1n).status().role).toBe("follower");
    network.tickAll(40);
    const leaders = network.leaders();
    expect(leaders).toHaveLength(1);
    expect(leaders[0]).not.toBe(1n);
    const removedTerm = network.node(1n).status().term;
    network.isolate(1n);
    for (let tick = 0; tick < 100; tick++) network.tick(1n);
    expect(network.node(1n).status().term).toBe(removedTerm);
    expect(network.node(1n).status().role).toBe("follower");
  });

  test("learners replicate, never campaign, and vote only once promoted", () => {
    const network = new RaftNetwork([1n, 2n, 3n], { learners: [4n], checkQuorum: false });
    network.campaign(1n);
    network.node(1n).propose(bytes("x"));
    network.stabilize();
    expect(appliedTexts(network, 4n)).toEqual(["x"]);
    network.isolate(4n);
    for (let tick = 0; tick < 100; tick++) network.tick(4n);
    expect(network.node(4n).status().term).toBe(1);
    expect(network.node(4n).status().role).toBe("follower");
    network.recover();
    expect(network.node(1n).proposeConfChange(change("addVoter", 4n))).toEqual({ ok: true });
    network.stabilize();
    expect(network.member(4n).confState.voters).toEqual([1n, 2n, 3n, 4n]);
    network.isolate(1n);
    network.campaign(4n);
    expect(network.node(4n).status().role).toBe("leader");
  });

  test("a new empty member added as a voter catches up from a snapshot", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.addMember(4n, new MemoryStorage());
    network.campaign(1n);
    network.node(1n).propose(bytes("before"));
    network.isolate(4n);
    expect(network.node(1n).proposeConfChange(change("addVoter", 4n))).toEqual({ ok: true });
    network.stabilize();
    // The snapshot is taken after the change applied, so its membership includes 4.
    network.compact(1n);
    network.recover();
    network.tickAll(3);
    network.node(1n).propose(bytes("after"));
    network.stabilize();
    expect(appliedTexts(network, 4n)).toEqual(["before", "after"]);
    expect(network.member(4n).confState.voters).toEqual([1n, 2n, 3n, 4n]);
  });

  test("founders bootstrapped through the log form their membership; joiners learn it", () => {
    const network = new RaftNetwork([1n, 2n, 3n], { bootstrapInLog: true });
    network.processAll();
    expect(network.member(1n).confState.voters).toEqual([1n, 2n, 3n]);
    network.addMember(4n, new MemoryStorage());
    network.campaign(1n);
    network.stabilize();
    expect(network.node(1n).proposeConfChange(change("addVoter", 4n))).toEqual({ ok: true });
    network.stabilize();
    network.tickAll(2);
    expect(network.member(4n).confState.voters).toEqual([1n, 2n, 3n, 4n]);
    network.isolate(1n);
    network.isolate(2n);
    // 4 knows the founders, so it cannot elect itself alone.
    network.campaign(4n);
    expect(network.node(4n).status().role).not.toBe("leader");
  });

  test("votes are counted only from the current voters", () => {
    const candidate = fixture(1n, { learners: [4n] });
    candidate.node.campaign();
    drain(candidate);
    for (const from of [4n, 9n]) {
      candidate.node.step({ type: "MsgVoteResp", from, to: 1n, term: 1, reject: false });
    }
    expect(candidate.node.status().role).toBe("candidate");
    candidate.node.step({ type: "MsgVoteResp", from: 2n, to: 1n, term: 1, reject: false });
    expect(candidate.node.status().role).toBe("leader");
  });

  test("a member with a committed but unapplied conf change does not campaign", () => {
    const storage = new MemoryStorage({ voters: [1n, 2n, 3n], learners: [] });
    storage.append([
      { index: 1, term: 1, type: EntryType.normal, data: new Uint8Array() },
      { index: 2, term: 1, type: EntryType.confChange,
        data: encodeConfChange(change("addLearner", 4n)) },
    ]);
    storage.setHardState({ term: 1, vote: 0n, commit: 2 });
    const node = new RawNode(testConfig(1n), storage, { applied: 1 });
    node.campaign();
    expect(node.status().role).toBe("follower");
  });

  test("the last voter cannot be removed", () => {
    const network = new RaftNetwork([1n]);
    network.campaign(1n);
    expect(network.node(1n).proposeConfChange(change("removeNode", 1n))).toEqual({
      dropped: "invalid conf change",
    });
  });
});
