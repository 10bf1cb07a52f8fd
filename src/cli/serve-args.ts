/**
 * @module
 * Turns the command line and the environment into a validated `Config` for `cairn serve`.
 * Precedence per setting: command-line flags, then `CAIRN_*`, then `ETCD_*`, then defaults. When
 * an etcd 0.4 flag (`-addr`) and its etcd 2+ counterpart (`--listen-client-urls`) both set a
 * value, the one from the stronger source wins, and the etcd 2+ flag on a tie.
 */
import {
  type ClusterMember,
  type Config,
  ConfigError,
  type ConfigInput,
  configDefaults,
  logLevels,
  parseHttpUrl,
  parseInitialCluster,
  parseUrlList,
  resolveConfig,
} from "../config.ts";
import { defaultLimits, type Limits } from "../limits.ts";
import {
  argvRank,
  type FlagValue,
  type FlagValues,
  mergeFlagValues,
  parseBooleanValue,
  parseFlagArguments,
  parseIntegerValue,
  readFlagEnvironment,
  UsageError,
} from "./flags.ts";
import { limitFlagNames, serveFlags } from "./serve-flags.ts";

/** The outcome of `parseServeArgs`: a config, or a message for a usage error (exit status 2). */
export type ServeArgsResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string };

/**
 * Parses `cairn serve` arguments and environment into a validated configuration.
 * @param argv The arguments after the command name.
 * @param env The process environment (only `CAIRN_*` and `ETCD_*` are read).
 * @example
 * ```ts
 * const result = parseServeArgs(["-name", "n1", "--listen-client-urls=http://127.0.0.1:2379"], {});
 * if (result.ok) result.config.dataDir; // "./n1.cairn"
 * ```
 */
export function parseServeArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ServeArgsResult {
  try {
    const fromArguments = parseFlagArguments(argv, serveFlags);
    const cairn = readFlagEnvironment(env, serveFlags, { prefix: "CAIRN_", rank: argvRank - 1 });
    const etcd = readFlagEnvironment(env, serveFlags, { prefix: "ETCD_", rank: argvRank - 2 });
    const values = mergeFlagValues([etcd.values, cairn.values, fromArguments]);
    const config = resolveConfig(configInputFromFlags(values));
    const warnings = [...cairn.unknown, ...etcd.unknown].map(
      (name) => `Ignoring environment variable ${name}: cairn has no such flag`,
    );
    return { ok: true, config, warnings };
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      return { ok: false, message: error.message };
    }
    throw error;
  }
}

// --- internal ---

/** A setting derived from etcd 0.4 flags, ranked like the strongest flag it came from. */
interface Derived<T> {
  readonly value: T;
  readonly rank: number;
}

function configInputFromFlags(values: FlagValues): ConfigInput {
  const input: ConfigInput = {};
  const name = values.get("name");
  if (name !== undefined) input.name = nonEmpty(name);
  const dataDir = values.get("data-dir");
  if (dataDir !== undefined) input.dataDir = nonEmpty(dataDir);
  assignUrls(input, values);
  assignCluster(input, values);
  assignTuning(input, values);
  input.limits = limitsFromFlags(values);
  const enableV2 = values.get("enable-v2");
  if (enableV2 !== undefined && !parseBooleanValue(enableV2)) {
    throw new UsageError(
      `Invalid ${enableV2.label}=${enableV2.value}: cairn always serves the v2 API`,
    );
  }
  return input;
}

function assignUrls(input: ConfigInput, values: FlagValues): void {
  const client = legacyAddresses(values.get("addr"), values.get("bind-addr"));
  const peer = legacyAddresses(values.get("peer-addr"), values.get("peer-bind-addr"));
  const pick = (flag: string, derived: Derived<string[]> | undefined): string[] | undefined =>
    choose(values.get(flag), derived, (value) => parseUrlList(value.value, value.label));
  const listenClientUrls = pick("listen-client-urls", client.listen);
  const advertiseClientUrls = pick("advertise-client-urls", client.advertise);
  const listenPeerUrls = pick("listen-peer-urls", peer.listen);
  const initialAdvertisePeerUrls = pick("initial-advertise-peer-urls", peer.advertise);
  if (listenClientUrls !== undefined) input.listenClientUrls = listenClientUrls;
  if (advertiseClientUrls !== undefined) input.advertiseClientUrls = advertiseClientUrls;
  if (listenPeerUrls !== undefined) input.listenPeerUrls = listenPeerUrls;
  if (initialAdvertisePeerUrls !== undefined) {
    input.initialAdvertisePeerUrls = initialAdvertisePeerUrls;
  }
}

function assignCluster(input: ConfigInput, values: FlagValues): void {
  const peers = values.get("peers");
  const derived =
    peers === undefined ? undefined : { value: legacyCluster(input, peers), rank: peers.rank };
  const initialCluster = choose(values.get("initial-cluster"), derived, (value) =>
    parseInitialCluster(value.value, value.label),
  );
  if (initialCluster !== undefined) input.initialCluster = initialCluster;
  const state = values.get("initial-cluster-state");
  if (state !== undefined) {
    if (state.value !== "new" && state.value !== "existing") {
      throw new UsageError(`Invalid ${state.label} "${state.value}": expected new or existing`);
    }
    input.initialClusterState = state.value;
  }
  const token = values.get("initial-cluster-token");
  if (token !== undefined) input.initialClusterToken = nonEmpty(token);
}

