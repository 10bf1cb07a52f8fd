import { expect, test } from "bun:test";
import { PendingReads } from "../../../src/server/pending-reads.ts";

test("every read gets a fresh context, and an answer releases only its own read", async () => {
  const reads = new PendingReads();
  const first = reads.open(1000, 0);
  const second = reads.open(1000, 0);
  expect(Buffer.from(first.context).equals(Buffer.from(second.context))).toBe(false);
  reads.answer({ index: 7, context: second.context });
  expect(await second.index).toBe(7);
  let firstSettled = false;
  void first.index.then(() => (firstSettled = true));
  await Promise.resolve();
  expect(firstSettled).toBe(false);
});

test("contexts differ between two lives of a member (a restart never reuses one)", () => {
  const before = new PendingReads().open(1000, 0).context;
  const after = new PendingReads().open(1000, 0).context;
  expect(Buffer.from(before).equals(Buffer.from(after))).toBe(false);
});

test("an answer for an unknown or cancelled context is ignored", async () => {
  const reads = new PendingReads();
  const read = reads.open(1000, 0);
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
  const read = reads.open(100, 0);
  reads.expireOverdue(99);
  reads.expireOverdue(100);
  await expect(read.index).rejects.toMatchObject({ errorCode: 300 });
});

test("a read unanswered for the retry interval is asked again; either answer releases it", async () => {
  const reads = new PendingReads();
  const read = reads.open(5000, 0);
  expect(reads.retryDue(499, 500)).toEqual([]);
  const [retry] = reads.retryDue(500, 500);
  if (retry === undefined) throw new Error("no retry at 500 ms");
  expect(Buffer.from(retry).equals(Buffer.from(read.context))).toBe(false);
  // The next retry counts from this one.
  expect(reads.retryDue(900, 500)).toEqual([]);
  // The answer to the first attempt arrives after all: it releases the read and every attempt.
  reads.answer({ index: 9, context: read.context });
  expect(await read.index).toBe(9);
  expect(reads.size).toBe(0);
  reads.answer({ index: 10, context: retry });
  expect(reads.retryDue(5000, 500)).toEqual([]);
});

test("a refused retry attempt leaves the read waiting for another", async () => {
  const reads = new PendingReads();
  const read = reads.open(5000, 0);
  const [retry] = reads.retryDue(500, 500);
  if (retry === undefined) throw new Error("no retry at 500 ms");
  reads.cancelAttempt(retry);
  expect(reads.size).toBe(1);
  const [again] = reads.retryDue(1000, 500);
  if (again === undefined) throw new Error("no retry at 1000 ms");
  reads.answer({ index: 4, context: again });
  expect(await read.index).toBe(4);
});
