/**
 * The real Raft core over the real TCP transport: three RawNodes elect a leader and replicate
 * proposals through loopback sockets, and a member that was down catches up from a 3 MiB
 * snapshot streamed in chunks (with reportSnapshot and reportUnreachable wired as the node loop
 * will wire them).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createPrng } from "../../../src/lib/prng.ts";
import {
  type ConfState,
  EntryType,
  MemoryStorage,
  type MemberId,
  RawNode,
  decodeConfChange,
} from "../../../src/raft/index.ts";
import { type TestMember, pollUntil, startMember } from "./helpers.ts";

const ids = [1n, 2n, 3n] as const;
const confState: ConfState = { voters: [...ids], learners: [] };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One member: a RawNode with in-memory storage, its transport and what it applied. */
interface RaftMember {
  readonly id: MemberId;
  readonly node: RawNode;
  readonly storage: MemoryStorage;
  readonly transport: TestMember;
  readonly applied: string[];
  appliedIndex: number;
  confState: ConfState;
}

const running: RaftMember[] = [];
const timers: ReturnType<typeof setInterval>[] = [];

afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  await Promise.all(running.splice(0).map((member) => member.transport.transport.stop()));
});

/** Starts a member; a restart passes what the old one left durable (storage and applied). */
async function startRaftMember(
  id: MemberId,
  restart?: { listenUrl: string; previous: RaftMember },
): Promise<RaftMember> {
  const storage = restart?.previous.storage ?? new MemoryStorage(confState);
  const appliedIndex = restart?.previous.appliedIndex ?? 0;
  const node = new RawNode(
    {
      id,
      electionTicks: 10,
      heartbeatTicks: 1,
      prng: createPrng(Number(id) * 31),
      maxSizePerMsgBytes: 1 << 20,
      maxInflightMsgs: 64,
      maxUncommittedEntriesBytes: 1 << 30,
      maxCommittedSizePerReadyBytes: 1 << 30,
    },
    storage,
    { applied: appliedIndex, confState: restart?.previous.confState ?? confState },
  );
  const listenUrl = restart?.listenUrl;
  const transport = await startMember(id, listenUrl === undefined ? {} : { listenUrl });
  const member: RaftMember = {
    id,
    node,
    storage,
    transport,
    applied: [...(restart?.previous.applied ?? [])],
    appliedIndex,
    confState: restart?.previous.confState ?? confState,
  };
  transport.transport.onMessage((message) => node.step(message));
  transport.transport.onUnreachable((peer) => node.reportUnreachable(peer));
  transport.transport.onSnapshotStatus((peer, ok) => node.reportSnapshot(peer, ok));
  running.push(member);
  return member;
}

/** Persist, send, apply, advance: the caller contract in its simplest form. */
function processReadys(member: RaftMember): void {
  for (let round = 0; member.node.hasReady() && round < 100; round++) {
    const ready = member.node.ready();
    if (ready.snapshot !== undefined) member.storage.applySnapshot(ready.snapshot);
    member.storage.append(ready.entries);
    if (ready.hardState !== undefined) member.storage.setHardState(ready.hardState);
    member.transport.transport.send(ready.messages);
    if (ready.snapshot !== undefined) {
      const state = JSON.parse(decoder.decode(ready.snapshot.data)) as { applied: string[] };
      member.applied.splice(0, member.applied.length, ...state.applied);
      member.appliedIndex = ready.snapshot.metadata.index;
      member.confState = ready.snapshot.metadata.confState;
    }
    for (const entry of ready.committedEntries) {
      if (entry.index <= member.appliedIndex) continue;
      member.appliedIndex = entry.index;
      if (entry.type === EntryType.confChange) {
        member.confState = member.node.applyConfChange(decodeConfChange(entry.data));
      } else if (entry.data.byteLength > 0) {
        member.applied.push(decoder.decode(entry.data));
      }
    }
    member.node.advance();
  }
}

/** Ticks every member every 10 ms and processes Readys every 5 ms, like a node loop. */
function drive(members: () => readonly RaftMember[]): void {
  let beat = 0;
  timers.push(
    setInterval(() => {
      beat += 1;
      for (const member of members()) {
        if (beat % 2 === 0) member.node.tick();
        processReadys(member);
      }
    }, 5),
  );
}

function leaderOf(members: readonly RaftMember[]): RaftMember | undefined {
  return members.find((member) => member.node.status().role === "leader");
}

function meshRaft(members: readonly RaftMember[]): void {
  for (const member of members) {
    for (const other of members) {
      if (other !== member) member.transport.transport.addPeer(other.id, [other.transport.url]);
    }
  }
}

describe("Raft over the TCP transport", () => {
  test("three members elect a leader, replicate, and a restarted member catches up by snapshot",
    async () => {
      const members = [
        await startRaftMember(1n),
        await startRaftMember(2n),
        await startRaftMember(3n),
      ];
      meshRaft(members);
      drive(() => members);
      await pollUntil(() => leaderOf(members) !== undefined, "a leader", 10_000);
      const leader = leaderOf(members);
      if (leader === undefined) throw new Error("no leader");
      for (let index = 0; index < 20; index++) {
        expect(leader.node.propose(encoder.encode(`value ${index}`))).toEqual({ ok: true });
      }
      await pollUntil(() => members.every((m) => m.applied.length === 20), "replication", 10_000);
      for (const member of members) expect(member.applied[19]).toBe("value 19");

      // A follower goes down; the others go on, and the leader compacts past what it missed.
      const lost = members.find((member) => member !== leader);
      if (lost === undefined) throw new Error("no follower");
      const lostUrl = lost.transport.url;
      running.splice(running.indexOf(lost), 1);
      members.splice(members.indexOf(lost), 1);
      await lost.transport.transport.stop();
      for (let index = 20; index < 30; index++) {
        leader.node.propose(encoder.encode(`value ${index}`));
      }
      await pollUntil(() => members.every((m) => m.applied.length === 30), "progress", 10_000);
      const padding = "p".repeat(3 << 20);
      const state = encoder.encode(JSON.stringify({ applied: leader.applied, padding }));
      leader.storage.createSnapshot(leader.appliedIndex, leader.confState, state);
      leader.storage.compact(leader.appliedIndex);

      // It restarts from its own storage at the same address; the entries it lacks are gone
      // from the leader's log, so only the snapshot can bring it up to date.
      const reborn = await startRaftMember(lost.id, { listenUrl: lostUrl, previous: lost });
      expect(reborn.applied.length).toBe(20);
      for (const member of members) {
        reborn.transport.transport.addPeer(member.id, [member.transport.url]);
      }
      members.push(reborn);
      await pollUntil(() => reborn.applied.length === 30, "catch-up by snapshot", 20_000);
      expect(reborn.applied).toEqual(leader.applied);
      expect(reborn.storage.snapshot()?.metadata.index).toBe(leader.appliedIndex);
      expect(reborn.transport.transport.stats().receivedBytes).toBeGreaterThan(3 << 20);
    },
    40_000,
  );
});
