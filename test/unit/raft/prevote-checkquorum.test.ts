/**
 * @module
 * PreVote (thesis §9.6) and CheckQuorum scenarios, including Howard & Abraham's partial
 * connectivity topologies ("Raft does not Guarantee Liveness in the face of Network Faults").
 */

import { describe, expect, test } from "bun:test";
import type { MemberId } from "../../../src/raft/index.ts";
import { RaftNetwork, bytes } from "../../support/raft-network.ts";

const ids = [1n, 2n, 3n] as const;

/** Ticks `member` past any randomized election timeout without delivering anything. */
function expireElection(network: RaftNetwork, member: MemberId): void {
  for (let tick = 0; tick < 20; tick++) network.node(member).tick();
}

describe("CheckQuorum", () => {
  test("a leader without a recently active quorum steps down", () => {
    const network = new RaftNetwork([...ids], { preVote: false, checkQuorum: true });
    network.campaign(1n);
    network.isolate(1n);
    for (let tick = 0; tick < 21; tick++) network.tick(1n);
    expect(network.node(1n).status().role).toBe("follower");
  });

  test("a stuck candidate is freed: the stale leader learns its term from its reply", () => {
    const network = new RaftNetwork([...ids], { preVote: false, checkQuorum: true });
    network.campaign(1n);
    network.isolate(1n);
    network.campaign(3n);
    expect(network.node(3n).status().role).toBe("candidate");
    expect(network.node(2n).status().role).toBe("follower");
    network.campaign(3n);
    const candidateTerm = network.node(3n).status().term;
    expect(candidateTerm).toBe(3);
    network.recover();
    network.send({ type: "MsgHeartbeat", from: 1n, to: 3n, term: 1, commit: 0, context: null });
    expect(network.node(1n).status().role).toBe("follower");
    expect(network.node(1n).status().term).toBe(candidateTerm);
    network.campaign(3n);
    expect(network.node(3n).status().role).toBe("leader");
  });

  test("members in lease ignore a disruptive candidate's higher-term vote", () => {
    const network = new RaftNetwork([...ids], { preVote: false, checkQuorum: true });
    network.campaign(1n);
    network.node(3n).campaign();
    network.stabilize();
    expect(network.node(2n).status().term).toBe(1);
    // The leader keeps its role until its heartbeat meets the higher term.
    expect(network.node(1n).status().role).toBe("leader");
  });

  test("a disruptive follower with a higher term deposes the leader when PreVote is off", () => {
    const network = new RaftNetwork([...ids], { preVote: false, checkQuorum: true });
    network.campaign(1n);
    network.isolate(3n);
    expireElection(network, 3n);
    network.process(3n);
    network.queue.length = 0;
    network.recover();
    expect(network.node(3n).status().term).toBe(2);
    network.tickAll(1);
    expect(network.node(1n).status().role).toBe("follower");
    expect(network.node(1n).status().term).toBe(2);
  });
});

describe("PreVote", () => {
  test("a partitioned follower does not inflate its term and cannot disrupt on return", () => {
    const network = new RaftNetwork([...ids], { preVote: true, checkQuorum: true });
    network.campaign(1n);
    network.isolate(3n);
    for (let round = 0; round < 5; round++) {
      expireElection(network, 3n);
      network.process(3n);
      network.queue.length = 0;
    }
    expect(network.node(3n).status().term).toBe(1);
    expect(network.node(3n).status().role).toBe("preCandidate");
    network.recover();
    network.tickAll(3);
    expect(network.leaders()).toEqual([1n]);
    expect(network.node(1n).status().term).toBe(1);
    expect(network.node(3n).status().role).toBe("follower");
  });

  test("a pre-candidate with a stale log is refused even without a lease", () => {
    const network = new RaftNetwork([...ids], { preVote: true, checkQuorum: false });
    network.campaign(1n);
    network.isolate(3n);
    network.node(1n).propose(bytes("x"));
    network.stabilize();
    network.recover();
    network.isolate(1n);
    network.campaign(3n);
    // 2 refuses (3's log is behind); 1 is away: 3 neither wins nor bumps its term.
    expect(network.node(3n).status().role).toBe("preCandidate");
    expect(network.node(3n).status().term).toBe(1);
    network.campaign(2n);
    expect(network.node(2n).status().role).toBe("leader");
  });

  test("PreVote with a split vote still elects a leader", () => {
    const network = new RaftNetwork([...ids], { preVote: true, checkQuorum: true });
    network.campaign(1n);
    // Leader 1 disappears; 2 and 3 campaign concurrently and split the vote.
    network.isolate(1n);
    network.cut(2n, 3n);
    network.campaign(2n);
    network.campaign(3n);
    network.recover();
    network.isolate(1n);
    expireElection(network, 2n);
    expireElection(network, 3n);
    network.stabilize();
    for (let round = 0; round < 400 && network.leaders().length <= 1; round++) {
      network.tick(2n);
      network.tick(3n);
      network.stabilize();
    }
    const leaders = network.leaders().filter((id) => id !== 1n);
    expect(leaders).toHaveLength(1);
  });

  test("members adopt the term only of a real vote, never of a pre-vote", () => {
    const network = new RaftNetwork([...ids], { preVote: true, checkQuorum: false });
    network.isolate(1n);
    network.campaign(3n);
    // Pre-candidate 3 is refused nowhere (no leader known), so it wins and runs for term 1.
    expect(network.node(3n).status().term).toBe(1);
    expect(network.node(2n).status().term).toBe(1);
    expect(network.node(1n).status().term).toBe(0);
  });
});

