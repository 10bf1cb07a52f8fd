/**
 * @module
 * Every socket the transport has open, so `stop()` can close them all and resolve only once
 * each has reported its close (or was forced shut after a grace period).
 */
import { assert } from "../lib/assert.ts";
import type { Timers } from "./types.ts";

/** The part of a Bun socket the registry needs. */
export interface ClosableSocket {
  end(): void;
  terminate(): void;
}

/** Tracks open sockets and who waits for their close. */
export class SocketRegistry {
  readonly #sockets = new Map<ClosableSocket, { promise: Promise<void>; resolve: () => void }>();

  /** Sockets open now. */
  get size(): number {
    return this.#sockets.size;
  }

  /** Records a socket that just opened. */
  add(socket: ClosableSocket): void {
    assert(!this.#sockets.has(socket), "a socket is registered once");
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#sockets.set(socket, { promise, resolve });
  }

  /** Records that a socket closed; harmless for sockets never added. */
  closed(socket: ClosableSocket): void {
    const entry = this.#sockets.get(socket);
    if (entry === undefined) return;
    this.#sockets.delete(socket);
    entry.resolve();
  }

  /** Resolves once `socket` has closed (at once if it is not open). */
  whenClosed(socket: ClosableSocket): Promise<void> {
    return this.#sockets.get(socket)?.promise ?? Promise.resolve();
  }

  /**
   * Ends every socket, waits up to `graceMs` for their closes, then terminates the rest and
   * waits up to `graceMs` again. Resolves with the number still open after that (normally 0).
   */
  async closeAll(timers: Timers, graceMs: number): Promise<number> {
    for (const socket of this.#sockets.keys()) socket.end();
    await this.#settle(timers, graceMs);
    for (const socket of this.#sockets.keys()) socket.terminate();
    await this.#settle(timers, graceMs);
    return this.#sockets.size;
  }

  // --- internal ---

  async #settle(timers: Timers, graceMs: number): Promise<void> {
    if (this.#sockets.size === 0) return;
    const closes = [...this.#sockets.values()].map((entry) => entry.promise);
    let handle: unknown;
    const deadline = new Promise<void>((resolve) => {
      handle = timers.setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(closes), deadline]);
    timers.clearTimeout(handle);
  }
}
