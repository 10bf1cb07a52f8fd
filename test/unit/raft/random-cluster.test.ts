/**
 * @module
 * A small seeded randomized check (the full simulator comes later): clusters under message
 * reordering, loss, duplication, partitions, crash-restarts and compaction, with Raft's Figure 3
 * properties checked after every step, then a liveness phase after healing.
 */

import { describe, expect, test } from "bun:test";
import { type Prng, createPrng } from "../../../src/lib/prng.ts";
import {
  type ConfChange,
  type ConfState,
  type MemberId,
  MemoryStorage,
  type Message,
} from "../../../src/raft/index.ts";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

interface Ghost {
  /** The member that led each term. */
  readonly leaderOfTerm: Map<number, MemberId>;
  /** The (term, data) committed at each index, fixed by the first member to commit it. */
  readonly committed: Map<number, string>;
  /** The data applied at each index, fixed by the first member to apply it. */
  readonly applied: Map<number, string>;
  /** For each read context, the highest index committed anywhere when the read began. */
  readonly readFloor: Map<string, number>;
}

function entryKey(term: number, data: Uint8Array): string {
  return `${term}:${text(data)}`;
}

function checkInvariants(network: RaftNetwork, ghost: Ghost, step: number): void {
  for (const [id, member] of network.members) {
    const status = member.node.status();
    if (status.applied > status.commit || status.commit > status.lastIndex) {
      throw new Error(`Step ${step}: member ${id} has applied > commit or commit > last index`);
    }
    if (status.role === "leader") {
      const known = ghost.leaderOfTerm.get(status.term);
      if (known !== undefined && known !== id) {
        throw new Error(`Step ${step}: two leaders (${known}, ${id}) in term ${status.term}`);
      }
      ghost.leaderOfTerm.set(status.term, id);
    }
    const storage = member.storage;
    const durableCommit = Math.min(storage.hardState().commit, storage.lastIndex());
    for (let index = storage.firstIndex(); index <= durableCommit; index++) {
      const [entry] = storage.entries(index, index + 1, Infinity);
      if (entry === undefined) throw new Error(`Member ${id} lost committed entry ${index}`);
      const key = entryKey(entry.term, entry.data);
      const known = ghost.committed.get(index);
      if (known !== undefined && known !== key) {
        throw new Error(`Step ${step}: member ${id} commits ${key} at ${index}, not ${known}`);
      }
      ghost.committed.set(index, key);
    }
  }
}

/** A ReadState must cover every entry committed anywhere before its read began. */
function checkReads(network: RaftNetwork, ghost: Ghost): void {
  for (const [id, member] of network.members) {
    for (const state of member.readStates.splice(0)) {
      const floor = ghost.readFloor.get(text(state.context));
      if (floor === undefined) throw new Error(`Member ${id} got an unknown read context`);
      if (state.index < floor) {
        throw new Error(`Stale read at ${state.index}: ${floor} was committed before it began`);
      }
    }
  }
}

function checkApplied(network: RaftNetwork, ghost: Ghost): void {
  for (const [id, member] of network.members) {
    for (const [position, entry] of member.applied.entries()) {
      const key = `${position}:${text(entry.data)}`;
      const known = ghost.applied.get(position);
      if (known !== undefined && known !== key) {
        throw new Error(`Member ${id} applied ${key}, others applied ${known}`);
      }
      ghost.applied.set(position, key);
    }
  }
}

/** Membership churn: a fresh member joins as learner, is promoted, then an original leaves. */
interface Churn {
  readonly plan: ConfChange[];
  next: number;
}

function applied(confState: ConfState, change: ConfChange): boolean {
  if (change.type === "addVoter") return confState.voters.includes(change.nodeId);
  if (change.type === "addLearner") {
    return [...confState.learners, ...confState.voters].includes(change.nodeId);
  }
  return ![...confState.voters, ...confState.learners].includes(change.nodeId);
}

function churnStep(network: RaftNetwork, churn: Churn): void {
  const [leader] = network.leaders();
  const change = churn.plan[churn.next];
  if (leader === undefined || change === undefined) return;
  if (applied(network.node(leader).status().confState, change)) {
    churn.next++;
    return;
  }
  network.node(leader).proposeConfChange(change);
  network.processAll();
}

