/**
 * @module
 * The replicated state machine the simulator drives: a few etcd-like keys with set, create,
 * compare-and-swap, delete and compare-and-delete, deduplicated by request id (the network
 * duplicates forwarded proposals, so one request may be appended twice). It keeps the log's
 * chain hash and a digest of everything applied, so replicas can be compared index by index.
 */
import { assert } from "../../src/lib/assert.ts";
import type { EtcdInput, EtcdOutcome } from "../../src/check/index.ts";
import { type Entry, EntryType } from "../../src/raft/index.ts";
import { chainHash, finishHash, hashText, mixHash } from "./hash.ts";

/** One client request as carried in a log entry. */
export interface KvCommand {
  readonly id: number;
  readonly input: EtcdInput;
}

/** What applying a request answered. */
export interface KvResult {
  readonly outcome: EtcdOutcome;
  readonly index: number;
}

/** What a linearizable read returns. */
export interface KvRead {
  readonly outcome: EtcdOutcome;
  readonly value?: string;
  readonly modifiedIndex?: number;
}

interface Stored {
  readonly value: string;
  readonly modifiedIndex: number;
}

interface KvSnapshotData {
  readonly values: [string, Stored][];
  readonly seen: number[];
  readonly appliedIndex: number;
  readonly chain: number;
  readonly digest: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  const command = JSON.parse(decoder.decode(data)) as KvCommand;
  assert(typeof command.id === "number", "A command carries a numeric request id");
  return command;
}

/** The key-value state of one replica. */
export class KvStore {
  readonly #values: Map<string, Stored>;
  readonly #seen: Set<number>;
  appliedIndex: number;
  /** The log chain hash at `appliedIndex`. */
  chain: number;
  /** A digest of every applied entry and the resulting state. */
  digest: number;

  constructor(data: KvSnapshotData | null = null) {
    this.#values = new Map(data?.values ?? []);
    this.#seen = new Set(data?.seen ?? []);
    this.appliedIndex = data?.appliedIndex ?? 0;
    this.chain = data?.chain ?? 0;
    this.digest = data?.digest ?? 0;
  }

  static restore(bytes: Uint8Array): KvStore {
    return new KvStore(JSON.parse(decoder.decode(bytes)) as KvSnapshotData);
  }

  snapshot(): Uint8Array {
    const data: KvSnapshotData = {
      values: [...this.#values],
      seen: [...this.#seen],
      appliedIndex: this.appliedIndex,
      chain: this.chain,
      digest: this.digest,
    };
    return encoder.encode(JSON.stringify(data));
  }

  /** Applies the next entry; the request id and result for a first-seen client request. */
  apply(entry: Entry): { id: number; result: KvResult } | null {
    const expected = this.appliedIndex + 1;
    assert(entry.index === expected, `Apply of ${entry.index}, expected ${expected}`);
    this.appliedIndex = entry.index;
    this.chain = chainHash(this.chain, entry.term, entry.type, entry.data);
    let applied: { id: number; result: KvResult } | null = null;
    if (entry.type === EntryType.normal && entry.data.byteLength > 0) {
      const command = decodeCommand(entry.data);
      if (!this.#seen.has(command.id)) {
        this.#seen.add(command.id);
        applied = { id: command.id, result: this.#execute(command.input, entry.index) };
      }
    }
    const outcome = applied === null ? 0 : hashText(0, applied.result.outcome);
    this.digest = finishHash(mixHash(mixHash(mixHash(this.digest, this.chain), outcome),
      this.#stateHash()));
    return applied;
  }

  read(key: string): KvRead {
    const stored = this.#values.get(key);
    if (stored === undefined) return { outcome: "notFound" };
    return { outcome: "ok", value: stored.value, modifiedIndex: stored.modifiedIndex };
  }

  #execute(input: EtcdInput, index: number): KvResult {
    const current = this.#values.get(input.key);
    const fail = (outcome: EtcdOutcome): KvResult => ({ outcome, index });
    switch (input.kind) {
      case "get":
        return { outcome: current === undefined ? "notFound" : "ok", index };
      case "set":
        this.#values.set(input.key, { value: input.value, modifiedIndex: index });
        return { outcome: "ok", index };
      case "create":
        if (current !== undefined) return fail("exists");
        this.#values.set(input.key, { value: input.value, modifiedIndex: index });
        return { outcome: "ok", index };
      case "update":
        if (current === undefined) return fail("notFound");
        this.#values.set(input.key, { value: input.value, modifiedIndex: index });
        return { outcome: "ok", index };
      case "compareAndSwap":
        if (current === undefined) return fail("notFound");
        if (current.value !== input.prevValue) return fail("compareFailed");
        this.#values.set(input.key, { value: input.value, modifiedIndex: index });
        return { outcome: "ok", index };
      default:
        return this.#delete(input, current, index);
    }
  }

  #delete(input: EtcdInput, current: Stored | undefined, index: number): KvResult {
    if (current === undefined) return { outcome: "notFound", index };
    if (input.kind === "compareAndDelete" && current.value !== input.prevValue) {
      return { outcome: "compareFailed", index };
    }
    this.#values.delete(input.key);
    return { outcome: "ok", index };
  }

  #stateHash(): number {
    let hash = this.#seen.size;
    for (const key of [...this.#values.keys()].sort()) {
      const stored = this.#values.get(key) as Stored;
      hash = mixHash(hashText(hashText(hash, key), stored.value), stored.modifiedIndex);
    }
    return hash;
  }
}
