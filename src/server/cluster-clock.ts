/**
 * @module
 * The cluster's one notion of "now", as the leader stamps it into commands. It is the leader's
 * wall clock, except that a new leader whose clock runs ahead of its predecessor's is held back
 * to the predecessor's (as the predecessor's last ping showed it), and it never goes back past a
 * time already in the log. So no key expires early because a new leader's clock runs fast; a
 * slow clock only makes keys live longer.
 */
import type { MemberId } from "../raft/types.ts";

export class ClusterClock {
  readonly #self: MemberId;
  /** Wall clock plus this is the cluster clock; never positive. */
  #offsetMs = 0;
  /** The latest time in the log (applied, or stamped by this member as leader). */
  #lastStampMs = 0;
  #lastOtherLeader: MemberId = 0n;

  constructor(self: MemberId) {
    this.#self = self;
  }

  /** The cluster time at wall time `wallMs`. */
  nowMs(wallMs: number): number {
    return Math.max(this.#lastStampMs, wallMs + this.#offsetMs);
  }

  /** Takes the time for a command this member stamps as leader. */
  stamp(wallMs: number): number {
    const nowMs = this.nowMs(wallMs);
    this.#lastStampMs = nowMs;
    return nowMs;
  }

  /** A command carrying `stampMs` was applied: the clock never reads earlier than that. */
  observe(stampMs: number): void {
    this.#lastStampMs = Math.max(this.#lastStampMs, stampMs);
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /**
   * The member this one follows changed to `leader` (0 for none).
   * @param offsetOf How far a peer's clock ran ahead of our wall clock at its latest ping
   *   (negative: behind), undefined when never heard.
   * @returns the member whose clock this one was held back to, if it became leader just now.
   */
  leaderChanged(
    leader: MemberId,
    offsetOf: (peer: MemberId) => number | undefined,
  ): { readonly previous: MemberId; readonly offsetMs: number } | null {
    if (leader === 0n) return null;
    if (leader !== this.#self) {
      this.#lastOtherLeader = leader;
      return null;
    }
    const previous = this.#lastOtherLeader;
    const measured = previous === 0n ? undefined : offsetOf(previous);
    this.#offsetMs = Math.min(0, measured ?? 0);
    return { previous, offsetMs: this.#offsetMs };
  }
}
