/**
 * @module
 * `EtcdClient`: the etcd v2 key-space, watch, stats and membership calls over `fetch`. Works
 * against cairn and against etcd 2+/3.x with `--enable-v2`; depends on nothing else of cairn.
 */
import { EndpointPool, type HttpRequest, type HttpResponse, readJson } from "./http.ts";
import type {
  EtcdLeaderStats,
  EtcdMember,
  EtcdResult,
  EtcdSelfStats,
  EtcdStoreStats,
  EtcdVersion,
} from "./types.ts";
import { type EtcdWatchStream, openWatchStream } from "./watch.ts";

/** How a client is set up. */
export interface EtcdClientOptions {
  /** `http://host:port` endpoints; the client fails over between them on connection errors. */
  readonly endpoints: readonly string[];
  /** Default per-request timeout (watches have none unless given). */
  readonly timeoutMs?: number;
  /** The `fetch` to use; the global one by default. */
  readonly fetch?: typeof fetch;
}

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the request. */
  readonly signal?: AbortSignal;
  /** Overrides the client's default timeout for this call. */
  readonly timeoutMs?: number;
}

/** A TTL in seconds; `null` removes an existing TTL (sends `ttl=`). */
export interface TtlOptions extends CallOptions {
  readonly ttl?: number | null;
}

/** The conditions of a compare-and-swap or compare-and-delete; at least one is required. */
export interface Conditions {
  readonly prevValue?: string;
  readonly prevIndex?: number;
}

/** What to watch. */
export interface WatchOptions extends CallOptions {
  /** Return the first matching event with at least this index (from history if it is there). */
  readonly waitIndex?: number;
  /** Also match events below the key. */
  readonly recursive?: boolean;
}

/** A typed etcd v2 client. Every method throws the errors of `./errors.ts`. */
export class EtcdClient {
  readonly #pool: EndpointPool;
  readonly #timeoutMs: number;