function randomStep(
  network: RaftNetwork,
  prng: Prng,
  ids: readonly MemberId[],
  step: number,
  churn: Churn,
  ghost: Ghost,
): void {
  const pick = (): MemberId => ids[prng.nextInt(ids.length)] as MemberId;
  const roll = prng.nextInt(100);
  if (roll < 30) {
    network.tick(pick());
  } else if (roll < 65) {
    for (let count = 0; count < 5 && network.queue.length > 0; count++) {
      network.deliverAt(prng.nextInt(Math.min(network.queue.length, 4)));
    }
  } else if (roll < 72) {
    network.node(pick()).propose(bytes(`s${step}`));
    network.processAll();
  } else if (roll < 76) {
    network.dropAt(prng.nextInt(network.queue.length + 1));
  } else if (roll < 79) {
    const message = network.queue[prng.nextInt(network.queue.length + 1)];
    if (message !== undefined) network.queue.push(message as Message);
  } else if (roll < 83) {
    network.recover();
    if (prng.chance(0.6)) network.isolate(pick());
    else network.cut(pick(), pick());
  } else if (roll < 85) {
    const id = pick();
    network.dropTo(id);
    network.restart(id);
  } else if (roll < 87) {
    const id = pick();
    const member = network.member(id);
    if (member.appliedIndex > member.storage.firstIndex()) network.compact(id);
  } else if (roll < 90) {
    const floor = Math.max(...ids.map((id) => network.node(id).status().commit));
    ghost.readFloor.set(`r${step}`, floor);
    network.node(pick()).readIndex(bytes(`r${step}`));
    network.processAll();
  } else if (roll < 92) {
    churnStep(network, churn);
  } else {
    for (const id of ids) network.tick(id);
  }
}

function membersOf(network: RaftNetwork, leader: MemberId): MemberId[] {
  const { voters, learners } = network.node(leader).status().confState;
  return [...voters, ...learners];
}

function runSeed(seed: number, size: number, steps: number): void {
  const prng = createPrng(seed);
  const founders = Array.from({ length: size }, (_, index) => BigInt(index + 1));
  const spare = BigInt(size + 1);
  const ids = [...founders, spare];
  const network = new RaftNetwork(founders, {
    seed,
    bootstrapInLog: true,
    asyncReadys: prng.chance(0.5),
    preVote: prng.chance(0.8),
    checkQuorum: prng.chance(0.8),
    config: { maxInflightMsgs: 1 + prng.nextInt(4), maxSizePerMsgBytes: prng.nextInt(100) },
    writeFree: prng.chance(0.7),
  });
  network.addMember(spare, new MemoryStorage());
  const context = new Uint8Array();
  const leaving = founders[prng.nextInt(founders.length)] as MemberId;
  const churn: Churn = {
    plan: [
      { type: "addLearner", nodeId: spare, context },
      { type: "addVoter", nodeId: spare, context },
      { type: "removeNode", nodeId: leaving, context },
    ],
    next: 0,
  };
  const ghost: Ghost = {
    leaderOfTerm: new Map(),
    committed: new Map(),
    applied: new Map(),
    readFloor: new Map(),
  };
  for (let step = 0; step < steps; step++) {
    randomStep(network, prng, ids, step, churn, ghost);
    checkInvariants(network, ghost, step);
    checkReads(network, ghost);
  }
  // Liveness: heal everything; a leader must emerge and commit a new entry everywhere.
  network.recover();
  while (network.queue.length > 0) network.dropAt(0);
  let committedEverywhere = false;
  for (let round = 0; round < 200 && !committedEverywhere; round++) {
    network.tickAll(1);
    const [leader] = network.leaders();
    if (leader !== undefined && round % 20 === 10) network.node(leader).propose(bytes("probe"));
    // Like the server, snapshot now and then (a joiner may need one that includes it).
    if (leader !== undefined && round % 50 === 25) {
      const member = network.member(leader);
      if (member.appliedIndex > member.storage.firstIndex()) network.compact(leader);
    }
    const members = leader === undefined ? ids : membersOf(network, leader);
    committedEverywhere = members.every((id) =>
      network.member(id).applied.some((entry) => text(entry.data) === "probe"),
    );
    checkInvariants(network, ghost, steps + round);
  }
  checkApplied(network, ghost);
  if (!committedEverywhere) throw new Error(`Seed ${seed}: no progress after healing`);
}

function runReported(seed: number, size: number, steps: number): void {
  try {
    runSeed(seed, size, steps);
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Seed ${seed} (${size} members) failed: ${detail}`);
  }
}

/** `RAFT_SEEDS=5000 bun test test/unit/raft/random-cluster.test.ts` runs a longer batch. */
const seedCount = Number(process.env["RAFT_SEEDS"] ?? "60");

describe("randomized clusters", () => {
  test(`three members keep Figure 3's properties under faults and recover`, () => {
    for (let seed = 1; seed <= seedCount; seed++) runReported(seed, 3, 500);
    expect(seedCount).toBeGreaterThan(0);
  }, 3_600_000);

  test(`five members keep Figure 3's properties under faults and recover`, () => {
    for (let seed = 100_001; seed <= 100_000 + seedCount / 2; seed++) runReported(seed, 5, 500);
    expect(seedCount).toBeGreaterThan(0);
  }, 3_600_000);
});
