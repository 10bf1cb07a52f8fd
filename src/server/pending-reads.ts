/**
 * @module
 * ReadIndex requests waiting for the leader's answer, keyed by their context. A context is a
 * random per-process nonce plus a counter, so it is fresh for every attempt and never repeats
 * across restarts: an answer meant for an earlier attempt (or an earlier life of this member)
 * can never release a later read, the bug behind etcd's stale reads after pauses (#20418).
 *
 * A request can be lost on the way (a follower's link to the leader may be reconnecting, and a
 * leader drops reads on a leader change), and Raft never resends it. So a read unanswered for a
 * while is asked again with a fresh context; an answer to any of its attempts releases it.
 */
import { assert } from "../lib/assert.ts";
import type { ReadState } from "../raft/index.ts";
import { EtcdError, ErrorCode } from "../store/errors.ts";

interface PendingRead {
  readonly deadlineMs: number;
  readonly resolve: (index: number) => void;
  readonly reject: (error: EtcdError) => void;
  /** The keys of every attempt still outstanding. */
  readonly keys: Set<string>;
  lastAttemptMs: number;
}

/** Outstanding ReadIndex requests of this member. */
export class PendingReads {
  readonly #nonce: Uint8Array = crypto.getRandomValues(new Uint8Array(8));
  /** Every outstanding attempt's key, mapped to its read (several keys share one read). */
  readonly #attempts = new Map<string, PendingRead>();
  readonly #reads = new Set<PendingRead>();
  #counter = 0n;

  /**
   * A fresh context and the promise of the read index the leader will confirm for it.
   * @param nowMs monotonic time of this first attempt.
   */
  open(deadlineMs: number, nowMs: number): { context: Uint8Array; index: Promise<number> } {
    let read: PendingRead | undefined;
    const index = new Promise<number>((resolve, reject) => {
      read = { deadlineMs, resolve, reject, keys: new Set(), lastAttemptMs: nowMs };
    });
    assert(read !== undefined, "a promise executor runs at once");
    this.#reads.add(read);
    return { context: this.#attempt(read), index };
  }

  /**
   * Fresh contexts for the reads whose latest attempt is `retryAfterMs` old or more, to send
   * again (earlier attempts stay valid: whichever answer comes first releases the read).
   */
  retryDue(nowMs: number, retryAfterMs: number): Uint8Array[] {
    const contexts: Uint8Array[] = [];
    for (const read of this.#reads) {
      if (nowMs - read.lastAttemptMs < retryAfterMs) continue;
      read.lastAttemptMs = nowMs;
      contexts.push(this.#attempt(read));
    }
    return contexts;
  }

  /** Forgets one attempt that Raft refused (the read itself waits on). */
  cancelAttempt(context: Uint8Array): void {
    const key = keyOf(context);
    this.#attempts.get(key)?.keys.delete(key);
    this.#attempts.delete(key);
  }

  /** Forgets a read whose first attempt Raft refused: the caller answers it. */
  cancel(context: Uint8Array): void {
    const read = this.#attempts.get(keyOf(context));
    if (read !== undefined) this.#forget(read);
  }

  /** Hands the confirmed index to the read it belongs to, if it is still waiting. */
  answer(readState: ReadState): void {
    const read = this.#attempts.get(keyOf(readState.context));
    if (read === undefined) return;
    this.#forget(read);
    read.resolve(readState.index);
  }

  /** A read never answered in time fails with 300. */
  expireOverdue(nowMs: number): void {
    for (const read of this.#reads) {
      if (read.deadlineMs > nowMs) continue;
      this.#forget(read);
      read.reject(new EtcdError(ErrorCode.raftInternal, "read timed out", 0));
    }
  }

  rejectAll(error: EtcdError): void {
    for (const read of this.#reads) read.reject(error);
    this.#reads.clear();
    this.#attempts.clear();
  }

  /** Reads waiting for an answer. */
  get size(): number {
    return this.#reads.size;
  }

  #attempt(read: PendingRead): Uint8Array {
    this.#counter += 1n;
    const context = new Uint8Array(16);
    context.set(this.#nonce, 0);
    new DataView(context.buffer).setBigUint64(8, this.#counter);
    const key = keyOf(context);
    assert(!this.#attempts.has(key), "read contexts are never reused");
    this.#attempts.set(key, read);
    read.keys.add(key);
    return context;
  }

  #forget(read: PendingRead): void {
    for (const key of read.keys) this.#attempts.delete(key);
    read.keys.clear();
    this.#reads.delete(read);
  }
}

// --- internal ---

function keyOf(context: Uint8Array): string {
  return Buffer.from(context.buffer, context.byteOffset, context.byteLength).toString("hex");
}