function assignTuning(input: ConfigInput, values: FlagValues): void {
  const milliseconds = (value: FlagValue): number =>
    parseIntegerValue(value, { min: 1, max: 3_600_000 });
  const ranked = (flag: string): Derived<number> | undefined => {
    const value = values.get(flag);
    return value === undefined ? undefined : { value: milliseconds(value), rank: value.rank };
  };
  const heartbeat = choose(
    values.get("heartbeat-interval"),
    ranked("peer-heartbeat-interval"),
    milliseconds,
  );
  const election = choose(
    values.get("election-timeout"),
    ranked("peer-election-timeout"),
    milliseconds,
  );
  if (heartbeat !== undefined) input.heartbeatIntervalMs = heartbeat;
  if (election !== undefined) input.electionTimeoutMs = election;
  const requestTimeout = values.get("request-timeout");
  if (requestTimeout !== undefined) input.requestTimeoutMs = milliseconds(requestTimeout);
  const expiryInterval = values.get("expiry-interval");
  if (expiryInterval !== undefined) input.expiryIntervalMs = milliseconds(expiryInterval);
  const logLevel = values.get("log-level");
  if (logLevel !== undefined) {
    const level = logLevels.find((candidate) => candidate === logLevel.value);
    if (level === undefined) {
      throw new UsageError(
        `Invalid ${logLevel.label} "${logLevel.value}": expected one of ${logLevels.join(", ")}`,
      );
    }
    input.logLevel = level;
  }
}

function limitsFromFlags(values: FlagValues): Limits {
  const limits: Limits = { ...defaultLimits };
  for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
    const value = values.get(limitFlagNames[key]);
    if (value !== undefined) {
      limits[key] = parseIntegerValue(value, { min: 1, max: Number.MAX_SAFE_INTEGER });
    }
  }
  return limits;
}

/** Picks the modern flag unless a derived value comes from a stronger source. */
function choose<T>(
  modern: FlagValue | undefined,
  derived: Derived<T> | undefined,
  parse: (value: FlagValue) => T,
): T | undefined {
  if (modern !== undefined && (derived === undefined || modern.rank >= derived.rank)) {
    return parse(modern);
  }
  return derived?.value;
}

/** Maps etcd 0.4's `-addr host:port` and `-bind-addr host[:port]` onto URLs. */
function legacyAddresses(
  address: FlagValue | undefined,
  bindAddress: FlagValue | undefined,
): { listen?: Derived<string[]>; advertise?: Derived<string[]> } {
  const advertise =
    address === undefined ? undefined : { value: [legacyUrl(address)], rank: address.rank };
  if (bindAddress === undefined)
    return advertise === undefined ? {} : { listen: advertise, advertise };
  const hasPort = /^(\[[^\]]*\]|[^:[\]]*):[0-9]+$/.test(bindAddress.value);
  const advertised = advertise?.value[0];
  if (!hasPort && advertised === undefined) {
    throw new UsageError(
      `Invalid ${bindAddress.label} "${bindAddress.value}": give host:port, or also give ` +
        "the port with the matching -addr flag",
    );
  }
  const port = advertised === undefined ? "" : advertised.slice(advertised.lastIndexOf(":"));
  const listenText = hasPort ? bindAddress.value : `${bindAddress.value}${port}`;
  const listen = {
    value: [parseHttpUrl(`http://${listenText}`, bindAddress.label)],
    rank: Math.max(bindAddress.rank, advertise?.rank ?? 0),
  };
  return advertise === undefined ? { listen } : { listen, advertise };
}

function legacyUrl(flag: FlagValue): string {
  const text = /^[a-z]+:\/\//i.test(flag.value) ? flag.value : `http://${flag.value}`;
  return parseHttpUrl(text, flag.label);
}

/**
 * etcd 0.4's `-peers` lists the other members by address only; each is named after its
 * `host:port`. This member joins them under its own name and advertised peer URLs.
 */
function legacyCluster(input: ConfigInput, peers: FlagValue): ClusterMember[] {
  const name = input.name ?? configDefaults.name;
  const selfUrls = input.initialAdvertisePeerUrls ??
    input.listenPeerUrls ?? [...configDefaults.listenPeerUrls];
  const members: ClusterMember[] = [{ name, peerUrls: selfUrls }];
  for (const part of peers.value.split(",")) {
    const url = legacyUrl({ ...peers, value: part.trim() });
    if (selfUrls.includes(url) || members.some((member) => member.peerUrls.includes(url))) continue;
    members.push({ name: url.slice("http://".length), peerUrls: [url] });
  }
  return members;
}

function nonEmpty(flag: FlagValue): string {
  if (flag.value.trim() === "") throw new UsageError(`Invalid ${flag.label}: must not be empty`);
  return flag.value;
}
