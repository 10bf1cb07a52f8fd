/**
 * @module
 * The Raft core's building blocks on their own: quorum arithmetic, the inflight window, progress
 * flow control, the unstable log, MemoryStorage and the conf-change encoding; plus the Ready
 * contract when steps arrive between `ready()` and `advance()`.
 */

import { describe, expect, test } from "bun:test";
import { AssertionError } from "../../../src/lib/assert.ts";
import {
  applyToConfState,
  decodeConfChange,
  encodeConfChange,
  MemoryStorage,
} from "../../../src/raft/index.ts";
import { Inflights } from "../../../src/raft/inflights.ts";
import { UnstableLog } from "../../../src/raft/log-unstable.ts";
import { Progress } from "../../../src/raft/progress.ts";
import { committedIndex, voteResult } from "../../../src/raft/quorum.ts";
import { drain, entries, fixture, ofType } from "../../support/raft-fixtures.ts";
import { RaftNetwork } from "../../support/raft-network.ts";

describe("quorum", () => {
  test("the committed index is the quorum-th highest acknowledgement", () => {
    const voters = new Set([1n, 2n, 3n, 4n, 5n]);
    const acks = new Map([[1n, 9], [2n, 7], [3n, 5], [4n, 3], [5n, 1]]);
    expect(committedIndex(voters, (id) => acks.get(id) ?? 0)).toBe(5);
    expect(committedIndex(new Set([1n]), () => 4)).toBe(4);
  });

  test("an election is won, lost or pending by majority of the voters only", () => {
    const voters = new Set([1n, 2n, 3n]);
    expect(voteResult(voters, new Map([[1n, true], [2n, true]]))).toBe("won");
    expect(voteResult(voters, new Map([[1n, true], [9n, true]]))).toBe("pending");
    expect(voteResult(voters, new Map([[2n, false], [3n, false]]))).toBe("lost");
  });
});

describe("inflights", () => {
  test("the window fills by count or bytes and frees acknowledged messages", () => {
    const window = new Inflights(3, 100);
    window.add(1, 10);
    window.add(2, 10);
    expect(window.full()).toBe(false);
    window.add(5, 90);
    expect(window.full()).toBe(true);
    window.freeLE(2);
    expect(window.count).toBe(1);
    expect(window.bytes).toBe(90);
    window.freeLE(9);
    expect(window.count).toBe(0);
    expect(() => new Inflights(0, 1)).toThrow(AssertionError);
  });
});

describe("progress", () => {
  test("a duplicate rejection in probe state is recognized as stale", () => {
    const progress = new Progress({ next: 10, isLearner: false, inflights: new Inflights(4, 1e9) });
    expect(progress.maybeDecrTo(9, 4)).toBe(true);
    expect(progress.next).toBe(5);
    expect(progress.maybeDecrTo(9, 4)).toBe(false);
    expect(progress.next).toBe(5);
  });

  test("replicate state advances next optimistically and pauses on a full window", () => {
    const progress = new Progress({ next: 1, isLearner: false, inflights: new Inflights(2, 1e9) });
    progress.becomeReplicate();
    progress.sentEntries(3, 30);
    progress.sentEntries(2, 20);
    expect(progress.next).toBe(6);
    expect(progress.isPaused()).toBe(true);
    progress.maybeUpdate(3);
    progress.inflights.freeLE(3);
    progress.paused = progress.inflights.full();
    expect(progress.isPaused()).toBe(false);
  });
});

describe("unstable log", () => {
  test("truncation below the in-progress offset pulls it back", () => {
    const unstable = new UnstableLog(1);
    unstable.truncateAndAppend(entries(1, [1, 1, 1]));
    unstable.acceptInProgress();
    expect(unstable.nextEntries()).toEqual([]);
    unstable.truncateAndAppend(entries(2, [2]));
    expect(unstable.nextEntries().map((entry) => entry.index)).toEqual([2]);
    // The write of 1..3 @ term 1 completes: 3@1 no longer exists, so nothing becomes stable.
    unstable.stableTo(3, 1);
    expect(unstable.offset).toBe(1);
    unstable.stableTo(1, 1);
    expect(unstable.offset).toBe(2);
  });
});

