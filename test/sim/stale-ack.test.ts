/**
 * A regression test for a Raft core bug fixed in 89cc109 (this test fails on 89cc109^): an
 * append acknowledgement generated while a Ready is in progress waits in `msgsAfterAppend`; if a
 * leader of a newer term truncated those entries before the next `ready()`, that Ready persisted
 * the truncated log and `advance()` still released the old ack, so the old-term leader counted
 * entries the follower never made durable (and no longer had) toward its commit.
 */
import { expect, test } from "bun:test";
import type { Message } from "../../src/raft/index.ts";
import { entry, fixture } from "../support/raft-fixtures.ts";

test("no append acknowledgement vouches for entries that were never persisted", () => {
  const follower = fixture(1n, { terms: [1], hardState: { term: 1, vote: 0n, commit: 1 } });
  const { node, storage } = follower;
  const sent: Message[] = [];
  const persist = (): void => {
    const ready = node.ready();
    storage.append(ready.entries);
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
    sent.push(...ready.messages);
    node.advance();
  };
  // A Ready is in progress (handed out, not yet persisted) when the appends arrive.
  node.step({ type: "MsgHeartbeat", from: 3n, to: 1n, term: 1, commit: 1, context: null });
  const inProgress = node.ready();
  node.step({ type: "MsgApp", from: 3n, to: 1n, term: 1, index: 1, logTerm: 1,
    entries: [entry(2, 1, "a"), entry(3, 1, "b")], commit: 1 });
  node.step({ type: "MsgApp", from: 2n, to: 1n, term: 2, index: 1, logTerm: 1,
    entries: [entry(2, 2, "c")], commit: 1 });
  sent.push(...inProgress.messages);
  node.advance();
  for (let round = 0; round < 10 && node.hasReady(); round++) persist();
  const acks = sent.flatMap((message) =>
    message.type === "MsgAppResp" && !message.reject ? [message] : []);
  expect(acks.length).toBeGreaterThan(0);
  for (const ack of acks) {
    // Entry `ack.index` must be in the persisted log, from the acknowledging leader's term.
    expect(ack.index).toBeLessThanOrEqual(storage.lastIndex());
    if (ack.to === 3n) expect(storage.term(ack.index)).toBe(1);
  }
});
