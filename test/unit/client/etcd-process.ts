/**
 * @module
 * Starts a real single-member etcd 3.4 (`/usr/bin/etcd --enable-v2`) on free loopback ports with
 * a fresh temp data dir, for tests that need the reference server. Always stop it in afterAll.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const etcdBinary = "/usr/bin/etcd";

/** Whether the reference server is installed (CI installs only etcd-client). */
export const etcdAvailable = existsSync(etcdBinary);

/** A running etcd. */
export interface EtcdProcess {
  readonly clientUrl: string;
  readonly peerUrl: string;
  /** Kills the process (by its PID) and removes its data dir. */
  stop(): Promise<void>;
}

/** Returns a loopback port that was free a moment ago. */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/**
 * Starts etcd and waits (polling /health, with a deadline) until it answers.
 * @throws {Error} with the tail of etcd's log when it does not come up in time.
 */
export async function startEtcd(options: { deadlineMs?: number } = {}): Promise<EtcdProcess> {
  const directory = mkdtempSync(join(tmpdir(), "cairn-etcd-"));
  const clientUrl = `http://127.0.0.1:${freePort()}`;
  const peerUrl = `http://127.0.0.1:${freePort()}`;
  const logPath = join(directory, "etcd.log");
  const child = Bun.spawn(
    [
      etcdBinary,
      "--enable-v2",
      "--name=t0",
      `--data-dir=${join(directory, "data")}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=t0=${peerUrl}`,
    ],
    { stdout: "ignore", stderr: Bun.file(logPath), env: {} },
  );
  const stop = async (): Promise<void> => {
    child.kill("SIGKILL");
    await child.exited;
    rmSync(directory, { recursive: true, force: true });
  };
  const deadline = performance.now() + (options.deadlineMs ?? 20_000);
  while (performance.now() < deadline && child.exitCode === null) {
    const healthy = await fetch(`${clientUrl}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { clientUrl, peerUrl, stop };
    await Bun.sleep(25);
  }
  const log = existsSync(logPath) ? readFileSync(logPath, "utf8").slice(-2000) : "";
  await stop();
  throw new Error(`etcd did not become healthy at ${clientUrl}:\n${log}`);
}
