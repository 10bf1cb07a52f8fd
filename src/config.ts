/**
 * @module
 * The typed configuration of one cairn member: its TypeBox schema, its defaults, the parsers for
 * the values operators type (URL lists, `--initial-cluster`), and the checks that run before
 * anything starts. The command line (`src/cli/`) decides where values come from; this module
 * decides what they mean.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { checkLimits, defaultLimits, type Limits } from "./limits.ts";

/** Log levels accepted by `--log-level`, lowest first. */
export const logLevels = ["debug", "info", "warn", "error"] as const;

const positiveInteger = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const urlList = Type.Array(Type.String({ pattern: "^http://" }), { minItems: 1 });

/** One entry of the initial cluster: a member name and the peer URLs it advertises. */
export const ClusterMemberSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  peerUrls: urlList,
});

/** The member's whole configuration. `Config` is derived from it. */
export const ConfigSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  dataDir: Type.String({ minLength: 1 }),
  listenClientUrls: urlList,
  advertiseClientUrls: urlList,
  listenPeerUrls: urlList,
  initialAdvertisePeerUrls: urlList,
  initialCluster: Type.Array(ClusterMemberSchema, { minItems: 1 }),
  initialClusterState: Type.Union([Type.Literal("new"), Type.Literal("existing")]),
  initialClusterToken: Type.String({ minLength: 1 }),
  heartbeatIntervalMs: positiveInteger,
  electionTimeoutMs: positiveInteger,
  requestTimeoutMs: positiveInteger,
  expiryIntervalMs: positiveInteger,
  logLevel: Type.Union(logLevels.map((level) => Type.Literal(level))),
  limits: Type.Object(limitProperties()),
});

/** A member of `--initial-cluster`. */
export type ClusterMember = Static<typeof ClusterMemberSchema>;

/**
 * The typed configuration of one member. Every limit lives in `limits` (the Raft snapshot
 * interval, `--snapshot-count`, is `limits.snapshotEntries`).
 */
export type Config = Static<typeof ConfigSchema>;

/** Raised for any invalid setting; the message names the flag or variable and the value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Defaults that do not depend on other settings. */
export const configDefaults = {
  name: "default",
  listenClientUrls: ["http://127.0.0.1:4001"],
  listenPeerUrls: ["http://127.0.0.1:7001"],
  initialClusterState: "new",
  initialClusterToken: "cairn-cluster",
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
  // etcd v2 waits this long for a proposal before answering 300 Raft Internal Error.
  requestTimeoutMs: 5000,
  // etcd 3.4 sweeps expired keys every 500 ms on the leader.
  expiryIntervalMs: 500,
  logLevel: "warn",
} as const satisfies Partial<Config>;

/** The settings an operator may give; the rest is derived by `resolveConfig`. */
export type ConfigInput = Partial<Omit<Config, "limits">> & { limits?: Partial<Limits> };

/**
 * Fills in derived defaults and validates everything.
 *
 * Derived defaults follow etcd: the data dir is `./<name>.cairn`, advertise URLs equal listen
 * URLs, and the initial cluster is this member alone at its advertised peer URLs.
 * @throws {ConfigError} naming the first invalid setting.
 * @example
 * ```ts
 * const config = resolveConfig({ name: "n1" });
 * config.dataDir; // "./n1.cairn"
 * ```
 */
export function resolveConfig(input: ConfigInput): Config {
  const name = input.name ?? configDefaults.name;
  const listenClientUrls = input.listenClientUrls ?? [...configDefaults.listenClientUrls];
  const listenPeerUrls = input.listenPeerUrls ?? [...configDefaults.listenPeerUrls];
  const advertiseClientUrls =
    input.advertiseClientUrls ?? advertisedFromListen(listenClientUrls, "client");
  const initialAdvertisePeerUrls =
    input.initialAdvertisePeerUrls ?? advertisedFromListen(listenPeerUrls, "peer");
  const config: Config = {
    name,
    dataDir: input.dataDir ?? `./${name}.cairn`,
    listenClientUrls,
    advertiseClientUrls,
    listenPeerUrls,
    initialAdvertisePeerUrls,
    initialCluster: input.initialCluster ?? [{ name, peerUrls: initialAdvertisePeerUrls }],
    initialClusterState: input.initialClusterState ?? configDefaults.initialClusterState,
    initialClusterToken: input.initialClusterToken ?? configDefaults.initialClusterToken,
    heartbeatIntervalMs: input.heartbeatIntervalMs ?? configDefaults.heartbeatIntervalMs,
    electionTimeoutMs: input.electionTimeoutMs ?? configDefaults.electionTimeoutMs,
    requestTimeoutMs: input.requestTimeoutMs ?? configDefaults.requestTimeoutMs,
    expiryIntervalMs: input.expiryIntervalMs ?? configDefaults.expiryIntervalMs,
    logLevel: input.logLevel ?? configDefaults.logLevel,
    limits: { ...defaultLimits, ...input.limits },
  };
  validateConfig(config);
  return config;
}

/**
 * Checks a complete configuration: its shape against `ConfigSchema`, then the relations etcd
 * checks (election timeout vs heartbeat, this member inside the initial cluster) and the limits.
 * @throws {ConfigError} naming the first problem.
 */
