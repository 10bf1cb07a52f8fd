/**
 * @module
 * The registered watchers, indexed by watched path in a trie of path components, so an event
 * visits only the watchers on its key's ancestors (O(depth)) and, for a directory removal, the
 * watchers below it. Delivery is synchronous; a non-stream watcher leaves after one event.
 */
import { assert } from "../lib/assert.ts";
import { isHiddenName, keyComponents } from "./key-path.ts";
import type { StoreEvent, WatchSink, Watcher } from "./types.ts";
import { removesDirectory } from "./watch-match.ts";

/** What a registered watcher wants. */
export interface WatchRegistration {
  readonly key: string;
  readonly recursive: boolean;
  readonly stream: boolean;
  /** Events below this index are ignored (a future `waitIndex`). */
  readonly minIndex: number;
  readonly startIndex: number;
}

/** Registered watchers by path. */
export class WatcherHub {
  readonly #root = new PathNode(null, "");
  #count = 0;

  /** Registered watchers right now. */
  get count(): number {
    return this.#count;
  }

  /** Registers a watcher; it stays until it fires (non-stream) or is cancelled. */
  add(registration: WatchRegistration, sink: WatchSink): Watcher {
    let pathNode = this.#root;
    for (const name of keyComponents(registration.key)) {
      let child = pathNode.children.get(name);
      if (child === undefined) {
        child = new PathNode(pathNode, name);
        pathNode.children.set(name, child);
      }
      pathNode = child;
    }
    const entry = new WatchEntry(this, pathNode, registration, sink);
    pathNode.entries.add(entry);
    this.#count += 1;
    return entry;
  }

  /** Delivers an event to every registered watcher it matches (see `watchMatches`). */
  notify(event: StoreEvent): void {
    if (event.refresh || this.#count === 0) return;
    const matched = this.#collect(event);
    for (const entry of matched) {
      if (!entry.active) continue;
      if (!entry.registration.stream) this.remove(entry);
      entry.sink.event(event);
    }
  }

  /** Removes a watcher; removing one that already left does nothing. */
  remove(entry: WatchEntry): void {
    if (!entry.active) return;
    entry.active = false;
    const removed = entry.pathNode.entries.delete(entry);
    assert(removed, `Watcher on ${entry.registration.key} was not registered`);
    this.#count -= 1;
    assert(this.#count >= 0, "Watcher count cannot go negative");
    // Prune path nodes that no longer hold watchers, so the trie stays as small as the watches.
    let pathNode: PathNode = entry.pathNode;
    while (pathNode.parent !== null && pathNode.isEmpty) {
      pathNode.parent.children.delete(pathNode.name);
      pathNode = pathNode.parent;
    }
  }

  /** Every registered watcher (for closing them). */
  entries(): WatchEntry[] {
    const collected: WatchEntry[] = [];
    collectSubtree(this.#root, collected);
    return collected;
  }

  // --- internal ---

  #collect(event: StoreEvent): WatchEntry[] {
    const components = keyComponents(event.node.key);
    let lastHiddenPosition = -1;
    for (let position = 0; position < components.length; position += 1) {
      const name = components[position];
      if (name !== undefined && isHiddenName(name)) lastHiddenPosition = position;
    }
    const collected: WatchEntry[] = [];
    let pathNode: PathNode | undefined = this.#root;
    for (let depth = 0; pathNode !== undefined; depth += 1) {
      const exact = depth === components.length;
      // A recursive watch at this depth is blind to the event when a deeper component is hidden.
      const visible = lastHiddenPosition < depth;
      for (const entry of pathNode.entries) {
        if (event.index < entry.registration.minIndex) continue;
        if (exact || (visible && entry.registration.recursive)) collected.push(entry);
      }
      if (exact) {
        if (removesDirectory(event)) collectBelow(pathNode, collected, event.index);
        break;
      }
      const name = components[depth];
      assert(name !== undefined, "Event key components cannot have holes");
      pathNode = pathNode.children.get(name);
    }
    return collected;
  }
}

/** A registered watcher, handed out as a `Watcher`. */
export class WatchEntry implements Watcher {
  readonly registration: WatchRegistration;
  readonly sink: WatchSink;
  readonly pathNode: PathNode;
  active = true;
  readonly #hub: WatcherHub;

  constructor(
    hub: WatcherHub,
    pathNode: PathNode,
    registration: WatchRegistration,
    sink: WatchSink,
  ) {
    this.#hub = hub;
    this.pathNode = pathNode;
    this.registration = registration;
    this.sink = sink;
  }

  get startIndex(): number {
    return this.registration.startIndex;
  }

  cancel(): void {
    this.#hub.remove(this);
  }
}

/** One path component of the watch trie. */
class PathNode {
  readonly parent: PathNode | null;
  readonly name: string;
  readonly children = new Map<string, PathNode>();
  readonly entries = new Set<WatchEntry>();

  constructor(parent: PathNode | null, name: string) {
    this.parent = parent;
    this.name = name;
  }

  get isEmpty(): boolean {
    return this.entries.size === 0 && this.children.size === 0;
  }
}

/** The watchers strictly below `pathNode` that accept `index`. */
function collectBelow(pathNode: PathNode, collected: WatchEntry[], index: number): void {
  const below: WatchEntry[] = [];
  for (const child of pathNode.children.values()) collectSubtree(child, below);
  for (const entry of below) if (index >= entry.registration.minIndex) collected.push(entry);
}

/** Every watcher at or below `start`, without recursion (trie depth follows key depth). */
function collectSubtree(start: PathNode, collected: WatchEntry[]): void {
  const pending: PathNode[] = [start];
  for (let pathNode = pending.pop(); pathNode !== undefined; pathNode = pending.pop()) {
    for (const entry of pathNode.entries) collected.push(entry);
    for (const child of pathNode.children.values()) pending.push(child);
  }
}
