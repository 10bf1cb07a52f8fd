/**
 * @module
 * The fault injector of the fault phase: at seeded random moments it starts or heals a
 * partition, crashes a host (with a random crash mode for its disk) and restarts it later, or
 * pauses a host (SIGSTOP-like: no ticks, no processing, messages queue) and resumes it later,
 * or asks the leader to transfer leadership to another voter.
 */
import type { Prng } from "../../src/lib/prng.ts";
import type { CrashMode } from "../../src/storage/index.ts";
import type { Coverage } from "./coverage.ts";
import type { SimHost } from "./host.ts";
import type { PartitionKind, SimNetwork } from "./network.ts";
import type { FaultOptions } from "./options.ts";
import type { Scheduler } from "./scheduler.ts";

const partitionKinds: readonly PartitionKind[] = ["symmetric", "asymmetric", "isolateOne",
  "clogLink"];
const crashModes: readonly CrashMode[] = ["drop", "prefix", "torn"];

export class FaultInjector {
  readonly #scheduler: Scheduler;
  readonly #prng: Prng;
  readonly #hosts: readonly SimHost[];
  readonly #network: SimNetwork;
  readonly #options: FaultOptions;
  readonly #coverage: Coverage;
  #active = false;
  /** The member the last accepted leadership transfer asked to lead, or 0. */
  transferTarget = 0;

  constructor(options: {
    scheduler: Scheduler;
    prng: Prng;
    hosts: readonly SimHost[];
    network: SimNetwork;
    faults: FaultOptions;
    coverage: Coverage;
  }) {
    this.#scheduler = options.scheduler;
    this.#prng = options.prng;
    this.#hosts = options.hosts;
    this.#network = options.network;
    this.#options = options.faults;
    this.#coverage = options.coverage;
  }

  start(): void {
    this.#active = true;
    this.#scheduleNext();
  }

  /** No new faults; restarts and resumes already scheduled still happen unless healed first. */
  stop(): void {
    this.#active = false;
  }

  #scheduleNext(): void {
    const delay = Math.floor(-this.#options.actionMeanMs * Math.log(1 - this.#prng.nextFloat()));
    this.#scheduler.after(delay, "fault", -1, async () => {
      if (!this.#active) return;
      await this.#act();
      this.#scheduleNext();
    });
  }

  /** Asks the leader to hand leadership to a random other voter (as a graceful restart does). */
  #transfer(): void {
    const leader = this.#hosts.find((host) => host.role()?.leader === true);
    if (leader === undefined || leader.raw === null) return;
    const voters = leader.confState.voters.filter((id) => id !== leader.id);
    const target = voters[this.#prng.nextInt(Math.max(1, voters.length))];
    if (target === undefined) return;
    const result = leader.raw.transferLeadership(target);
    leader.pump();
    if ("ok" in result) {
      this.transferTarget = Number(target);
      this.#coverage.transferRequested++;
    }
  }

  async #act(): Promise<void> {
    const options = this.#options;
    const roll = this.#prng.nextInt(4);
    if (roll === 3) {
      if (options.transfers) this.#transfer();
      return;
    }
    if (roll === 0 && options.partitions) {
      const kind = partitionKinds[this.#prng.nextInt(partitionKinds.length)] as PartitionKind;
      if (this.#network.partitioned && this.#prng.chance(0.5)) this.#network.heal(false);
      else this.#network.partition(kind);
      return;
    }
    const down = this.#hosts.filter((host) => !host.retired && host.status !== "running").length;
    if (down >= options.downMax) return;
    const host = this.#hosts[this.#prng.nextInt(this.#hosts.length)] as SimHost;
    if (host.status !== "running") return;
    if (roll === 1 && options.crashes) {
      host.crash(crashModes[this.#prng.nextInt(crashModes.length)] as CrashMode);
      const downtime = 20 + this.#prng.nextInt(500);
      this.#scheduler.after(downtime, "restart", host.node, async () => {
        if (this.#active && host.status === "down" && !host.retired) await host.boot();
      });
    } else if (roll === 2 && options.pauses) {
      host.pause();
      const pausedFor = 20 + this.#prng.nextInt(400);
      this.#scheduler.after(pausedFor, "resume", host.node, async () => {
        if (this.#active && host.status === "paused") await host.resume();
      });
    }
  }
}
