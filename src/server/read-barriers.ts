/**
 * @module
 * Linearizable reads waiting for the local store to reach a commit index, with a deadline.
 */
import { assert } from "../lib/assert.ts";
import { EtcdError, ErrorCode } from "../store/errors.ts";

interface Barrier {
  readonly targetIndex: number;
  readonly deadlineMs: number;
  readonly resolve: () => void;
  readonly reject: (error: EtcdError) => void;
}

/** Reads parked until `applied >= targetIndex`. */
export class ReadBarriers {
  #barriers: Barrier[] = [];

  /** Waits until `release` reports an applied index at or past `targetIndex`. */
  wait(targetIndex: number, deadlineMs: number): Promise<void> {
    assert(targetIndex > 0, "a read barrier waits for a positive index");
    return new Promise<void>((resolve, reject) => {
      this.#barriers.push({ targetIndex, deadlineMs, resolve, reject });
    });
  }

  /** Releases every read whose target the store has reached. */
  release(appliedIndex: number): void {
    if (this.#barriers.length === 0) return;
    const waiting: Barrier[] = [];
    for (const barrier of this.#barriers) {
      if (barrier.targetIndex <= appliedIndex) barrier.resolve();
      else waiting.push(barrier);
    }
    this.#barriers = waiting;
  }

  /** Rejects reads past their deadline with 300. */
  expireOverdue(nowMs: number): void {
    if (this.#barriers.length === 0) return;
    const waiting: Barrier[] = [];
    for (const barrier of this.#barriers) {
      if (barrier.deadlineMs > nowMs) waiting.push(barrier);
      else barrier.reject(new EtcdError(ErrorCode.raftInternal, "read timed out", 0));
    }
    this.#barriers = waiting;
  }

  rejectAll(error: EtcdError): void {
    for (const barrier of this.#barriers) barrier.reject(error);
    this.#barriers = [];
  }
}
