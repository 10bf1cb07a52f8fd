/**
 * @module
 * Proposals this member made that wait for their entry to be applied: a bounded map from request
 * id to the caller's promise, with a timeout that answers etcd's 300 Raft Internal Error.
 */
import { assert } from "../lib/assert.ts";
import { EtcdError, ErrorCode } from "../store/errors.ts";

interface Waiter<Outcome> {
  readonly resolve: (outcome: Outcome) => void;
  readonly reject: (error: EtcdError) => void;
  readonly deadlineMs: number;
}

export interface PendingProposalsOptions {
  readonly pendingMax: number;
  readonly timeoutMs: number;
}

/**
 * The answer to a request Raft refused at once: 301 without a leader (etcd's "During Leader
 * Election"), 300 otherwise (a transfer in progress, a full uncommitted budget, ...).
 */
export function refusedByConsensus(reason: string): EtcdError {
  const code = reason === "no leader" ? ErrorCode.leaderElect : ErrorCode.raftInternal;
  return new EtcdError(code, reason, 0);
}

/**
 * Tracks in-flight proposals by request id. Every waiter has the same timeout, so insertion
 * order is deadline order and `expireOverdue` only looks at the front of the map: no timer per
 * request on the write path.
 */
export class PendingProposals<Outcome> {
  readonly #waiters = new Map<number, Waiter<Outcome>>();
  readonly #options: PendingProposalsOptions;
  #nextRequestId = 1;

  constructor(options: PendingProposalsOptions) {
    assert(options.pendingMax > 0, "pendingMax must be positive");
    assert(options.timeoutMs > 0, "timeoutMs must be positive");
    this.#options = options;
  }

  get size(): number {
    return this.#waiters.size;
  }

  /** True when another proposal would exceed the limit. */
  get full(): boolean {
    return this.#waiters.size >= this.#options.pendingMax;
  }

  /** A fresh request id; ids are never reused within a process. */
  nextRequestId(): number {
    const requestId = this.#nextRequestId;
    this.#nextRequestId += 1;
    return requestId;
  }

  /** Waits for `requestId` to be applied; `nowMs` is a monotonic time. */
  wait(requestId: number, nowMs: number): Promise<Outcome> {
    assert(!this.#waiters.has(requestId), "request ids are unique");
    const deadlineMs = nowMs + this.#options.timeoutMs;
    return new Promise<Outcome>((resolve, reject) => {
      this.#waiters.set(requestId, { resolve, reject, deadlineMs });
    });
  }

  /** Resolves the waiter of `requestId`, if it is still waiting. */
  resolve(requestId: number, outcome: Outcome): void {
    const waiter = this.#waiters.get(requestId);
    if (waiter === undefined) return;
    this.#waiters.delete(requestId);
    waiter.resolve(outcome);
  }

  /**
   * Rejects every waiter past its deadline with 300. The write may still be applied later,
   * exactly as with etcd, so a client must treat a timeout as indeterminate.
   */
  expireOverdue(nowMs: number): void {
    for (const [requestId, waiter] of this.#waiters) {
      if (waiter.deadlineMs > nowMs) return;
      this.#waiters.delete(requestId);
      waiter.reject(new EtcdError(ErrorCode.raftInternal, "request timed out", 0));
    }
  }

  /** Rejects every waiter, for shutdown. */
  rejectAll(error: EtcdError): void {
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
  }
}
