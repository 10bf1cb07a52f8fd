/**
 * @module
 * The successful answers of the key space (an event, or the head of a watch) with etcd's headers.
 * The headers come from one template per writer, updated in place: Bun copies a `Headers` object
 * into each `Response` it builds, and setting the values that changed costs less than half of
 * building all eight headers from a record (docs/PERFORMANCE.md, eighth session). Reads are
 * most of a member's load, so this is on the hot path.
 */
import type { KeyValueNode } from "../../server/types.ts";
import type { StoreEvent } from "../../store/types.ts";
import { corsHeaders } from "../responses.ts";
import { eventJson } from "./event-json.ts";
import { isCreated } from "./service.ts";

/** Builds key-space responses for one member. */
export class KeyResponseWriter {
  readonly #node: KeyValueNode;
  readonly #headers: Headers;
  // What the template holds now: a value is set only when it changes.
  #clusterId = "";
  #raftTerm = -1;
  #etcdIndex = -1;
  #raftIndex = -1;

  constructor(node: KeyValueNode) {
    this.#node = node;
    // The order Bun writes them in; `#headersAt` keeps the changing values current.
    this.#headers = new Headers({
      ...corsHeaders,
      "Content-Type": "application/json",
      "X-Etcd-Cluster-Id": "",
      "X-Etcd-Index": "0",
      "X-Raft-Index": "0",
      "X-Raft-Term": "0",
    });
  }

  /**
   * An event as etcd answers a read or a write: 201 for a creation, 200 otherwise.
   * @param noValueOnSuccess Writes report only their action (etcd's `noValueOnSuccess`).
   */
  event(event: StoreEvent, noValueOnSuccess: boolean): Response {
    const body = eventJson(event, this.#node.clock.wallMs(), noValueOnSuccess);
    return new Response(body, {
      status: isCreated(event) ? 201 : 200,
      headers: this.#headersAt(event.index),
    });
  }

  /**
   * The 200 that opens a watch; its body sends the events.
   * @param startIndex The store index the watch starts from, sent as `X-Etcd-Index`.
   */
  watch(body: ReadableStream<Uint8Array>, startIndex: number): Response {
    return new Response(body, { status: 200, headers: this.#headersAt(startIndex) });
  }

  // --- internal ---

  /** The template with this member's current status; valid until the next call. */
  #headersAt(etcdIndex: number): Headers {
    const { clusterId, raftIndex, raftTerm } = this.#node.headerStatus();
    const headers = this.#headers;
    if (clusterId !== this.#clusterId) {
      headers.set("X-Etcd-Cluster-Id", clusterId);
      this.#clusterId = clusterId;
    }
    if (raftTerm !== this.#raftTerm) {
      headers.set("X-Raft-Term", String(raftTerm));
      this.#raftTerm = raftTerm;
    }
    if (etcdIndex !== this.#etcdIndex) {
      headers.set("X-Etcd-Index", String(etcdIndex));
      this.#etcdIndex = etcdIndex;
    }
    if (raftIndex !== this.#raftIndex) {
      headers.set("X-Raft-Index", String(raftIndex));
      this.#raftIndex = raftIndex;
    }
    return headers;
  }
}
