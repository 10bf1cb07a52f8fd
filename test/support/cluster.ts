/**
 * A cluster of compiled `dist/cairn` binaries on loopback for fault tests: N members with temp
 * data dirs, each advertising a peer port of a `PeerProxy` (so links can be cut without root)
 * while listening on its own real peer port. It finds the leader by polling `/v2/stats/self`,
 * kills (-9), stops (SIGSTOP), continues, terminates and restarts members on the same data dir
 * and ports, keeps each member's log in a file (shown on failure), and `destroy` kills it all.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { computeMemberId, formatMemberId } from "../../src/server/identity.ts";
import {
  freePort,
  pollUntil,
  removeDir,
  type ServerProcess,
  startServer,
  tempDir,
} from "./server-process.ts";
import { PeerProxy } from "./tcp-proxy.ts";

/** How a cluster is started. */
export interface ClusterOptions {
  /** Members: 3 or 5. */
  readonly size: number;
  /** Flags given to every member, after the harness's own. */
  readonly extraArgs?: readonly string[];
  /** Leader heartbeat (default 50 ms). */
  readonly heartbeatMs?: number;
  /** Election timeout (default 500 ms). */
  readonly electionTimeoutMs?: number;
}

/** One member; `server` is undefined while it is down. */
export interface Member {
  readonly name: string;
  /** The member id (hex, as /v2/stats/self shows it). */
  readonly id: string;
  readonly clientUrl: string;
  readonly clientPort: number;
  /** The real peer port the member listens on. */
  readonly peerPort: number;
  /** The advertised peer port: the proxy's. */
  readonly proxyPort: number;
  readonly dataDir: string;
  readonly logPath: string;
  server: ServerProcess | undefined;
  /** Stopped with SIGSTOP and not yet continued. */
  paused: boolean;
}

/** What `/v2/stats/self` says. */
export interface SelfStats {
  readonly id: string;
  readonly state: string;
  readonly leaderInfo: { readonly leader: string };
}

const clusterToken = "cairn-cluster";

/** A running cluster. Always `destroy` it (in `afterAll`). */
export class Cluster {
  readonly members: readonly Member[];
  readonly proxy: PeerProxy;
  readonly root: string;
  readonly #args: readonly string[];

  private constructor(members: Member[], proxy: PeerProxy, root: string, args: string[]) {
    this.members = members;
    this.proxy = proxy;
    this.root = root;
    this.#args = args;
  }

  /** Starts every member and waits until one leader is known to all. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    if (options.size < 1 || options.size > 9) {
      throw new RangeError(`Cannot start a cluster of ${options.size} members: use 1 to 9`);
    }
    const root = tempDir("cluster");
    const ports = uniquePorts(options.size * 3);
    const members = Array.from({ length: options.size }, (_, index) =>
      newMember(`m${index + 1}`, root, ports.slice(index * 3, index * 3 + 3)),
    );
    const proxy = await PeerProxy.start(
      members.map((member) => ({
        name: member.name,
        id: BigInt(`0x${member.id}`),
        proxyPort: member.proxyPort,
        peerPort: member.peerPort,
      })),
    );
    const initialCluster = members
      .map((member) => `${member.name}=http://127.0.0.1:${member.proxyPort}`)
      .join(",");
    const args = [
      "--initial-cluster", initialCluster,
      "--heartbeat-interval", String(options.heartbeatMs ?? 50),
      "--election-timeout", String(options.electionTimeoutMs ?? 500),
      "--log-level", "info",
      ...(options.extraArgs ?? []),
    ];
    const cluster = new Cluster(members, proxy, root, args);
    try {
      await Promise.all(members.map((member) => cluster.#spawn(member, false)));
      await cluster.waitForLeader();
    } catch (error) {
      const logs = cluster.describe();
      await cluster.destroy({ keepFiles: true });
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot start a cluster (files kept in ${root}): ${message}\n${logs}`);
    }
    return cluster;
  }

  /** The member named `name`. */
  member(name: string): Member {
    const member = this.members.find((candidate) => candidate.name === name);
    if (member === undefined) throw new RangeError(`No member named "${name}"`);
    return member;
  }

  /** Members that are running and not paused. */
  live(): Member[] {
    return this.members.filter((member) => member.server !== undefined && !member.paused);
  }

  /** Every member's client URL (down or not: clients fail over). */
  clientUrls(): string[] {
    return this.members.map((member) => member.clientUrl);
  }

  /**
   * Waits until exactly one of `among` (default: the live members) says it leads and all of
   * them name it as leader; returns it.
   */
  async waitForLeader(among: readonly Member[] = this.live(), timeoutMs = 20_000): Promise<Member> {
    let leader: Member | undefined;
    await pollUntil(
      async () => {
        this.#expectRunning(among);
        const stats = await Promise.all(among.map((member) => selfStats(member)));
        const leaders = among.filter((_, index) => stats[index]?.state === "StateLeader");
        const candidate = leaders.length === 1 ? leaders[0] : undefined;
        const agreed = stats.every((entry) => entry?.leaderInfo.leader === candidate?.id);
        leader = candidate !== undefined && agreed ? candidate : undefined;
        return leader !== undefined;
      },
      timeoutMs,
      `one leader among ${among.map((member) => member.name).join(", ")}`,
    );
    if (leader === undefined) throw new Error("Cannot find the leader");
    return leader;
  }

  /** The live members other than `leader`. */
  followers(leader: Member): Member[] {
    return this.live().filter((member) => member !== leader);
  }

