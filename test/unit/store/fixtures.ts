/**
 * @module
 * Shared fixtures for the store tests: command builders with etcd's defaults, a store that
 * applies with increasing Raft indexes, and a recording watch sink.
 */
import { expect } from "bun:test";
import { EtcdError } from "../../../src/store/errors.ts";
import { Store, type StoreOptions } from "../../../src/store/store.ts";
import type {
  ApplyOutcome,
  StoreCommand,
  StoreEvent,
  TtlSeconds,
  WatchSink,
} from "../../../src/store/types.ts";

export const startMs = 1_700_000_000_000;

export const defaultOptions: StoreOptions = {
  historyEventsMax: 1000,
  watchersMax: 1000,
  nodesMax: 100_000,
};

interface WriteOptions {
  ttlSeconds?: TtlSeconds;
  refresh?: boolean;
}

export function setCommand(
  key: string,
  value: string,
  options: WriteOptions & { dir?: boolean } = {},
): StoreCommand {
  return {
    op: "set",
    key,
    value,
    dir: options.dir ?? false,
    ttlSeconds: options.ttlSeconds ?? null,
    refresh: options.refresh ?? false,
  };
}

export function createCommand(
  key: string,
  value: string,
  options: WriteOptions & { dir?: boolean; inOrder?: boolean } = {},
): StoreCommand {
  return {
    op: "create",
    key,
    value,
    dir: options.dir ?? false,
    ttlSeconds: options.ttlSeconds ?? null,
    refresh: options.refresh ?? false,
    inOrder: options.inOrder ?? false,
  };
}

export function updateCommand(
  key: string,
  value: string,
  options: WriteOptions = {},
): StoreCommand {
  return {
    op: "update",
    key,
    value,
    ttlSeconds: options.ttlSeconds ?? null,
    refresh: options.refresh ?? false,
  };
}

export function casCommand(
  key: string,
  value: string,
  compare: { prevValue?: string; prevIndex?: number },
  options: WriteOptions = {},
): StoreCommand {
  return {
    op: "compareAndSwap",
    key,
    value,
    ttlSeconds: options.ttlSeconds ?? null,
    refresh: options.refresh ?? false,
    prevValue: compare.prevValue ?? null,
    prevIndex: compare.prevIndex ?? null,
  };
}

export function deleteCommand(
  key: string,
  options: { dir?: boolean; recursive?: boolean } = {},
): StoreCommand {
  return { op: "delete", key, dir: options.dir ?? false, recursive: options.recursive ?? false };
}

export function cadCommand(
  key: string,
  compare: { prevValue?: string; prevIndex?: number },
): StoreCommand {
  return {
    op: "compareAndDelete",
    key,
    prevValue: compare.prevValue ?? null,
    prevIndex: compare.prevIndex ?? null,
  };
}

export const expireCommand: StoreCommand = { op: "expire" };

/** A store plus a Raft index counter and a clock, so tests read as a list of writes. */
export class Harness {
  readonly store: Store;
  raftIndex = 0;
  nowMs = startMs;

  constructor(options: Partial<StoreOptions> = {}) {
    this.store = new Store({ ...defaultOptions, ...options });
  }

  apply(command: StoreCommand): ApplyOutcome {
    this.raftIndex += 1;
    return this.store.apply(command, this.raftIndex, this.nowMs);
  }

  /** Applies a command that must succeed with exactly one event, and returns it. */
  ok(command: StoreCommand): StoreEvent {
    const outcome = this.apply(command);
    if (!outcome.ok) throw new Error(`Expected success, got ${JSON.stringify(outcome.error)}`);
    expect(outcome.events).toHaveLength(1);
    const event = outcome.events[0];
    if (event === undefined) throw new Error("No event");
    return event;
  }

  /** Applies a command that must fail, and returns its error as etcd's JSON body. */
  fail(command: StoreCommand): ReturnType<EtcdError["toJSON"]> {
    const outcome = this.apply(command);
    if (outcome.ok) throw new Error(`Expected failure, got ${JSON.stringify(outcome.events)}`);
    expect(outcome.error).toBeInstanceOf(EtcdError);
    return outcome.error.toJSON();
  }

  /** Advances the clock and applies an expiry, returning its events. */
  expireAfter(elapsedMs: number): readonly StoreEvent[] {
    this.nowMs += elapsedMs;
    const outcome = this.apply(expireCommand);
    if (!outcome.ok) throw new Error("Expiry cannot fail");
    return outcome.events;
  }
}

/** Catches the EtcdError a read throws, as etcd's JSON body. */
export function readError(read: () => unknown): ReturnType<EtcdError["toJSON"]> {
  try {
    read();
  } catch (error: unknown) {
    if (error instanceof EtcdError) return error.toJSON();
    throw error;
  }
  throw new Error("Expected the read to throw an EtcdError");
}

/** A watch sink that records what it is given. */
export class RecordingSink implements WatchSink {
  readonly events: StoreEvent[] = [];
  readonly closes: EtcdError[] = [];

  event(event: StoreEvent): void {
    this.events.push(event);
  }

  closed(reason: EtcdError): void {
    this.closes.push(reason);
  }

  get indexes(): number[] {
    return this.events.map((event) => event.index);
  }
}
