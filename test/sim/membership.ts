/**
 * @module
 * Membership changes during the fault phase, through the current leader, one at a time as the
 * core requires: add a brand-new member as a learner (ids are never reused), promote a learner
 * to voter, or remove a voter (possibly the leader itself). A removed member is stopped for
 * good once any member applied its removal.
 */
import { assert } from "../../src/lib/assert.ts";
import type { Prng } from "../../src/lib/prng.ts";
import type { ConfChange } from "../../src/raft/index.ts";
import type { Coverage } from "./coverage.ts";
import type { SimHost } from "./host.ts";
import type { Scheduler } from "./scheduler.ts";

/** The most members (voters and learners) at once. */
const membersMax = 7;
/** Voters are never removed below this many. */
const votersMin = 3;
/** Hosts ever created, founders included (ids are never reused). */
const hostsMax = 12;

export class MembershipDriver {
  readonly #scheduler: Scheduler;
  readonly #prng: Prng;
  readonly #hosts: readonly SimHost[];
  readonly #coverage: Coverage;
  readonly #addHost: () => Promise<SimHost>;
  readonly #actionMeanMs: number;
  #active = false;

  constructor(options: {
    scheduler: Scheduler;
    prng: Prng;
    hosts: readonly SimHost[];
    coverage: Coverage;
    addHost: () => Promise<SimHost>;
    actionMeanMs: number;
  }) {
    this.#scheduler = options.scheduler;
    this.#prng = options.prng;
    this.#hosts = options.hosts;
    this.#coverage = options.coverage;
    this.#addHost = options.addHost;
    this.#actionMeanMs = options.actionMeanMs;
  }

  start(): void {
    this.#active = true;
    this.#scheduleNext();
  }

  stop(): void {
    this.#active = false;
  }

  /**
   * Notes a member that joined and stops, for good, a member whose removal was applied (so
   * committed; ids are never reused, so a removal is final). The stop runs as its own event:
   * the removed member may be the one applying its own removal.
   */
  noteConfChange(change: ConfChange): void {
    const host = this.#hosts[Number(change.nodeId) - 1];
    if (host === undefined) return;
    if (change.type !== "removeNode") {
      if (!host.joined) {
        host.joined = true;
        this.#coverage.memberJoined++;
      }
      return;
    }
    if (host.retired) return;
    this.#scheduler.after(0, "retire", host.node, () => {
      if (host.retired) return;
      host.retire();
      this.#coverage.memberRemoved++;
    });
  }

  #scheduleNext(): void {
    const delay = Math.floor(-this.#actionMeanMs * Math.log(1 - this.#prng.nextFloat()));
    this.#scheduler.after(delay, "membership", -1, async () => {
      if (!this.#active) return;
      await this.#act();
      this.#scheduleNext();
    });
  }

  async #act(): Promise<void> {
    const leader = this.#hosts.find((host) => host.role()?.leader === true);
    if (leader === undefined || leader.raw === null) return;
    const { voters, learners } = leader.confState;
    const roll = this.#prng.nextInt(3);
    let change: ConfChange | null = null;
    let joining = false;
    if (roll === 0 && voters.length + learners.length < membersMax &&
      this.#hosts.length < hostsMax) {
      const nodeId = BigInt(this.#hosts.length + 1);
      change = { type: "addLearner", nodeId, context: new Uint8Array() };
      joining = true;
    } else if (roll === 1 && learners.length > 0) {
      const learner = learners[this.#prng.nextInt(learners.length)] as bigint;
      change = { type: "addVoter", nodeId: learner, context: new Uint8Array() };
    } else if (roll === 2 && voters.length > votersMin) {
      const voter = voters[this.#prng.nextInt(voters.length)] as bigint;
      change = { type: "removeNode", nodeId: voter, context: new Uint8Array() };
    }
    if (change === null) return;
    const result = leader.raw.proposeConfChange(change);
    leader.pump();
    // The new member's host starts only once its addition is in the leader's log.
    if (joining && "ok" in result) {
      const joiner = await this.#addHost();
      assert(joiner.id === change.nodeId, "A joiner gets the next unused id");
    }
  }
}