describe("MemoryStorage", () => {
  test("append replaces a suffix; compaction keeps the boundary term", () => {
    const storage = new MemoryStorage();
    storage.append(entries(1, [1, 1, 1, 1]));
    storage.append(entries(3, [2]));
    expect(storage.lastIndex()).toBe(3);
    expect(storage.term(3)).toBe(2);
    storage.createSnapshot(2, { voters: [1n], learners: [] }, new Uint8Array([7]));
    storage.compact(2);
    expect(storage.firstIndex()).toBe(3);
    expect(storage.term(2)).toBe(1);
    expect(storage.term(1)).toBeNull();
    expect(() => storage.entries(2, 3, 100)).toThrow(AssertionError);
  });
});

describe("conf change encoding", () => {
  test("round-trips through entry data and applies to a ConfState", () => {
    const change = { type: "addLearner", nodeId: 0xffff_ffff_ffff_fff0n,
      context: new Uint8Array([1, 2]) } as const;
    const decoded = decodeConfChange(encodeConfChange(change));
    expect(decoded).toEqual(change);
    const promoted = applyToConfState(
      applyToConfState({ voters: [1n], learners: [] }, change),
      { ...change, type: "addVoter" },
    );
    expect(promoted).toEqual({ voters: [1n, change.nodeId], learners: [] });
    expect(() => decodeConfChange(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 1]))).toThrow();
  });
});

describe("Ready contract with steps between ready() and advance()", () => {
  test("entries overwritten while their write is in flight are written again, correctly", () => {
    const target = fixture(2n, { hardState: { term: 1, vote: 0n, commit: 0 } });
    target.node.step({ type: "MsgApp", from: 1n, to: 2n, term: 1, index: 0, logTerm: 0,
      entries: entries(1, [1, 1, 1]), commit: 0 });
    const first = target.node.ready();
    // A new leader truncates 2..3 before the first write finished.
    target.node.step({ type: "MsgApp", from: 3n, to: 2n, term: 2, index: 1, logTerm: 1,
      entries: entries(2, [2]), commit: 0 });
    target.storage.append(first.entries);
    target.node.advance();
    const sent = drain(target);
    expect(target.storage.lastIndex()).toBe(2);
    expect(target.storage.term(2)).toBe(2);
    expect(target.node.status().lastIndex).toBe(2);
    const acks = ofType([...sent], "MsgAppResp").map((message) => [message.to, message.index]);
    expect(acks).toEqual([[1n, 3], [3n, 2]]);
  });

  test("an acknowledgement of entries overwritten before any write is never sent", () => {
    const target = fixture(2n, { hardState: { term: 1, vote: 0n, commit: 0 } });
    target.node.step({ type: "MsgApp", from: 1n, to: 2n, term: 1, index: 0, logTerm: 0,
      entries: entries(1, [1, 1, 1]), commit: 0 });
    target.node.step({ type: "MsgApp", from: 3n, to: 2n, term: 2, index: 1, logTerm: 1,
      entries: entries(2, [2]), commit: 0 });
    const acks = ofType(drain(target), "MsgAppResp").map((message) => [message.to, message.index]);
    expect(acks).toEqual([[3n, 2]]);
    expect(target.storage.lastIndex()).toBe(2);
  });

  test("a vote granted while a Ready is in flight waits for the Ready that persists it", () => {
    const target = fixture(2n);
    target.node.tick();
    const first = target.node.ready();
    target.node.step({ type: "MsgVote", from: 1n, to: 2n, term: 1, index: 0, logTerm: 0,
      force: false });
    expect(first.hardState).toBeUndefined();
    target.node.advance();
    const second = target.node.ready();
    expect(second.hardState?.vote).toBe(1n);
    expect(second.messages).toHaveLength(0);
    target.node.advance();
    expect(ofType(target.node.ready().messages, "MsgVoteResp")).toHaveLength(1);
  });
});

test("basicStatus agrees with status on term, commit, leader and role", () => {
  const network = new RaftNetwork([1n, 2n, 3n]);
  network.campaign(1n);
  for (const id of [1n, 2n, 3n]) {
    const node = network.node(id);
    const { term, commit, lead, role } = node.status();
    expect(node.basicStatus()).toEqual({ term, commit, lead, role });
  }
});
