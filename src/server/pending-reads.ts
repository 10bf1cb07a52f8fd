/**
 * @module
 * ReadIndex requests waiting for the leader's answer, keyed by their context. A context is a
 * random per-process nonce plus a counter, so it is fresh for every attempt and never repeats
 * across restarts: an answer meant for an earlier attempt (or an earlier life of this member)
 * can never release a later read, the bug behind etcd's stale reads after pauses (#20418).
 */
import { assert } from "../lib/assert.ts";
import type { ReadState } from "../raft/index.ts";
import { EtcdError, ErrorCode } from "../store/errors.ts";

interface PendingRead {
  readonly deadlineMs: number;
  readonly resolve: (index: number) => void;
  readonly reject: (error: EtcdError) => void;
}

/** Outstanding ReadIndex requests of this member. */
export class PendingReads {
  readonly #nonce: Uint8Array = crypto.getRandomValues(new Uint8Array(8));
  readonly #reads = new Map<string, PendingRead>();
  #counter = 0n;

  /** A fresh context and the promise of the read index the leader will confirm for it. */
  open(deadlineMs: number): { context: Uint8Array; index: Promise<number> } {
    this.#counter += 1n;
    const context = new Uint8Array(16);
    context.set(this.#nonce, 0);
    new DataView(context.buffer).setBigUint64(8, this.#counter);
    const key = keyOf(context);
    assert(!this.#reads.has(key), "read contexts are never reused");
    const index = new Promise<number>((resolve, reject) => {
      this.#reads.set(key, { deadlineMs, resolve, reject });
    });
    return { context, index };
  }

  /** Forgets a request that Raft refused. */
  cancel(context: Uint8Array): void {
    this.#reads.delete(keyOf(context));
  }

  /** Hands the confirmed index to the request it belongs to, if it is still waiting. */
  answer(readState: ReadState): void {
    const key = keyOf(readState.context);
    const read = this.#reads.get(key);
    if (read === undefined) return;
    this.#reads.delete(key);
    read.resolve(readState.index);
  }

  /** Raft drops reads on leader changes without answering; the deadline answers them. */
  expireOverdue(nowMs: number): void {
    for (const [key, read] of this.#reads) {
      if (read.deadlineMs > nowMs) continue;
      this.#reads.delete(key);
      read.reject(new EtcdError(ErrorCode.raftInternal, "read timed out", 0));
    }
  }

  rejectAll(error: EtcdError): void {
    for (const read of this.#reads.values()) read.reject(error);
    this.#reads.clear();
  }
}

// --- internal ---

function keyOf(context: Uint8Array): string {
  return Buffer.from(context.buffer, context.byteOffset, context.byteLength).toString("hex");
}
