import { expect, test } from "bun:test";
import { raftTicks } from "../../../src/server/member.ts";

test("Raft's timeouts are counted in ticks of the finer of heartbeat and expiry intervals", () => {
  expect(raftTicks({ heartbeatIntervalMs: 100, electionTimeoutMs: 1000, expiryIntervalMs: 500 }))
    .toEqual({ tickIntervalMs: 100, heartbeatTicks: 1, electionTicks: 10 });
  // A fine expiry interval makes ticks shorter, never Raft's timeouts.
  expect(raftTicks({ heartbeatIntervalMs: 100, electionTimeoutMs: 1000, expiryIntervalMs: 50 }))
    .toEqual({ tickIntervalMs: 50, heartbeatTicks: 2, electionTicks: 20 });
});
