/**
 * @module
 * The leader's view of one peer's log (Raft's nextIndex/matchIndex) and the flow-control state
 * machine around it: Probe (one append in flight), Replicate (pipelined within the inflight
 * window) and Snapshot (paused until the snapshot is reported or acknowledged).
 */

import { assert } from "../lib/assert.ts";
import { Inflights } from "./inflights.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  /** The highest index known to match the leader's log (and be durable on the peer). */
  match = 0;
  /** The next index to send. Always > match. */
  next: number;
  state: ProgressState = "probe";
  /** The snapshot index being sent, in the snapshot state. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** Probe: an append is outstanding. Replicate: the window was full at the last send. */
  paused = false;
  isLearner: boolean;
  /** The highest commit index sent to this peer (in an append or heartbeat). */
  sentCommit = 0;
  readonly inflights: Inflights;

  constructor(options: { next: number; isLearner: boolean; inflights: Inflights }) {
    assert(options.next >= 1, `Progress next ${options.next} must be at least 1`);
    this.next = options.next;
    this.isLearner = options.isLearner;
    this.inflights = options.inflights;
  }

  becomeProbe(): void {
    if (this.state === "snapshot") {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.#resetState("probe");
    assert(this.next > this.match, "Probe next must exceed match");
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.#resetState("replicate");
  }

  becomeSnapshot(snapshotIndex: number): void {
    assert(snapshotIndex > this.match, `Snapshot ${snapshotIndex} is not beyond ${this.match}`);
    this.#resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
  }

  /** Records a successful append up to `index`; false if it tells nothing new (stale). */
  maybeUpdate(index: number): boolean {
    const updated = this.match < index;
    if (updated) {
      this.match = index;
      this.paused = false;
    }
    this.next = Math.max(this.next, index + 1);
    assert(this.next > this.match, "Progress next fell to match");
    return updated;
  }

  /**
   * Handles a rejection of the append at `rejected`; `matchHint` is the follower's guess of
   * where the logs may match. False if the rejection is stale or duplicate.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.paused = false;
    assert(this.next > this.match && this.next >= 1, "Rejection moved next to or below match");
    return true;
  }

  /** Records that an append with `count` entries (`bytes` long) was sent. */
  sentEntries(count: number, bytes: number): void {
    assert(count >= 0 && bytes >= 0, "Cannot send a negative number of entries");
    if (this.state === "replicate") {
      if (count > 0) {
        this.next += count;
        this.inflights.add(this.next - 1, bytes);
      }
      this.paused = this.inflights.full();
    } else if (this.state === "probe") {
      if (count > 0) this.paused = true;
    } else {
      assert(false, "Cannot send entries to a peer receiving a snapshot");
    }
  }

  /** Records that `commit` was sent; the peer cannot commit beyond what it may hold. */
  noteCommitSent(commit: number): void {
    this.sentCommit = Math.max(this.sentCommit, Math.min(commit, this.next - 1));
  }

  /** Whether sending `commit` could tell the peer something new. */
  canBumpCommit(commit: number): boolean {
    return commit > this.sentCommit && this.sentCommit < this.next - 1;
  }

  /** Whether sending appends to this peer should wait. */
  isPaused(): boolean {
    return this.state === "snapshot" ? true : this.paused;
  }

  #resetState(state: ProgressState): void {
    this.state = state;
    this.paused = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }
}
