import { afterEach, describe, expect, test } from "bun:test";
import { createMsgpackCodec } from "../../../src/codec/index.ts";
import { ManualClock } from "../../../src/lib/clock.ts";
import { silentLogger } from "../../../src/lib/log.ts";
import type { Message } from "../../../src/raft/index.ts";
import type { Entry, HardState, Snapshot, SnapshotMetadata } from "../../../src/raft/types.ts";
import { MemberRegistry } from "../../../src/server/member-registry.ts";
import { encodeProposal } from "../../../src/server/proposal.ts";
import { Node } from "../../../src/server/node.ts";
import type { LogPersistence, SnapshotPersistence } from "../../../src/server/ports.ts";
import { createPrng } from "../../../src/lib/prng.ts";
import { EntryType, MemoryStorage, RawNode, bootstrapLog } from "../../../src/raft/index.ts";
import { Store } from "../../../src/store/index.ts";
import type { StoreCommand } from "../../../src/store/types.ts";

/** A WAL in memory that records what was saved and what was synced. */
class RecordingWal implements LogPersistence {
  saved: Entry[] = [];
  durable: Entry[] = [];
  hardStates: HardState[] = [];
  syncCount = 0;
  /** While set, each sync waits until the test releases it. */
  holdSyncs = false;
  heldSyncs: (() => void)[] = [];
  markers: SnapshotMetadata[] = [];
  releasedTo = 0;
  async save(hardState: HardState | null, entries: readonly Entry[]): Promise<void> {
    if (hardState !== null) this.hardStates.push(hardState);
    this.saved.push(...entries);
  }
  async sync(): Promise<void> {
    this.syncCount += 1;
    const saved = [...this.saved];
    if (this.holdSyncs) await new Promise<void>((resolve) => this.heldSyncs.push(resolve));
    this.durable = saved;
  }
  /** Snapshot markers saved while the WAL's last hard state had a lower commit index. */
  markersAheadOfCommit: number[] = [];
  async saveSnapshotMarker(metadata: SnapshotMetadata): Promise<void> {
    this.markers.push(metadata);
    if ((this.hardStates.at(-1)?.commit ?? 0) < metadata.index) {
      this.markersAheadOfCommit.push(metadata.index);
    }
  }
  async releaseTo(index: number): Promise<void> {
    this.releasedTo = index;
  }
}

class RecordingSnapshots implements SnapshotPersistence {
  saved: Snapshot[] = [];
  async save(snapshot: Snapshot): Promise<void> {
    this.saved.push(snapshot);
  }
  async purge(keep: number): Promise<number> {
    const removed = Math.max(0, this.saved.length - keep);
    return removed;
  }
}

const started: Node[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.stop()));
});

interface MemberOptions {
  snapshotEntries?: number;
  snapshotCatchUpEntries?: number;
  wal?: RecordingWal;
  /** This member's id and the founding voters (default: a sole voter 7). */
  id?: bigint;
  founders?: readonly bigint[];
  send?: (messages: readonly Message[]) => void;
}

function createNode(options: MemberOptions = {}) {
  const id = options.id ?? 7n;
  const founders = options.founders ?? [id];
  const clock = new ManualClock(Date.UTC(2026, 10, 24));
  const store = new Store({ historyEventsMax: 1000, watchersMax: 100, nodesMax: 10_000 });
  const wal = options.wal ?? new RecordingWal();
  const snapshots = new RecordingSnapshots();
  const raftStorage = new MemoryStorage();
  const bootstrap = bootstrapLog(founders);
  raftStorage.append(bootstrap.entries);
  raftStorage.setHardState(bootstrap.hardState);
  // The real member writes its bootstrap log to the WAL before it starts.
  if (wal.hardStates.length === 0) wal.hardStates.push(bootstrap.hardState);
  const raft = new RawNode(
    {
      id,
      electionTicks: 10,
      heartbeatTicks: 1,
      prng: createPrng(Number(id)),
      maxSizePerMsgBytes: 1 << 20,
      maxInflightMsgs: 64,
      maxUncommittedEntriesBytes: 1 << 24,
      maxCommittedSizePerReadyBytes: 1 << 24,
    },
    raftStorage,
    { applied: 0 },
  );
  const fatal: unknown[] = [];
  const memberOf = (member: bigint) => ({
    id: member,
    name: `n${member}`,
    peerURLs: [`http://127.0.0.1:${7000 + Number(member)}`],
    clientURLs: [],
  });
  const node = new Node({
    identity: {
      name: `n${id}`,
      memberId: id,
      clusterId: 9n,
      peerUrls: memberOf(id).peerURLs,
      clientUrls: [`http://127.0.0.1:${4000 + Number(id)}`],
      founders: founders.map(memberOf),
    },
    store,
    members: new MemberRegistry(),
    raft,
    raftStorage,
    send: options.send ?? ((messages) => {
      throw new Error(`a sole voter sent ${messages.length} messages`);
    }),
    wal,
    snapshots,
    codec: createMsgpackCodec(),
    clock,
    logger: silentLogger,
    appliedIndex: 0,
    appliedTerm: 0,
    requestTimeoutMs: 5000,
    pendingProposalsMax: 1000,
    snapshotEntries: options.snapshotEntries ?? 10_000,
    snapshotCatchUpEntries: options.snapshotCatchUpEntries ?? 5000,
    tickIntervalMs: 5,
    expiryIntervalMs: 5,
    onFatal: (error) => fatal.push(error),
  });
  node.start();
  started.push(node);
  return { node, store, wal, snapshots, clock, fatal, raftStorage };
}

