/**
 * @module
 * Time as an injected dependency. Pure cores never read a clock; the shell passes times in.
 */

/** A source of time. Wall time is for stamping TTL deadlines; monotonic time is for intervals. */
export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock; may jump). */
  wallMs(): number;
  /** Milliseconds from an arbitrary origin that never goes backwards. */
  monotonicMs(): number;
}

/** The real clock of this process. */
export function systemClock(): Clock {
  return {
    wallMs: () => Date.now(),
    monotonicMs: () => performance.now(),
  };
}

/** A clock that moves only when told to, for tests and the simulator. */
export class ManualClock implements Clock {
  #wallMs: number;
  #monotonicMs = 0;

  constructor(startWallMs: number) {
    this.#wallMs = startWallMs;
  }

  wallMs(): number {
    return this.#wallMs;
  }

  monotonicMs(): number {
    return this.#monotonicMs;
  }

  /** Moves both clocks forward by `deltaMs`. */
  advance(deltaMs: number): void {
    if (!(deltaMs >= 0)) {
      throw new RangeError(`Cannot advance clock by ${deltaMs} ms: must be >= 0`);
    }
    this.#wallMs += deltaMs;
    this.#monotonicMs += deltaMs;
  }

  /** Moves only the wall clock, as NTP or an operator might. */
  jumpWall(deltaMs: number): void {
    this.#wallMs += deltaMs;
  }
}
