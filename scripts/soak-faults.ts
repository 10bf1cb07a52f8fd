/**
 * @module
 * The fault soak: rounds of randomized fault schedules against a real cluster of compiled
 * binaries (test/support/cluster.ts), each under the checked client load. A round draws
 * everything from its seed: 3 or 5 members, the snapshot cadence, and a schedule of faults
 * (kill -9, SIGSTOP, SIGTERM, isolating a member, cutting a link one way or both, delaying
 * every link), each undone after a random hold. At most a minority is ever down or cut off, so
 * writes must keep being acknowledged. Then everything heals and the round must converge: a
 * linearizable history, every acknowledged write on every member, equal keys and indexes.
 *
 *   bun scripts/soak-faults.ts --duration-s 600 [--rounds 20] [--seed 7] [--steps 8]
 *     [--snapshot-counts 20,100,10000]
 *
 * A failing round prints `SOAK_SEED=<n>` (replay with `--seed <n> --rounds 1`), keeps the
 * cluster's files and exits 1.
 */
import { Cluster, type Member } from "../test/support/cluster.ts";
import {
  expectConverged,
  finishLoad,
  startLoad,
  waitForMoreAcknowledged,
} from "../test/support/fault-workload.ts";
import { createPrng, type Prng } from "../src/lib/prng.ts";

interface SoakOptions {
  readonly durationS: number;
  readonly rounds: number;
  readonly seed: number;
  readonly steps: number;
  /** The `--snapshot-count` values a round draws from. */
  readonly snapshotCounts: readonly number[];
}

/** A fault in effect, and how to undo it. */
interface Fault {
  readonly description: string;
  undo(): Promise<void>;
}

const options = parseOptions(process.argv.slice(2));
const startMs = performance.now();
let round = 0;
for (; round < options.rounds; round++) {
  if ((performance.now() - startMs) / 1000 >= options.durationS) break;
  const seed = (options.seed + round) >>> 0;
  const ok = await runRound(seed);
  if (!ok) process.exit(1);
}
const elapsedS = (performance.now() - startMs) / 1000;
console.log(`soak: ${round} rounds passed in ${elapsedS.toFixed(0)} s`);

// --- internal ---

function parseOptions(argv: readonly string[]): SoakOptions {
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 2) {
    const name = argv[index] ?? "";
    const value = argv[index + 1];
    if (!name.startsWith("--") || value === undefined) {
      throw new Error(`Cannot parse the soak arguments: expected --name value at "${name}"`);
    }
    values.set(name.slice(2), value);
  }
  const counts = (values.get("snapshot-counts") ?? "20,100,10000").split(",").map(Number);
  if (counts.some((count) => !Number.isSafeInteger(count) || count < 1)) {
    throw new Error(`Cannot use --snapshot-counts "${values.get("snapshot-counts")}"`);
  }
  const number = (name: string, fallback: number) => {
    const value = Number(values.get(name) ?? fallback);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`Cannot use --${name} "${values.get(name)}": not a whole number`);
    }
    return value;
  };
  return {
    durationS: number("duration-s", 300),
    rounds: number("rounds", 1_000_000),
    seed: number("seed", Date.now() % 0x7fff_ffff),
    steps: number("steps", 8),
    snapshotCounts: counts,
  };
}

async function runRound(seed: number): Promise<boolean> {
  const prng = createPrng(seed);
  const size = prng.chance(0.3) ? 5 : 3;
  const counts = options.snapshotCounts;
  const snapshotCount = counts[prng.nextInt(counts.length)] ?? 100;
  const parameters = `seed ${seed}: ${size} members, --snapshot-count ${snapshotCount}`;
  console.log(`soak round ${round + 1}, ${parameters}`);
  let cluster: Cluster | undefined;
  try {
    cluster = await Cluster.start({
      size,
      // A catch-up window as small as the snapshot interval, so lagging members do need snapshots.
      extraArgs: [
        "--snapshot-count",
        String(snapshotCount),
        "--snapshot-catch-up-entries",
        String(Math.min(snapshotCount, 5000)),
      ],
    });
    const load = startLoad({ endpoints: cluster.clientUrls(), seed });
    await waitForMoreAcknowledged(load, 20, 15_000, "before the faults");
    for (let step = 0; step < options.steps; step++) {
      const fault = await injectFault(cluster, prng);
      console.log(`  step ${step + 1}: ${fault.description}`);
      // Progress with the fault in effect: a majority is always up and connected.
      await waitForMoreAcknowledged(load, 10, 30_000, `during "${fault.description}"`);
      await Bun.sleep(prng.nextInt(1500));
      await fault.undo();
    }
    cluster.proxy.healAll();
    cluster.proxy.delay(0);
    await cluster.waitForLeader(cluster.members, 30_000);
    await waitForMoreAcknowledged(load, 20, 30_000, "after healing");
    await finishLoad(load, cluster.clientUrls(), `  round ${round + 1}`);
    await expectConverged(cluster.clientUrls(), 30_000);
    await cluster.destroy();
    return true;
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.log(`SOAK_SEED=${seed} failed (${parameters}):\n${message}`);
    if (cluster !== undefined) {
      console.log(cluster.describe());
      console.log(`files kept in ${cluster.root}`);
      await cluster.destroy({ keepFiles: true });
    }
    return false;
  }
}

/** Draws one fault, applies it and returns how to undo it. */
async function injectFault(cluster: Cluster, prng: Prng): Promise<Fault> {
  const leader = await cluster.waitForLeader(cluster.members, 30_000);
  const target = prng.chance(0.5)
    ? leader
    : (cluster.members[prng.nextInt(cluster.members.length)] as Member);
  const other = cluster.members.find((member) => member !== target) as Member;
  const kind = prng.nextInt(7);
  const role = target === leader ? "leader" : "member";
  switch (kind) {
    case 0: {
      await cluster.kill(target);
      return fault(`kill -9 ${role} ${target.name}`, () => cluster.restart(target));
    }
    case 1: {
      cluster.pause(target);
      return fault(`SIGSTOP ${role} ${target.name}`, async () => cluster.resume(target));
    }
    case 2: {
      await cluster.terminate(target);
      return fault(`SIGTERM ${role} ${target.name}`, () => cluster.restart(target));
    }
    case 3: {
      cluster.proxy.isolate(target.name);
      const undo = async () => cluster.proxy.healAll();
      return fault(`isolate ${role} ${target.name}`, undo);
    }
    case 4: {
      cluster.proxy.cut(target.name, other.name, { oneWay: true });
      const undo = async () => cluster.proxy.heal(target.name, other.name, { oneWay: true });
      return fault(`cut ${target.name} → ${other.name} one way`, undo);
    }
    case 5: {
      cluster.proxy.cut(target.name, other.name);
      const undo = async () => cluster.proxy.heal(target.name, other.name);
      return fault(`cut ${target.name} ↔ ${other.name}`, undo);
    }
    default: {
      const delayMs = 5 + prng.nextInt(40);
      cluster.proxy.delay(delayMs);
      return fault(`delay every link by ${delayMs} ms`, async () => cluster.proxy.delay(0));
    }
  }
}

function fault(description: string, undo: () => Promise<void>): Fault {
  return { description, undo };
}
