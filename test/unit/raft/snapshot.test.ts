/**
 * @module
 * Log compaction and snapshot install: a lagging follower is caught up by snapshot when the
 * entries it needs are compacted; a follower ignores stale snapshots, fast-forwards on a matching
 * one, and refuses one whose membership lacks it.
 */

import { describe, expect, test } from "bun:test";
import type { Snapshot } from "../../../src/raft/index.ts";
import { drain, electLeader, fixture, ofType } from "../../support/raft-fixtures.ts";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

function snapshotAt(index: number, term: number, voters: bigint[]): Snapshot {
  return { metadata: { index, term, confState: { voters, learners: [] } }, data: new Uint8Array() };
}

describe("snapshots", () => {
  test("a slow follower is restored from a snapshot once the leader compacted its log", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.isolate(3n);
    for (let count = 0; count < 10; count++) network.node(1n).propose(bytes(`v${count}`));
    network.stabilize();
    network.compact(1n);
    expect(network.member(1n).storage.firstIndex()).toBe(12);
    network.recover();
    network.tickAll(3);
    const slow = network.member(3n);
    expect(slow.readys.some((ready) => ready.snapshot !== undefined)).toBe(true);
    expect(slow.appliedIndex).toBe(11);
    network.node(1n).propose(bytes("after"));
    network.stabilize();
    const expected = [...Array.from({ length: 10 }, (_, count) => `v${count}`), "after"];
    expect(slow.applied.map((entry) => text(entry.data))).toEqual(expected);
    expect(network.node(1n).status().progress?.get(3n)?.state).toBe("replicate");
  });

  test("a follower ignores a snapshot at or below its commit index", () => {
    const target = fixture(2n, { terms: [1, 1, 1], hardState: { term: 1, vote: 0n, commit: 3 } });
    target.node.step({ type: "MsgSnap", from: 1n, to: 2n, term: 1,
      snapshot: snapshotAt(2, 1, [1n, 2n, 3n]) });
    const sent = drain(target);
    expect(target.readys.some((ready) => ready.snapshot !== undefined)).toBe(false);
    expect(ofType(sent, "MsgAppResp").map((message) => message.index)).toEqual([3]);
  });

  test("a snapshot matching the follower's log only fast-forwards the commit index", () => {
    const target = fixture(2n, { terms: [1, 1, 1], hardState: { term: 1, vote: 0n, commit: 1 } });
    target.node.step({ type: "MsgSnap", from: 1n, to: 2n, term: 1,
      snapshot: snapshotAt(2, 1, [1n, 2n, 3n]) });
    const sent = drain(target);
    expect(target.readys.some((ready) => ready.snapshot !== undefined)).toBe(false);
    expect(target.node.status().commit).toBe(2);
    expect(target.node.status().lastIndex).toBe(3);
    expect(ofType(sent, "MsgAppResp").map((message) => message.index)).toEqual([2]);
  });

  test("a snapshot whose membership lacks the follower is refused", () => {
    const target = fixture(2n, { terms: [1], hardState: { term: 1, vote: 0n, commit: 1 } });
    target.node.step({ type: "MsgSnap", from: 1n, to: 2n, term: 1,
      snapshot: snapshotAt(5, 1, [1n, 3n]) });
    drain(target);
    expect(target.readys.some((ready) => ready.snapshot !== undefined)).toBe(false);
    expect(target.node.status().commit).toBe(1);
  });

  test("an installed snapshot replaces the log and restores membership", () => {
    const target = fixture(2n, { terms: [1, 1], hardState: { term: 2, vote: 0n, commit: 1 } });
    target.node.step({ type: "MsgSnap", from: 1n, to: 2n, term: 2,
      snapshot: snapshotAt(10, 2, [1n, 2n, 3n, 4n]) });
    const ready = target.node.ready();
    expect(ready.snapshot?.metadata.index).toBe(10);
    expect(ready.committedEntries).toHaveLength(0);
    expect(ready.mustSync).toBe(true);
    target.storage.applySnapshot(ready.snapshot as Snapshot);
    target.node.advance();
    const status = target.node.status();
    expect(status.commit).toBe(10);
    expect(status.applied).toBe(10);
    expect(status.confState.voters).toEqual([1n, 2n, 3n, 4n]);
    const reply = ofType(drain(target), "MsgAppResp");
    expect(reply.map((message) => message.index)).toEqual([10]);
  });

  test("a failed snapshot report returns the peer to probing after a heartbeat", () => {
    const leader = fixture(1n, { terms: [1, 1, 1, 1], hardState: { term: 1, vote: 0n,
      commit: 4 }, compactTo: 4 });
    electLeader(leader);
    const term = leader.node.status().term;
    leader.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term, index: 4, reject: true,
      rejectHint: 0, logTerm: 0 });
    const snapshots = ofType(drain(leader), "MsgSnap");
    expect(snapshots.map((message) => message.snapshot.metadata.index)).toEqual([4]);
    expect(leader.node.status().progress?.get(2n)?.state).toBe("snapshot");
    leader.node.reportSnapshot(2n, false);
    expect(leader.node.status().progress?.get(2n)?.state).toBe("probe");
    expect(ofType(drain(leader), "MsgApp").filter((message) => message.to === 2n)).toHaveLength(0);
    leader.node.step({ type: "MsgHeartbeatResp", from: 2n, to: 1n, term, context: null });
    expect(ofType(drain(leader), "MsgSnap")).toHaveLength(1);
  });
});
