/**
 * @module
 * The etcd v2 store: applies replicated commands deterministically (no clock, no randomness,
 * no I/O), keeps the etcd index, the event history and the counters, answers reads and
 * registers watchers.
 */
import { assert, unreachable } from "../lib/assert.ts";
import { EtcdError, ErrorCode } from "./errors.ts";
import { treeDigest } from "./digest.ts";
import { EventHistory } from "./event-history.ts";
import { isCanonicalKey } from "./key-path.ts";
import { KeyTree, walkFound, walkMissingKey } from "./key-tree.ts";
import { listingView } from "./node-listing.ts";
import {
  type StoreSnapshot,
  decodeTree,
  encodeTree,
  storeSnapshotVersion,
} from "./snapshot.ts";
import { type StoreCounters, counterFor, createCounters } from "./store-stats.ts";
import type {
  ApplyOutcome,
  GetOptions,
  StoreCommand,
  StoreEvent,
  StoreReader,
  StoreStats,
  WatchRequest,
  WatchSink,
  Watcher,
} from "./types.ts";
import { watchMatches } from "./watch-match.ts";
import { WatcherHub } from "./watcher-hub.ts";
import {
  type WriteContext,
  type WriteResult,
  applyCompareAndDelete,
  applyCompareAndSwap,
  applyCreate,
  applyDelete,
  applyExpire,
  applySet,
  applyUpdate,
} from "./write-operations.ts";

/** The store's limits (see `src/limits.ts`). */
export interface StoreOptions {
  /** Events kept for `waitIndex` watches. */
  readonly historyEventsMax: number;
  /** Registered watchers at most. */
  readonly watchersMax: number;
  /** Nodes (files and directories, the root excluded) at most. */
  readonly nodesMax: number;
}

/** The etcd v2 key tree with its index, history, watchers and counters. */
export class Store implements StoreReader {
  readonly options: StoreOptions;
  #tree = new KeyTree();
  #index = 0;
  #appliedIndex = 0;
  #history: EventHistory;
  #counters: StoreCounters = createCounters();
  readonly #hub = new WatcherHub();
  /** Guards against a watch sink applying a command while the store is applying one. */
  #applying = false;

  constructor(options: StoreOptions) {
    const { historyEventsMax, watchersMax, nodesMax } = options;
    for (const [name, value] of Object.entries({ historyEventsMax, watchersMax, nodesMax })) {
      assert(Number.isSafeInteger(value) && value >= 1, `Invalid store option ${name}=${value}`);
    }
    // Only the store's own limits are kept, even when a whole `Limits` object is passed.
    this.options = { historyEventsMax, watchersMax, nodesMax };
    this.#history = new EventHistory(options.historyEventsMax, 0);
  }

  /** The current etcd index: one per successful write and per expired node. */
  get index(): number {
    return this.#index;
  }

