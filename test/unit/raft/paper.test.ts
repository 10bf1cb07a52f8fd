/**
 * @module
 * One test per rule of the Raft paper (Ongaro & Ousterhout, §5.1–5.4 and §6), each driving a
 * single node through `step`/`tick` and checking what it sends and what state it reaches.
 */

import { describe, expect, test } from "bun:test";
import { type Prng, createPrng } from "../../../src/lib/prng.ts";
import type { Message } from "../../../src/raft/index.ts";
import {
  type Fixture,
  drain,
  electLeader,
  entries,
  entry,
  fixture,
  ofType,
} from "../../support/raft-fixtures.ts";

describe("§5.1 terms", () => {
  test("§5.1 a follower seeing a higher term adopts it and forgets its vote", () => {
    const target = fixture(1n, { hardState: { term: 2, vote: 1n, commit: 0 } });
    target.node.step({ type: "MsgHeartbeat", from: 2n, to: 1n, term: 5, commit: 0, context: null });
    const status = target.node.status();
    expect(status.term).toBe(5);
    expect(status.vote).toBe(0n);
    expect(status.lead).toBe(2n);
  });

  for (const role of ["candidate", "leader"] as const) {
    test(`§5.1 a ${role} seeing a higher term reverts to follower`, () => {
      const target = fixture(1n);
      if (role === "leader") electLeader(target);
      else target.node.campaign();
      drain(target);
      expect(target.node.status().role).toBe(role);
      const term = target.node.status().term + 1;
      target.node.step({ type: "MsgApp", from: 2n, to: 1n, term, index: 0, logTerm: 0,
        entries: [], commit: 0 });
      expect(target.node.status().role).toBe("follower");
      expect(target.node.status().term).toBe(term);
    });
  }

  test("§5.1 a request with a stale term is rejected", () => {
    const target = fixture(1n, { hardState: { term: 3, vote: 0n, commit: 0 } });
    target.node.step({ type: "MsgApp", from: 2n, to: 1n, term: 2, index: 0, logTerm: 0,
      entries: [entry(1, 2)], commit: 1 });
    expect(target.node.status().lastIndex).toBe(0);
    expect(target.node.status().term).toBe(3);
    target.node.step({ type: "MsgVote", from: 2n, to: 1n, term: 2, index: 5, logTerm: 2,
      force: false });
    expect(target.node.status().vote).toBe(0n);
  });

  test("§5.1 a stale leader's append is answered with the newer term", () => {
    const target = fixture(1n, {
      hardState: { term: 3, vote: 0n, commit: 0 },
      config: { checkQuorum: true },
    });
    target.node.step({ type: "MsgHeartbeat", from: 2n, to: 1n, term: 2, commit: 0, context: null });
    const replies = ofType(drain(target), "MsgAppResp");
    expect(replies).toHaveLength(1);
    expect(replies[0]?.term).toBe(3);
    expect(replies[0]?.to).toBe(2n);
  });
});

