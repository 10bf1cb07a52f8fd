/**
 * @module
 * Seeded mutation fuzzing of the peer boundary. A real three-member exchange runs on the test
 * network; a fraction of the messages in flight are replaced by mutated copies before delivery.
 *
 * - Impossible mutations (each breaks a rule no correct peer breaks) must be refused by
 *   RawNode.step with the receiver's state unchanged, and the cluster must keep Raft's safety
 *   properties and recover once the mutations stop.
 * - Noise mutations (any field set to an odd value, including plausible lies) must never make a
 *   member throw. Safety is not asserted for them: a lie indistinguishable from the truth (a
 *   forged vote or acknowledgement) is outside what Raft tolerates.
 *
 * A failure names its seed and step; `FUZZ_SEED=<n>` reruns one seed.
 */

import { describe, expect, test } from "bun:test";
import { type Prng, createPrng } from "../../../src/lib/prng.ts";
import { EntryType, type MemberId, type Message, RawNode } from "../../../src/raft/index.ts";
import { RaftNetwork, bytes, describe as describeMessage } from "../../support/raft-network.ts";

const ids: readonly MemberId[] = [1n, 2n, 3n];
const stepsPerSeed = 2000;

type Mode = "impossible" | "noise";
type Fields = Record<string, unknown>;

interface Mutation {
  readonly name: string;
  readonly message: Fields;
}

/** The parts of a node's state a refused message must not change. */
function fingerprint(node: RawNode): string {
  const raft = node.raftForTesting;
  const progress: string[] = [];
  if (raft.role === "leader") {
    for (const [id, peer] of raft.progress) progress.push(`${id}:${peer.match}:${peer.next}`);
  }
  const lastIndex = raft.log.lastIndex();
  return [raft.term, raft.vote, raft.log.committed, lastIndex, raft.log.term(lastIndex),
    raft.lead, raft.role, node.hasReady(), progress.join(",")].join("|");
}

/** What the receiver's state says, as RawNode.step sees it. */
function view(node: RawNode): { term: number; lastIndex: number; role: string } {
  const raft = node.raftForTesting;
  return { term: raft.term, lastIndex: raft.log.lastIndex(), role: raft.role };
}

function pick<T>(prng: Prng, items: readonly T[]): T {
  return items[prng.nextInt(items.length)] as T;
}


const badConfChange = new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 1]);

