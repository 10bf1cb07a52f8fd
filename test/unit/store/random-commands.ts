/**
 * @module
 * Random store commands for the seeded property tests: a small key alphabet (with hidden
 * components) so commands collide, and compares aimed at recently written files so they
 * sometimes succeed.
 */
import type { Prng } from "../../../src/lib/prng.ts";
import type { ApplyOutcome, StoreCommand } from "../../../src/store/types.ts";

const names = ["a", "b", "_h", "c"];
const values = ["", "x", "y", "zz"];

/** A key of depth 1 to 3 from a small alphabet, hidden components included. */
export function randomKey(prng: Prng): string {
  const depth = 1 + prng.nextInt(3);
  const components: string[] = [];
  for (let level = 0; level < depth; level += 1) components.push(names[prng.nextInt(4)] ?? "a");
  return `/${components.join("/")}`;
}

function randomTtl(prng: Prng): number | null {
  return prng.chance(0.6) ? null : prng.nextInt(6);
}

/** Files seen in recent events, so compares often name a live node with its real state. */
export type Recent = { key: string; value: string; modifiedIndex: number }[];

function randomCompare(prng: Prng, index: number, target: Recent[number] | null) {
  const prevValue = prng.chance(0.5) ? (target?.value ?? values[prng.nextInt(4)] ?? "") : null;
  const knownIndex = target?.modifiedIndex ?? 1 + prng.nextInt(index + 2);
  const prevIndex = prevValue === null || prng.chance(0.3) ? knownIndex : null;
  return { prevValue, prevIndex };
}

/** A random command; compares often use a recently seen file's real value or index. */
export function randomCommand(prng: Prng, index: number, recent: Recent): StoreCommand {
  const target = recent.length > 0 && prng.chance(0.7) ? recent[prng.nextInt(recent.length)] : null;
  const key = target?.key ?? (prng.chance(0.03) ? "/" : randomKey(prng));
  const value = values[prng.nextInt(4)] ?? "";
  const ttlSeconds = randomTtl(prng);
  const refresh = prng.chance(0.1);
  const dir = prng.chance(0.2);
  const compare = randomCompare(prng, index, target ?? null);
  switch (prng.nextInt(8)) {
    case 0:
      return { op: "set", key, value, dir, ttlSeconds, refresh };
    case 1:
      return { op: "create", key, value, dir, ttlSeconds, refresh, inOrder: prng.chance(0.3) };
    case 2:
      return { op: "update", key, value, ttlSeconds, refresh };
    case 3:
      return { op: "compareAndSwap", key, value, ttlSeconds, refresh, ...compare };
    case 4:
      return { op: "delete", key, dir, recursive: prng.chance(0.4) };
    case 5:
      return { op: "compareAndDelete", key, ...compare };
    case 6:
      return { op: "expire" };
    default:
      return { op: "set", key, value, dir: false, ttlSeconds, refresh: false };
  }
}

/** Remembers the files of a successful outcome for later compares. */
export function remember(recent: Recent, outcome: ApplyOutcome): void {
  if (!outcome.ok) return;
  for (const { node } of outcome.events) {
    if (node.value === undefined) continue;
    recent.push({ key: node.key, value: node.value, modifiedIndex: node.modifiedIndex });
    if (recent.length > 8) recent.shift();
  }
}