async function startNode(options: MemberOptions = {}) {
  const member = createNode(options);
  // The sole voter elects itself on its first tick.
  await waitFor(() => member.node.status().state === "StateLeader");
  return member;
}

/**
 * Three members in one process; each message reaches its receiver on a later turn of the event
 * loop, as over a socket.
 */
async function startCluster() {
  const ids = [1n, 2n, 3n];
  const members = new Map<bigint, ReturnType<typeof createNode>>();
  const send = (messages: readonly Message[]) => {
    for (const message of messages) {
      setImmediate(() => members.get(message.to)?.node.step(message));
    }
  };
  // A snapshot after every batch: each must find the WAL's commit at its index (write-free work
  // applies entries before any Ready carries their commit).
  for (const id of ids) {
    members.set(id, createNode({ id, founders: ids, send, snapshotEntries: 1 }));
  }
  const leaderOf = () => [...members.values()].find((member) =>
    member.node.status().state === "StateLeader"
  );
  await waitFor(() => leaderOf() !== undefined);
  const leader = leaderOf() as ReturnType<typeof createNode>;
  const followers = [...members.values()].filter((member) => member !== leader);
  return { leader, followers };
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not reached within 5 s");
    await Bun.sleep(1);
  }
}

const set = (key: string, value: string, ttlSeconds: number | null = null): StoreCommand => ({
  op: "set",
  key,
  value,
  dir: false,
  ttlSeconds,
  refresh: false,
});

