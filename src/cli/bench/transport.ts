/**
 * @module
 * The two ways `cairn bench` sends requests. `raw` keeps one HTTP/1.1 keep-alive connection per
 * client loop over `Bun.connect` (one request in flight, no pipelining) and parses only the
 * status line and the body length; `fetch` uses the runtime's `fetch` with its keep-alive pool.
 * Measured against etcd 3.4 at 64 clients on two cores, raw used about 30 us of client CPU per
 * GET and 70 us per PUT, fetch about 50 us and 90 us, so raw is the default: the less the
 * client takes of the shared cores, the more the numbers describe the server.
 */
import type { Socket } from "bun";

/** One benchmark request. Bodies are form-encoded. */
export interface BenchRequest {
  readonly method: "GET" | "PUT";
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly body: string;
}

/** A connection owned by one client loop. */
export interface BenchConnection {
  /**
   * Sends a request and resolves with the HTTP status once the whole response has arrived.
   * @throws {Error} when the connection fails; the next `send` reconnects.
   */
  send(request: BenchRequest): Promise<number>;
  close(): void;
}

/** Opens a connection to an `http://host:port` endpoint with the given transport. */
export function createBenchConnection(kind: "raw" | "fetch", endpoint: string): BenchConnection {
  return kind === "raw" ? new RawHttpConnection(endpoint) : new FetchConnection(endpoint);
}

/**
 * Finds one complete HTTP/1.1 response at the start of `buffer`.
 * @returns the status and the bytes it occupies, or undefined while it is incomplete.
 */
export function parseHttpResponse(buffer: Buffer): { status: number; size: number } | undefined {
  const headerEnd = buffer.indexOf("\r\n\r\n");
  if (headerEnd < 0) return undefined;
  const head = buffer.toString("latin1", 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + 4;
  const contentLength = /\r\ncontent-length:[ \t]*([0-9]+)/i.exec(head);
  if (contentLength !== null) {
    const size = bodyStart + Number(contentLength[1]);
    return buffer.length >= size ? { status, size } : undefined;
  }
  if (!/\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) return { status, size: bodyStart };
  const size = chunkedBodyEnd(buffer, bodyStart);
  return size === undefined ? undefined : { status, size };
}

// --- internal ---

class FetchConnection implements BenchConnection {
  readonly #endpoint: string;

  constructor(endpoint: string) {
    this.#endpoint = endpoint;
  }

  async send(request: BenchRequest): Promise<number> {
    const init: RequestInit = { method: request.method, keepalive: true };
    if (request.method === "PUT") {
      init.body = request.body;
      init.headers = { "content-type": "application/x-www-form-urlencoded" };
    }
    const response = await fetch(this.#endpoint + request.path, init);
    await response.arrayBuffer();
    return response.status;
  }

  close(): void {}
}

interface Pending {
  resolve(status: number): void;
  reject(error: Error): void;
}

class RawHttpConnection implements BenchConnection {
  readonly #hostname: string;
  readonly #port: number;
  readonly #hostHeader: string;
  #socket: Socket | undefined;
  #received: Buffer = Buffer.alloc(0);
  #unsent: Buffer = Buffer.alloc(0);
  #pending: Pending | undefined;

  constructor(endpoint: string) {
    const url = new URL(endpoint);
    this.#hostname = url.hostname.replace(/^\[|\]$/g, "");
    this.#port = Number(url.port);
    this.#hostHeader = url.host;
  }

  async send(request: BenchRequest): Promise<number> {
    if (this.#pending !== undefined) throw new Error("Cannot send: a request is in flight");
    const socket = this.#socket ?? (await this.#connect());
    const body = request.method === "PUT" ? request.body : "";
    const length = request.method === "PUT" ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : "";
    const type =
      request.method === "PUT" ? "Content-Type: application/x-www-form-urlencoded\r\n" : "";
    const text =
      `${request.method} ${request.path} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\n` +
      `${type}${length}\r\n${body}`;
    const response = new Promise<number>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    this.#write(socket, Buffer.from(text));
    return response;
  }

  close(): void {
    this.#socket?.end();
    this.#socket = undefined;
  }

  async #connect(): Promise<Socket> {
    this.#received = Buffer.alloc(0);
    this.#unsent = Buffer.alloc(0);
    const socket = await Bun.connect({
      hostname: this.#hostname,
      port: this.#port,
      // Events of a socket this connection has already replaced or closed are ignored.
      socket: {
        data: (socket, data) => {
          if (socket === this.#socket) this.#onData(data);
        },
        drain: (socket) => {
          if (socket === this.#socket) this.#write(socket, this.#unsent);
        },
        close: (socket) => {
          if (socket === this.#socket) this.#fail(new Error("Connection closed by the server"));
        },
        error: (socket, error) => {
          if (socket === this.#socket) this.#fail(error);
        },
      },
    });
    socket.setNoDelay(true);
    this.#socket = socket;
    return socket;
  }

  #write(socket: Socket, bytes: Buffer): void {
    if (bytes.length === 0) return;
    const written = socket.write(bytes);
    this.#unsent = written < bytes.length ? bytes.subarray(Math.max(written, 0)) : Buffer.alloc(0);
  }

  #onData(data: Buffer): void {
    this.#received = this.#received.length === 0 ? data : Buffer.concat([this.#received, data]);
    const response = parseHttpResponse(this.#received);
    if (response === undefined) return;
    this.#received = this.#received.subarray(response.size);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(response.status);
  }

  #fail(error: Error): void {
    this.#socket = undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}

function chunkedBodyEnd(buffer: Buffer, start: number): number | undefined {
  let offset = start;
  // Each chunk is "<hex size>\r\n<data>\r\n"; a zero-size chunk and an empty line end the body.
  for (;;) {
    const lineEnd = buffer.indexOf("\r\n", offset);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(buffer.toString("latin1", offset, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error("Cannot parse chunked response: bad chunk size");
    if (size === 0) {
      const end = buffer.indexOf("\r\n", lineEnd + 2);
      return end < 0 ? undefined : end + 2;
    }
    offset = lineEnd + 2 + size + 2;
    if (offset > buffer.length) return undefined;
  }
}
