/**
 * The TCP transport over real loopback sockets: every message variant round-trips, a down peer
 * gets its messages dropped and reported, reconnects when it comes up, a 20 MiB snapshot
 * streams in chunks, removePeer closes connections and stop() leaves nothing open.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import type { Logger } from "../../../src/lib/log.ts";
import type { MemberId, Message, MsgHeartbeat, MsgSnap } from "../../../src/raft/index.ts";
import {
  type MemberOverrides,
  type TestMember,
  bytesOf,
  connected,
  everyMessage,
  meshOf,
  pollUntil,
  startMember,
} from "./helpers.ts";

const started: TestMember[] = [];

async function member(
  id: bigint,
  overrides: MemberOverrides = {},
): Promise<TestMember> {
  const created = await startMember(id, overrides);
  started.push(created);
  return created;
}

async function stopMember(target: TestMember): Promise<void> {
  started.splice(started.indexOf(target), 1);
  await target.transport.stop();
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.transport.stop()));
});

function heartbeat(from: MemberId, to: MemberId): MsgHeartbeat {
  return { type: "MsgHeartbeat", from, to, term: 1, commit: 0, context: null };
}

function peerStats(target: TestMember, peer: MemberId) {
  return target.transport.stats().peers.find((stats) => stats.id === peer);
}

describe("TcpTransport over loopback", () => {
  test("a request Raft relays for another member is dropped, not sent or fatal", async () => {
    const members = [await member(1n), await member(2n)];
    meshOf(members);
    const [first, second] = members as [TestMember, TestMember];
    await pollUntil(() => connected(first, second.id), "connection");
    // A follower relaying a proposal it got from member 3 keeps member 3 as the sender.
    const relayed: Message = {
      type: "MsgProp",
      from: 3n,
      to: second.id,
      term: 0,
      entries: [],
    };
    first.transport.send([relayed, heartbeat(first.id, second.id)]);
    await pollUntil(() => second.heard.messages.length === 1, "the heartbeat");
    expect(second.heard.messages[0]?.type).toBe("MsgHeartbeat");
    expect(connected(first, second.id)).toBe(true);
  });

  test("three members exchange every message variant intact", async () => {
    const members = [await member(1n), await member(2n), await member(0xffff_ffff_ffff_fff0n)];
    meshOf(members);
    for (const sender of members) {
      for (const target of members) {
        if (sender !== target) await pollUntil(() => connected(sender, target.id), "connections");
      }
    }
    const sent = new Map<bigint, Message[]>();
    for (const sender of members) {
      for (const target of members) {
        if (sender === target) continue;
        const messages = everyMessage(sender.id, target.id);
        sender.transport.send(messages);
        sent.set(target.id, [...(sent.get(target.id) ?? []), ...messages]);
      }
    }
    for (const target of members) {
      const expected = sent.get(target.id) ?? [];
      await pollUntil(() => target.heard.messages.length === expected.length, "delivery");
      for (const from of members) {
        const received = target.heard.messages.filter((m) => m.from === from.id);
        const wanted = expected.filter((m) => m.from === from.id);
        // Snapshots stream beside the other messages, so each kind keeps its own order.
        const plain = (list: Message[]) => list.filter((m) => m.type !== "MsgSnap");
        const snaps = (list: Message[]) => list.filter((m) => m.type === "MsgSnap");
        expect(plain(received)).toEqual(plain(wanted));
        expect(snaps(received)).toEqual(snaps(wanted));
      }
      for (const message of target.heard.messages) {
        expect(typeof message.from).toBe("bigint");
        if (message.type === "MsgApp") {
          expect(message.entries[2]?.data).toBeInstanceOf(Uint8Array);
          expect(message.entries[2]?.index).toBe(2 ** 40);
        }
      }
    }
    for (const sender of members) {
      expect(sender.heard.unreachable).toEqual([]);
      expect(sender.heard.snapshots.map((s) => s.ok)).toEqual([true, true]);
      for (const stats of sender.transport.stats().peers) {
        expect(stats.counts).toEqual({ success: 16, fail: 0 });
        expect(stats.receivedMessages).toBe(16);
        expect(stats.receivedBytes).toBeGreaterThan(2000);
      }
      const totals = sender.transport.stats();
      expect(totals.sentMessages).toBe(32);
      expect(totals.receivedMessages).toBe(32);
      expect(totals.sendRate.messagesPerSecond).toBeGreaterThan(0);
      expect(totals.receiveRate.bytesPerSecond).toBeGreaterThan(0);
    }
  });

  test("a down peer's messages are dropped and reported, then it reconnects", async () => {
    const one = await member(1n);
    const probe = await member(2n);
    const url = probe.url;
    await stopMember(probe);
    one.transport.addPeer(2n, [url]);
    await pollUntil(() => {
      one.transport.send([heartbeat(1n, 2n)]);
      return one.heard.unreachable.includes(2n);
    }, "an unreachable report");
    expect(peerStats(one, 2n)?.counts.fail).toBeGreaterThan(0);
    expect(peerStats(one, 2n)?.connected).toBe(false);

    const two = await member(2n, { listenUrl: url });
    await pollUntil(() => connected(one, 2n), "a reconnect");
    one.transport.send([{ type: "MsgTimeoutNow", from: 1n, to: 2n, term: 3 }]);
    await pollUntil(() => two.heard.messages.length === 1, "delivery after reconnect");
    expect(two.heard.messages[0]).toEqual({ type: "MsgTimeoutNow", from: 1n, to: 2n, term: 3 });
    await pollUntil(() => (peerStats(one, 2n)?.counts.success ?? 0) === 1, "success counted");
  });

  test("pings measure round trips per peer", async () => {
    const one = await member(1n);
    const two = await member(2n);
    meshOf([one, two]);
    // Two samples make a running mean, a minimum and a maximum.
    const latencyOf = () => peerStats(one, 2n)?.latency;
    await pollUntil(() => (latencyOf()?.maximum ?? 0) > 0 && connected(one, 2n), "latency");
    const latency = latencyOf();
    expect(latency?.minimum).toBeLessThanOrEqual(latency?.average ?? -1);
    expect(latency?.average).toBeLessThanOrEqual(latency?.maximum ?? -1);
    expect(latency?.maximum).toBeLessThan(1000);
  });

  test("a 20 MiB snapshot arrives intact in 1 MiB chunks and is reported", async () => {
    // Frames of at most 2 MiB on both sides: the snapshot can only travel in chunks.
    const small = { frameBytesMax: 2 * 1024 * 1024, limits: { peerSendQueueBytesMax: 4 << 20 } };
    const one = await member(1n, small);
    const two = await member(2n, small);
    meshOf([one, two]);
    await pollUntil(() => connected(one, 2n), "connection");
    const data = bytesOf(20 * 1024 * 1024, 5);
    const confState = { voters: [1n, 2n], learners: [] };
    const snapshot: MsgSnap = {
      type: "MsgSnap",
      from: 1n,
      to: 2n,
      term: 4,
      snapshot: { metadata: { index: 900, term: 4, confState }, data },
    };
    one.transport.send([snapshot, heartbeat(1n, 2n)]);
    await pollUntil(() => one.heard.snapshots.length === 1, "snapshot status", 20_000);
    expect(one.heard.snapshots).toEqual([{ peer: 2n, ok: true }]);
    await pollUntil(() => two.heard.messages.length === 2, "snapshot delivery", 20_000);
    const received = two.heard.messages.find((m) => m.type === "MsgSnap");
    if (received?.type !== "MsgSnap") throw new Error("no snapshot received");
    expect(received.snapshot.metadata).toEqual(snapshot.snapshot.metadata);
    expect(received.snapshot.data.byteLength).toBe(data.byteLength);
    expect(Buffer.compare(received.snapshot.data, data)).toBe(0);
    expect(one.heard.unreachable).toEqual([]);
  }, 30_000);

  test("a second snapshot while one streams fails at once", async () => {
    const one = await member(1n);
    const two = await member(2n);
    meshOf([one, two]);
    await pollUntil(() => connected(one, 2n), "connection");
    const data = bytesOf(8 * 1024 * 1024);
    const metadata = { index: 5, term: 1, confState: { voters: [1n, 2n], learners: [] } };
    const snapshot: MsgSnap = {
      type: "MsgSnap",
      from: 1n,
      to: 2n,
      term: 1,
      snapshot: { metadata, data },
    };
    one.transport.send([snapshot, snapshot]);
    expect(one.heard.snapshots).toEqual([{ peer: 2n, ok: false }]);
    expect(one.heard.unreachable).toEqual([2n]);
    await pollUntil(() => one.heard.snapshots.length === 2, "snapshot status", 20_000);
    expect(one.heard.snapshots[1]).toEqual({ peer: 2n, ok: true });
    await pollUntil(() => two.heard.messages.length === 1, "snapshot delivery", 20_000);
  }, 30_000);

  test("removePeer closes both directions and refuses the removed member", async () => {
    const one = await member(1n);
    const two = await member(2n);
    meshOf([one, two]);
    await pollUntil(() => connected(one, 2n) && connected(two, 1n), "connections");
    await pollUntil(() => one.transport.stats().inboundConnections === 1, "inbound on one");
    one.transport.removePeer(2n);
    expect(one.transport.stats().peers).toEqual([]);
    await pollUntil(() => two.transport.stats().inboundConnections === 0, "inbound closed on two");
    await pollUntil(() => !connected(two, 1n), "two's connection closed");
    // two keeps re-dialing and one keeps refusing it, so nothing two sends arrives.
    for (let round = 0; round < 20; round++) {
      two.transport.send([{ type: "MsgTimeoutNow", from: 2n, to: 1n, term: 3 }]);
      await Bun.sleep(5);
    }
    expect(one.heard.messages).toEqual([]);
    expect(connected(two, 1n)).toBe(false);
    one.transport.send([heartbeat(1n, 2n)]);
    expect(one.heard.unreachable).toEqual([2n]);
  });

  test("a member of another cluster is refused: the dialer logs why, drops sends", async () => {
    const one = await member(1n);
    const logs: { event: string; reason?: unknown }[] = [];
    const log = (event: string, fields?: Record<string, unknown>) =>
      logs.push({ event, reason: fields?.["reason"] });
    const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
    const stranger = await member(2n, { clusterId: 0xbadn, logger });
    stranger.transport.addPeer(1n, [one.url]);
    await pollUntil(() => logs.some((l) => l.event === "peer refused the connection"), "refusal");
    const refusal = logs.find((l) => l.event === "peer refused the connection");
    expect(String(refusal?.reason)).toContain("cluster id bad is not this cluster's");
    await pollUntil(() => {
      stranger.transport.send([heartbeat(2n, 1n)]);
      return stranger.heard.unreachable.includes(1n);
    }, "an unreachable report");
    expect(one.heard.messages).toEqual([]);
    expect(connected(stranger, 1n) && one.transport.stats().inboundConnections > 0).toBe(false);
  });

  test("a peer that stops reading fills its bounded queue: drops are reported", async () => {
    // A listener that accepts and never reads: the kernel buffers fill, then the queue.
    const stalled: Socket<undefined>[] = [];
    const sink = Bun.listen<undefined>({
      hostname: "127.0.0.1",
      port: 0,
      socket: { open: (socket) => void stalled.push(socket), data() {} },
    });
    try {
      const limits = { peerSendQueueMessagesMax: 8, peerSendQueueBytesMax: 64 << 20 };
      const one = await member(1n, { limits });
      one.transport.addPeer(2n, [`http://127.0.0.1:${sink.port}`]);
      // The sink never answers pings, so the dial is open but never counts as connected.
      await pollUntil(() => one.transport.stats().socketsOpen === 1, "an open dial");
      expect(connected(one, 2n)).toBe(false);
      const entry = { term: 1, index: 1, type: 0 as const, data: new Uint8Array(1 << 20) };
      const app: Message = {
        type: "MsgApp",
        from: 1n,
        to: 2n,
        term: 1,
        index: 0,
        logTerm: 0,
        entries: [entry],
        commit: 0,
      };
      for (let round = 0; round < 200 && one.heard.unreachable.length === 0; round++) {
        one.transport.send([app]);
      }
      expect(one.heard.unreachable).toEqual([2n]);
      const stats = peerStats(one, 2n);
      expect(stats?.queuedMessages).toBe(8);
      expect(stats?.counts.fail).toBe(1);
      // Bytes written never outran what the socket accepted: the rest waits in the queue.
      expect(stats?.sentBytes).toBeLessThan(200 * (1 << 20));

      // A snapshot waits behind them; then the connection dies with all of it unsent.
      const metadata = { index: 5, term: 1, confState: { voters: [1n, 2n], learners: [] } };
      const snapshot = { metadata, data: bytesOf(4 << 20) };
      one.transport.send([{ type: "MsgSnap", from: 1n, to: 2n, term: 1, snapshot }]);
      expect(one.heard.snapshots).toEqual([]);
      one.heard.unreachable.length = 0;
      for (const socket of stalled) socket.terminate();
      await pollUntil(() => one.heard.snapshots.length === 1, "the snapshot's failure");
      expect(one.heard.snapshots).toEqual([{ peer: 2n, ok: false }]);
      expect(one.heard.unreachable).toEqual([2n]);
      expect(peerStats(one, 2n)?.queuedMessages).toBe(0);
      expect(peerStats(one, 2n)?.counts.fail).toBeGreaterThanOrEqual(9);
    } finally {
      for (const socket of stalled) socket.terminate();
      sink.stop(true);
    }
  });

  test("a connection that never answers pings is re-dialed after pongTimeoutMs", async () => {
    let accepted = 0;
    const silent: Socket<undefined>[] = [];
    const sink = Bun.listen<undefined>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: (socket) => {
          accepted += 1;
          silent.push(socket);
        },
        data() {},
        close: (socket) => void silent.splice(silent.indexOf(socket), 1),
      },
    });
    try {
      const one = await member(1n, { pongTimeoutMs: 150 });
      one.transport.addPeer(2n, [`http://127.0.0.1:${sink.port}`]);
      await pollUntil(() => accepted >= 3, "re-dials of a silent peer");
      expect(connected(one, 2n)).toBe(false);
      expect(peerStats(one, 2n)?.latency.maximum).toBe(0);
    } finally {
      for (const socket of silent) socket.terminate();
      sink.stop(true);
    }
  });

  test("a hanging dial is abandoned after connectTimeoutMs; stop() does not wait", async () => {
    // A listener that never accepts, with its one-slot backlog filled: later SYNs go unanswered.
    const script = [
      "import socket, time",
      "s = socket.socket()",
      "s.bind(('127.0.0.1', 0))",
      "s.listen(0)",
      "print(s.getsockname()[1], flush=True)",
      "time.sleep(30)",
    ].join("\n");
    const python = Bun.spawn(["python3", "-c", script], { stdout: "pipe" });
    const fillers: Socket<undefined>[] = [];
    try {
      const reader = python.stdout.getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      const port = Number(new TextDecoder().decode(value).trim());
      for (let index = 0; index < 2; index++) {
        const filler = Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
        void filler.then((socket) => fillers.push(socket), () => {});
      }
      // The first filler's handshake completing means the one-slot backlog is taken.
      await pollUntil(() => fillers.length >= 1, "a filler to take the backlog slot");
      const reasons: string[] = [];
      const log = (event: string, fields?: Record<string, unknown>) => {
        if (event === "peer connection lost") reasons.push(String(fields?.["reason"]));
      };
      const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
      const one = await member(1n, { logger, connectTimeoutMs: 150 });
      one.transport.addPeer(2n, [`http://127.0.0.1:${port}`]);
      await pollUntil(() => reasons.some((r) => r.startsWith("no connection after")), "a timeout");
      const stoppedAt = performance.now();
      await stopMember(one);
      expect(performance.now() - stoppedAt).toBeLessThan(2000);
    } finally {
      for (const socket of fillers) socket.terminate();
      python.kill();
      await python.exited;
    }
  });

  test("updatePeer moves the connection to the new URL", async () => {
    const one = await member(1n);
    const oldTwo = await member(2n);
    meshOf([one, oldTwo]);
    await pollUntil(() => connected(one, 2n), "connection");
    await stopMember(oldTwo);
    const newTwo = await member(2n);
    one.transport.updatePeer(2n, [newTwo.url]);
    await pollUntil(() => connected(one, 2n) && newTwo.transport.stats().inboundConnections > 0,
      "connection to the new URL");
    one.transport.send([heartbeat(1n, 2n)]);
    await pollUntil(() => newTwo.heard.messages.length === 1, "delivery at the new URL");
    expect(() => one.transport.updatePeer(7n, [newTwo.url])).toThrow(RangeError);
    expect(() => one.transport.addPeer(7n, ["not a url"])).toThrow(RangeError);
  });

  test("reconnect delays follow the seeded backoff and reset after a pong", async () => {
    const delays: number[] = [];
    const log = (event: string, fields?: Record<string, unknown>) => {
      if (event === "peer connection lost") delays.push(Number(fields?.["delayMs"]));
    };
    const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
    const backoff = { initialMs: 5, maxMs: 40, jitter: 0.5 };
    const probe = await member(2n);
    const url = probe.url;
    await stopMember(probe);
    const one = await member(1n, { logger, backoff });
    one.transport.addPeer(2n, [url]);
    await pollUntil(() => delays.length >= 6, "six failed dials");
    delays.slice(0, 6).forEach((delay, attempt) => {
      const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
      expect(delay).toBeLessThanOrEqual(ceiling);
    });
    const two = await member(2n, { listenUrl: url });
    await pollUntil(() => (peerStats(one, 2n)?.latency.maximum ?? 0) > 0, "a pong");
    delays.length = 0;
    await stopMember(two);
    await pollUntil(() => delays.length >= 1, "a failure after the pong");
    expect(delays[0]).toBeLessThanOrEqual(backoff.initialMs);
  });

  test("an inbound connection that never shakes hands is closed when idle", async () => {
    const one = await member(1n, { pongTimeoutMs: 400 });
    let closed = false;
    const idle = await Bun.connect({
      hostname: "127.0.0.1",
      port: one.transport.listenPort,
      socket: {
        data() {},
        close: () => {
          closed = true;
        },
      },
    });
    await pollUntil(() => one.transport.stats().inboundConnections === 1, "the connection");
    try {
      await pollUntil(() => closed && one.transport.stats().inboundConnections === 0, "idle close",
        15_000);
    } finally {
      idle.terminate();
    }
  }, 20_000);

  // Bun's socket.timeout() is a one-shot deadline (in 4 s steps) that traffic does not push
  // back: the transport once used it as an idle timeout, and it cut busy connections, dropping
  // the proposals a follower had just forwarded. Traffic runs past one such step here.
  test("a busy inbound connection outlives the idle limit: nothing is dropped", async () => {
    const [one, two] = await Promise.all([
      member(1n, { pongTimeoutMs: 150 }),
      member(2n, { pongTimeoutMs: 150 }),
    ]);
    meshOf([one, two]);
    await pollUntil(() => connected(one, 2n), "the connection");
    const heartbeat = everyMessage(1n, 2n).find((message) => message.type === "MsgHeartbeat");
    if (heartbeat === undefined) throw new Error("no heartbeat sample");
    const endMs = performance.now() + 4_500;
    let sent = 0;
    while (performance.now() < endMs) {
      one.transport.send([heartbeat]);
      sent += 1;
      await Bun.sleep(10);
    }
    await pollUntil(() => two.heard.messages.length === sent, "every heartbeat delivered");
    expect(one.heard.unreachable).toEqual([]);
    expect(two.transport.stats().inboundConnections).toBe(1);
  }, 15_000);

  test("a message over frameBytesMax is dropped on the sending side and reported", async () => {
    const one = await member(1n, { frameBytesMax: 1 << 20, limits: { snapshotChunkBytes: 1000 } });
    const two = await member(2n);
    meshOf([one, two]);
    await pollUntil(() => connected(one, 2n), "connection");
    const entry = { term: 1, index: 1, type: 0 as const, data: new Uint8Array(2 << 20) };
    const app: Message = {
      type: "MsgApp",
      from: 1n,
      to: 2n,
      term: 1,
      index: 0,
      logTerm: 0,
      entries: [entry],
      commit: 0,
    };
    one.transport.send([app, heartbeat(1n, 2n)]);
    expect(one.heard.unreachable).toEqual([2n]);
    expect(peerStats(one, 2n)?.counts.fail).toBe(1);
    await pollUntil(() => two.heard.messages.length === 1, "the heartbeat");
    expect(two.heard.messages[0]?.type).toBe("MsgHeartbeat");
    expect(connected(one, 2n)).toBe(true);
  });

  test("start() rejects when the peer port is taken", async () => {
    const one = await member(1n);
    await expect(startMember(2n, { listenUrl: one.url })).rejects.toThrow();
  });

  test("stop() closes every socket and the listener", async () => {
    const members = [await member(1n), await member(2n), await member(3n)];
    meshOf(members);
    const meshed = () => members.every((m) => m.transport.stats().inboundConnections === 2);
    await pollUntil(meshed, "mesh");
    expect(members[0]?.transport.stats().socketsOpen).toBe(4);
    const port = members[0]?.transport.listenPort ?? 0;
    await Promise.all(members.map((m) => stopMember(m)));
    for (const m of members) {
      const stats = m.transport.stats();
      expect(stats.socketsOpen).toBe(0);
      expect(stats.inboundConnections).toBe(0);
      expect(stats.peers.every((p) => !p.connected)).toBe(true);
    }
    const refused = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (socket) => {
        socket.end();
        return false;
      },
      () => true,
    );
    expect(refused).toBe(true);
  });
});
