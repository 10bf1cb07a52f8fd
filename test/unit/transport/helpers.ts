/**
 * Shared fixtures for the transport tests: one sample of every Raft message variant, transports
 * on free loopback ports that record what they hear, and polling with a deadline.
 */
import { systemClock } from "../../../src/lib/clock.ts";
import { silentLogger } from "../../../src/lib/log.ts";
import { createPrng } from "../../../src/lib/prng.ts";
import {
  type TransportLimits,
  defaultLimits,
  defaultTransportLimits,
} from "../../../src/limits.ts";
import type { MemberId, Message, MsgSnap } from "../../../src/raft/index.ts";
import { EntryType } from "../../../src/raft/index.ts";
import { TcpTransport, type TcpTransportOptions } from "../../../src/transport/index.ts";

export const clusterId = 0xc1a5_7e11_d000_0001n;

/** Bytes 0, 1, 2, … of the given length. */
export function bytesOf(length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + seed) & 0xff;
  return bytes;
}

/** One message of every variant from `from` to `to`, with large ids and binary payloads. */
export function everyMessage(from: MemberId, to: MemberId): Message[] {
  const header = { from, to, term: 7 };
  const entries = [
    { term: 7, index: 41, type: EntryType.normal, data: bytesOf(5) },
    { term: 7, index: 42, type: EntryType.confChange, data: bytesOf(0) },
    { term: 7, index: 2 ** 40, type: EntryType.normal, data: bytesOf(300, 1) },
  ];
  const snapshot: MsgSnap = {
    type: "MsgSnap",
    ...header,
    snapshot: {
      metadata: { index: 40, term: 6, confState: { voters: [from, to], learners: [99n] } },
      data: bytesOf(2000, 3),
    },
  };
  return [
    { type: "MsgApp", ...header, index: 40, logTerm: 6, entries, commit: 39 },
    { type: "MsgAppResp", ...header, index: 40, reject: true, rejectHint: 12, logTerm: 5 },
    { type: "MsgVote", ...header, index: 40, logTerm: 6, force: false },
    { type: "MsgPreVote", ...header, term: 8, index: 40, logTerm: 6, force: true },
    { type: "MsgVoteResp", ...header, reject: false },
    { type: "MsgPreVoteResp", ...header, reject: true },
    { type: "MsgHeartbeat", ...header, commit: 39, context: null },
    { type: "MsgHeartbeat", ...header, commit: 39, context: bytesOf(8, 9) },
    { type: "MsgHeartbeatResp", ...header, context: bytesOf(8, 9) },
    { type: "MsgHeartbeatResp", ...header, context: null },
    snapshot,
    { type: "MsgProp", ...header, term: 0, entries: [entries[0]!] },
    { type: "MsgReadIndex", ...header, term: 0, context: bytesOf(16, 4) },
    { type: "MsgReadIndexResp", ...header, context: bytesOf(16, 4), index: 40 },
    { type: "MsgTimeoutNow", ...header },
    { type: "MsgTransferLeader", ...header, term: 0 },
  ];
}

/** What a test transport heard through its callbacks. */
export interface Heard {
  readonly messages: Message[];
  readonly unreachable: MemberId[];
  readonly snapshots: { peer: MemberId; ok: boolean }[];
}

/** A started transport on a free loopback port, with what it heard. */
export interface TestMember {
  readonly id: MemberId;
  readonly transport: TcpTransport;
  readonly url: string;
  readonly heard: Heard;
}

/** Options a test may change; limits are merged into the defaults. */
export type MemberOverrides = Partial<Omit<TcpTransportOptions, "limits">> & {
  limits?: Partial<TransportLimits>;
};

/** Starts a transport for `id` on a free 127.0.0.1 port. */
export async function startMember(
  id: MemberId,
  overrides: MemberOverrides = {},
): Promise<TestMember> {
  const heard: Heard = { messages: [], unreachable: [], snapshots: [] };
  const transport = new TcpTransport({
    memberId: id,
    clusterId,
    listenUrl: "http://127.0.0.1:0",
    clock: systemClock(),
    prng: createPrng(Number(id)),
    logger: silentLogger,
    frameBytesMax: defaultLimits.frameBytesMax,
    backoff: { initialMs: 10, maxMs: 50, jitter: 0.5 },
    pingIntervalMs: 50,
    closeGraceMs: 200,
    ...overrides,
    limits: { ...defaultTransportLimits, ...overrides.limits },
    onMessage: (message) => heard.messages.push(message),
    onUnreachable: (peer) => heard.unreachable.push(peer),
    onSnapshotStatus: (peer, ok) => heard.snapshots.push({ peer, ok }),
  });
  await transport.start();
  return { id, transport, url: `http://127.0.0.1:${transport.listenPort}`, heard };
}

/** Connects every member to every other. */
export function meshOf(members: readonly TestMember[]): void {
  for (const member of members) {
    for (const other of members) {
      if (other.id !== member.id) member.transport.addPeer(other.id, [other.url]);
    }
  }
}

/** Whether `member` has an open, handshaken connection to `peer`. */
export function connected(member: TestMember, peer: MemberId): boolean {
  return member.transport.stats().peers.some((stats) => stats.id === peer && stats.connected);
}

/**
 * Polls `condition` every few milliseconds until it holds.
 * @throws {Error} when `deadlineMs` passes first.
 */
export async function pollUntil(
  condition: () => boolean,
  what: string,
  deadlineMs = 5000,
): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}
