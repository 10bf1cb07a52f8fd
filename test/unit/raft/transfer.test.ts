/**
 * @module
 * Leadership transfer (thesis §3.10): catch the transferee up, send MsgTimeoutNow, let it
 * campaign at once without PreVote and past the voters' leader lease; drop proposals meanwhile;
 * abandon the transfer after an election timeout.
 */

import { describe, expect, test } from "bun:test";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

describe("leadership transfer", () => {
  test("a caught-up follower takes over at once, despite PreVote and CheckQuorum", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    expect(network.node(1n).transferLeadership(2n)).toEqual({ ok: true });
    network.stabilize();
    expect(network.leaders()).toEqual([2n]);
    expect(network.node(2n).status().term).toBe(2);
    expect(network.node(1n).status().lead).toBe(2n);
  });

  test("a lagging transferee is caught up first", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.isolate(3n);
    for (const word of ["a", "b", "c"]) network.node(1n).propose(bytes(word));
    network.stabilize();
    network.recover();
    network.node(1n).transferLeadership(3n);
    network.tickAll(2);
    expect(network.leaders()).toEqual([3n]);
    network.node(3n).propose(bytes("d"));
    network.stabilize();
    for (const id of [1n, 2n, 3n]) {
      expect(network.member(id).applied.map((entry) => text(entry.data))).toEqual([
        "a",
        "b",
        "c",
        "d",
      ]);
    }
  });

  test("proposals are dropped during a transfer, which aborts after an election timeout", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.isolate(3n);
    network.node(1n).propose(bytes("x"));
    network.stabilize();
    network.node(1n).transferLeadership(3n);
    expect(network.node(1n).status().leadTransferee).toBe(3n);
    expect(network.node(1n).propose(bytes("y"))).toEqual({ dropped: "transfer in progress" });
    // Keep 2 answering so CheckQuorum holds while the transfer times out.
    for (let tick = 0; tick < 10; tick++) network.tickAll(1);
    expect(network.node(1n).status().leadTransferee).toBe(0n);
    expect(network.leaders()).toEqual([1n]);
    expect(network.node(1n).propose(bytes("y"))).toEqual({ ok: true });
  });

  test("a follower forwards a transfer request to the leader", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    expect(network.node(2n).transferLeadership(2n)).toEqual({ ok: true });
    network.stabilize();
    expect(network.leaders()).toEqual([2n]);
  });

  test("a transfer to a learner or a stranger is refused", () => {
    const network = new RaftNetwork([1n, 2n, 3n], { learners: [4n] });
    network.campaign(1n);
    expect(network.node(1n).transferLeadership(4n)).toEqual({ dropped: "not a member" });
    expect(network.node(1n).transferLeadership(9n)).toEqual({ dropped: "not a member" });
    expect(network.node(1n).transferLeadership(1n)).toEqual({ ok: true });
    network.stabilize();
    expect(network.leaders()).toEqual([1n]);
  });

  test("a transfer whose MsgTimeoutNow is lost expires and the leader carries on", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    network.ignore("MsgTimeoutNow");
    network.node(1n).transferLeadership(2n);
    network.tickAll(12);
    expect(network.leaders()).toEqual([1n]);
    expect(network.node(1n).status().leadTransferee).toBe(0n);
    expect(network.node(1n).propose(bytes("z"))).toEqual({ ok: true });
  });
});