describe("§5.2 leader election", () => {
  test("§5.2 servers start as followers", () => {
    expect(fixture(1n).node.status().role).toBe("follower");
  });

  test("§5.2 leader sends heartbeats to every follower each heartbeat interval", () => {
    const target = fixture(1n);
    electLeader(target);
    target.node.tick();
    const heartbeats = ofType(drain(target), "MsgHeartbeat");
    expect(heartbeats.map((message) => message.to).sort()).toEqual([2n, 3n]);
  });

  test("§5.2 follower becomes candidate after election timeout", () => {
    const target = fixture(1n);
    for (let tick = 0; tick < 20; tick++) target.node.tick();
    const sent = drain(target);
    const status = target.node.status();
    expect(status.role).toBe("candidate");
    expect(status.term).toBe(1);
    expect(status.vote).toBe(1n);
    const votes = ofType(sent, "MsgVote");
    expect(votes.map((message) => message.to).sort()).toEqual([2n, 3n]);
    expect(votes.every((message) => message.term === 1 && !message.force)).toBe(true);
  });

  test("§5.2 election timeouts are randomized within [election, 2*election-1]", () => {
    const timeouts = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const target = fixture(1n, { config: { prng: createSeeded(seed) } });
      let ticks = 0;
      while (target.node.status().role === "follower") {
        target.node.tick();
        ticks++;
        expect(ticks).toBeLessThan(20);
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      timeouts.add(ticks);
    }
    expect(timeouts.size).toBeGreaterThan(3);
  });

  for (const [size, grants, won] of [
    [1, 0, true],
    [3, 1, true],
    [3, 0, false],
    [5, 2, true],
    [5, 1, false],
  ] as const) {
    test(`§5.2 candidate of ${size} with ${grants} peer grants ${won ? "wins" : "waits"}`, () => {
      const voters = Array.from({ length: size }, (_, index) => BigInt(index + 1));
      const target = fixture(1n, { voters });
      target.node.campaign();
      drain(target);
      for (let peer = 0; peer < grants; peer++) {
        target.node.step({ type: "MsgVoteResp", from: BigInt(peer + 2), to: 1n, term: 1,
          reject: false });
      }
      drain(target);
      expect(target.node.status().role).toBe(won ? "leader" : "candidate");
    });
  }

  test("§5.2 candidate loses when a majority rejects", () => {
    const target = fixture(1n);
    target.node.campaign();
    drain(target);
    for (const from of [2n, 3n]) {
      target.node.step({ type: "MsgVoteResp", from, to: 1n, term: 1, reject: true });
    }
    expect(target.node.status().role).toBe("follower");
  });

  test("§5.2 each server votes for at most one candidate per term", () => {
    const target = fixture(1n);
    const request = (from: bigint): Message => ({ type: "MsgVote", from, to: 1n, term: 1,
      index: 0, logTerm: 0, force: false });
    target.node.step(request(2n));
    target.node.step(request(3n));
    target.node.step(request(2n));
    const replies = ofType(drain(target), "MsgVoteResp");
    expect(replies.map((reply) => [reply.to, reply.reject])).toEqual([
      [2n, false],
      [3n, true],
      [2n, false],
    ]);
    expect(target.node.status().vote).toBe(2n);
  });

  test("§5.2 candidate steps down on an append from a leader of its term", () => {
    const target = fixture(1n);
    target.node.campaign();
    drain(target);
    target.node.step({ type: "MsgApp", from: 2n, to: 1n, term: 1, index: 0, logTerm: 0,
      entries: [], commit: 0 });
    expect(target.node.status().role).toBe("follower");
    expect(target.node.status().lead).toBe(2n);
  });

  test("§5.2 candidate starts a new election when the vote splits", () => {
    const target = fixture(1n);
    target.node.campaign();
    drain(target);
    for (let tick = 0; tick < 20; tick++) target.node.tick();
    const sent = drain(target);
    expect(target.node.status().role).toBe("candidate");
    expect(target.node.status().term).toBe(2);
    expect(ofType(sent, "MsgVote").every((message) => message.term === 2)).toBe(true);
  });
});