describe("Node", () => {
  test("a write is answered only after its entry was synced, then applied", async () => {
    const { node, store, wal } = await startNode();
    const outcome = await node.propose(set("/a", "1"));
    expect(outcome.ok).toBe(true);
    const durableData = wal.durable.filter((entry) => entry.data.byteLength > 0);
    expect(durableData).toHaveLength(1);
    expect(store.get("/a", { recursive: false, sorted: false }).node.value).toBe("1");
  });

  test("concurrent writes share fsyncs (group commit)", async () => {
    const { node, wal } = await startNode();
    const writes = Array.from({ length: 200 }, (_, index) => node.propose(set(`/k${index}`, "v")));
    const outcomes = await Promise.all(writes);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    // One sync for the no-op and a handful for 200 writes, never one each.
    expect(wal.syncCount).toBeLessThan(20);
  });

  test("a failed compare is an outcome and consumes no etcd index", async () => {
    const { node, store } = await startNode();
    await node.propose(set("/a", "1"));
    const before = store.index;
    const outcome = await node.propose({
      op: "compareAndSwap",
      key: "/a",
      value: "2",
      ttlSeconds: null,
      refresh: false,
      prevValue: "nope",
      prevIndex: null,
    });
    expect(outcome.ok).toBe(false);
    expect(store.index).toBe(before);
  });

  test("a fresh member leads in term 2 (bootstrap term 1, then its election)", async () => {
    const { node } = await startNode();
    await node.propose(set("/a", "1"));
    const status = node.status();
    expect(status.raftTerm).toBe(2);
    // The founder's add-voter entry, the election no-op and the write.
    expect(status.raftIndex).toBe(3);
    expect(status.state).toBe("StateLeader");
    expect(status.memberId).toBe("7");
  });

  test("the leader expires keys through the log once their deadline passes", async () => {
    const { node, store, clock } = await startNode();
    await node.propose(set("/t", "x", 1));
    clock.advance(1500);
    await waitFor(() => store.stats().expireCount > 0);
    expect(store.stats().expireCount).toBe(1);
    expect(() => store.get("/t", { recursive: false, sorted: false })).toThrow("Key not found");
  });

  test("a forwarded proposal gets the leader's time; a malformed one is dropped", async () => {
    const { node, store, clock } = await startNode();
    const codec = createMsgpackCodec();
    // A follower whose clock runs an hour ahead forwards a TTL write.
    const data = encodeProposal(codec, {
      proposer: 8n,
      requestId: 1,
      nowMs: clock.wallMs() + 3_600_000,
      command: set("/ttl", "x", 10),
    });
    const entry = { term: 0, index: 0, type: EntryType.normal, data };
    node.step({ type: "MsgProp", from: 8n, to: 7n, term: 0, entries: [entry] });
    await waitFor(() => store.stats().setsSuccess === 1);
    const stored = store.get("/ttl", { recursive: false, sorted: false }).node;
    expect(stored.expirationMs).toBe(clock.wallMs() + 10_000);
    const garbage = { ...entry, data: new Uint8Array([1, 2, 3]) };
    node.step({ type: "MsgProp", from: 8n, to: 7n, term: 0, entries: [garbage] });
    await node.propose(set("/after", "y"));
    expect(store.stats().setsSuccess).toBe(2);
  });

  test("a read barrier resolves once everything committed before it is applied", async () => {
    const { node, store } = await startNode();
    const write = node.propose(set("/r", "1"));
    await node.readBarrier();
    await write;
    expect(store.get("/r", { recursive: false, sorted: false }).node.value).toBe("1");
  });

  test("a snapshot is taken every snapshotEntries entries and the log released below it", async () => {
    const { node, wal, snapshots } = await startNode({ snapshotEntries: 10 });
    for (let index = 0; index < 25; index++) await node.propose(set(`/s${index}`, "v"));
    expect(snapshots.saved.length).toBeGreaterThanOrEqual(2);
    const last = snapshots.saved.at(-1);
    expect(wal.markers.at(-1)).toEqual(last?.metadata);
    expect(wal.releasedTo).toBe(last?.metadata.index ?? -1);
  });

  test("the in-memory log keeps the catch-up entries below the latest snapshot", async () => {
    const { node, snapshots, raftStorage } = await startNode({
      snapshotEntries: 10,
      snapshotCatchUpEntries: 4,
    });
    for (let index = 0; index < 25; index++) await node.propose(set(`/s${index}`, "v"));
    const snapshotIndex = snapshots.saved.at(-1)?.metadata.index ?? 0;
    expect(snapshotIndex).toBeGreaterThan(10);
    expect(raftStorage.firstIndex()).toBe(snapshotIndex - 4 + 1);
  });

  test("an acknowledgement does not wait for the fsync of the batch after it", async () => {
    const { node, wal } = await startNode();
    await node.propose(set("/a", "1"));
    wal.holdSyncs = true;
    let acknowledgedB = false;
    const writeB = node.propose(set("/b", "2")).then(() => {
      acknowledgedB = true;
    });
    await waitFor(() => wal.heldSyncs.length === 1);
    const writeC = node.propose(set("/c", "3"));
    wal.heldSyncs.shift()?.();
    // B is durable now; C's sync is held, and B must be answered anyway.
    await waitFor(() => acknowledgedB);
    expect(wal.heldSyncs).toHaveLength(1);
    wal.holdSyncs = false;
    wal.heldSyncs.shift()?.();
    await Promise.all([writeB, writeC]);
  });

  test("an acknowledgement arriving during the leader's next fsync is answered before it", async () => {
    const { leader, followers } = await startCluster();
    await leader.node.propose(set("/warm", "0"));
    // The followers hold "a" on disk but their fsyncs (hence their acknowledgements) wait.
    for (const follower of followers) follower.wal.holdSyncs = true;
    let acknowledgedA = false;
    const writeA = leader.node.propose(set("/a", "1")).then(() => {
      acknowledgedA = true;
    });
    await waitFor(() => followers.every((follower) => follower.wal.heldSyncs.length === 1));
    // The leader's own write of "a" is done; its next batch's fsync now hangs.
    leader.wal.holdSyncs = true;
    const writeB = leader.node.propose(set("/b", "2"));
    await waitFor(() => leader.wal.heldSyncs.length === 1);
    for (const follower of followers) {
      follower.wal.holdSyncs = false;
      follower.wal.heldSyncs.shift()?.();
    }
    // Their acknowledgements commit "a" while the leader's fsync of "b" is still held.
    await waitFor(() => acknowledgedA);
    expect(leader.wal.heldSyncs).toHaveLength(1);
    expect(leader.store.get("/a", { recursive: false, sorted: false }).node.value).toBe("1");
    leader.wal.holdSyncs = false;
    leader.wal.heldSyncs.shift()?.();
    await Promise.all([writeA, writeB]);
    for (const member of [leader, ...followers]) {
      expect(member.fatal).toEqual([]);
      expect(member.wal.markers.length).toBeGreaterThan(0);
      expect(member.wal.markersAheadOfCommit).toEqual([]);
    }
  });

  test("after stop, proposals are refused with 300", async () => {
    const { node } = await startNode();
    await node.stop();
    await expect(node.propose(set("/a", "1"))).rejects.toMatchObject({ errorCode: 300 });
  });
});