export function validateConfig(config: Config): void {
  const shapeError = Value.Errors(ConfigSchema, config).First();
  if (shapeError !== undefined) {
    throw new ConfigError(
      `Invalid configuration at ${shapeError.path || "/"}: ${shapeError.message}`,
    );
  }
  if (config.electionTimeoutMs < 5 * config.heartbeatIntervalMs) {
    throw new ConfigError(
      `Invalid --election-timeout ${config.electionTimeoutMs}: must be at least 5 times ` +
        `--heartbeat-interval (${config.heartbeatIntervalMs})`,
    );
  }
  if (config.electionTimeoutMs > 50_000) {
    throw new ConfigError(
      `Invalid --election-timeout ${config.electionTimeoutMs}: must be at most 50000 ms`,
    );
  }
  for (const url of config.listenClientUrls) checkListenUrl(url, "--listen-client-urls");
  for (const url of config.listenPeerUrls) checkListenUrl(url, "--listen-peer-urls");
  checkClusterMembership(config);
  try {
    checkLimits(config.limits);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Parses a comma-separated list of `http://host:port` URLs, normalised to lower-case hosts and
 * no trailing slash.
 * @param option The flag or variable the text came from, for the error message.
 * @throws {ConfigError} on an empty list, an unparsable or https URL, a path, or a duplicate.
 */
export function parseUrlList(text: string, option: string): string[] {
  const urls = text.split(",").map((part) => parseHttpUrl(part.trim(), option));
  if (new Set(urls).size !== urls.length) {
    throw new ConfigError(`Invalid ${option} "${text}": a URL is listed twice`);
  }
  return urls;
}

/**
 * Parses one `http://host:port` URL (port required, no path, query or credentials).
 * @throws {ConfigError} explaining what was expected.
 */
export function parseHttpUrl(text: string, option: string): string {
  if (/^https:\/\//i.test(text)) {
    throw new ConfigError(
      `Invalid ${option} "${text}": https is not supported (TLS is not implemented yet); ` +
        "use http://host:port",
    );
  }
  const match = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})\/?$/i.exec(text);
  const host = match?.[1];
  const port = Number(match?.[2]);
  if (host === undefined || !(port >= 1 && port <= 65_535) || !isValidHost(host)) {
    throw new ConfigError(`Invalid ${option} "${text}": expected http://host:port`);
  }
  return `http://${host.toLowerCase()}:${port}`;
}

/**
 * Parses `--initial-cluster`: `name=http://host:port,...`. A name listed twice gets several peer
 * URLs, as in etcd.
 * @throws {ConfigError} on a malformed entry, a bad URL or a URL claimed by two members.
 */
export function parseInitialCluster(text: string, option: string): ClusterMember[] {
  const members = new Map<string, string[]>();
  const seenUrls = new Set<string>();
  for (const entry of text.split(",")) {
    const separator = entry.indexOf("=");
    const name = entry.slice(0, separator).trim();
    if (separator <= 0 || name === "") {
      throw new ConfigError(`Invalid ${option} "${text}": expected name=http://host:port,...`);
    }
    const url = parseHttpUrl(entry.slice(separator + 1).trim(), option);
    if (seenUrls.has(url)) {
      throw new ConfigError(`Invalid ${option} "${text}": peer URL ${url} is listed twice`);
    }
    seenUrls.add(url);
    members.set(name, [...(members.get(name) ?? []), url]);
  }
  return [...members].map(([name, peerUrls]) => ({ name, peerUrls }));
}

/** Formats an initial cluster back into the `--initial-cluster` text form. */
export function formatInitialCluster(members: readonly ClusterMember[]): string {
  return members
    .flatMap((member) => member.peerUrls.map((url) => `${member.name}=${url}`))
    .join(",");
}

// --- internal ---

function limitProperties(): Record<keyof Limits, typeof positiveInteger> {
  const properties: Partial<Record<keyof Limits, typeof positiveInteger>> = {};
  for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
    properties[key] = positiveInteger;
  }
  return properties as Record<keyof Limits, typeof positiveInteger>;
}

function isValidHost(host: string): boolean {
  if (host.startsWith("[")) return URL.canParse(`http://${host}/`);
  if (/^[0-9.]+$/.test(host)) return isIpv4(host);
  return /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
    host,
  );
}

function isIpv4(host: string): boolean {
  const parts = host.split(".");
  return (
    parts.length === 4 &&
    parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255)
  );
}

function hostOf(url: string): string {
  return url.slice("http://".length, url.lastIndexOf(":"));
}

function isUnspecifiedHost(host: string): boolean {
  return host === "0.0.0.0" || host === "[::]" || host === "[0:0:0:0:0:0:0:0]";
}

function checkListenUrl(url: string, option: string): void {
  const host = hostOf(url);
  if (!(host === "localhost" || host.startsWith("[") || isIpv4(host))) {
    throw new ConfigError(
      `Invalid ${option} "${url}": a listening host must be an IP address or localhost`,
    );
  }
}

function advertisedFromListen(listenUrls: readonly string[], kind: "client" | "peer"): string[] {
  const wildcard = listenUrls.find((url) => isUnspecifiedHost(hostOf(url)));
  if (wildcard !== undefined) {
    const advertise =
      kind === "client" ? "--advertise-client-urls" : "--initial-advertise-peer-urls";
    throw new ConfigError(
      `Missing ${advertise}: it is required when --listen-${kind}-urls listens on ${wildcard}`,
    );
  }
  return [...listenUrls];
}

function checkClusterMembership(config: Config): void {
  const self = config.initialCluster.find((member) => member.name === config.name);
  const cluster = formatInitialCluster(config.initialCluster);
  if (self === undefined) {
    throw new ConfigError(
      `Invalid --initial-cluster "${cluster}": it has no member named "${config.name}" (--name)`,
    );
  }
  const advertised = [...config.initialAdvertisePeerUrls].sort().join(",");
  if ([...self.peerUrls].sort().join(",") !== advertised) {
    throw new ConfigError(
      `Invalid --initial-cluster "${cluster}": member "${config.name}" has peer URLs ` +
        `${self.peerUrls.join(",")} but --initial-advertise-peer-urls is ${advertised}`,
    );
  }
}
