/**
 * @module
 * One seed, start to finish: draw the swarm options, build hosts, network, workload and fault
 * injector on one virtual clock, run the fault phase with every invariant checked after every
 * event, then the liveness phase (heal all nodes or a random majority core, which must elect
 * one leader, commit and apply a probe everywhere and converge within a bound), then check the
 * client history for linearizability and the etcd index rules.
 */
import { AssertionError } from "../../src/lib/assert.ts";
import { createPrng } from "../../src/lib/prng.ts";
import type { Prng } from "../../src/lib/prng.ts";
import type { ConfState, MemberId } from "../../src/raft/index.ts";
import { type Coverage, emptyCoverage } from "./coverage.ts";
import { FaultInjector } from "./faults.ts";
import { type HostEnvironment, SimHost } from "./host.ts";
import { MembershipDriver } from "./membership.ts";
import { Invariants, InvariantViolation } from "./invariants.ts";
import { SimNetwork } from "./network.ts";
import { type SimOptions, drawOptions } from "./options.ts";
import { Scheduler, type SimEvent } from "./scheduler.ts";
import { checkClientHistory } from "./history-check.ts";
import { Liveness } from "./liveness.ts";
import { Trace } from "./trace.ts";
import { Workload } from "./workload.ts";

/** The outcome of one seed. */
export interface SeedResult {
  readonly seed: number;
  readonly failure: string | null;
  readonly traceHash: number;
  readonly coverage: Coverage;
  readonly events: number;
  readonly operations: number;
  readonly options: SimOptions;
}

/** Lets a caller (a scenario, a planted-bug run) adjust the drawn options. */
export type OptionsOverride = (options: SimOptions) => SimOptions;

/** Runs one seed to completion and reports what happened. */
export async function runSeed(seed: number, override?: OptionsOverride): Promise<SeedResult> {
  const root = createPrng(seed);
  const drawn = drawOptions(seed, root.fork());
  const simulation = new Simulation(override === undefined ? drawn : override(drawn), root);
  const failure = await simulation.run();
  return {
    seed,
    failure,
    traceHash: simulation.trace.hash,
    coverage: simulation.coverage,
    events: simulation.trace.events,
    operations: simulation.workload.recorder.size,
    options: simulation.options,
  };
}

/** The world of one seed. */
export class Simulation {
  readonly options: SimOptions;
  readonly coverage = emptyCoverage();
  readonly trace = new Trace();
  readonly scheduler = new Scheduler();
  readonly invariants = new Invariants();
  readonly hosts: SimHost[] = [];
  readonly network: SimNetwork;
  readonly workload: Workload;
  readonly faults: FaultInjector;
  readonly membership: MembershipDriver;
  readonly #environment: HostEnvironment;
  readonly #root: Prng;
  readonly #clockPrng: Prng;
  readonly #livenessPrng: Prng;
  readonly #leaderOfTerm = new Map<number, number>();
  #lastLeader = 0;

  constructor(options: SimOptions, root: Prng) {
    this.options = options;
    const networkPrng = root.fork();
    const diskPrng = root.fork();
    const workloadPrng = root.fork();
    const faultPrng = root.fork();
    this.#clockPrng = root.fork();
    this.#livenessPrng = root.fork();
    const membershipPrng = root.fork();
    this.#root = root;
    this.network = new SimNetwork({
      scheduler: this.scheduler,
      prng: networkPrng,
      coverage: this.coverage,
      endpoints: {
        deliver: (message) => this.#host(message.to).receive(message),
        reportSnapshot: (message, delivered) =>
          this.#host(message.from).reportSnapshot(message.to, delivered),
        reportUnreachable: (message) => this.#host(message.from).reportUnreachable(message.to),
      },
      nodes: () => this.hosts.flatMap((host) => (host.retired ? [] : [host.node])),
      network: options.network,
    });
    const founders = Array.from({ length: options.nodeCount }, (_, at) => BigInt(at + 1));
    // Founders write the bootstrap log (committed addVoter entries) and start with no
    // membership; joiners start empty and learn it from the log or a snapshot.
    const initialConf: ConfState = { voters: [], learners: [] };
    const environment: HostEnvironment = {
      scheduler: this.scheduler,
      network: this.network,
      options,
      coverage: this.coverage,
      invariants: this.invariants,
      diskPrng,
      initialConf,
      peer: (id: bigint) => this.hosts[Number(id) - 1],
      onConfChange: (change) => this.membership.noteConfChange(change),
    };
    this.#environment = environment;
    for (const id of founders) {
      this.hosts.push(new SimHost({ node: Number(id), environment, raftPrng: root.fork(),
        founders }));
    }
    this.workload = new Workload({ scheduler: this.scheduler, prng: workloadPrng,
      hosts: this.hosts, workload: options.workload, coverage: this.coverage,
      network: this.network });
    this.faults = new FaultInjector({ scheduler: this.scheduler, prng: faultPrng,
      hosts: this.hosts, network: this.network, faults: options.faults,
      coverage: this.coverage });
    this.membership = new MembershipDriver({ scheduler: this.scheduler, prng: membershipPrng,
      hosts: this.hosts, coverage: this.coverage, addHost: () => this.#addHost(),
      actionMeanMs: options.membership.actionMeanMs });
  }