describe("§5.3 log replication", () => {
  test("§5.3 leader appends a proposal to its log and replicates it", () => {
    const target = fixture(1n);
    electLeader(target);
    acknowledge(target, [2n, 3n], 1);
    expect(target.node.propose(new TextEncoder().encode("x"))).toEqual({ ok: true });
    const appends = ofType(drain(target), "MsgApp");
    expect(appends.map((message) => message.to).sort()).toEqual([2n, 3n]);
    expect(appends[0]?.entries.map((item) => item.index)).toEqual([2]);
    expect(target.node.status().lastIndex).toBe(2);
  });

  test("§5.3 leader commits once a majority stores the entry, and tells followers", () => {
    const target = fixture(1n);
    electLeader(target);
    acknowledge(target, [2n, 3n], 1);
    target.node.propose(new TextEncoder().encode("x"));
    drain(target);
    expect(target.node.status().commit).toBe(1);
    target.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 2, reject: false,
      rejectHint: 0, logTerm: 0 });
    const sent = drain(target);
    expect(target.node.status().commit).toBe(2);
    const committed = target.readys.flatMap((ready) => ready.committedEntries);
    expect(committed.map((item) => item.index)).toEqual([1, 2]);
    expect(ofType(sent, "MsgApp").some((message) => message.to === 3n && message.commit === 2))
      .toBe(true);
  });

  test("§5.3 heartbeats carry the commit index clamped to what each follower holds", () => {
    const target = fixture(1n);
    electLeader(target);
    acknowledge(target, [2n], 1);
    expect(target.node.status().commit).toBe(1);
    target.node.tick();
    const heartbeats = ofType(drain(target), "MsgHeartbeat");
    expect(heartbeats.map((message) => [message.to, message.commit])).toEqual([
      [2n, 1],
      [3n, 0],
    ]);
  });

  test("§5.3 follower commits min(leaderCommit, last entry of the message)", () => {
    const target = fixture(2n, { terms: [1, 1, 1], hardState: { term: 1, vote: 0n, commit: 0 } });
    // The leader says 5 is committed but this message only vouches for entries up to 2.
    target.node.step({ type: "MsgApp", from: 1n, to: 2n, term: 1, index: 1, logTerm: 1,
      entries: [entry(2, 1)], commit: 5 });
    expect(target.node.status().commit).toBe(2);
  });

  test("§5.3 follower rejects an append whose previous entry does not match", () => {
    const target = fixture(2n, { terms: [1, 1], hardState: { term: 2, vote: 0n, commit: 0 } });
    target.node.step({ type: "MsgApp", from: 1n, to: 2n, term: 2, index: 2, logTerm: 2,
      entries: [entry(3, 2)], commit: 0 });
    const replies = ofType(drain(target), "MsgAppResp");
    expect(replies).toHaveLength(1);
    expect(replies[0]?.reject).toBe(true);
    expect(replies[0]?.rejectHint).toBe(2);
    expect(replies[0]?.logTerm).toBe(1);
    expect(target.node.status().lastIndex).toBe(2);
  });

  test("§5.3 follower truncates only a conflicting suffix", () => {
    const target = fixture(2n, { terms: [1, 1, 1, 1], hardState: { term: 2, vote: 0n,
      commit: 1 } });
    // Matching entries are kept; the first conflict (index 3) and all after it are replaced.
    target.node.step({ type: "MsgApp", from: 1n, to: 2n, term: 2, index: 1, logTerm: 1,
      entries: [entry(2, 1), entry(3, 2)], commit: 1 });
    drain(target);
    expect(target.storage.term(2)).toBe(1);
    expect(target.storage.term(3)).toBe(2);
    expect(target.node.status().lastIndex).toBe(3);
  });

  test("§5.3 a delayed shorter append does not delete acknowledged entries", () => {
    const target = fixture(2n, { hardState: { term: 1, vote: 0n, commit: 0 } });
    const long: Message = { type: "MsgApp", from: 1n, to: 2n, term: 1, index: 0, logTerm: 0,
      entries: entries(1, [1, 1, 1]), commit: 0 };
    const short: Message = { ...long, entries: entries(1, [1]) };
    target.node.step(long);
    drain(target);
    target.node.step(short);
    const replies = ofType(drain(target), "MsgAppResp");
    expect(target.node.status().lastIndex).toBe(3);
    expect(replies.at(-1)?.index).toBe(1);
  });

  test("§5.3 leader brings every Figure 7 follower log in line with its own", () => {
    const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const followerLogs = [
      [1, 1, 1, 4, 4, 5, 5, 6, 6],
      [1, 1, 1, 4],
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
      [1, 1, 1, 4, 4, 4, 4],
      [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    for (const followerTerms of followerLogs) {
      const leader = fixture(1n, { terms: leaderTerms, hardState: { term: 8, vote: 0n,
        commit: 0 } });
      const follower = fixture(2n, { terms: followerTerms, hardState: { term: 8, vote: 0n,
        commit: 0 } });
      const inbox = electLeader(leader).filter((message) => message.to === 2n);
      for (let round = 0; round < 50 && inbox.length > 0; round++) {
        const message = inbox.shift() as Message;
        if (message.to === 2n) follower.node.step(message);
        for (const reply of drain(follower)) leader.node.step(reply);
        inbox.push(...drain(leader).filter((item) => item.to === 2n));
      }
      expect(follower.node.status().lastIndex).toBe(11);
      for (let index = 1; index <= 11; index++) {
        expect(follower.storage.term(index)).toBe(leader.storage.term(index));
      }
    }
  });
});

describe("§5.4 safety", () => {
  for (const [candidateIndex, candidateTerm, granted] of [
    [3, 2, true],
    [2, 2, true],
    [1, 2, false],
    [5, 1, false],
    [1, 3, true],
  ] as const) {
    test(`§5.4.1 voter with log (2@2) ${granted ? "grants" : "rejects"} ${candidateIndex}@${
      candidateTerm}`, () => {
      const target = fixture(2n, { terms: [1, 2] });
      target.node.step({ type: "MsgVote", from: 1n, to: 2n, term: 3, index: candidateIndex,
        logTerm: candidateTerm, force: false });
      const reply = ofType(drain(target), "MsgVoteResp")[0];
      expect(reply?.reject).toBe(!granted);
    });
  }

  test("§5.4.2 leader only commits entries from its current term", () => {
    // Figure 8: entry 2 of term 1 is on a majority, but the leader of term 3 cannot commit it
    // by counting replicas; only its own entry (3) commits it indirectly.
    const target = fixture(1n, { terms: [1, 1], hardState: { term: 2, vote: 0n, commit: 0 } });
    electLeader(target);
    expect(target.node.status().term).toBe(3);
    target.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 3, index: 2, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(target);
    expect(target.node.status().commit).toBe(0);
    target.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 3, index: 3, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(target);
    expect(target.node.status().commit).toBe(3);
  });

  test("§5.4.2 a new leader appends a no-op of its term at once", () => {
    const target = fixture(1n, { terms: [1, 1], hardState: { term: 1, vote: 0n, commit: 0 } });
    const sent = electLeader(target);
    expect(target.storage.term(3)).toBe(2);
    const appends = ofType(sent, "MsgApp");
    expect(appends.some((message) => message.entries.some((item) => item.index === 3))).toBe(true);
  });
});

