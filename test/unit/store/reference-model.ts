/**
 * @module
 * A deliberately naive second implementation of the v2 key space, written straight from
 * v2-api-reference.md §5 and §7 over a flat map of full keys, with no tree, heap or ring. The
 * model test runs it beside the real store; any disagreement is a bug in one of them. Keys are
 * ASCII here, so plain string order is byte order.
 */
import type { NodeView, StoreCommand, StoreEvent } from "../../../src/store/types.ts";

interface ModelNode {
  dir: boolean;
  value: string;
  createdIndex: number;
  modifiedIndex: number;
  expirationMs: number | null;
}

export interface ModelError {
  errorCode: number;
  cause: string;
  index: number;
}

export type ModelOutcome = { ok: true; events: StoreEvent[] } | { ok: false; error: ModelError };

/** An error code whose cause is the command's key, or a code with its own cause. */
type Failure = number | readonly [number, string];

type Lookup = { found: ModelNode } | { missing: string } | { notDirectory: string };

export class ReferenceModel {
  readonly nodes = new Map<string, ModelNode>();
  index = 0;

  constructor(readonly nodesMax: number) {}

  apply(command: StoreCommand, nowMs: number): ModelOutcome {
    if (command.op === "expire") return { ok: true, events: this.#expire(nowMs) };
    const result: StoreEvent | Failure = this.#write(command, nowMs);
    if (typeof result === "object" && "action" in result) return { ok: true, events: [result] };
    const [errorCode, cause] = typeof result === "number" ? [result, command.key] : result;
    return { ok: false, error: { errorCode, cause, index: this.index } };
  }

  /** The sorted recursive listing of `/`, as the store's get returns it. */
  listing(): NodeView {
    const build = (key: string): NodeView[] => {
      const prefix = key === "/" ? "/" : `${key}/`;
      const children = [...this.nodes.keys()]
        .filter((child) => child.startsWith(prefix) && !child.slice(prefix.length).includes("/"))
        .filter((child) => !child.slice(prefix.length).startsWith("_"))
        .sort();
      return children.map((child) => {
        const view = this.#view(child);
        const nodes = view.dir ? build(child) : [];
        return nodes.length > 0 ? { ...view, nodes } : view;
      });
    };
    const nodes = build("/");
    const root = { key: "/", dir: true, createdIndex: 0, modifiedIndex: 0 };
    return nodes.length > 0 ? { ...root, nodes } : root;
  }

  #write(command: Exclude<StoreCommand, { op: "expire" }>, nowMs: number) {
    switch (command.op) {
      case "set":
        return this.#set(command.key, command, nowMs);
      case "create":
        return this.#create(command, nowMs);
      case "update":
      case "compareAndSwap":
        return this.#change(command, nowMs);
      case "delete":
        return this.#delete(command);
      case "compareAndDelete":
        return this.#compareAndDelete(command);
    }
  }

  #set(key: string, command: Extract<StoreCommand, { op: "set" }>, nowMs: number) {
    if (key === "/") return [107, "/"] as const;
    const lookup = this.#lookup(key);
    if ("notDirectory" in lookup) return [104, lookup.notDirectory] as const;
    if ("found" in lookup && lookup.found.dir) return 102;
    if ("missing" in lookup && command.refresh) return [100, lookup.missing] as const;
    const previous = "found" in lookup ? lookup.found : null;
    if (previous === null && this.#wouldExceed(key)) return this.#limitError(key);
    const prevNode = previous === null ? null : this.#view(key);
    const value = command.refresh && previous !== null ? previous.value : command.value;
    this.index += 1;
    this.#makeParents(key);
    this.nodes.set(key, this.#fresh(command.dir, value, command.ttlSeconds, nowMs));
    return this.#event("set", this.#view(key), prevNode, command.refresh);
  }

  #create(command: Extract<StoreCommand, { op: "create" }>, nowMs: number) {
    const parent = command.key === "/" ? "" : command.key;
    const name = String(this.index + 1).padStart(20, "0");
    const key = command.inOrder ? `${parent}/${name}` : command.key;
    if (key === "/") return [107, "/"] as const;
    const lookup = this.#lookup(key);
    if ("found" in lookup) return [105, key] as const;
    if ("notDirectory" in lookup) return [104, lookup.notDirectory] as const;
    if (this.#wouldExceed(key)) return this.#limitError(key);
    this.index += 1;
    this.#makeParents(key);
    const value = command.refresh ? "" : command.value;
    this.nodes.set(key, this.#fresh(command.dir, value, command.ttlSeconds, nowMs));
    return this.#event("create", this.#view(key), null, false);
  }

  #change(command: Extract<StoreCommand, { op: "update" | "compareAndSwap" }>, nowMs: number) {
    if (command.key === "/") return [107, "/"] as const;
    const lookup = this.#lookup(command.key);
    if (!("found" in lookup)) return this.#lookupError(lookup);
    const node = lookup.found;
    if (command.op === "update") {
      if (node.dir && !command.refresh && command.value !== "") return 102;
    } else {
      if (node.dir) return 102;
      const cause = this.#compare(node, command.prevValue, command.prevIndex);
      if (cause !== "") return [101, cause] as const;
    }
    const prevNode = this.#view(command.key);
    this.index += 1;
    if (!node.dir && !command.refresh) node.value = command.value;
    node.modifiedIndex = this.index;
    node.expirationMs = this.#deadline(command.ttlSeconds, nowMs);
    return this.#event(command.op, this.#view(command.key), prevNode, command.refresh);
  }

  #delete(command: Extract<StoreCommand, { op: "delete" }>) {
    if (command.key === "/") return [107, "/"] as const;
    const lookup = this.#lookup(command.key);
    if (!("found" in lookup)) return this.#lookupError(lookup);
    const node = lookup.found;
    if (node.dir && !command.dir && !command.recursive) return 102;
    if (node.dir && !command.recursive && this.#below(command.key).length > 0) return 108;
    return this.#remove("delete", command.key);
  }

  #compareAndDelete(command: Extract<StoreCommand, { op: "compareAndDelete" }>) {
    if (command.key === "/") return [102, ""] as const;
    const lookup = this.#lookup(command.key);
    if (!("found" in lookup)) return this.#lookupError(lookup);
    if (lookup.found.dir) return 102;
    const cause = this.#compare(lookup.found, command.prevValue, command.prevIndex);
    if (cause !== "") return [101, cause] as const;
    return this.#remove("compareAndDelete", command.key);
  }

