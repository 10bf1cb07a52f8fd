/**
 * @module
 * The flags of `cairn serve`: etcd 2+'s flags, the etcd 0.4 flags of the source document, and one
 * flag per limit of `src/limits.ts`. The table drives parsing, environment variables and help.
 */
import { configDefaults } from "../config.ts";
import { defaultLimits, type Limits } from "../limits.ts";
import type { FlagSpec } from "./flags.ts";

/** Environment prefixes, strongest first: `CAIRN_*` beats `ETCD_*`. */
export const serveEnvironmentPrefixes = ["CAIRN_", "ETCD_"] as const;

const member = "Member";
const cluster = "Cluster";
const tuning = "Tuning";
const legacy = "etcd 0.4 flags (mapped onto the flags above)";
const limitsGroup = "Limits (every queue, buffer and size has one)";

const memberFlags: readonly FlagSpec[] = (
  [
    text("name", "<name>", "Human-readable name of this member.", `"${configDefaults.name}"`),
    text(
      "data-dir",
      "<path>",
      "Directory for the WAL, snapshots and member metadata.",
      "./<name>.cairn",
    ),
    text(
      "listen-client-urls",
      "<url,...>",
      "URLs to listen on for client traffic (http://ip:port; the host must be an IP or localhost).",
      configDefaults.listenClientUrls.join(","),
    ),
    text(
      "advertise-client-urls",
      "<url,...>",
      "Client URLs advertised to the cluster and to clients.",
      "--listen-client-urls",
    ),
    text(
      "listen-peer-urls",
      "<url,...>",
      "URLs to listen on for peer (Raft) traffic.",
      configDefaults.listenPeerUrls.join(","),
    ),
    text(
      "initial-advertise-peer-urls",
      "<url,...>",
      "Peer URLs of this member advertised to the rest of the cluster.",
      "--listen-peer-urls",
    ),
    {
      name: "enable-v2",
      kind: "boolean",
      valueHint: "",
      description: "Accepted for etcd compatibility and ignored: cairn always serves the v2 API.",
      defaultText: "true",
      group: member,
    },
  ] satisfies FlagSpec[]
).map((spec) => ({ ...spec, group: member }));

const clusterFlags: readonly FlagSpec[] = [
  text(
    "initial-cluster",
    "<name=url,...>",
    "Initial cluster configuration for bootstrapping.",
    "<name>=<initial advertise peer urls>",
  ),
  text(
    "initial-cluster-state",
    "<new|existing>",
    "new when bootstrapping a cluster, existing when joining one.",
    configDefaults.initialClusterState,
  ),
  text(
    "initial-cluster-token",
    "<token>",
    "Cluster token; members of one cluster must share it.",
    `"${configDefaults.initialClusterToken}"`,
  ),
].map((spec) => ({ ...spec, group: cluster }));

const tuningFlags: readonly FlagSpec[] = [
  text("heartbeat-interval", "<ms>", "Time between leader heartbeats.", "100"),
  text(
    "election-timeout",
    "<ms>",
    "Time without a heartbeat before a follower campaigns (>= 5 x heartbeat).",
    "1000",
  ),
  text(
    "request-timeout",
    "<ms>",
    "How long a write or quorum read may wait for commit before error 300.",
    String(configDefaults.requestTimeoutMs),
  ),
  text(
    "expiry-interval",
    "<ms>",
    "How often the leader proposes expiry of keys whose TTL has passed.",
    String(configDefaults.expiryIntervalMs),
  ),
  text("log-level", "<level>", "debug, info, warn or error.", configDefaults.logLevel),
].map((spec) => ({ ...spec, group: tuning }));

const legacyFlags: readonly FlagSpec[] = [
  text("addr", "<host:port>", "Client address: listen on and advertise http://host:port.", ""),
  text(
    "bind-addr",
    "<host[:port]>",
    "Client listening host (and port) when it differs from -addr.",
    "",
  ),
  text("peer-addr", "<host:port>", "Peer address: listen on and advertise http://host:port.", ""),
  text(
    "peer-bind-addr",
    "<host[:port]>",
    "Peer listening host when it differs from -peer-addr.",
    "",
  ),
  text("peers", "<host:port,...>", "Peer addresses of the other members (names derived).", ""),
  text("peer-heartbeat-interval", "<ms>", "Same as --heartbeat-interval.", ""),
  text("peer-election-timeout", "<ms>", "Same as --election-timeout.", ""),
].map((spec) => ({ ...spec, group: legacy, singleDash: true }));

/** Help text for each limit; a `Record` so that a new limit cannot be added without a flag. */
const limitDescriptions: Record<keyof Limits, string> = {
  keyBytesMax: "Longest key path in bytes.",
  valueBytesMax: "Largest value in bytes.",
  requestBodyBytesMax: "Largest HTTP request body in bytes.",
  historyEventsMax: "Events kept for waitIndex watches.",
  watchersMax: "Registered watchers across all clients.",
  watchEventsBufferedMax: "Events a streaming watcher may fall behind before it is closed.",
  nodesMax: "Nodes (files and directories) in the key tree.",
  pendingProposalsMax: "Proposals waiting for commit on this member.",
  walSegmentBytes: "Bytes after which a WAL segment is cut.",
  frameBytesMax: "Largest single WAL record or peer frame in bytes.",
  snapshotEntries: "Applied entries between two snapshots.",
  snapshotCatchUpEntries: "Entries kept below a snapshot for followers a little behind.",
  clientConnectionsMax: "Client requests in flight at once; each open watch holds one.",
  peerSendQueueMessagesMax: "Messages queued for one peer; more are dropped (Raft resends).",
  peerSendQueueBytesMax: "Bytes queued for one peer; at least --frame-bytes-max.",
  snapshotChunkBytes: "Snapshot bytes per chunk streamed to a peer.",
  snapshotReceiveBytesMax: "Largest snapshot accepted from a peer, in bytes.",
  raftMessageBytesMax: "Entry bytes batched into one Raft append message.",
  raftInflightMessagesMax: "Raft append messages in flight to one follower.",
  raftUncommittedBytesMax: "Uncommitted entry bytes a leader holds before refusing writes.",
  raftApplyBatchBytesMax: "Committed entry bytes applied in one batch.",
  readIndexPendingMax: "Linearizable reads a leader keeps waiting at once.",
};

/** The flag name of each limit: its key in kebab-case, except etcd's `--snapshot-count`. */
export const limitFlagNames: Readonly<Record<keyof Limits, string>> = limitFlagNameTable();

const limitFlags: readonly FlagSpec[] = (Object.keys(limitDescriptions) as (keyof Limits)[]).map(
  (key) => ({
    name: limitFlagNames[key],
    ...(key === "snapshotEntries" ? { aliases: ["snapshot-entries"] } : {}),
    kind: "string",
    valueHint: "<n>",
    description: limitDescriptions[key],
    defaultText: String(defaultLimits[key]),
    group: limitsGroup,
  }),
);

/** Every flag of `cairn serve`, in help order. */
export const serveFlags: readonly FlagSpec[] = [
  ...memberFlags,
  ...clusterFlags,
  ...tuningFlags,
  ...limitFlags,
  ...legacyFlags,
];

// --- internal ---

function text(name: string, valueHint: string, description: string, defaultText: string): FlagSpec {
  return { name, kind: "string", valueHint, description, defaultText, group: "" };
}

function limitFlagNameTable(): Record<keyof Limits, string> {
  const names: Partial<Record<keyof Limits, string>> = {};
  for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
    names[key] =
      key === "snapshotEntries"
        ? "snapshot-count"
        : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  }
  return names as Record<keyof Limits, string>;
}
