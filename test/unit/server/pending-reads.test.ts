import { expect, test } from "bun:test";
import { PendingReads } from "../../../src/server/pending-reads.ts";

test("every read gets a fresh context, and an answer releases only its own read", async () => {
  const reads = new PendingReads();
  const first = reads.open(1000);
  const second = reads.open(1000);
  expect(Buffer.from(first.context).equals(Buffer.from(second.context))).toBe(false);
  reads.answer({ index: 7, context: second.context });
  expect(await second.index).toBe(7);
  let firstSettled = false;
  void first.index.then(() => (firstSettled = true));
  await Promise.resolve();
  expect(firstSettled).toBe(false);
});

test("contexts differ between two lives of a member (a restart never reuses one)", () => {
  const before = new PendingReads().open(1000).context;
  const after = new PendingReads().open(1000).context;
  expect(Buffer.from(before).equals(Buffer.from(after))).toBe(false);
});

test("an answer for an unknown or cancelled context is ignored", async () => {
  const reads = new PendingReads();
  const read = reads.open(1000);
  reads.cancel(read.context);
  reads.answer({ index: 3, context: read.context });
  reads.answer({ index: 3, context: new Uint8Array(16) });
  reads.expireOverdue(2000);
  let settled = false;
  void read.index.then(() => (settled = true));
  await Promise.resolve();
  expect(settled).toBe(false);
});

test("a read Raft never answers fails with 300 at its deadline", async () => {
  const reads = new PendingReads();
  const read = reads.open(100);
  reads.expireOverdue(99);
  reads.expireOverdue(100);
  await expect(read.index).rejects.toMatchObject({ errorCode: 300 });
});
