import { expect, test } from "bun:test";
import { SoloConsensus } from "../../../src/server/solo-consensus.ts";

function fresh(overrides: Partial<ConstructorParameters<typeof SoloConsensus>[0]> = {}) {
  return new SoloConsensus({
    memberId: 1n,
    hardState: { term: 0, vote: 0n, commit: 0 },
    lastIndex: 0,
    lastTerm: 0,
    appliedIndex: 0,
    unappliedEntries: [],
    uncommittedBytesMax: 100,
    ...overrides,
  });
}

test("starting wins an election: a new term, a vote for itself and a no-op to persist", () => {
  const consensus = fresh({ hardState: { term: 4, vote: 2n, commit: 0 } });
  const ready = consensus.ready();
  expect(ready.hardState).toEqual({ term: 5, vote: 1n, commit: 0 });
  expect(ready.entries).toEqual([{ term: 5, index: 1, type: 0, data: new Uint8Array(0) }]);
  expect(ready.committedEntries).toEqual([]);
  expect(ready.mustSync).toBe(true);
});

test("an entry is committed and handed out for apply only after the Ready holding it advanced", () => {
  const consensus = fresh();
  consensus.ready();
  consensus.advance();
  expect(consensus.propose(new Uint8Array([1])).ok).toBe(true);
  const persist = consensus.ready();
  expect(persist.entries.map((entry) => entry.index)).toEqual([2]);
  expect(persist.committedEntries.map((entry) => entry.index)).toEqual([1]);
  expect(consensus.status().commit).toBe(1);
  consensus.advance();
  const apply = consensus.ready();
  expect(apply.committedEntries.map((entry) => entry.index)).toEqual([2]);
  expect(apply.hardState?.commit).toBe(2);
  // Only the commit index moved: no fsync is needed for that.
  expect(apply.mustSync).toBe(false);
});

test("proposals beyond the uncommitted byte limit are refused with a reason", () => {
  const consensus = fresh({ uncommittedBytesMax: 10 });
  expect(consensus.propose(new Uint8Array(8)).ok).toBe(true);
  expect(consensus.propose(new Uint8Array(8))).toEqual({
    ok: false,
    reason: "too many uncommitted bytes in flight",
  });
});

test("recovered durable entries are committed and applied after the restart election", () => {
  const entry = { term: 2, index: 6, type: 0 as const, data: new Uint8Array([9]) };
  const consensus = fresh({
    hardState: { term: 2, vote: 1n, commit: 5 },
    lastIndex: 6,
    lastTerm: 2,
    appliedIndex: 5,
    unappliedEntries: [entry],
  });
  const ready = consensus.ready();
  expect(ready.committedEntries).toEqual([entry]);
  expect(ready.entries[0]?.index).toBe(7);
  expect(ready.entries[0]?.term).toBe(3);
});

test("ready() twice without advance() is a programmer error", () => {
  const consensus = fresh();
  consensus.ready();
  expect(() => consensus.ready()).toThrow("ready() called twice");
});
