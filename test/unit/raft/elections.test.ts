/**
 * @module
 * Election and commit scenarios on the in-memory network (classic Raft: PreVote and CheckQuorum
 * off unless stated), after the scenarios of etcd-io/raft's raft_test.go, written anew.
 */

import { describe, expect, test } from "bun:test";
import type { MemberId } from "../../../src/raft/index.ts";
import { entries } from "../../support/raft-fixtures.ts";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

const classic = { preVote: false, checkQuorum: false } as const;

function appliedTexts(network: RaftNetwork, id: MemberId): string[] {
  return network.member(id).applied.map((entry) => text(entry.data));
}

describe("election scenarios", () => {
  test("Figure 8: an old-term entry on a majority is not committed by counting replicas", () => {
    const ids = [1n, 2n, 3n, 4n, 5n];
    // One entry per MsgApp, so a leader can place an old entry without its own no-op.
    const network = new RaftNetwork(ids, { ...classic, config: { maxSizePerMsgBytes: 0 } });
    network.campaign(1n);
    // (a) S1 (term 1) replicates A at index 2 to S2 only.
    for (const id of [3n, 4n, 5n]) network.cut(1n, id);
    network.node(1n).propose(bytes("A"));
    network.stabilize();
    expect(network.logTerms(2n)).toEqual([1, 1]);
    // (b) S1 crashes; S5 wins term 2 with S3, S4 and appends its no-op only locally.
    network.recover();
    network.isolate(1n);
    network.ignore("MsgApp");
    network.campaign(5n);
    expect(network.node(5n).status().role).toBe("leader");
    expect(network.logTerms(5n)).toEqual([1, 2]);
    // (c) S5 crashes; S1 returns and wins term 3, placing A on S3 but not its own no-op.
    network.recover();
    network.isolate(5n);
    // S1's appends carry only pre-term-3 entries: its own no-op never leaves.
    network.hook = (message) => {
      if (message.type !== "MsgApp") return message;
      const cut = message.entries.findIndex((entry) => entry.term === 3);
      return cut < 0 ? message : { ...message, entries: message.entries.slice(0, cut) };
    };
    network.restart(1n);
    network.campaign(1n);
    if (network.node(1n).status().role !== "leader") network.campaign(1n);
    expect(network.node(1n).status().role).toBe("leader");
    network.tickAll(1);
    expect(network.logTerms(3n).slice(0, 2)).toEqual([1, 1]);
    // A sits on S1, S2, S3: a majority, yet S1 must not commit it (Figure 8).
    expect(network.node(1n).status().commit).toBe(1);
    // (d) S1 crashes; S5 wins term 4 and overwrites A everywhere it can.
    network.hook = null;
    network.recover();
    network.isolate(1n);
    network.restart(1n);
    network.restart(5n);
    for (let attempt = 0; attempt < 3 && network.leaders()[0] !== 5n; attempt++) {
      network.campaign(5n);
    }
    expect(network.leaders()).toEqual([5n]);
    network.node(5n).propose(bytes("B"));
    network.stabilize();
    for (const id of [2n, 3n, 4n, 5n]) {
      expect(appliedTexts(network, id)).toEqual(["B"]);
      expect(network.logTerms(id)[1]).toBe(2);
    }
  });

  test("dueling candidates: the candidate with the shorter log cannot win", () => {
    const network = new RaftNetwork([1n, 2n, 3n], classic);
    network.cut(1n, 3n);
    network.campaign(1n);
    network.campaign(3n);
    expect(network.node(1n).status().role).toBe("leader");
    expect(network.node(3n).status().role).toBe("candidate");
    network.recover();
    // 3's newer term deposes 1, but its log lacks the committed no-op, so nobody wins.
    network.campaign(3n);
    for (const id of [1n, 2n, 3n]) {
      const status = network.node(id).status();
      expect(status.role).toBe("follower");
      expect(status.term).toBe(2);
    }
    expect(network.logTerms(1n)).toEqual([1]);
    expect(network.logTerms(3n)).toEqual([]);
  });

  test("a candidate concedes to the leader of its term and catches up", () => {
    const network = new RaftNetwork([1n, 2n, 3n], classic);
    network.isolate(1n);
    network.campaign(1n);
    network.campaign(3n);
    network.recover();
    network.tick(3n, 1);
    network.stabilize();
    network.node(3n).propose(bytes("force follower"));
    network.stabilize();
    expect(network.leaders()).toEqual([3n]);
    for (const id of [1n, 2n, 3n]) {
      expect(appliedTexts(network, id)).toEqual(["force follower"]);
    }
  });

  test("leader election overwrites newer logs that were never committed", () => {
    const network = new RaftNetwork([1n, 2n, 3n, 4n, 5n], {
      ...classic,
      prepare: (id, storage) => {
        if (id === 1n || id === 2n) {
          storage.append(entries(1, [1]));
          storage.setHardState({ term: 1, vote: 1n, commit: 0 });
        } else if (id === 3n) {
          storage.append(entries(1, [2]));
          storage.setHardState({ term: 2, vote: 3n, commit: 0 });
        } else {
          storage.setHardState({ term: 2, vote: 3n, commit: 0 });
        }
      },
    });
    network.campaign(1n);
    expect(network.node(1n).status().role).toBe("follower");
    expect(network.node(1n).status().term).toBe(2);
    network.campaign(1n);
    expect(network.node(1n).status().role).toBe("leader");
    expect(network.node(1n).status().term).toBe(3);
    for (const id of network.members.keys()) expect(network.logTerms(id)).toEqual([1, 3]);
  });

  test("old messages from a deposed leader are ignored", () => {
    const network = new RaftNetwork([1n, 2n, 3n], classic);
    network.campaign(1n);
    network.campaign(2n);
    network.campaign(1n);
    expect(network.node(1n).status().term).toBe(3);
    // A delayed append from 2's leadership in term 2.
    network.send({ type: "MsgApp", from: 2n, to: 1n, term: 2, index: 2, logTerm: 2,
      entries: entries(3, [2]), commit: 3 });
    network.node(1n).propose(bytes("somedata"));
    network.stabilize();
    for (const id of [1n, 2n, 3n]) {
      expect(network.logTerms(id)).toEqual([1, 2, 3, 3]);
      expect(appliedTexts(network, id)).toEqual(["somedata"]);
    }
  });

  test("a new leader cannot commit old entries before an entry of its own term", () => {
    const network = new RaftNetwork([1n, 2n, 3n, 4n, 5n], classic);
    network.campaign(1n);
    for (const id of [3n, 4n, 5n]) network.cut(1n, id);
    network.node(1n).propose(bytes("x"));
    network.node(1n).propose(bytes("y"));
    network.stabilize();
    network.recover();
    network.ignore("MsgApp");
    network.campaign(2n);
    expect(network.node(2n).status().role).toBe("leader");
    expect(network.node(2n).status().commit).toBe(1);
    network.recover();
    network.tickAll(1);
    expect(network.node(2n).status().commit).toBe(4);
    for (const id of network.members.keys()) {
      expect(appliedTexts(network, id)).toEqual(["x", "y"]);
    }
  });

  test("there is at most one leader per term across many seeded elections", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const network = new RaftNetwork([1n, 2n, 3n, 4n, 5n], { seed });
      const leaderOfTerm = new Map<number, MemberId>();
      for (let round = 0; round < 60; round++) {
        if (round % 20 === 0) network.recover();
        if (round % 20 === 5) network.drop(1n, 2n, 0.5);
        if (round % 20 === 7) network.isolate(BigInt(1 + (round % 5)));
        network.tickAll(1);
        for (const id of network.leaders()) {
          const term = network.node(id).status().term;
          const known = leaderOfTerm.get(term);
          expect(known === undefined || known === id).toBe(true);
          leaderOfTerm.set(term, id);
        }
      }
    }
  });
});
