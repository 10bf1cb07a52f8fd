/**
 * Crash safety of the compiled binary: concurrent writers, `kill -9` at a random point of the
 * load, restart; every acknowledged write must be there with the index it was acknowledged with.
 * Seeded: a failure prints the seed, and CRASH_SEED=<seed> replays the same schedule.
 */
import { afterAll, expect, test } from "bun:test";
import { createPrng } from "../../src/lib/prng.ts";
import { killAll, removeDir, startServer } from "../support/server-process.ts";

const rounds = 5;
const writers = 16;
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const dirs: string[] = [];
// Frequent snapshots, so kills also land while a snapshot is written and the log released.
const serverArgs = ["--snapshot-count", "50"];

afterAll(async () => {
  await killAll();
  for (const dir of dirs) removeDir(dir);
});

interface Acknowledged {
  readonly value: string;
  readonly modifiedIndex: number;
}

async function writeUntilKilled(
  base: string,
  round: number,
  killAfter: number,
  kill: () => void,
): Promise<Map<string, Acknowledged>> {
  const acknowledged = new Map<string, Acknowledged>();
  let stopped = false;
  const writer = async (writerId: number): Promise<void> => {
    for (let sequence = 0; !stopped; sequence++) {
      const key = `/crash/r${round}/w${writerId}/${sequence}`;
      const value = `v-${round}-${writerId}-${sequence}`;
      try {
        const response = await fetch(`${base}/v2/keys${key}`, {
          method: "PUT",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `value=${value}`,
        });
        if (response.status !== 201) continue;
        const body = (await response.json()) as { node: { modifiedIndex: number } };
        acknowledged.set(key, { value, modifiedIndex: body.node.modifiedIndex });
        if (acknowledged.size >= killAfter && !stopped) {
          stopped = true;
          kill();
        }
      } catch {
        stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, writerId) => writer(writerId)));
  return acknowledged;
}

test(`kill -9 under concurrent writes loses no acknowledged write (seed ${seed})`, async () => {
  const prng = createPrng(seed);
  let server = await startServer({ extraArgs: serverArgs });
  dirs.push(server.dataDir);
  const everything = new Map<string, Acknowledged>();
  for (let round = 0; round < rounds; round++) {
    const killAfter = 20 + prng.nextInt(400);
    const target = server;
    const acknowledged = await writeUntilKilled(target.clientUrl, round, killAfter, () => {
      target.process.kill("SIGKILL");
    });
    await target.stop("SIGKILL");
    for (const [key, ack] of acknowledged) everything.set(key, ack);
    server = await startServer({ dataDir: target.dataDir, extraArgs: serverArgs });
    const missing: string[] = [];
    for (const [key, ack] of everything) {
      const response = await fetch(`${server.clientUrl}/v2/keys${key}`);
      const body = (await response.json()) as { node?: { value: string; modifiedIndex: number } };
      if (body.node?.value !== ack.value || body.node.modifiedIndex !== ack.modifiedIndex) {
        missing.push(`${key}: acknowledged ${JSON.stringify(ack)}, found ${JSON.stringify(body)}`);
      }
    }
    if (missing.length > 0) {
      throw new Error(`CRASH_SEED=${seed} round ${round}: lost writes:\n${missing.join("\n")}`);
    }
  }
  expect(everything.size).toBeGreaterThan(rounds * 20);
  await server.stop();
}, 120_000);