  /** Runs both phases and the final checks; the failure report, or null on success. */
  async run(): Promise<string | null> {
    try {
      await this.start();
      this.faults.start();
      if (this.options.membership.enabled) this.membership.start();
      this.workload.start(this.options.faultPhaseMs);
      await this.runUntil(this.options.faultPhaseMs, () => false);
      const liveness = new Liveness(this, this.#livenessPrng);
      await liveness.run();
      const problem = checkClientHistory(this.workload.recorder.operations());
      if (problem !== null) return this.#report("history", problem);
      return null;
    } catch (error) {
      return this.#report(describeKind(error), errorText(error));
    }
  }

  /** Boots every founder and starts its clock (scenarios drive the rest themselves). */
  async start(): Promise<void> {
    for (const host of this.hosts) await host.boot();
    this.#startClocks();
  }

  /** Runs events up to virtual time `end`, or until `done()` holds after an event. */
  async runUntil(end: number, done: () => boolean): Promise<void> {
    const scheduler = this.scheduler;
    while (scheduler.peekTime() <= end) {
      const event = scheduler.next() as SimEvent;
      await event.run();
      this.#afterEvent(event);
      if (done()) return;
    }
  }

  #afterEvent(event: SimEvent): void {
    for (const host of this.hosts) {
      const role = host.role();
      if (role === null || !role.leader) continue;
      this.invariants.observeLeader(host.node, role.term);
      if (this.#leaderOfTerm.has(role.term)) continue;
      this.#leaderOfTerm.set(role.term, host.node);
      this.coverage.leaderElected++;
      if (this.#lastLeader !== 0 && this.#lastLeader !== host.node) this.coverage.leaderChanged++;
      this.#lastLeader = host.node;
      if (this.faults.transferTarget === host.node) this.coverage.transferCompleted++;
      this.faults.transferTarget = 0;
      this.trace.note(`node ${host.node} leads term ${role.term}`);
    }
    this.invariants.checkDurableQuorum((id: MemberId) => this.hosts[Number(id) - 1]);
    this.trace.record(event.time, event.label, event.node, this.invariants.committedMax);
  }

  #startClocks(): void {
    for (const host of this.hosts) this.#startClock(host);
  }

  #startClock(host: SimHost): void {
    const tickMs = this.options.tickMs;
    const tick = (): void => {
      if (host.retired) return;
      host.tick();
      this.scheduler.after(tickMs, "tick", host.node, tick);
    };
    this.scheduler.after(this.#clockPrng.nextInt(tickMs), "tick", host.node, tick);
  }

  /** Starts a brand-new, empty member with the next unused id. */
  async #addHost(): Promise<SimHost> {
    const node = this.hosts.length + 1;
    const host = new SimHost({ node, environment: this.#environment,
      raftPrng: this.#root.fork(), founders: null });
    this.hosts.push(host);
    await host.boot();
    this.#startClock(host);
    this.trace.note(`node ${node} starts empty to join`);
    return host;
  }

  #host(id: bigint): SimHost {
    const host = this.hosts[Number(id) - 1];
    if (host === undefined) throw new AssertionError(`Message to unknown member ${id}`);
    return host;
  }

  #report(kind: string, detail: string): string {
    const seed = this.options.seed;
    const hosts = this.hosts.map((host) => {
      const role = host.role();
      const what = role === null ? host.status : `${role.leader ? "leader" : "follower"} ` +
        `term ${role.term} lead ${role.lead}`;
      return `  node ${host.node}: ${what}, log ${host.written.base}..${host.written.lastIndex}, ` +
        `applied ${host.kv.appliedIndex}, durable ${host.durable.lastIndex}`;
    });
    return [
      `SEED=${seed} failed (${kind}) at ${this.scheduler.now.toFixed(1)}ms: ${detail}`,
      `replay: SEED=${seed} bun test test/sim   or   bun run sim --seed ${seed}`,
      "hosts:",
      ...hosts,
      "last events:",
      ...this.trace.recent().map((line) => `  ${line}`),
    ].join("\n");
  }
}

function describeKind(error: unknown): string {
  if (error instanceof InvariantViolation) return "invariant";
  if (error instanceof AssertionError) return "assertion";
  return "error";
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const stack = error.stack?.split("\n").slice(1, 4).join("\n") ?? "";
    return `${error.name}: ${error.message}\n${stack}`;
  }
  return String(error);
}