  /** @throws {TypeError} when no endpoint is given. */
  constructor(options: EtcdClientOptions) {
    this.#pool = new EndpointPool(options.endpoints, options.fetch ?? fetch);
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /** The endpoints in the order the next request tries them. */
  get endpoints(): readonly string[] {
    return this.#pool.order;
  }

  /** Reads a key or lists a directory; `quorum` makes the read linearizable. */
  async get(
    key: string,
    options: CallOptions & { recursive?: boolean; sorted?: boolean; quorum?: boolean } = {},
  ): Promise<EtcdResult> {
    const query = flags({
      recursive: options.recursive,
      sorted: options.sorted,
      quorum: options.quorum,
    });
    return this.#key("GET", key, { query }, options, this.#timeout(options));
  }

  /** Sets a key, creating or replacing it (`action: "set"`). */
  async set(key: string, value: string, options: TtlOptions = {}): Promise<EtcdResult> {
    const form = withTtl({ value }, options);
    return this.#key("PUT", key, { form }, options, this.#timeout(options));
  }

  /** Creates a key that must not exist (`prevExist=false`); error 105 if it does. */
  async create(key: string, value: string, options: TtlOptions = {}): Promise<EtcdResult> {
    const form = withTtl({ value, prevExist: "false" }, options);
    return this.#key("PUT", key, { form }, options, this.#timeout(options));
  }

  /** Creates an in-order key under `directory` (POST); its name is the zero-padded index. */
  async createInOrder(
    directory: string,
    value: string,
    options: TtlOptions = {},
  ): Promise<EtcdResult> {
    const form = withTtl({ value }, options);
    return this.#key("POST", directory, { form }, options, this.#timeout(options));
  }

  /** Updates a key that must exist (`prevExist=true`); error 100 if it does not. */
  async update(key: string, value: string, options: TtlOptions = {}): Promise<EtcdResult> {
    const form = withTtl({ value, prevExist: "true" }, options);
    return this.#key("PUT", key, { form }, options, this.#timeout(options));
  }

  /** Changes only the TTL of an existing key or directory, without waking watchers. */
  async refresh(key: string, ttl: number, options: CallOptions = {}): Promise<EtcdResult> {
    const form = new URLSearchParams({ ttl: String(ttl), refresh: "true", prevExist: "true" });
    return this.#key("PUT", key, { form }, options, this.#timeout(options));
  }

  /**
   * Sets a key only if its current value and/or modified index match; error 101 if not.
   * @throws {TypeError} when neither `prevValue` nor `prevIndex` is given.
   */
  async compareAndSwap(
    key: string,
    value: string,
    options: TtlOptions & Conditions,
  ): Promise<EtcdResult> {
    const form = withTtl({ value, ...conditions(options) }, options);
    return this.#key("PUT", key, { form }, options, this.#timeout(options));
  }

  /** Deletes a key; `dir` deletes an empty directory, `recursive` a whole subtree. */
  async delete(
    key: string,
    options: CallOptions & { dir?: boolean; recursive?: boolean } = {},
  ): Promise<EtcdResult> {
    const query = flags({ dir: options.dir, recursive: options.recursive });
    return this.#key("DELETE", key, { query }, options, this.#timeout(options));
  }

  /**
   * Deletes a key only if its value and/or modified index match; error 101 if not.
   * @throws {TypeError} when neither `prevValue` nor `prevIndex` is given.
   */
  async compareAndDelete(key: string, options: CallOptions & Conditions): Promise<EtcdResult> {
    const query = new URLSearchParams(conditions(options));
    return this.#key("DELETE", key, { query }, options, this.#timeout(options));
  }

  /** Creates a directory that must not exist (`dir=true&prevExist=false`), like `etcdctl mkdir`. */
  async mkdir(key: string, options: TtlOptions = {}): Promise<EtcdResult> {
    const form = withTtl({ dir: "true", prevExist: "false" }, options);
    return this.#key("PUT", key, { form }, options, this.#timeout(options));
  }

  /**
   * Waits for the next change of a key (long poll) and returns its event. Has no timeout unless
   * `timeoutMs` is given; cancel with `signal`.
   */
  async watch(key: string, options: WatchOptions = {}): Promise<EtcdResult> {
    const query = watchQuery(options, false);
    return this.#key("GET", key, { query }, options, options.timeoutMs);
  }

  /**
   * Opens a streaming watch (`stream=true`). Resolves once the server has registered the
   * watcher; iterate the result for every later change. Note etcd's rule: a `waitIndex` found in
   * history yields that one event and nothing more.
   * @throws {EtcdClientError} when the server refuses the watch (401 history cleared, ...).
   */
  async watchStream(key: string, options: WatchOptions = {}): Promise<EtcdWatchStream> {
    const sent = await this.#send({
      method: "GET",
      path: keyPath(key),
      query: watchQuery(options, true),
      idempotent: true,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    return openWatchStream(sent);
  }

  /** `GET /v2/stats/self`. */
  async statsSelf(options: CallOptions = {}): Promise<EtcdSelfStats> {
    return (await this.#json("/v2/stats/self", options)) as EtcdSelfStats;
  }

  /** `GET /v2/stats/leader` (only the leader answers it). */
  async statsLeader(options: CallOptions = {}): Promise<EtcdLeaderStats> {
    return (await this.#json("/v2/stats/leader", options)) as EtcdLeaderStats;
  }

  /** `GET /v2/stats/store`. */
  async statsStore(options: CallOptions = {}): Promise<EtcdStoreStats> {
    return (await this.#json("/v2/stats/store", options)) as EtcdStoreStats;
  }

  /** `GET /v2/members`. */
  async members(options: CallOptions = {}): Promise<readonly EtcdMember[]> {
    const body = (await this.#json("/v2/members", options)) as { members?: EtcdMember[] };
    return body.members ?? [];
  }

  /** `GET /v2/members/leader`. */
  async leader(options: CallOptions = {}): Promise<EtcdMember> {
    return (await this.#json("/v2/members/leader", options)) as EtcdMember;
  }

  /** `GET /version`. */
  async version(options: CallOptions = {}): Promise<EtcdVersion> {
    return (await this.#json("/version", options)) as EtcdVersion;
  }

  /** `GET /health`: true when the member reports itself healthy. */
  async health(options: CallOptions = {}): Promise<boolean> {
    const body = (await this.#json("/health", options)) as { health?: unknown };
    return body.health === "true" || body.health === true;
  }

  async #key(
    method: HttpRequest["method"],
    key: string,
    parameters: { query?: URLSearchParams; form?: URLSearchParams },
    options: CallOptions,
    /** Explicit because watches have no timeout unless the caller gives one. */
    timeoutMs: number | undefined,
  ): Promise<EtcdResult> {
    const sent = await this.#send({
      method,
      path: keyPath(key),
      ...parameters,
      idempotent: method === "GET",
      timeoutMs,
      signal: options.signal,
    });
    const body = (await readJson(sent)) as Omit<EtcdResult, "status" | "headers">;
    return { ...body, status: sent.response.status, headers: sent.headers };
  }

  async #json(path: string, options: CallOptions): Promise<unknown> {
    const sent = await this.#send({
      method: "GET",
      path,
      idempotent: true,
      timeoutMs: this.#timeout(options),
      signal: options.signal,
    });
    return readJson(sent);
  }

  #timeout(options: CallOptions): number {
    return options.timeoutMs ?? this.#timeoutMs;
  }

  #send(request: HttpRequest): Promise<HttpResponse> {
    return this.#pool.send(request);
  }
}

/** The URL path of a key: `/v2/keys` plus each segment percent-encoded. */
export function keyPath(key: string): string {
  const segments = key.split("/").filter((segment) => segment !== "");
  return `/v2/keys/${segments.map(encodeURIComponent).join("/")}`;
}

// --- internal ---

function flags(values: Record<string, boolean | undefined>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value === true) query.set(name, "true");
  }
  return query;
}

function withTtl(fields: Record<string, string>, options: TtlOptions): URLSearchParams {
  const form = new URLSearchParams(fields);
  if (options.ttl === null) form.set("ttl", "");
  else if (options.ttl !== undefined) form.set("ttl", String(options.ttl));
  return form;
}

function conditions(options: Conditions): Record<string, string> {
  const fields: Record<string, string> = {};
  if (options.prevValue !== undefined) fields["prevValue"] = options.prevValue;
  if (options.prevIndex !== undefined) fields["prevIndex"] = String(options.prevIndex);
  if (Object.keys(fields).length === 0) {
    throw new TypeError("Cannot compare: give prevValue, prevIndex or both");
  }
  return fields;
}

function watchQuery(options: WatchOptions, stream: boolean): URLSearchParams {
  const query = flags({ wait: true, recursive: options.recursive, stream });
  if (options.waitIndex !== undefined) query.set("waitIndex", String(options.waitIndex));
  return query;
}