/** Every mutation here breaks a rule that no correct peer breaks, given the receiver's state. */
function impossibleMutations(message: Message, receiver: RawNode, prng: Prng): Mutation[] {
  const self = receiver.raftForTesting.id;
  const { term: ourTerm, lastIndex, role } = view(receiver);
  const other = pick(prng, [...ids.filter((id) => id !== self), 42n]);
  // Shallow copies suffice: every nested change below builds new objects.
  const set = (name: string, fields: Fields): Mutation => ({
    name,
    message: { ...(message as unknown as Fields), ...fields },
  });
  const odd = pick(prng, [Number.NaN, -1, 0.5, 2 ** 53, Number.POSITIVE_INFINITY]);
  const forwarded = ["MsgProp", "MsgReadIndex", "MsgTransferLeader"].includes(message.type);
  const mutations: Mutation[] = [
    set("to another member", { to: other }),
    set("from member 0", { from: 0n }),
    set("from the receiver itself", { from: self }),
    set(`term ${odd}`, { term: odd }),
    set("an unknown type", { type: "MsgBogus" }),
    forwarded ? set("a forwarded request with a term", { term: 1 + prng.nextInt(9) })
      : set("no term", { term: 0 }),
  ];
  const term = message.term;
  switch (message.type) {
    case "MsgApp": {
      const entries = message.entries.map((entry) => ({ ...entry }));
      mutations.push(
        set("previous term above the message term", { logTerm: term + 1 }),
        set(`index ${odd}`, { index: odd }),
        set(`commit ${odd}`, { commit: odd }),
        set("entries not a list", { entries: "entries" }),
      );
      if (entries.length >= 2) {
        mutations.push(set("entries backwards", { entries: [...entries].reverse() }));
        const gap = entries.map((entry, offset) => ({ ...entry, index: entry.index + offset }));
        mutations.push(set("entries with a gap", { entries: gap }));
      }
      if (entries.length >= 1) {
        const last = entries.length - 1;
        const edit = (position: number, fields: Fields): Fields[] =>
          entries.map((entry, offset) => (offset === position ? { ...entry, ...fields } : entry));
        mutations.push(
          set("an entry above the message term", { entries: edit(last, { term: term + 1 }) }),
          set("an entry of term 0", { entries: edit(0, { term: 0 }) }),
          set(`an entry at index ${odd}`, { entries: edit(0, { index: odd }) }),
          set("an undecodable conf change", {
            entries: edit(0, { type: EntryType.confChange, data: badConfChange }),
          }),
        );
      }
      break;
    }
    case "MsgAppResp":
      mutations.push(
        set(`index ${odd}`, { index: odd }),
        set(`hint ${odd}`, { rejectHint: odd }),
        set("hint term above the message term", { logTerm: term + 1 }),
        set("reject not a boolean", { reject: "yes" }),
        set("hint above the rejected index", { reject: true, rejectHint: message.index + 1 }),
      );
      if (role === "leader" && term === ourTerm) {
        const index = lastIndex + 1 + prng.nextInt(100);
        mutations.push(set("acknowledges beyond our log", { index, reject: false }));
      }
      break;
    case "MsgHeartbeat":
      mutations.push(set(`commit ${odd}`, { commit: odd }), set("context 5", { context: 5 }));
      if (term >= ourTerm) {
        const commit = lastIndex + 1 + prng.nextInt(1000);
        mutations.push(set("commit beyond our log", { commit }));
      }
      break;
    case "MsgHeartbeatResp":
      mutations.push(set("context text", { context: "context" }));
      break;
    case "MsgVote":
    case "MsgPreVote":
      mutations.push(
        set("last term above the campaign term", { logTerm: term + 1 }),
        set(`index ${odd}`, { index: odd }),
        set("force not a boolean", { force: 1 }),
      );
      break;
    case "MsgVoteResp":
      mutations.push(set("reject not a boolean", { reject: 0 }));
      break;
    case "MsgPreVoteResp":
      mutations.push(
        set("reject not a boolean", { reject: 0 }),
        set("a grant for a term never asked", { reject: false, term: ourTerm + 2 }),
      );
      break;
    case "MsgSnap": {
      const snapshot = message.snapshot;
      const withMeta = (name: string, fields: Fields): Mutation =>
        set(name, { snapshot: { ...snapshot, metadata: { ...snapshot.metadata, ...fields } } });
      const voters = snapshot.metadata.confState.voters;
      mutations.push(
        withMeta("snapshot term above the message term", { term: term + 1 }),
        withMeta("snapshot without voters", { confState: { voters: [], learners: [] } }),
        withMeta("snapshot naming a voter twice", {
          confState: { voters: [...voters, ...voters], learners: [] },
        }),
        withMeta(`snapshot index ${odd}`, { index: odd }),
        set("snapshot data not bytes", { snapshot: { ...snapshot, data: null } }),
      );
      break;
    }
    case "MsgProp":
      mutations.push(
        set("no entries", { entries: [] }),
        set("an undecodable conf change", {
          entries: [{ index: 0, term: 0, type: EntryType.confChange, data: badConfChange }],
        }),
      );
      break;
    case "MsgReadIndex":
      mutations.push(set("context missing", { context: null }));
      break;
    case "MsgReadIndexResp":
      mutations.push(set(`index ${odd}`, { index: odd }), set("context missing", { context: 1 }));
      break;
    case "MsgTimeoutNow":
      mutations.push(set("from a newer term", { term: ourTerm + 1 + prng.nextInt(5) }));
      break;
    case "MsgTransferLeader":
      break;
  }
  return mutations;
}

