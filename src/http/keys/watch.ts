/**
 * @module
 * A watch as an HTTP body: the watcher is registered with the store before the response
 * exists, so no event can slip between the two; the body is a stream that carries one event
 * and ends (long poll) or carries every event as a line (stream). A client that goes away
 * cancels the watcher, and a stream client that falls too far behind is cut off instead of
 * letting the queue grow.
 *
 * Bun writes a streamed response's headers only together with its first body byte, and etcd
 * clients (and tests) commonly wait for the headers before they make the change they watch for.
 * So a watch that is still waiting once registered sends `watchPreamble`, one space: JSON
 * whitespace that every JSON reader skips, and the only byte cairn adds to etcd's bodies.
 */
import type { StoreEvent, StoreReader, WatchRequest, Watcher } from "../../store/types.ts";

/** Sent at once by a watch with no event yet, so that Bun flushes the headers. */
export const watchPreamble = " ";

/** What a watch needs from its surroundings. */
export interface WatchBodyOptions {
  readonly store: StoreReader;
  readonly request: WatchRequest;
  /** Events a stream may hold unread before it is closed. */
  readonly bufferedEventsMax: number;
  /** Turns an event into its JSON line at delivery time. */
  readonly encode: (event: StoreEvent) => string;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
}

/** A registered watch and the body that delivers its events. */
export interface WatchBody {
  readonly watcher: Watcher;
  readonly body: ReadableStream<Uint8Array>;
}

/**
 * Registers the watcher and returns the response body that delivers its events.
 * @throws {EtcdError} 401 when `sinceIndex` is older than the history, or the store's limit.
 */
export function openWatchBody(options: WatchBodyOptions): WatchBody {
  const delivery = new WatchDelivery(options);
  const body = new ReadableStream<Uint8Array>(
    {
      start: (controller) => delivery.attach(controller),
      cancel: () => delivery.finish(),
    },
    { highWaterMark: 0 },
  );
  const watcher = delivery.register();
  return { watcher, body };
}

// --- internal ---

const textEncoder = new TextEncoder();

/** Moves events from the store's synchronous callbacks into the response stream. */
class WatchDelivery {
  readonly #options: WatchBodyOptions;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #watcher: Watcher | null = null;
  #deliveredCount = 0;
  #finished = false;
  readonly #onAbort = (): void => this.finish();

  constructor(options: WatchBodyOptions) {
    this.#options = options;
  }

  attach(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
  }

  register(): Watcher {
    const { store, request, signal } = this.#options;
    const watcher = store.watch(request, {
      event: (event) => this.#deliver(event),
      closed: () => this.finish(),
    });
    this.#watcher = watcher;
    // The event may have arrived (from history) while registering, before `watcher` existed.
    if (this.#finished) {
      watcher.cancel();
      return watcher;
    }
    if (signal.aborted) {
      this.finish();
      return watcher;
    }
    signal.addEventListener("abort", this.#onAbort, { once: true });
    if (this.#deliveredCount === 0) this.#controller?.enqueue(textEncoder.encode(watchPreamble));
    return watcher;
  }

  /** Ends the delivery: cancels the watcher and closes the body. Safe to call repeatedly. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#watcher?.cancel();
    this.#options.signal.removeEventListener("abort", this.#onAbort);
    try {
      this.#controller?.close();
    } catch {
      // The reader already cancelled the stream; there is nothing left to close.
    }
  }

  #deliver(event: StoreEvent): void {
    const controller = this.#controller;
    if (this.#finished || controller === null) return;
    try {
      controller.enqueue(textEncoder.encode(this.#options.encode(event)));
    } catch {
      // The body was torn down without a cancel (a broken connection). This runs inside the
      // store's apply, so a client's failure must end only this watch, never the write.
      this.finish();
      return;
    }
    this.#deliveredCount += 1;
    if (!this.#options.request.stream) {
      this.finish();
      return;
    }
    // desiredSize is minus the number of unread chunks (the high-water mark is 0).
    const unreadCount = -(controller.desiredSize ?? 0);
    if (unreadCount > this.#options.bufferedEventsMax) this.finish();
  }
}
