/**
 * @module
 * Safe ReadIndex bookkeeping on the leader: each request records the commit index at arrival and
 * is released once a quorum has answered a heartbeat carrying its context (or a later one).
 */

import { assert } from "../lib/assert.ts";
import type { MemberId } from "./types.ts";

/** A read request waiting for leadership confirmation. */
export interface PendingRead {
  readonly index: number;
  readonly context: Uint8Array;
  /** The member that asked (the leader itself for local requests). */
  readonly from: MemberId;
}

interface ReadStatus {
  readonly read: PendingRead;
  readonly acks: Set<MemberId>;
}

export class ReadOnlyQueue {
  readonly #byContext = new Map<string, ReadStatus>();
  #queue: string[] = [];

  get size(): number {
    return this.#queue.length;
  }

  has(context: Uint8Array): boolean {
    return this.#byContext.has(contextKey(context));
  }

  /** Queues a request; a context already pending is ignored (returns false). */
  add(read: PendingRead): boolean {
    const key = contextKey(read.context);
    if (this.#byContext.has(key)) return false;
    this.#byContext.set(key, { read, acks: new Set() });
    this.#queue.push(key);
    assert(this.#queue.length === this.#byContext.size, "Read queue and index disagree");
    return true;
  }

  /** Records `from`'s ack of `context`; returns who has acked it, or null if unknown. */
  recordAck(from: MemberId, context: Uint8Array): ReadonlySet<MemberId> | null {
    const status = this.#byContext.get(contextKey(context));
    if (status === undefined) return null;
    status.acks.add(from);
    return status.acks;
  }

  /**
   * Removes and returns every request queued up to and including `context`: a heartbeat round
   * confirming a later request also confirms the earlier ones.
   */
  release(context: Uint8Array): PendingRead[] {
    const key = contextKey(context);
    const position = this.#queue.indexOf(key);
    if (position < 0) return [];
    const released = this.#queue.slice(0, position + 1).map((item) => {
      const status = this.#byContext.get(item);
      assert(status !== undefined, "Queued read has no status");
      this.#byContext.delete(item);
      return status.read;
    });
    this.#queue = this.#queue.slice(position + 1);
    assert(this.#queue.length === this.#byContext.size, "Read queue and index disagree");
    return released;
  }

  /** The context of the newest pending request, to piggyback on heartbeats. */
  lastContext(): Uint8Array | null {
    const key = this.#queue[this.#queue.length - 1];
    if (key === undefined) return null;
    return this.#byContext.get(key)?.read.context ?? null;
  }
}

// --- internal ---

function contextKey(context: Uint8Array): string {
  let key = "";
  for (const byte of context) key += byte.toString(16).padStart(2, "0");
  return key;
}
