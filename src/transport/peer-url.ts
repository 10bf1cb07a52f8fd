/**
 * @module
 * Peer URLs. They are written `http://host:port` for compatibility with etcd's flags; cairn
 * speaks its own framed protocol on that address.
 */

/** Where to dial or listen. */
export interface PeerAddress {
  readonly hostname: string;
  readonly port: number;
}

/**
 * Parses a peer URL.
 * @throws {RangeError} when it is not `http://host:port` (or https) with an explicit port.
 */
export function parsePeerUrl(text: string): PeerAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`Cannot parse peer URL "${text}": not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(`Cannot parse peer URL "${text}": scheme must be http`);
  }
  if (url.port === "") {
    throw new RangeError(`Cannot parse peer URL "${text}": a port is required`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (hostname === "") throw new RangeError(`Cannot parse peer URL "${text}": no host`);
  return { hostname, port: Number(url.port) };
}
