/**
 * Runs the compiled `dist/cairn` binary as a real process on loopback ports with a fresh temp
 * data dir, waits for it by polling, and always kills what it started.
 */
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const binaryPath = join(import.meta.dir, "..", "..", "dist", "cairn");

/** A loopback port that was free a moment ago. */
export function freePort(): number {
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data() {} },
  });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `cairn-${prefix}-`));
}

export interface ServerOptions {
  /** Reuse a data dir (for restarts); a fresh temp dir otherwise. */
  readonly dataDir?: string;
  readonly clientPort?: number;
  readonly peerPort?: number;
  readonly name?: string;
  readonly extraArgs?: readonly string[];
  /** Variables added to this process's environment for the server. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Whether to wait for `/health` before returning (default true). A cluster member that cannot
   * reach a quorum (started alone, or behind a cut link) never becomes healthy.
   */
  readonly waitForHealth?: boolean;
}

export interface ServerProcess {
  readonly name: string;
  readonly clientUrl: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly process: Subprocess<"ignore", "pipe", "pipe">;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ServerProcess>();

/** Starts the binary and waits until it answers `/health`. */
export async function startServer(options: ServerOptions = {}): Promise<ServerProcess> {
  if (!existsSync(binaryPath)) {
    throw new Error(`Cannot start ${binaryPath}: it does not exist; run "bun run build" first`);
  }
  const name = options.name ?? "default";
  const clientPort = options.clientPort ?? freePort();
  const peerPort = options.peerPort ?? freePort();
  const dataDir = options.dataDir ?? tempDir("data");
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const child = Bun.spawn(
    [
      binaryPath,
      "--name", name,
      "--data-dir", dataDir,
      "--listen-client-urls", clientUrl,
      "--advertise-client-urls", clientUrl,
      "--listen-peer-urls", peerUrl,
      "--initial-advertise-peer-urls", peerUrl,
      "--initial-cluster", `${name}=${peerUrl}`,
      ...(options.extraArgs ?? []),
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...options.env } },
  );
  const server: ServerProcess = {
    name,
    clientUrl,
    clientPort,
    peerPort,
    dataDir,
    process: child,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await child.exited;
      running.delete(server);
      return code;
    },
  };
  running.add(server);
  if (options.waitForHealth === false) return server;
  try {
    // A ceiling, not a wait: a member answers /health once it can serve a linearizable read.
    await waitForHealth(clientUrl, child, 30_000);
  } catch (error) {
    await server.stop("SIGKILL");
    const stderr = await new Response(child.stderr).text();
    throw new Error(`${String(error)}\n--- stderr ---\n${stderr.slice(-4000)}`);
  }
  return server;
}

/** Kills every server this module started that is still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop("SIGKILL")));
}

/** Removes a temp dir made by `tempDir`. */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Polls `probe` until it returns true or the deadline passes. */
export async function pollUntil(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await Bun.sleep(20);
  }
}

// --- internal ---

async function waitForHealth(
  clientUrl: string,
  child: Subprocess,
  timeoutMs: number,
): Promise<void> {
  await pollUntil(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`cairn exited early with ${child.exitCode ?? child.signalCode}`);
      }
      try {
        const response = await fetch(`${clientUrl}/health`);
        return response.ok;
      } catch {
        return false;
      }
    },
    timeoutMs,
    `cairn at ${clientUrl} to answer /health`,
  );
}
