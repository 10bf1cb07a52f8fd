/**
 * @module
 * The simulated network between hosts: each directed link delays a message by a minimum plus an
 * exponential extra (so reordering emerges), drops and duplicates at seeded rates, holds a
 * bounded number of messages in flight, and honours partitions (symmetric, asymmetric,
 * isolate-one, random split) that the fault injector starts and heals.
 */
import type { Prng } from "../../src/lib/prng.ts";
import type { Message } from "../../src/raft/index.ts";
import type { Coverage } from "./coverage.ts";
import type { NetworkOptions } from "./options.ts";
import type { Scheduler } from "./scheduler.ts";

/** What the network calls back into. */
export interface NetworkEndpoints {
  deliver(message: Message): void;
  /** A MsgSnap reached its target (true) or was lost (false). */
  reportSnapshot(message: Message, delivered: boolean): void;
  /** The link's queue was full: the sender's transport dropped the message. */
  reportUnreachable(message: Message): void;
}

export type PartitionKind = "symmetric" | "asymmetric" | "isolateOne" | "clogLink";

export class SimNetwork {
  readonly #scheduler: Scheduler;
  readonly #prng: Prng;
  readonly #coverage: Coverage;
  readonly #endpoints: NetworkEndpoints;
  /** The ids of the hosts that exist now (members join during a run). */
  readonly #nodes: () => readonly number[];
  #options: NetworkOptions;
  /** Directed links (from * 256 + to) that drop everything. */
  readonly #blocked = new Set<number>();
  readonly #inFlight = new Map<number, number>();

  constructor(options: {
    scheduler: Scheduler;
    prng: Prng;
    coverage: Coverage;
    endpoints: NetworkEndpoints;
    nodes: () => readonly number[];
    network: NetworkOptions;
  }) {
    this.#scheduler = options.scheduler;
    this.#prng = options.prng;
    this.#coverage = options.coverage;
    this.#endpoints = options.endpoints;
    this.#nodes = options.nodes;
    this.#options = options.network;
  }

  get partitioned(): boolean {
    return this.#blocked.size > 0;
  }

  /** Whether messages from `from` to `to` currently get through the partition. */
  connected(from: number, to: number): boolean {
    return !this.#blocked.has(from * 256 + to);
  }

  send(message: Message): void {
    const from = Number(message.from);
    const to = Number(message.to);
    const link = from * 256 + to;
    if (this.#blocked.has(link) || this.#prng.chance(this.#options.dropRate)) {
      this.#coverage.messageDropped++;
      if (message.type === "MsgSnap") this.#endpoints.reportSnapshot(message, false);
      return;
    }
    const copies = this.#prng.chance(this.#options.duplicateRate) ? 2 : 1;
    if (copies === 2) this.#coverage.messageDuplicated++;
    for (let copy = 0; copy < copies; copy++) {
      const inFlight = this.#inFlight.get(link) ?? 0;
      if (inFlight >= this.#options.linkCapacity) {
        this.#coverage.messageDropped++;
        this.#endpoints.reportUnreachable(message);
        if (message.type === "MsgSnap") this.#endpoints.reportSnapshot(message, false);
        return;
      }
      this.#inFlight.set(link, inFlight + 1);
      this.#scheduler.after(this.#delay(), message.type, to, () => {
        this.#inFlight.set(link, (this.#inFlight.get(link) ?? 1) - 1);
        this.#endpoints.deliver(message);
        if (message.type === "MsgSnap") this.#endpoints.reportSnapshot(message, true);
      });
    }
  }

  /** Heals every partition and, if `calm`, stops dropping and duplicating as well. */
  heal(calm: boolean): void {
    this.#blocked.clear();
    if (calm) this.#options = { ...this.#options, dropRate: 0, duplicateRate: 0 };
  }

  /** Blocks every link between `group` and the rest, both ways. */
  isolate(group: readonly number[]): void {
    for (const inside of group) {
      for (const other of this.#nodes()) {
        if (group.includes(other)) continue;
        this.#blocked.add(inside * 256 + other);
        this.#blocked.add(other * 256 + inside);
      }
    }
  }

  /** Blocks the directed link from `from` to `to`. */
  block(from: number, to: number): void {
    this.#blocked.add(from * 256 + to);
  }

  /** Starts a partition of `kind` over the current links (added to any existing one). */
  partition(kind: PartitionKind): void {
    this.#coverage.partitionStarted++;
    const nodes = this.#shuffledNodes();
    const splitAt = 1 + this.#prng.nextInt(nodes.length - 1);
    const side = nodes.slice(0, splitAt);
    const rest = nodes.slice(splitAt);
    switch (kind) {
      case "symmetric":
        this.isolate(side);
        return;
      case "asymmetric":
        for (const from of side) for (const to of rest) this.block(from, to);
        return;
      case "isolateOne":
        this.isolate([nodes[0] as number]);
        return;
      case "clogLink":
        this.block(nodes[0] as number, nodes[1] as number);
        return;
    }
  }

  #shuffledNodes(): number[] {
    const nodes = [...this.#nodes()];
    for (let position = nodes.length - 1; position > 0; position--) {
      const other = this.#prng.nextInt(position + 1);
      [nodes[position], nodes[other]] = [nodes[other] as number, nodes[position] as number];
    }
    return nodes;
  }

  #delay(): number {
    const { delayMinMs, delayMeanMs } = this.#options;
    const extra = -delayMeanMs * Math.log(1 - this.#prng.nextFloat());
    return delayMinMs + Math.floor(extra * 10) / 10;
  }
}
