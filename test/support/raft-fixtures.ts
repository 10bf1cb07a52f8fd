/**
 * @module
 * Single-node fixtures for white-box Raft tests: build a node over a prepared log, drain its
 * Readys (persisting them as the caller contract requires) and collect what it sent.
 */

import { createPrng } from "../../src/lib/prng.ts";
import type { RaftConfig } from "../../src/raft/config.ts";
import {
  type Entry,
  EntryType,
  type HardState,
  type MemberId,
  MemoryStorage,
  type Message,
  RawNode,
  type Ready,
} from "../../src/raft/index.ts";

export interface FixtureOptions {
  readonly voters?: readonly MemberId[];
  readonly learners?: readonly MemberId[];
  /** Terms of entries 1, 2, ... already in the log. */
  readonly terms?: readonly number[];
  readonly hardState?: HardState;
  /** Snapshot and compact the prepared log up to this (committed) index before starting. */
  readonly compactTo?: number;
  readonly config?: Partial<RaftConfig>;
}

export interface Fixture {
  readonly node: RawNode;
  readonly storage: MemoryStorage;
  /** Every Ready handed out so far. */
  readonly readys: Ready[];
}

export function entry(index: number, term: number, data = ""): Entry {
  return { index, term, type: EntryType.normal, data: new TextEncoder().encode(data) };
}

/** Entries numbered from `from` with the given terms. */
export function entries(from: number, terms: readonly number[]): Entry[] {
  return terms.map((term, offset) => entry(from + offset, term, `e${from + offset}`));
}

export function testConfig(id: MemberId, overrides: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    electionTicks: 10,
    heartbeatTicks: 1,
    prng: createPrng(Number(id) + 100),
    preVote: false,
    checkQuorum: false,
    maxSizePerMsgBytes: 1 << 20,
    maxInflightMsgs: 256,
    maxUncommittedEntriesBytes: 1 << 30,
    maxCommittedSizePerReadyBytes: 1 << 30,
    ...overrides,
  };
}

/** A node whose storage already holds `terms` and `hardState`. PreVote and CheckQuorum off. */
export function fixture(id: MemberId, options: FixtureOptions = {}): Fixture {
  const confState = { voters: [...(options.voters ?? [1n, 2n, 3n])], learners: [
    ...(options.learners ?? []),
  ] };
  const storage = new MemoryStorage(confState);
  storage.append(entries(1, options.terms ?? []));
  if (options.hardState !== undefined) storage.setHardState(options.hardState);
  if (options.compactTo !== undefined) {
    storage.createSnapshot(options.compactTo, confState, new Uint8Array());
    storage.compact(options.compactTo);
  }
  const node = new RawNode(testConfig(id, options.config), storage);
  return { node, storage, readys: [] };
}

/** Persists and advances every pending Ready; returns all messages sent meanwhile. */
export function drain(fixtureValue: Fixture): Message[] {
  const sent: Message[] = [];
  for (let round = 0; fixtureValue.node.hasReady(); round++) {
    if (round > 100) throw new Error("Node never ran out of Readys");
    const ready = fixtureValue.node.ready();
    fixtureValue.readys.push(ready);
    if (ready.snapshot !== undefined) fixtureValue.storage.applySnapshot(ready.snapshot);
    fixtureValue.storage.append(ready.entries);
    if (ready.hardState !== undefined) fixtureValue.storage.setHardState(ready.hardState);
    sent.push(...ready.messages);
    fixtureValue.node.advance();
  }
  return sent;
}

/** Makes a 3-voter fixture the leader of term `term` + 1 by granting it votes directly. */
export function electLeader(target: Fixture, id: MemberId = 1n): Message[] {
  target.node.campaign();
  const requests = drain(target);
  if (target.node.status().role === "preCandidate") {
    const preTerm = target.node.status().term + 1;
    for (const voter of target.node.status().confState.voters) {
      if (voter === id) continue;
      target.node.step({ type: "MsgPreVoteResp", from: voter, to: id, term: preTerm,
        reject: false });
    }
    requests.push(...drain(target));
  }
  const term = target.node.status().term;
  for (const voter of target.node.status().confState.voters) {
    if (voter === id) continue;
    target.node.step({ type: "MsgVoteResp", from: voter, to: id, term, reject: false });
  }
  return [...requests, ...drain(target)];
}

/** The message shape whose `type` can be `T`. */
export type MessageOf<T extends Message["type"]> = Message extends infer M
  ? M extends Message
    ? T extends M["type"]
      ? M
      : never
    : never
  : never;

export function ofType<T extends Message["type"]>(
  messages: readonly Message[],
  type: T,
): MessageOf<T>[] {
  return messages.filter((message): message is MessageOf<T> => message.type === type);
}
