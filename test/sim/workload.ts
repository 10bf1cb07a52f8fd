/**
 * @module
 * Clients of the simulated cluster. Each issues one operation at a time against a random host:
 * set, create, compare-and-swap, delete, compare-and-delete (written values are unique) or a
 * linearizable get through ReadIndex with a fresh context per attempt. Every accepted operation
 * is recorded with its virtual invoke and return times; one that times out is indeterminate.
 */
import type { Prng } from "../../src/lib/prng.ts";
import {
  type EtcdInput,
  type EtcdOutput,
  HistoryRecorder,
} from "../../src/check/index.ts";
import type { Coverage } from "./coverage.ts";
import { type SimHost, contextKey } from "./host.ts";
import { encodeCommand, type KvStore } from "./kv.ts";
import type { SimNetwork } from "./network.ts";
import type { WorkloadOptions } from "./options.ts";
import type { Scheduler } from "./scheduler.ts";

/** Indeterminate writes after which a key slot moves to a fresh key name. */
const indeterminatePerKeyMax = 3;

interface Client {
  readonly id: number;
  /** Values this client saw or wrote, per key, for compare operations. */
  readonly known: Map<string, string>;
}

export class Workload {
  readonly recorder = new HistoryRecorder<EtcdInput, EtcdOutput>();
  readonly #scheduler: Scheduler;
  readonly #prng: Prng;
  readonly #hosts: readonly SimHost[];
  readonly #options: WorkloadOptions;
  readonly #coverage: Coverage;
  readonly #network: SimNetwork;
  #nextRequestId = 1;
  #nextValue = 1;
  #nextContext = 1;
  #stopAt = 0;
  #outstanding = 0;
  /** Per key slot: the current key name's generation and its indeterminate writes. */
  readonly #generations: number[] = [];
  readonly #indeterminate = new Map<string, number>();

  constructor(options: {
    scheduler: Scheduler;
    prng: Prng;
    hosts: readonly SimHost[];
    workload: WorkloadOptions;
    coverage: Coverage;
    network: SimNetwork;
  }) {
    this.#scheduler = options.scheduler;
    this.#prng = options.prng;
    this.#hosts = options.hosts;
    this.#options = options.workload;
    this.#coverage = options.coverage;
    this.#network = options.network;
  }

  /** Operations invoked but not yet answered or timed out. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Starts every client; none starts a new operation after `stopAt`. */
  start(stopAt: number): void {
    this.#stopAt = stopAt;
    for (let id = 1; id <= this.#options.clients; id++) {
      const client: Client = { id, known: new Map() };
      this.#next(client);
    }
  }

  /** A unique request id, also for the liveness probe. */
  requestId(): number {
    return this.#nextRequestId++;
  }

  #next(client: Client): void {
    const delay = Math.floor(-this.#options.thinkMeanMs * Math.log(1 - this.#prng.nextFloat()));
    if (this.#scheduler.now + delay >= this.#stopAt) return;
    this.#scheduler.after(delay, "client", -1, () => this.#issue(client));
  }

  #issue(client: Client): void {
    const host = this.#hosts[this.#prng.nextInt(this.#hosts.length)] as SimHost;
    const slot = this.#prng.nextInt(this.#options.keys);
    const key = `/k${slot}.${this.#generations[slot] ?? 0}`;
    if (this.#prng.chance(this.#options.readRatio)) this.#read(client, host, key);
    else this.#write(client, host, this.#drawWrite(client, key));
  }

  #drawWrite(client: Client, key: string): EtcdInput {
    const value = `v${this.#nextValue++}`;
    const known = client.known.get(key);
    const roll = this.#prng.nextFloat();
    const options = this.#options;
    if (known !== undefined && roll < options.casRatio) {
      return { kind: "compareAndSwap", key, prevValue: known, value };
    }
    if (roll < options.casRatio + options.deleteRatio) {
      if (known !== undefined && this.#prng.chance(0.5)) {
        return { kind: "compareAndDelete", key, prevValue: known };
      }
      return { kind: "delete", key };
    }
    if (this.#prng.chance(0.1)) return { kind: "create", key, value };
    return { kind: "set", key, value };
  }

  #write(client: Client, host: SimHost, input: EtcdInput): void {
    const id = this.requestId();
    const result = host.propose(encodeCommand({ id, input }));
    if (!("ok" in result)) {
      // Refused before anything was appended: the write certainly did not happen.
      this.#coverage.proposalDropped++;
      this.#next(client);
      return;
    }
    const handle = this.recorder.invoke(client.id, input, this.#scheduler.now);
    this.#outstanding++;
    let settled = false;
    host.pendingWrites.set(id, (applied) => {
      if (settled) return;
      settled = true;
      this.#outstanding--;
      this.recorder.complete(handle, { outcome: applied.outcome, index: applied.index },
        this.#scheduler.now);
      if (applied.outcome === "ok" && "value" in input) client.known.set(input.key, input.value);
      this.#next(client);
    });
    this.#scheduler.after(this.#options.timeoutMs, "timeout", -1, () => {
      if (settled) return;
      settled = true;
      this.#outstanding--;
      host.pendingWrites.delete(id);
      this.#coverage.writeIndeterminate++;
      this.recorder.abandon(handle);
      this.#noteIndeterminate(input.key);
      this.#next(client);
    });
  }

  /**
   * Every indeterminate write stays concurrent with everything after it, and the checker's
   * search grows exponentially with them, so a key that collected a few moves on to a fresh
   * key name (as Jepsen moves to a fresh document), keeping each partition checkable.
   */
  #noteIndeterminate(key: string): void {
    const count = (this.#indeterminate.get(key) ?? 0) + 1;
    this.#indeterminate.set(key, count);
    if (count < indeterminatePerKeyMax) return;
    const slot = Number(key.slice(2, key.indexOf(".")));
    const generation = Number(key.slice(key.indexOf(".") + 1));
    if ((this.#generations[slot] ?? 0) === generation) this.#generations[slot] = generation + 1;
  }

  #read(client: Client, host: SimHost, key: string): void {
    const context = new Uint8Array(8);
    new DataView(context.buffer).setFloat64(0, this.#nextContext++);
    const result = host.readIndex(context);
    if (!("ok" in result)) {
      this.#next(client);
      return;
    }
    const handle = this.recorder.invoke(client.id, { kind: "get", key }, this.#scheduler.now);
    this.#outstanding++;
    let settled = false;
    host.pendingReads.set(contextKey(context), (kv: KvStore) => {
      if (settled) return;
      settled = true;
      this.#outstanding--;
      const read = kv.read(key);
      this.recorder.complete(handle, { ...read, index: kv.appliedIndex }, this.#scheduler.now);
      if (read.value !== undefined) client.known.set(key, read.value);
      this.#coverage.readServed++;
      if (this.#network.partitioned) this.#coverage.readServedUnderPartition++;
      this.#next(client);
    });
    this.#scheduler.after(this.#options.timeoutMs, "timeout", -1, () => {
      if (settled) return;
      settled = true;
      this.#outstanding--;
      host.pendingReads.delete(contextKey(context));
      this.recorder.abandon(handle);
      this.#next(client);
    });
  }
}