/** Runs `count` election timeouts and reports leader identity and term at every tick. */
function observeLeadership(network: RaftNetwork, ticks: number): Set<string> {
  const seen = new Set<string>();
  for (let tick = 0; tick < ticks; tick++) {
    network.tickAll(1);
    for (const id of network.leaders()) {
      seen.add(`${id}@${network.node(id).status().term}`);
    }
  }
  return seen;
}

function topologyOne(network: RaftNetwork): void {
  // {1,2,3} fully connected; 4 reaches only 2; 5 reaches only 3.
  for (const [left, right] of [[4n, 1n], [4n, 3n], [4n, 5n], [5n, 1n], [5n, 2n]] as const) {
    network.cut(left, right);
  }
}

function topologyTwo(network: RaftNetwork): void {
  // The leader 1 reaches only 2; 2 reaches everyone; 3, 4, 5 reach only 2.
  const cuts = [[1n, 3n], [1n, 4n], [1n, 5n], [3n, 4n], [3n, 5n], [4n, 5n]] as const;
  for (const [left, right] of cuts) network.cut(left, right);
}

describe("Howard & Abraham partial connectivity", () => {
  const fiveIds = [1n, 2n, 3n, 4n, 5n];
  const electionTimeouts = 20;

  test("topology 1 keeps one stable leader with PreVote and CheckQuorum", () => {
    const network = new RaftNetwork(fiveIds, { seed: 3 });
    network.campaign(1n);
    topologyOne(network);
    const seen = observeLeadership(network, electionTimeouts * 10);
    expect([...seen]).toEqual(["1@1"]);
    expect(network.node(1n).propose(bytes("progress"))).toEqual({ ok: true });
    network.stabilize();
    expect(network.member(2n).applied).toHaveLength(1);
  });

  test("topology 1 livelocks classic Raft (the guards matter)", () => {
    const network = new RaftNetwork(fiveIds, { seed: 3, preVote: false, checkQuorum: false });
    network.campaign(1n);
    topologyOne(network);
    const seen = observeLeadership(network, electionTimeouts * 10);
    expect(seen.size).toBeGreaterThan(3);
  });

  test("topology 2 converges to one stable leader with PreVote and CheckQuorum", () => {
    const network = new RaftNetwork(fiveIds, { seed: 5 });
    network.campaign(1n);
    topologyTwo(network);
    // Let CheckQuorum depose 1 and the hub win, then require stability.
    observeLeadership(network, 10 * 4);
    const seen = observeLeadership(network, electionTimeouts * 10);
    expect(seen.size).toBe(1);
    const [leader] = network.leaders();
    expect(leader).toBe(2n);
    expect(network.node(2n).propose(bytes("progress"))).toEqual({ ok: true });
    network.stabilize();
    expect(network.member(5n).applied).toHaveLength(1);
  });

  test("topology 2 deadlocks with PreVote but without CheckQuorum (the guard matters)", () => {
    const network = new RaftNetwork(fiveIds, { seed: 5, checkQuorum: false });
    network.campaign(1n);
    topologyTwo(network);
    observeLeadership(network, electionTimeouts * 10);
    // 1 still believes it leads but can commit nothing; nobody else can win.
    expect(network.leaders()).toEqual([1n]);
    network.node(1n).propose(bytes("stuck"));
    network.tickAll(30);
    expect(network.member(1n).applied).toHaveLength(0);
  });
});
