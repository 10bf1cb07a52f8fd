/**
 * A TCP proxy in front of every member's peer port, so tests can partition a cluster without
 * root. Each member advertises its proxy port; the proxy reads the handshake frame a dialing
 * member sends first (`from`, `to`), then forwards bytes both ways to the member's real port.
 * A link is directed: messages from `a` to `b` travel only on connections `a` dialed to `b`
 * (the accepting side writes nothing but pongs), so cutting `a → b` closes those connections
 * and refuses new ones until healed. The transport reconnects by itself with backoff.
 */
import { createServer, type Server, type Socket, connect } from "node:net";
import { createMsgpackCodec } from "../../src/codec/index.ts";
import { FrameDecoder } from "../../src/transport/frame-decoder.ts";
import { decodeHandshake, PeerFrameType } from "../../src/transport/wire.ts";

/** A member behind the proxy. */
export interface ProxiedMember {
  readonly name: string;
  /** The member id, as derived from its advertised (proxy) peer URL. */
  readonly id: bigint;
  /** The port the proxy listens on: the member's advertised peer port. */
  readonly proxyPort: number;
  /** The port the member itself listens on. */
  readonly peerPort: number;
}

/** Which way a cut or heal applies. */
export interface LinkOptions {
  /** Only the direction from the first member to the second (default: both directions). */
  readonly oneWay?: boolean;
}

/** Counters, to show in a failure message and to assert that a cut really was exercised. */
export interface ProxyCounters {
  accepted: number;
  refused: number;
  closedByCut: number;
}

/** The largest frame the proxy decodes while looking for the handshake. */
const handshakeSearchBytesMax = 64 * 1024 * 1024;

/** One proxy per cluster: a listener for each member. */
export class PeerProxy {
  readonly #members: readonly ProxiedMember[];
  readonly #servers: Server[] = [];
  readonly #connections = new Set<ProxyConnection>();
  /** Cut links as `from>to` member names. */
  readonly #cut = new Set<string>();
  readonly #codec = createMsgpackCodec();
  #delayMs = 0;
  readonly counters: ProxyCounters = { accepted: 0, refused: 0, closedByCut: 0 };

  private constructor(members: readonly ProxiedMember[]) {
    this.#members = members;
  }

  /** Listens on every member's proxy port. */
  static async start(members: readonly ProxiedMember[]): Promise<PeerProxy> {
    const proxy = new PeerProxy(members);
    for (const member of members) await proxy.#listen(member);
    return proxy;
  }

  /** Cuts the link between `a` and `b` (both directions unless `oneWay`). */
  cut(a: string, b: string, options: LinkOptions = {}): void {
    this.#name(a);
    this.#name(b);
    this.#cut.add(`${a}>${b}`);
    if (options.oneWay !== true) this.#cut.add(`${b}>${a}`);
    this.#closeCutConnections();
  }

  /** Heals the link between `a` and `b` (both directions unless `oneWay`). */
  heal(a: string, b: string, options: LinkOptions = {}): void {
    this.#cut.delete(`${a}>${b}`);
    if (options.oneWay !== true) this.#cut.delete(`${b}>${a}`);
  }

  /** Cuts every link of `member`, both directions. */
  isolate(member: string): void {
    for (const other of this.#members) {
      if (other.name !== member) this.cut(member, other.name);
    }
  }

  /** Heals every link. */
  healAll(): void {
    this.#cut.clear();
  }

  /** Whether messages from `from` to `to` are cut. */
  isCut(from: string, to: string): boolean {
    return this.#cut.has(`${from}>${to}`);
  }

