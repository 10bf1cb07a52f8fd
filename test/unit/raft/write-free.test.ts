/**
 * @module
 * Write-free work (`RawNode.writeFreeReady`): while a Ready is being written, acknowledgements
 * and commit indexes that arrive commit and apply entries that were already durable, and a
 * steady leader's messages leave at once; nothing that depends on the write in flight does.
 */

import { describe, expect, test } from "bun:test";
import type { Message } from "../../../src/raft/index.ts";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

function texts(entries: readonly { data: Uint8Array }[]): string[] {
  return entries.map((entry) => text(entry.data));
}

/** Delivers the queued messages matching `filter` to their receivers, without processing them. */
function stepInto(network: RaftNetwork, filter: (message: Message) => boolean): Message[] {
  const messages = network.take(filter);
  for (const message of messages) network.node(message.to).step(message);
  return messages;
}

/** A 3-member cluster led by 1 whose followers hold "a" on disk but have not acknowledged it. */
function leaderAwaitingAcks(): RaftNetwork {
  const network = new RaftNetwork([1n, 2n, 3n]);
  network.campaign(1n);
  network.node(1n).propose(bytes("a"));
  network.process(1n);
  for (const message of network.take((item) => item.type === "MsgApp")) {
    network.node(message.to).step(message);
    network.process(message.to);
  }
  return network;
}

describe("write-free work while a Ready is written", () => {
  test("an acknowledgement arriving during the leader's write commits and applies at once", () => {
    const network = leaderAwaitingAcks();
    network.node(1n).propose(bytes("b"));
    const writing = network.startReady(1n);
    expect(texts(writing.entries)).toEqual(["b"]);
    stepInto(network, (message) => message.type === "MsgAppResp" && message.to === 1n);
    const work = network.takeWriteFree(1n);
    expect(texts(work?.committedEntries ?? [])).toEqual(["a"]);
    expect(texts(network.member(1n).applied)).toEqual(["a"]);
    // The followers hear of the commit now, not after the write.
    const commits = (work?.messages ?? []).filter((message) => message.type === "MsgApp");
    expect(commits.map((message) => message.to).sort()).toEqual([2n, 3n]);
    const aIndex = network.member(1n).appliedIndex;
    expect(commits.every((message) => message.type === "MsgApp" && message.commit === aIndex))
      .toBe(true);
    expect(network.node(1n).writeFreeReady()).toBeNull();
    network.stabilize();
    for (const id of [1n, 2n, 3n]) expect(texts(network.member(id).applied)).toEqual(["a", "b"]);
  });

  test("entries of the Ready being written are not handed out before that write", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.node(1n).propose(bytes("a"));
    const writing = network.startReady(1n);
    expect(texts(writing.entries)).toEqual(["a"]);
    // Both followers persist and acknowledge "a" while the leader's own write is in flight: a
    // quorum holds it, so it commits, but the leader must not apply what it has not written.
    for (const message of writing.messages.filter((item) => item.type === "MsgApp")) {
      network.node(message.to).step(message);
      network.process(message.to);
    }
    stepInto(network, (message) => message.type === "MsgAppResp" && message.to === 1n);
    expect(network.node(1n).status().commit).toBe(writing.entries[0]?.index ?? -1);
    const work = network.takeWriteFree(1n);
    expect(work?.committedEntries ?? []).toEqual([]);
    expect(network.member(1n).applied).toEqual([]);
    network.process(1n);
    expect(texts(network.member(1n).applied)).toEqual(["a"]);
  });

  test("a follower applies a commit index that arrives during its write", () => {
    const network = leaderAwaitingAcks();
    // The follower starts writing "b" before the leader has heard that "a" is replicated.
    network.node(1n).propose(bytes("b"));
    network.process(1n);
    stepInto(network, (message) => message.type === "MsgApp" && message.to === 2n);
    const writing = network.startReady(2n);
    expect(texts(writing.entries)).toEqual(["b"]);
    expect(writing.committedEntries).toEqual([]);
    // Meanwhile the leader commits "a" and says so.
    stepInto(network, (message) => message.type === "MsgAppResp" && message.to === 1n);
    network.process(1n);
    network.tick(1n);
    const toFollower = stepInto(network, (message) => message.to === 2n);
    expect(toFollower.some((message) => message.type === "MsgHeartbeat")).toBe(true);
    const work = network.takeWriteFree(2n);
    expect(texts(work?.committedEntries ?? [])).toEqual(["a"]);
    expect(texts(network.member(2n).applied)).toEqual(["a"]);
    // Its responses vouch for the write in flight (or its term): they wait for it.
    expect(work?.messages ?? []).toEqual([]);
    network.stabilize();
    expect(texts(network.member(2n).applied)).toEqual(["a", "b"]);
  });

  test("a follower forwards a proposal during its write; other messages wait for it", () => {
    const network = leaderAwaitingAcks();
    network.startReady(2n);
    expect(network.node(2n).propose(bytes("c"))).toEqual({ ok: true });
    const work = network.takeWriteFree(2n);
    expect(work?.messages.map((message) => [message.type, message.to, message.term])).toEqual([
      ["MsgProp", 1n, 0],
    ]);
    network.stabilize();
    expect(texts(network.member(3n).applied)).toEqual(["a", "c"]);
  });

  test("a read answered during the leader's write is handed out with the write-free work", () => {
    const network = leaderAwaitingAcks();
    network.stabilize();
    expect(network.node(1n).readIndex(bytes("r1"))).toEqual({ ok: true });
    network.process(1n);
    network.node(1n).propose(bytes("b"));
    network.startReady(1n);
    stepInto(network, (message) => message.type === "MsgHeartbeat");
    network.process(2n);
    network.process(3n);
    stepInto(network, (message) => message.type === "MsgHeartbeatResp");
    const work = network.takeWriteFree(1n);
    expect(work?.readStates.map((state) => text(state.context))).toEqual(["r1"]);
    expect(network.member(1n).readStates.map((state) => text(state.context))).toEqual(["r1"]);
  });

  test("asking for write-free work with no Ready in progress is a programming error", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    expect(() => network.node(1n).writeFreeReady()).toThrow(/without a Ready in progress/);
  });
});
