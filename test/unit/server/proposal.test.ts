/**
 * @module
 * The proposal envelope. A member applies the proposals it put in the log from the objects it
 * encoded, while every other replica applies what it decodes: the two must be the same value,
 * for every command the HTTP layer and the node build.
 */
import { describe, expect, test } from "bun:test";
import { createMsgpackCodec } from "../../../src/codec/index.ts";
import type { FormValues } from "../../../src/http/form.ts";
import { parseKeyParameters, writeCommand } from "../../../src/http/keys/service.ts";
import { defaultLimits } from "../../../src/limits.ts";
import {
  type Proposal,
  type ReplicatedCommand,
  decodeProposal,
  encodeProposal,
  restampProposal,
  tryDecodeProposal,
} from "../../../src/server/proposal.ts";

const codec = createMsgpackCodec();
const nowMs = 1_790_000_000_123;

/** Every combination of the write parameters that shape a command. */
function writeCommands(): ReplicatedCommand[] {
  const commands: ReplicatedCommand[] = [];
  const choices: Record<string, readonly (string | undefined)[]> = {
    value: [undefined, "", "v", "ünïcødé ✓"],
    ttl: [undefined, "", "0", "60", "-0"],
    prevExist: [undefined, "true", "false"],
    prevValue: [undefined, "", "old"],
    prevIndex: [undefined, "0", "7"],
    dir: [undefined, "true"],
    refresh: [undefined, "true"],
    recursive: [undefined, "true"],
  };
  const names = Object.keys(choices);
  const combine = (position: number, values: FormValues): void => {
    const name = names[position];
    if (name === undefined) {
      for (const method of ["PUT", "POST", "DELETE"] as const) {
        let parameters;
        try {
          parameters = parseKeyParameters(method, new Map(values));
        } catch {
          continue; // a combination etcd refuses never becomes a command
        }
        commands.push(
          writeCommand({ method, key: "/a/b", parameters, limits: defaultLimits, nowMs }),
        );
      }
      return;
    }
    for (const choice of choices[name] ?? []) {
      const next = new Map(values);
      if (choice !== undefined) next.set(name, choice);
      combine(position + 1, next);
    }
  };
  combine(0, new Map());
  return commands;
}

describe("proposal envelope", () => {
  test("every write command decodes to exactly the value that was encoded", () => {
    const commands = writeCommands();
    expect(commands.length).toBeGreaterThan(1000);
    for (const [position, command] of commands.entries()) {
      const proposal: Proposal = { proposer: 0xfedc_ba98_7654_3210n, requestId: position + 1,
        nowMs, command };
      expect(decodeProposal(codec, encodeProposal(codec, proposal))).toStrictEqual(proposal);
    }
  });

  test("expiry and member commands round-trip exactly", () => {
    const commands: ReplicatedCommand[] = [
      { op: "expire" },
      { op: "publishMember", memberId: 1n << 63n, name: "n1", clientURLs: ["http://a:1"] },
      { op: "updateMemberPeers", memberId: 5n, peerURLs: ["http://b:2", "http://c:3"] },
    ];
    for (const command of commands) {
      const proposal: Proposal = { proposer: 2n, requestId: 2 ** 40, nowMs: 0.5, command };
      expect(decodeProposal(codec, encodeProposal(codec, proposal))).toStrictEqual(proposal);
    }
  });

  test("a restamped proposal is exactly what encoding it with the new stamp writes", () => {
    const command: ReplicatedCommand = { op: "delete", key: "/k", dir: false, recursive: false };
    const stamps = [0, 1, 0.5, 2 ** 31, 2 ** 32 - 1, 2 ** 32, nowMs, nowMs + 0.25, -1, -(2 ** 40)];
    for (const proposer of [1n, 2n ** 63n, 2n ** 64n - 1n]) {
      for (const requestId of [1, 127, 128, 65_536, 2 ** 32, 2 ** 53 - 1]) {
        for (const before of stamps) {
          const proposal: Proposal = { proposer, requestId, nowMs: before, command };
          const data = encodeProposal(codec, proposal);
          const original = data.slice();
          for (const after of stamps) {
            const restamped = restampProposal(codec, data, proposal, after);
            expect(restamped).toEqual(encodeProposal(codec, { ...proposal, nowMs: after }));
          }
          expect(data).toEqual(original);
        }
      }
    }
  });

  test("bytes that are not a proposal are refused, not decoded", () => {
    expect(tryDecodeProposal(codec, codec.pack([1, 2n, 1, 0, { op: "drop table" }]))).toBeNull();
    expect(tryDecodeProposal(codec, codec.pack([2, 2n, 1, 0, { op: "expire" }]))).toBeNull();
    expect(tryDecodeProposal(codec, Uint8Array.of(0xc1))).toBeNull();
  });
});