describe("§6 cluster membership changes", () => {
  test("§6 a membership change takes effect when applied, not when appended", () => {
    const target = fixture(1n);
    electLeader(target);
    target.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(target);
    expect(target.node.proposeConfChange({ type: "addVoter", nodeId: 4n,
      context: new Uint8Array() })).toEqual({ ok: true });
    drain(target);
    expect(target.node.status().confState.voters).toEqual([1n, 2n, 3n]);
    target.node.applyConfChange({ type: "addVoter", nodeId: 4n, context: new Uint8Array() });
    expect(target.node.status().confState.voters).toEqual([1n, 2n, 3n, 4n]);
  });

  test("§6 only one membership change may be pending", () => {
    const target = fixture(1n);
    electLeader(target);
    target.node.step({ type: "MsgAppResp", from: 2n, to: 1n, term: 1, index: 1, reject: false,
      rejectHint: 0, logTerm: 0 });
    drain(target);
    const change = { type: "addLearner", nodeId: 4n, context: new Uint8Array() } as const;
    expect(target.node.proposeConfChange(change)).toEqual({ ok: true });
    expect(target.node.proposeConfChange({ ...change, nodeId: 5n })).toEqual({
      dropped: "conf change pending",
    });
  });

  test("§6 a member hearing its leader ignores a disruptive higher-term vote", () => {
    const target = fixture(2n, { config: { checkQuorum: true } });
    target.node.step({ type: "MsgHeartbeat", from: 1n, to: 2n, term: 1, commit: 0, context: null });
    target.node.step({ type: "MsgVote", from: 3n, to: 2n, term: 5, index: 9, logTerm: 4,
      force: false });
    expect(target.node.status().term).toBe(1);
    expect(ofType(drain(target), "MsgVoteResp")).toHaveLength(0);
  });
});

describe("§5 durability ordering (thesis §3.8)", () => {
  test("an append response leaves only in the Ready after the entries' Ready", () => {
    const target = fixture(2n, { hardState: { term: 1, vote: 0n, commit: 0 } });
    target.node.step({ type: "MsgApp", from: 1n, to: 2n, term: 1, index: 0, logTerm: 0,
      entries: entries(1, [1]), commit: 0 });
    const first = target.node.ready();
    expect(first.entries).toHaveLength(1);
    expect(ofType(first.messages, "MsgAppResp")).toHaveLength(0);
    target.storage.append(first.entries);
    target.node.advance();
    const second = target.node.ready();
    expect(ofType(second.messages, "MsgAppResp").map((message) => message.index)).toEqual([1]);
  });

  test("a vote leaves only after the Ready persisting that vote", () => {
    const target = fixture(2n);
    target.node.step({ type: "MsgVote", from: 1n, to: 2n, term: 1, index: 0, logTerm: 0,
      force: false });
    const first = target.node.ready();
    expect(first.hardState).toEqual({ term: 1, vote: 1n, commit: 0 });
    expect(first.mustSync).toBe(true);
    expect(first.messages).toHaveLength(0);
    target.node.advance();
    expect(ofType(target.node.ready().messages, "MsgVoteResp")).toHaveLength(1);
  });

  test("a single voter counts its own vote and its own entries only after advance", () => {
    const target = fixture(1n, { voters: [1n] });
    target.node.campaign();
    expect(target.node.status().role).toBe("candidate");
    const vote = target.node.ready();
    expect(vote.hardState?.vote).toBe(1n);
    target.node.advance();
    expect(target.node.status().role).toBe("leader");
    const noop = target.node.ready();
    expect(noop.entries).toHaveLength(1);
    expect(target.node.status().commit).toBe(0);
    target.storage.append(noop.entries);
    target.node.advance();
    expect(target.node.status().commit).toBe(1);
  });

  test("a commit-only change needs no fsync", () => {
    const target = fixture(2n, { terms: [1], hardState: { term: 1, vote: 0n, commit: 0 } });
    target.node.step({ type: "MsgHeartbeat", from: 1n, to: 2n, term: 1, commit: 1, context: null });
    const ready = target.node.ready();
    expect(ready.hardState?.commit).toBe(1);
    expect(ready.mustSync).toBe(false);
  });
});

function createSeeded(seed: number): Prng {
  return createPrng(seed);
}

/** Feeds the leader successful append responses from `peers` up to `index`. */
function acknowledge(target: Fixture, peers: readonly bigint[], index: number): Message[] {
  const term = target.node.status().term;
  for (const from of peers) {
    target.node.step({ type: "MsgAppResp", from, to: 1n, term, index, reject: false,
      rejectHint: 0, logTerm: 0 });
  }
  return drain(target);
}
