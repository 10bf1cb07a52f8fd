/**
 * @module
 * Linearizable reads share ReadIndex rounds, as etcd's read loop does: while one round (a
 * heartbeat to a quorum, or a request to the leader and its heartbeat) is in flight, the reads
 * that arrive wait for the next round, which starts as soon as the current one ends and serves
 * them all. A read never takes the index of a round that began before it arrived: that index
 * may miss a write acknowledged in between.
 */
import { assert } from "../lib/assert.ts";

interface Waiter {
  readonly resolve: (index: number) => void;
  readonly reject: (error: unknown) => void;
}

/** Coalesces ReadIndex requests into rounds. */
export class ReadIndexBatcher {
  readonly #issue: () => Promise<number>;
  /** Reads that arrived while a round was in flight; the next round serves them. */
  #waiting: Waiter[] = [];
  #roundInFlight = false;
  #rounds = 0;

  /** @param issue starts one ReadIndex round; resolves with its read index. */
  constructor(issue: () => Promise<number>) {
    this.#issue = issue;
  }

  /** The read index of a round that started after this call. */
  wait(): Promise<number> {
    const { promise, resolve, reject } = Promise.withResolvers<number>();
    this.#waiting.push({ resolve, reject });
    if (!this.#roundInFlight) this.#startRound();
    return promise;
  }

  /** Rounds started so far (each served every read waiting when it began). */
  get rounds(): number {
    return this.#rounds;
  }

  // --- internal ---

  #startRound(): void {
    assert(!this.#roundInFlight, "one ReadIndex round at a time");
    assert(this.#waiting.length > 0, "a round serves at least one read");
    const batch = this.#waiting;
    this.#waiting = [];
    this.#roundInFlight = true;
    this.#rounds += 1;
    void this.#run(batch);
  }

  async #run(batch: readonly Waiter[]): Promise<void> {
    try {
      const index = await this.#issue();
      for (const waiter of batch) waiter.resolve(index);
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
    this.#roundInFlight = false;
    if (this.#waiting.length > 0) this.#startRound();
  }
}