  /** kill -9, and wait for the exit. */
  async kill(member: Member): Promise<void> {
    const server = this.#server(member);
    await server.stop("SIGKILL");
    member.server = undefined;
    member.paused = false;
    this.#note(member, "killed with SIGKILL");
  }

  /** SIGTERM, and wait for the exit; returns the exit code. */
  async terminate(member: Member): Promise<number | null> {
    const server = this.#server(member);
    if (member.paused) this.resume(member);
    const code = await server.stop("SIGTERM");
    member.server = undefined;
    this.#note(member, `terminated with SIGTERM, exit code ${code}`);
    return code;
  }

  /** SIGSTOP: the process freezes with its sockets open. */
  pause(member: Member): void {
    this.#server(member).process.kill("SIGSTOP");
    member.paused = true;
    this.#note(member, "paused with SIGSTOP");
  }

  /** SIGCONT. */
  resume(member: Member): void {
    this.#server(member).process.kill("SIGCONT");
    member.paused = false;
    this.#note(member, "continued with SIGCONT");
  }

  /**
   * Starts a stopped member again on its data dir and ports. With `waitForHealth` it returns
   * once the member serves linearizable reads (it needs a quorum for that).
   */
  async restart(member: Member, options: { waitForHealth?: boolean } = {}): Promise<void> {
    if (member.server !== undefined) {
      throw new Error(`Cannot restart ${member.name}: it is still running`);
    }
    this.#note(member, "restarting");
    await this.#spawn(member, options.waitForHealth ?? true);
  }

  /** The last `bytes` of a member's log. */
  logTail(member: Member, bytes = 3000): string {
    try {
      return readFileSync(member.logPath, "utf8").slice(-bytes);
    } catch {
      return "";
    }
  }

  /** Every member's log tail, for a failure message. */
  describe(): string {
    return this.members
      .map((member) => `--- ${member.name} (${member.id}) log tail ---\n${this.logTail(member)}`)
      .join("\n");
  }

  /** Kills every member, closes the proxy and removes the data dirs. */
  async destroy(options: { keepFiles?: boolean } = {}): Promise<void> {
    for (const member of this.members) {
      if (member.paused) member.server?.process.kill("SIGCONT");
    }
    await Promise.all(
      this.members.map(async (member) => {
        await member.server?.stop("SIGKILL");
        member.server = undefined;
      }),
    );
    await this.proxy.close();
    if (options.keepFiles !== true) removeDir(this.root);
  }

  // --- internal ---

  /** Fails at once when a member that should run has exited (a fatal error, a crash). */
  #expectRunning(members: readonly Member[]): void {
    for (const member of members) {
      const child = member.server?.process;
      if (child === undefined || (child.exitCode === null && child.signalCode === null)) continue;
      const how = child.exitCode ?? child.signalCode;
      throw new Error(`${member.name} exited unexpectedly (${how}): ${this.logTail(member, 300)}`);
    }
  }

  #server(member: Member): ServerProcess {
    if (member.server === undefined) throw new Error(`Cannot signal ${member.name}: it is down`);
    return member.server;
  }

  #note(member: Member, text: string): void {
    appendFileSync(member.logPath, `### harness ${new Date().toISOString()}: ${text}\n`);
  }

  async #spawn(member: Member, waitForHealth: boolean): Promise<void> {
    const proxyUrl = `http://127.0.0.1:${member.proxyPort}`;
    const server = await startServer({
      name: member.name,
      dataDir: member.dataDir,
      clientPort: member.clientPort,
      peerPort: member.peerPort,
      waitForHealth,
      extraArgs: [...this.#args, "--initial-advertise-peer-urls", proxyUrl],
    });
    member.server = server;
    member.paused = false;
    drain(server.process.stdout, member.logPath);
    drain(server.process.stderr, member.logPath);
  }
}

/** `/v2/stats/self` of a member, or undefined when it does not answer within a second. */
export async function selfStats(member: Member): Promise<SelfStats | undefined> {
  if (member.server === undefined || member.paused) return undefined;
  try {
    const response = await fetch(`${member.clientUrl}/v2/stats/self`, {
      signal: AbortSignal.timeout(1000),
    });
    return (await response.json()) as SelfStats;
  } catch {
    return undefined;
  }
}

/** Distinct free ports: `freePort` alone may hand out the same port twice in a row. */
export function uniquePorts(count: number): number[] {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count; attempt++) {
    if (attempt > count * 20) throw new Error(`Cannot find ${count} distinct free ports`);
    ports.add(freePort());
  }
  return [...ports];
}

// --- internal ---

function newMember(name: string, root: string, ports: readonly number[]): Member {
  const [clientPort, peerPort, proxyPort] = ports as [number, number, number];
  const id = formatMemberId(computeMemberId([`http://127.0.0.1:${proxyPort}`], clusterToken));
  return {
    name,
    id,
    clientUrl: `http://127.0.0.1:${clientPort}`,
    clientPort,
    peerPort,
    proxyPort,
    dataDir: join(root, name),
    logPath: join(root, `${name}.log`),
    server: undefined,
    paused: false,
  };
}

/** Copies a process's output into its log file until the stream ends. */
function drain(stream: ReadableStream<Uint8Array>, logPath: string): void {
  void (async () => {
    try {
      for await (const chunk of stream) appendFileSync(logPath, chunk);
    } catch {
      // The process is gone; its log is complete.
    }
  })();
}
