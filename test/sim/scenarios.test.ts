/**
 * Named scenarios run through the simulator (real WAL, real network model, no faults but the
 * topology): Howard & Abraham's partial-connectivity topologies ("Raft does not Guarantee
 * Liveness in the face of Network Faults", 2020). With PreVote and CheckQuorum on, as the host
 * always runs them, the cluster must settle on one leader and keep it for many election
 * timeouts, and keep committing client writes.
 */
import { describe, expect, test } from "bun:test";
import { createPrng } from "../../src/lib/prng.ts";
import { drawOptions, type SimOptions } from "./options.ts";
import { Simulation } from "./simulation.ts";

/** Options for a calm five-node cluster: no loss, no faults, no membership changes. */
function calmOptions(seed: number, guards: boolean): SimOptions {
  const drawn = drawOptions(seed, createPrng(seed));
  return {
    ...drawn,
    nodeCount: 5,
    raft: { ...drawn.raft, preVote: guards, checkQuorum: guards },
    network: { ...drawn.network, dropRate: 0, duplicateRate: 0, linkCapacity: 1000 },
    faults: { ...drawn.faults, partitions: false, crashes: false, pauses: false,
      transfers: false },
    membership: { enabled: false, actionMeanMs: 1000 },
  };
}

/** Blocks every link between the five nodes except `links` (symmetric pairs). */
function keepOnly(simulation: Simulation, links: readonly [number, number][]): void {
  for (let from = 1; from <= 5; from++) {
    for (let to = 1; to <= 5; to++) {
      const kept = links.some(([left, right]) =>
        (left === from && right === to) || (left === to && right === from));
      if (from !== to && !kept) simulation.network.block(from, to);
    }
  }
}

/** Runs a healthy cluster until it has a leader, applies a topology built around that leader,
 * settles, then counts the elections over `stableTimeouts` election timeouts. */
async function electionsUnder(
  seed: number,
  topology: (leader: number, others: number[]) => [number, number][],
  stableTimeouts: number,
  guards = true,
): Promise<{ elections: number; committed: number }> {
  const options = calmOptions(seed, guards);
  const root = createPrng(seed);
  root.fork();
  const simulation = new Simulation(options, root);
  await simulation.start();
  const electionMs = options.raft.electionTicks * options.tickMs;
  const leaderOf = (): number | undefined =>
    simulation.hosts.find((host) => host.role()?.leader === true)?.node;
  await simulation.runUntil(60 * electionMs, () => leaderOf() !== undefined);
  const leader = leaderOf();
  expect(leader).toBeDefined();
  const others = [1, 2, 3, 4, 5].filter((node) => node !== leader);
  keepOnly(simulation, topology(leader as number, others));
  simulation.workload.start(Infinity);
  const settled = simulation.scheduler.now + 20 * electionMs;
  await simulation.runUntil(settled, () => false);
  const electionsBefore = simulation.coverage.leaderElected;
  const committedBefore = simulation.invariants.committedMax;
  await simulation.runUntil(settled + stableTimeouts * electionMs, () => false);
  return {
    elections: simulation.coverage.leaderElected - electionsBefore,
    committed: simulation.invariants.committedMax - committedBefore,
  };
}

/** {leader, a, b} fully connected; c reaches only a and d reaches only b. */
function constrained(leader: number, [a, b, c, d]: number[]): [number, number][] {
  return [
    [leader, a as number], [leader, b as number], [a as number, b as number],
    [c as number, a as number], [d as number, b as number],
  ];
}

describe("Howard & Abraham partial connectivity, PreVote and CheckQuorum on", () => {
  for (const seed of [1, 2, 3]) {
    test(`quorum loss: the leader reaches only one follower (seed ${seed})`, async () => {
      // The old leader keeps one follower; the other three are fully connected to each other
      // and to that follower. CheckQuorum must depose it and the rest must elect one leader.
      const result = await electionsUnder(seed, (leader, [a, b, c, d]) => [
        [leader, a as number], [a as number, b as number], [a as number, c as number],
        [a as number, d as number], [b as number, c as number], [b as number, d as number],
        [c as number, d as number],
      ], 30);
      expect(result.elections).toBe(0);
      expect(result.committed).toBeGreaterThan(0);
    }, 60_000);

    test(`constrained election: two nodes each reach one member of a triangle (seed ${seed})`,
      async () => {
        const result = await electionsUnder(seed, constrained, 30);
        expect(result.elections).toBe(0);
        expect(result.committed).toBeGreaterThan(0);
      }, 60_000);
  }
});

describe("the same topology without PreVote and CheckQuorum", () => {
  test("keeps electing new leaders (the guards are what keeps it stable)", async () => {
    const result = await electionsUnder(1, constrained, 30, false);
    expect(result.elections).toBeGreaterThan(3);
  }, 60_000);
});