/** Sets one to three random fields (possibly nested) to odd but sometimes plausible values. */
function noiseMutation(message: Message, receiver: RawNode, prng: Prng): Mutation {
  const { term, lastIndex } = view(receiver);
  // A deep copy: the fields picked below are changed in place.
  const result = structuredClone(message) as unknown as Fields;
  const names: string[] = [];
  for (let count = 1 + prng.nextInt(3); count > 0; count--) {
    const target = pickTarget(result, prng);
    if (target === null) break;
    const [holder, key] = target;
    const value = holder[key];
    let next: unknown;
    if (typeof value === "bigint") next = pick(prng, [0n, 1n, 2n, 3n, 42n]);
    else if (typeof value === "boolean") next = !value;
    else if (typeof value === "number") {
      next = pick(prng, [Number.NaN, -1, 0, 1, 2, value - 1, value + 1, value + 2, value * 2,
        2 ** 40, 2 ** 53, 0.5, Number.POSITIVE_INFINITY, lastIndex, lastIndex + 1, term,
        term + 1]);
    } else next = pick(prng, [null, [], "x", new Uint8Array([1])]);
    holder[key] = next;
    names.push(`${key}=${String(next)}`);
  }
  return { name: `noise ${names.join(" ")}`, message: result };
}

/** A random field of the message or of one of its nested objects. */
function pickTarget(message: Fields, prng: Prng): [Fields, string] | null {
  let holder: Fields = message;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(holder).filter((key) => key !== "data" || prng.chance(0.2));
    if (keys.length === 0) return null;
    const key = pick(prng, keys);
    const value = holder[key];
    const nested = typeof value === "object" && value !== null && !(value instanceof Uint8Array);
    if (!nested || prng.chance(0.3)) return [holder, key];
    if (Array.isArray(value)) {
      if (value.length === 0) return [holder, key];
      const index = prng.nextInt(value.length);
      const item: unknown = value[index];
      const list = value as unknown as Fields;
      if (typeof item !== "object" || item === null) return [list, `${index}`];
      holder = item as Fields;
    } else {
      holder = value as Fields;
    }
  }
  return null;
}

interface Ghost {
  readonly leaderOfTerm: Map<number, MemberId>;
  /** "term:data" of the entry committed at each index, fixed by the first member to commit. */
  readonly committed: Map<number, string>;
  readonly checkedCommit: Map<MemberId, number>;
}

/** Election Safety, Log Matching on committed entries and a commit that never goes back. */
function checkSafety(network: RaftNetwork, ghost: Ghost): void {
  for (const [id, member] of network.members) {
    const raft = member.node.raftForTesting;
    if (raft.role === "leader") {
      const known = ghost.leaderOfTerm.get(raft.term);
      if (known !== undefined && known !== id) {
        throw new Error(`two leaders (${known}, ${id}) in term ${raft.term}`);
      }
      ghost.leaderOfTerm.set(raft.term, id);
    }
    const checked = ghost.checkedCommit.get(id) ?? 0;
    const commit = raft.log.committed;
    if (commit < checked) throw new Error(`member ${id}'s commit went back to ${commit}`);
    const low = Math.max(checked + 1, raft.log.firstIndex());
    const committed = low <= commit ? raft.log.slice(low, commit + 1, Infinity) ?? [] : [];
    for (const entry of committed) {
      const key = `${entry.term}:${new TextDecoder().decode(entry.data)}`;
      const known = ghost.committed.get(entry.index);
      if (known !== undefined && known !== key) {
        throw new Error(`member ${id} committed ${key} at ${entry.index}, others ${known}`);
      }
      ghost.committed.set(entry.index, key);
    }
    ghost.checkedCommit.set(id, commit);
  }
}

interface FuzzOutcome {
  readonly mutated: number;
  readonly refused: number;
}

/** Local requests that put proposals, forwarded proposals and reads on the wire. */
function request(network: RaftNetwork, prng: Prng, step: number): void {
  const id = pick(prng, ids);
  const node = network.node(id);
  if (prng.chance(0.3)) node.readIndex(bytes(`read ${step}`));
  else node.propose(bytes(`value ${step}`));
  network.process(id);
}