  /** Delays every forwarded chunk by `milliseconds` (0 turns delay off); order is kept. */
  delay(milliseconds: number): void {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) {
      throw new RangeError(`Cannot delay by ${milliseconds} ms: not a non-negative number`);
    }
    this.#delayMs = milliseconds;
  }

  /** Closes every listener and connection. */
  async close(): Promise<void> {
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
    await Promise.all(
      this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  // --- internal ---

  #name(member: string): void {
    if (!this.#members.some((candidate) => candidate.name === member)) {
      throw new RangeError(`Cannot change links of "${member}": no such member behind the proxy`);
    }
  }

  #closeCutConnections(): void {
    for (const connection of this.#connections) {
      if (connection.link !== undefined && this.#cut.has(connection.link)) {
        this.counters.closedByCut++;
        connection.destroy();
      }
    }
  }

  async #listen(target: ProxiedMember): Promise<void> {
    const server = createServer((socket) => this.#accept(socket, target));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(target.proxyPort, "127.0.0.1", () => resolve());
    });
    this.#servers.push(server);
  }

  #accept(socket: Socket, target: ProxiedMember): void {
    const connection = new ProxyConnection(socket, () => this.#delayMs);
    this.#connections.add(connection);
    connection.onClose = () => this.#connections.delete(connection);
    const decoder = new FrameDecoder(handshakeSearchBytesMax);
    const pending: Uint8Array[] = [];
    const onData = (chunk: Buffer) => {
      pending.push(new Uint8Array(chunk));
      const result = decoder.push(new Uint8Array(chunk));
      const first = result.frames[0];
      if (first === undefined) {
        if (result.error !== undefined) connection.destroy();
        return;
      }
      socket.off("data", onData);
      socket.pause();
      this.#route(connection, target, first.type === PeerFrameType.handshake ? first : undefined);
      if (!connection.destroyed) connection.open(target.peerPort, pending);
    };
    socket.on("data", onData);
  }

  #route(
    connection: ProxyConnection,
    target: ProxiedMember,
    frame: Parameters<typeof decodeHandshake>[1] | undefined,
  ): void {
    // Anything but a handshake goes straight through: the member itself refuses it.
    if (frame === undefined) return;
    let fromId: bigint;
    try {
      fromId = decodeHandshake(this.#codec, frame).from;
    } catch {
      return;
    }
    const from = this.#members.find((member) => member.id === fromId);
    if (from === undefined) return;
    connection.link = `${from.name}>${target.name}`;
    if (this.#cut.has(connection.link)) {
      this.counters.refused++;
      connection.destroy();
      return;
    }
    this.counters.accepted++;
  }
}

/** One proxied connection: the dialer's socket and the connection to the real member. */
class ProxyConnection {
  readonly #downstream: Socket;
  #upstream: Socket | undefined;
  readonly #delayMs: () => number;
  /** The directed link `from>to`, once the handshake named the dialer. */
  link: string | undefined;
  destroyed = false;
  onClose: () => void = () => {};

  constructor(downstream: Socket, delayMs: () => number) {
    this.#downstream = downstream;
    this.#delayMs = delayMs;
    downstream.on("error", () => this.destroy());
    downstream.on("close", () => this.destroy());
  }

  /** Dials the real member, sends what arrived so far, then forwards both ways. */
  open(port: number, pending: readonly Uint8Array[]): void {
    const upstream = connect(port, "127.0.0.1");
    this.#upstream = upstream;
    upstream.on("error", () => this.destroy());
    upstream.on("close", () => this.destroy());
    const forwardDown = new Forwarder(upstream, this.#downstream, this.#delayMs);
    const forwardUp = new Forwarder(this.#downstream, upstream, this.#delayMs);
    for (const chunk of pending) forwardUp.push(chunk);
    forwardDown.start();
    forwardUp.start();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#downstream.destroy();
    this.#upstream?.destroy();
    this.onClose();
  }
}

/** Copies one direction, with optional delay, keeping order and honouring backpressure. */
class Forwarder {
  readonly #source: Socket;
  readonly #target: Socket;
  readonly #delayMs: () => number;
  readonly #queue: { dueMs: number; chunk: Uint8Array }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(source: Socket, target: Socket, delayMs: () => number) {
    this.#source = source;
    this.#target = target;
    this.#delayMs = delayMs;
  }

  start(): void {
    this.#source.on("data", (chunk: Buffer) => this.push(new Uint8Array(chunk)));
    this.#target.on("drain", () => this.#source.resume());
    this.#source.resume();
  }

  push(chunk: Uint8Array): void {
    const delayMs = this.#delayMs();
    if (delayMs === 0 && this.#queue.length === 0) {
      this.#write(chunk);
      return;
    }
    this.#queue.push({ dueMs: performance.now() + delayMs, chunk });
    this.#schedule();
  }

  #write(chunk: Uint8Array): void {
    if (this.#target.destroyed) return;
    if (!this.#target.write(chunk)) this.#source.pause();
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const head = this.#queue[0];
    if (head === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const now = performance.now();
        for (;;) {
          const next = this.#queue[0];
          if (next === undefined || next.dueMs > now) break;
          this.#queue.shift();
          this.#write(next.chunk);
        }
        this.#schedule();
      },
      Math.max(0, head.dueMs - performance.now()),
    );
  }
}
