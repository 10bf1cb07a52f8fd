/**
 * @module
 * The liveness phase: stop injecting faults, heal the network (calm: no more loss or
 * duplication), resume and restart every node of the core (all nodes, or a random majority with
 * the rest cut off), then require within a bound one leader that every core node follows, a
 * ReadIndex read served by it with no client write to help, a probe write committed and
 * applied on every core node, and converged logs.
 */
import type { Prng } from "../../src/lib/prng.ts";
import { type SimHost, contextKey } from "./host.ts";
import { InvariantViolation } from "./invariants.ts";
import { encodeCommand } from "./kv.ts";
import type { Simulation } from "./simulation.ts";

export class Liveness {
  readonly #simulation: Simulation;
  readonly #prng: Prng;
  #probeIndex: number | null = null;
  #probeAt = -Infinity;
  #readServed = false;
  #readAt = -Infinity;
  #readAttempts = 0;

  constructor(simulation: Simulation, prng: Prng) {
    this.#simulation = simulation;
    this.#prng = prng;
  }

  async run(): Promise<void> {
    const simulation = this.#simulation;
    const { options, network, scheduler } = simulation;
    simulation.faults.stop();
    simulation.membership.stop();
    const core = this.#chooseCore();
    network.heal(true);
    const outside = simulation.hosts.filter((host) => !core.includes(host));
    if (outside.length > 0) {
      simulation.coverage.livenessCoreOnly++;
      network.isolate(outside.map((host) => host.node));
    }
    for (const host of core) {
      if (host.status === "paused") await host.resume();
      if (host.status === "down") await host.boot();
    }
    const electionMs = options.raft.electionTicks * options.tickMs;
    const deadline = scheduler.now + options.livenessElectionTimeouts * electionMs +
      this.#catchUpAllowanceMs();
    let done = false;
    const check = (): void => {
      done = this.#reached(core, electionMs);
      if (!done) scheduler.after(options.tickMs, "liveness", -1, check);
    };
    scheduler.after(0, "liveness", -1, check);
    await simulation.runUntil(deadline, () => done);
    if (!done) {
      throw new InvariantViolation(`Liveness: the core ${core.map((host) => host.node)} did ` +
        `not converge within ${options.livenessElectionTimeouts} election timeouts (plus ` +
        `catch-up time) after healing (read probe served: ${this.#readServed}, write probe ` +
        `index ${this.#probeIndex})`);
    }
  }

  /**
   * Time for a node that lost its whole log to catch up one entry per round trip, as the
   * smallest swarm limits (one entry per message, one message in flight) force it to.
   */
  #catchUpAllowanceMs(): number {
    const { network, disk } = this.#simulation.options;
    const lastIndex = Math.max(...this.#simulation.hosts.map((host) => host.written.lastIndex));
    const roundTripMs = 2 * (network.delayMinMs + 4 * network.delayMeanMs) +
      disk.writeLatencyMaxMs + disk.syncLatencyMaxMs;
    return lastIndex * roundTripMs;
  }

  /**
   * Every host not removed, or (without membership changes, so the voters are the founders) a
   * random majority of them.
   */
  #chooseCore(): SimHost[] {
    const simulation = this.#simulation;
    const hosts = simulation.hosts.filter((host) => !host.retired);
    const { healCoreOnly, membership } = simulation.options;
    if (!healCoreOnly || membership.enabled) return hosts;
    for (let position = hosts.length - 1; position > 0; position--) {
      const other = this.#prng.nextInt(position + 1);
      [hosts[position], hosts[other]] = [hosts[other] as SimHost, hosts[position] as SimHost];
    }
    return hosts.slice(0, Math.floor(hosts.length / 2) + 1);
  }

  /**
   * Whether the core's members (in the leader's configuration) converged; issues the read and
   * write probes through the leader when it is time.
   */
  #reached(healed: readonly SimHost[], electionMs: number): boolean {
    const leaders = healed.filter((host) => host.role()?.leader === true);
    const leader = leaders[0];
    if (leaders.length !== 1 || leader === undefined) return false;
    const { voters, learners } = leader.confState;
    const core = healed.filter((host) => voters.includes(host.id) || learners.includes(host.id));
    const term = leader.role()?.term;
    const following = core.every((host) => {
      const role = host.role();
      return host.status === "running" && role !== null && role.term === term &&
        (host === leader || role.lead === leader.id);
    });
    if (!following) return false;
    const now = this.#simulation.scheduler.now;
    if (!this.#readServed) {
      // A leader must serve a linearizable read without waiting for a client write.
      if (now - this.#readAt >= electionMs) this.#read(leader);
      return false;
    }
    if (this.#probeIndex === null) {
      if (now - this.#probeAt >= electionMs) this.#propose(leader);
      return false;
    }
    const probeIndex = this.#probeIndex;
    const last = leader.written.lastIndex;
    const hash = leader.written.hashAt(last);
    return core.every((host) => host.kv.appliedIndex >= probeIndex &&
      host.written.lastIndex === last && host.written.hashAt(last) === hash);
  }

  #read(leader: SimHost): void {
    this.#readAt = this.#simulation.scheduler.now;
    this.#readAttempts++;
    // Nine bytes never collide with the workload's eight-byte contexts; fresh per attempt.
    const context = new Uint8Array(9);
    new DataView(context.buffer).setUint32(0, this.#readAttempts);
    const result = leader.readIndex(context);
    if (!("ok" in result)) return;
    leader.pendingReads.set(contextKey(context), () => {
      this.#readServed = true;
    });
  }

  #propose(leader: SimHost): void {
    this.#probeAt = this.#simulation.scheduler.now;
    // A fresh id per attempt: a retry under a new leader must not be deduplicated away.
    const id = this.#simulation.workload.requestId();
    const input = { kind: "set", key: "/probe", value: `p${id}` } as const;
    const result = leader.propose(encodeCommand({ id, input }));
    if (!("ok" in result)) return;
    leader.pendingWrites.set(id, (applied) => {
      this.#probeIndex = applied.index;
    });
  }
}