  /** The Raft index of the last entry applied. */
  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  /**
   * Applies one replicated command with the leader's stamped time. Deterministic: the same
   * commands with the same indexes and times give the same state on every replica. Expected
   * failures are returned, never thrown, and consume no etcd index.
   */
  apply(command: StoreCommand, raftIndex: number, nowMs: number): ApplyOutcome {
    assert(!this.#applying, "Cannot apply a command from inside a watch sink");
    assert(Number.isFinite(nowMs) && nowMs >= 0, `Invalid command time ${nowMs}`);
    this.markApplied(raftIndex);
    const context: WriteContext = {
      tree: this.#tree,
      index: this.#index,
      nowMs,
      nodesMax: this.options.nodesMax,
    };
    this.#applying = true;
    try {
      if (command.op === "expire") {
        const events = applyExpire(context);
        this.#counters.expireCount += events.length;
        return this.#commit(events);
      }
      assert(isCanonicalKey(command.key), `Cannot apply ${command.op}: bad key "${command.key}"`);
      const result = writeFor(command, context);
      const succeeded = !(result instanceof EtcdError);
      this.#counters[counterFor(command.op, succeeded)] += 1;
      if (!succeeded) return { ok: false, error: result };
      return this.#commit([result]);
    } finally {
      this.#applying = false;
    }
  }

  /** Records a Raft entry that carries no store command (so snapshots name the right entry). */
  markApplied(raftIndex: number): void {
    assert(Number.isSafeInteger(raftIndex) && raftIndex >= 0, `Invalid Raft index ${raftIndex}`);
    assert(
      raftIndex >= this.#appliedIndex,
      `Cannot apply Raft index ${raftIndex}: already applied ${this.#appliedIndex}`,
    );
    this.#appliedIndex = raftIndex;
  }

  /**
   * Reads a node, listing a directory's children per `options`.
   * @throws {EtcdError} 100 naming the first missing component, 104 naming a file in the way.
   */
  get(key: string, options: GetOptions): StoreEvent {
    assert(isCanonicalKey(key), `Cannot get "${key}": not a canonical key`);
    const walk = this.#tree.walk(key);
    if (!walkFound(walk)) {
      this.#counters.getsFail += 1;
      if (walk.node.children === null) {
        throw new EtcdError(ErrorCode.notDirectory, walk.node.key, this.#index);
      }
      throw new EtcdError(ErrorCode.keyNotFound, walkMissingKey(walk), this.#index);
    }
    this.#counters.getsSuccess += 1;
    const node = listingView(walk.node, options);
    return { action: "get", node, index: this.#index, refresh: false };
  }

  /**
   * Registers a watcher (v2-api-reference.md §6). A `sinceIndex` within the history is answered
   * from it before this returns. A stream watcher gets every matching event from `sinceIndex`
   * and then every later one (etcd quirk 2 delivers only the first and then nothing).
   * @throws {EtcdError} 401 when `sinceIndex` is older than the history, 402 at `watchersMax`.
   */
  watch(request: WatchRequest, sink: WatchSink): Watcher {
    assert(isCanonicalKey(request.key), `Cannot watch "${request.key}": not a canonical key`);
    const since = request.sinceIndex ?? 0;
    assert(Number.isSafeInteger(since) && since >= 0, `Invalid watch index ${since}`);
    const current = this.#index;
    if (since === 0 || since > current) return this.#register(request, since, sink);
    const oldest = this.#history.oldestIndex;
    if (since < oldest) {
      const cause = `the requested history has been cleared [${oldest}/${since}]`;
      throw new EtcdError(ErrorCode.eventIndexCleared, cause, current);
    }
    if (!request.stream) {
      const hit = this.#firstMatch(request, since);
      if (hit === null) return this.#register(request, since, sink);
      sink.event(hit);
      return { startIndex: current, cancel: () => undefined };
    }
    this.#checkWatcherLimit();
    for (let index = since; index <= current; index += 1) {
      const event = this.#history.at(index);
      assert(event !== null, `History lost event ${index}`);
      if (watchMatches(request.key, request.recursive, event)) sink.event(event);
    }
    return this.#register(request, current + 1, sink);
  }

  /** A copy of the counters with the exact number of registered watchers. */
  stats(): StoreStats {
    return { ...this.#counters, watchers: this.#hub.count };
  }

  /** The earliest TTL deadline in the tree, so the leader knows when to propose an expiry. */
  nextExpirationMs(): number | null {
    return this.#tree.heap.peek()?.expirationMs ?? null;
  }

  /** Nodes in the tree, the root excluded. */
  get nodeCount(): number {
    return this.#tree.nodeCount;
  }

  /**
   * The whole state as plain data: tree with deadlines, indexes, history and counters.
   * Registered watchers are not part of it.
   */
  toSnapshot(): StoreSnapshot {
    const history = this.#history.events();
    const last = history[history.length - 1];
    assert(last === undefined || last.index === this.#index, "History must end at the index");
    return {
      version: storeSnapshotVersion,
      index: this.#index,
      appliedIndex: this.#appliedIndex,
      nodes: encodeTree(this.#tree),
      history,
      counters: { ...this.#counters },
    };
  }

  /** A store that continues exactly where the snapshot's store was. */
  static fromSnapshot(snapshot: StoreSnapshot, options: StoreOptions): Store {
    const store = new Store(options);
    store.#load(snapshot);
    return store;
  }

  /**
   * Replaces this store's state with a snapshot's (a snapshot installed from the leader),
   * keeping registered watchers: each is answered from the new history as if it had watched
   * from the first index it has not seen, or closed with 401 when that index is gone.
   */
  restore(snapshot: StoreSnapshot): void {
    assert(!this.#applying, "Cannot restore a snapshot from inside a watch sink");
    const previousIndex = this.#index;
    this.#load(snapshot);
    this.#replayWatchers(previousIndex);
  }

  /** A deterministic hash of the tree and the etcd index, for comparing replicas. */
  digest(): string {
    return treeDigest(this.#tree, this.#index);
  }

  // --- internal ---

  #load(snapshot: StoreSnapshot): void {
    assert(snapshot.version === storeSnapshotVersion, `Bad snapshot version ${snapshot.version}`);
    assert(Number.isSafeInteger(snapshot.index) && snapshot.index >= 0, "Bad snapshot index");
    const tree = decodeTree(snapshot.nodes);
    const events = snapshot.history;
    const keptCount = Math.min(events.length, this.options.historyEventsMax);
    const history = new EventHistory(this.options.historyEventsMax, snapshot.index - keptCount);
    for (const event of events.slice(events.length - keptCount)) history.add(event);
    assert(history.lastIndex === snapshot.index, "Snapshot history must end at its index");
    this.#tree = tree;
    this.#history = history;
    this.#index = snapshot.index;
    this.#appliedIndex = snapshot.appliedIndex;
    this.#counters = { ...createCounters(), ...snapshot.counters };
  }

  /**
   * Ends every registered watch with `reason` (a member that lost its leader can no longer
   * promise its watchers the events they wait for).
   * @returns how many watches were ended.
   */
  closeWatchers(reason: EtcdError): number {
    const entries = this.#hub.entries();
    for (const entry of entries) {
      entry.cancel();
      entry.sink.closed(reason);
    }
    return entries.length;
  }

  #replayWatchers(previousIndex: number): void {
    const oldest = this.#history.oldestIndex;
    for (const entry of this.#hub.entries()) {
      const registration = entry.registration;
      const wanted = Math.max(registration.minIndex, previousIndex + 1);
      if (wanted > this.#index) continue;
      if (wanted < oldest) {
        entry.cancel();
        const cause = `the requested history has been cleared [${oldest}/${wanted}]`;
        entry.sink.closed(new EtcdError(ErrorCode.eventIndexCleared, cause, this.#index));
        continue;
      }
      for (let index = wanted; index <= this.#index && entry.active; index += 1) {
        const event = this.#history.at(index);
        assert(event !== null, `History lost event ${index}`);
        if (!watchMatches(registration.key, registration.recursive, event)) continue;
        if (!registration.stream) entry.cancel();
        entry.sink.event(event);
      }
    }
  }

  #commit(events: readonly StoreEvent[]): ApplyOutcome {
    // Record every event before anyone is told, so a sink always sees a consistent store.
    for (const event of events) {
      assert(event.index === this.#index + 1, `Event ${event.index} skips an index`);
      this.#history.add(event);
      this.#index = event.index;
    }
    for (const event of events) this.#hub.notify(event);
    return { ok: true, events };
  }

  #firstMatch(request: WatchRequest, since: number): StoreEvent | null {
    for (let index = since; index <= this.#index; index += 1) {
      const event = this.#history.at(index);
      assert(event !== null, `History lost event ${index}`);
      if (watchMatches(request.key, request.recursive, event)) return event;
    }
    return null;
  }

  #register(request: WatchRequest, minIndex: number, sink: WatchSink): Watcher {
    this.#checkWatcherLimit();
    const registration = {
      key: request.key,
      recursive: request.recursive,
      stream: request.stream,
      // Everything up to the current index was already in history (or scanned), so a watcher
      // only ever wants later events, even when it registers between events of one batch.
      minIndex: Math.max(minIndex, this.#index + 1),
      startIndex: this.#index,
    };
    return this.#hub.add(registration, sink);
  }

  #checkWatcherLimit(): void {
    const watchersMax = this.options.watchersMax;
    if (this.#hub.count < watchersMax) return;
    const cause = `the store holds ${watchersMax} watchers`;
    throw new EtcdError(ErrorCode.watcherLimit, cause, this.#index);
  }
}

// --- internal ---

function writeFor(
  command: Exclude<StoreCommand, { op: "expire" }>,
  context: WriteContext,
): WriteResult {
  switch (command.op) {
    case "set":
      return applySet(command, context);
    case "create":
      return applyCreate(command, context);
    case "update":
      return applyUpdate(command, context);
    case "compareAndSwap":
      return applyCompareAndSwap(command, context);
    case "delete":
      return applyDelete(command, context);
    case "compareAndDelete":
      return applyCompareAndDelete(command, context);
    default:
      return unreachable(command, "Unknown store command");
  }
}
