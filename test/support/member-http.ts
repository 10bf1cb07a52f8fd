/**
 * @module
 * Small HTTP helpers for tests that run several compiled members by hand: the
 * `--initial-cluster` flag for a set of ports, a write, a linearizable read, and waiting for
 * exactly one leader. Unreachable members count as "no answer", so the helpers work while
 * members are killed or removed.
 */
import { freePort, pollUntil, type ServerProcess } from "./server-process.ts";

/** A member's name and loopback ports, chosen before it starts. */
export interface MemberPorts {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

/** Fresh ports for a member called `name`. */
export function memberPorts(name: string): MemberPorts {
  return { name, clientPort: freePort(), peerPort: freePort() };
}

export function peerUrlOf(member: MemberPorts): string {
  return `http://127.0.0.1:${member.peerPort}`;
}

/** `--initial-cluster` for these members. */
export function clusterFlag(members: readonly MemberPorts[]): string {
  return members.map((member) => `${member.name}=${peerUrlOf(member)}`).join(",");
}

/** PUTs `value` at `key`; returns the status (the body is read and dropped). */
export async function putValue(server: ServerProcess, key: string, value: string): Promise<number> {
  const response = await fetch(`${server.clientUrl}/v2/keys${key}`, {
    method: "PUT",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `value=${value}`,
  });
  await response.arrayBuffer();
  return response.status;
}

/** The value at `key` read with `quorum=true`, or undefined (missing, error, unreachable). */
export async function quorumValue(server: ServerProcess, key: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${server.clientUrl}/v2/keys${key}?quorum=true`);
    const body = (await response.json()) as { node?: { value?: string } };
    return body.node?.value;
  } catch {
    return undefined;
  }
}

/** Polls until exactly one of `servers` reports `StateLeader`; returns it. */
export async function leaderOf(servers: readonly ServerProcess[]): Promise<ServerProcess> {
  let leader: ServerProcess | undefined;
  await pollUntil(
    async () => {
      const states = await Promise.all(servers.map(stateOf));
      const leaders = servers.filter((_, index) => states[index] === "StateLeader");
      leader = leaders.length === 1 ? leaders[0] : undefined;
      return leader !== undefined;
    },
    15_000,
    "exactly one leader",
  );
  if (leader === undefined) throw new Error("no leader");
  return leader;
}

// --- internal ---

async function stateOf(server: ServerProcess): Promise<string> {
  try {
    const self = await (await fetch(`${server.clientUrl}/v2/stats/self`)).json();
    return (self as { state: string }).state;
  } catch {
    return "unreachable";
  }
}