  #expire(nowMs: number): StoreEvent[] {
    const due = [...this.nodes.entries()]
      .filter(([, node]) => node.expirationMs !== null && node.expirationMs <= nowMs)
      .sort(([keyA, a], [keyB, b]) => {
        const byDeadline = (a.expirationMs ?? 0) - (b.expirationMs ?? 0);
        return byDeadline !== 0 ? byDeadline : keyA < keyB ? -1 : 1;
      })
      .map(([key]) => key);
    const events: StoreEvent[] = [];
    for (const key of due) {
      if (this.nodes.has(key)) events.push(this.#remove("expire", key));
    }
    return events;
  }

  #remove(action: "delete" | "compareAndDelete" | "expire", key: string): StoreEvent {
    const node = this.nodes.get(key);
    if (node === undefined) throw new Error(`Model lost ${key}`);
    const prevNode = this.#view(key);
    this.index += 1;
    for (const below of this.#below(key)) this.nodes.delete(below);
    this.nodes.delete(key);
    const { dir, createdIndex } = node;
    const eventNode = { key, dir, createdIndex, modifiedIndex: this.index };
    return this.#event(action, eventNode, prevNode, false);
  }

  #lookup(key: string): Lookup {
    const components = key.split("/").slice(1);
    for (let depth = 1; depth <= components.length; depth += 1) {
      const prefix = `/${components.slice(0, depth).join("/")}`;
      const node = this.nodes.get(prefix);
      if (node === undefined) return { missing: prefix };
      if (prefix === key) return { found: node };
      if (!node.dir) return { notDirectory: prefix };
    }
    throw new Error("The root has no lookup");
  }

  #lookupError(lookup: Lookup) {
    if ("missing" in lookup) return [100, lookup.missing] as const;
    if ("notDirectory" in lookup) return [104, lookup.notDirectory] as const;
    throw new Error("Not an error");
  }

  #below(key: string): string[] {
    return [...this.nodes.keys()].filter((other) => other.startsWith(`${key}/`));
  }

  #wouldExceed(key: string): boolean {
    const components = key.split("/").slice(1);
    let added = 0;
    for (let depth = 1; depth <= components.length; depth += 1) {
      if (!this.nodes.has(`/${components.slice(0, depth).join("/")}`)) added += 1;
    }
    return this.nodes.size + added > this.nodesMax;
  }

  #limitError(key: string) {
    return [403, `${key}: the store holds ${this.nodesMax} nodes`] as const;
  }

  #makeParents(key: string): void {
    const components = key.split("/").slice(1, -1);
    for (let depth = 1; depth <= components.length; depth += 1) {
      const prefix = `/${components.slice(0, depth).join("/")}`;
      if (!this.nodes.has(prefix)) this.nodes.set(prefix, this.#fresh(true, "", null, 0));
    }
  }

  #fresh(dir: boolean, value: string, ttlSeconds: number | null, nowMs: number): ModelNode {
    const expirationMs = this.#deadline(ttlSeconds, nowMs);
    const index = this.index;
    const content = { dir, value: dir ? "" : value };
    return { ...content, createdIndex: index, modifiedIndex: index, expirationMs };
  }

  #deadline(ttlSeconds: number | null, nowMs: number): number | null {
    return ttlSeconds === null ? null : nowMs + ttlSeconds * 1000;
  }

  #compare(node: ModelNode, prevValue: string | null, prevIndex: number | null): string {
    const parts: string[] = [];
    if (prevValue !== null && prevValue !== node.value) {
      parts.push(`[${prevValue} != ${node.value}]`);
    }
    if (prevIndex !== null && prevIndex !== node.modifiedIndex) {
      parts.push(`[${prevIndex} != ${node.modifiedIndex}]`);
    }
    return parts.join(" ");
  }

  #view(key: string): NodeView {
    const node = this.nodes.get(key);
    if (node === undefined) throw new Error(`Model has no ${key}`);
    const { dir, createdIndex, modifiedIndex } = node;
    const base = { key, dir, createdIndex, modifiedIndex };
    const withValue = node.dir ? base : { ...base, value: node.value };
    if (node.expirationMs === null) return withValue;
    return { ...withValue, expirationMs: node.expirationMs };
  }

  #event(
    action: StoreEvent["action"],
    node: NodeView,
    prevNode: NodeView | null,
    refresh: boolean,
  ): StoreEvent {
    const event: StoreEvent = { action, node, index: this.index, refresh };
    return prevNode === null ? event : { ...event, prevNode };
  }
}
