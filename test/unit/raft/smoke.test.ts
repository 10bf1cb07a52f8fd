/**
 * @module
 * The shortest end-to-end checks: elections and replication work at all.
 */

import { describe, expect, test } from "bun:test";
import { RaftNetwork, bytes, text } from "../../support/raft-network.ts";

describe("raft smoke", () => {
  test("three members elect a leader and replicate a proposal", () => {
    const network = new RaftNetwork([1n, 2n, 3n]);
    network.campaign(1n);
    expect(network.leaders()).toEqual([1n]);
    expect(network.node(1n).propose(bytes("hello"))).toEqual({ ok: true });
    network.stabilize();
    for (const id of [1n, 2n, 3n]) {
      const member = network.member(id);
      expect(member.applied.map((entry) => text(entry.data))).toEqual(["hello"]);
      expect(member.node.status().commit).toBe(2);
    }
  });

  test("a single member elects itself by ticking", () => {
    const network = new RaftNetwork([1n]);
    network.tick(1n, 25);
    expect(network.leaders()).toEqual([1n]);
    expect(network.node(1n).propose(bytes("x"))).toEqual({ ok: true });
    network.stabilize();
    expect(network.member(1n).applied.length).toBe(1);
  });
});
