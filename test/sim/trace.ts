/**
 * @module
 * The run's trace: a hash folded over every event (time, label, node, and the committed
 * frontier after it), compared across two runs of one seed to prove determinism, and a ring of
 * the last events, printed when a seed fails.
 */
import { finishHash, hashText, mixHash } from "./hash.ts";

const recentMax = 40;

export class Trace {
  #hash = 0x2545f491;
  #events = 0;
  readonly #labelHashes = new Map<string, number>();
  readonly #recent: string[] = [];

  get events(): number {
    return this.#events;
  }

  get hash(): number {
    return finishHash(this.#hash);
  }

  /** Folds one event into the hash and the ring of recent events. */
  record(time: number, label: string, node: number, frontier: number): void {
    let labelHash = this.#labelHashes.get(label);
    if (labelHash === undefined) {
      labelHash = hashText(0, label);
      this.#labelHashes.set(label, labelHash);
    }
    let hash = mixHash(this.#hash, Math.round(time * 10));
    hash = mixHash(mixHash(hash, labelHash), node);
    this.#hash = mixHash(hash, frontier);
    this.#events++;
    if (this.#recent.length === recentMax) this.#recent.shift();
    this.#recent.push(`${time.toFixed(1)}ms ${label}${node > 0 ? ` @${node}` : ""}`);
  }

  /** Adds a note (e.g. a crash mode) to the recent events without an event of its own. */
  note(text: string): void {
    this.#hash = mixHash(this.#hash, hashText(0, text));
    if (this.#recent.length === recentMax) this.#recent.shift();
    this.#recent.push(`  ${text}`);
  }

  recent(): readonly string[] {
    return this.#recent;
  }
}