function runSeed(seed: number, mode: Mode): FuzzOutcome {
  const prng = createPrng(seed);
  const network = new RaftNetwork([...ids], { seed });
  const ghost: Ghost = { leaderOfTerm: new Map(), committed: new Map(), checkedCommit: new Map() };
  network.campaign(pick(prng, ids));
  let mutated = 0;
  let refused = 0;
  for (let step = 0; step < stepsPerSeed; step++) {
    const context = `seed ${seed} (${mode}) step ${step}`;
    if (network.queue.length === 0 || prng.chance(0.1)) {
      if (prng.chance(0.3)) request(network, prng, step);
      else network.tick(pick(prng, ids));
      continue;
    }
    const original = network.queue[0] as Message;
    // Replies to strangers (a noise mutation may name one as sender) go nowhere.
    if (!prng.chance(0.3) || !network.members.has(original.to)) {
      network.deliverOne();
    } else {
      network.dropAt(0);
      const receiver = network.node(original.to);
      const mutation = mode === "impossible"
        ? pick(prng, impossibleMutations(original, receiver, prng))
        : noiseMutation(original, receiver, prng);
      const what = `${mutation.name} of ${describeMessage(original)}`;
      const before = fingerprint(receiver);
      const refusedBefore = receiver.refusedMessageCount;
      let wasRefused = false;
      try {
        receiver.step(mutation.message as unknown as Message);
        wasRefused = receiver.refusedMessageCount === refusedBefore + 1;
        if (mode === "impossible" && (!wasRefused || fingerprint(receiver) !== before)) {
          throw new Error("it was not refused cleanly");
        }
        network.process(original.to);
      } catch (error) {
        throw new Error(`${context}: ${what}: ${String(error)}`);
      }
      mutated++;
      if (wasRefused) refused++;
    }
    if (mode === "impossible") {
      try {
        checkSafety(network, ghost);
      } catch (error) {
        throw new Error(`${context}: ${String(error)}`);
      }
    }
  }
  if (mode === "impossible") heal(network, seed, ghost);
  else settle(network, prng, seed);
  return { mutated, refused };
}

/** Without mutations the cluster elects a leader and commits a new proposal everywhere. */
function heal(network: RaftNetwork, seed: number, ghost: Ghost): void {
  try {
    network.stabilize();
    for (let round = 0; round < 100 && network.leaders().length !== 1; round++) network.tickAll();
    const [leader] = network.leaders();
    if (leader === undefined) throw new Error("no leader after healing");
    network.tickAll(2);
    expect(network.node(leader).propose(bytes("healed"))).toEqual({ ok: true });
    network.stabilize();
    network.tickAll(2);
    const commit = network.node(leader).status().commit;
    for (const id of ids) expect(network.node(id).status().commit).toBe(commit);
    checkSafety(network, ghost);
  } catch (error) {
    throw new Error(`seed ${seed} (impossible) after healing: ${String(error)}`);
  }
}

/**
 * After plausible lies the cluster may never agree again (a forged acknowledgement can make a
 * leader probe one index forever), so only survival is checked: a while of honest traffic and
 * ticks, and nobody throws.
 */
function settle(network: RaftNetwork, prng: Prng, seed: number): void {
  for (let step = 0; step < stepsPerSeed / 2; step++) {
    try {
      if (network.queue.length === 0 || prng.chance(0.1)) network.tick(pick(prng, ids));
      else network.deliverOne();
    } catch (error) {
      throw new Error(`seed ${seed} (noise) step ${step} after the noise threw: ${String(error)}`);
    }
  }
}

const onlySeed = Number(process.env["FUZZ_SEED"] ?? Number.NaN);
const seeds = Number.isInteger(onlySeed) ? [onlySeed] : [1, 2, 3, 4];

describe("peer message fuzzing", () => {
  test("impossible mutations are refused cleanly and Raft stays safe and live", () => {
    let mutated = 0;
    for (const seed of seeds) mutated += runSeed(seed, "impossible").mutated;
    expect(mutated).toBeGreaterThan(1000);
  });

  test("noise mutations never make a member throw", () => {
    let mutated = 0;
    let refused = 0;
    for (const seed of seeds) {
      const outcome = runSeed(seed + 1000, "noise");
      mutated += outcome.mutated;
      refused += outcome.refused;
    }
    expect(mutated).toBeGreaterThan(800);
    // Most noise is impossible; some is a plausible lie the core must simply survive.
    expect(refused).toBeGreaterThan(mutated / 2);
  });
});
