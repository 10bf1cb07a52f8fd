/**
 * @module
 * The ghost-state checkers of RAFT.md §3, run as the simulation goes: Election Safety (one
 * leader per term, ever), Leader Append-Only, Log Matching (equal (index, term) means equal
 * chain hash), a global committed log that is never contradicted, Leader Completeness, State
 * Machine Safety (equal digests per applied index), durability (committed entries durable on a
 * quorum; granted votes and append acknowledgements only after the state they vouch for is
 * durable), and term/vote monotonicity across restarts.
 */
import type { HardState, MemberId } from "../../src/raft/index.ts";
import type { LogChain } from "./log-chain.ts";

/** A broken safety property: the seed fails. */
export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
}

function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new InvariantViolation(message());
}

/** What the durability checks need to know of a host. */
export interface DurableView {
  readonly durable: LogChain;
  readonly durableSnapshotIndex: number;
  readonly durableHardState: HardState;
  /** Every (index, term) that was ever durable on the host, as `entryKey(index, term)`. */
  readonly durableEver: ReadonlySet<number>;
}

/** A numeric key for an (index, term) pair. */
export function entryKey(index: number, term: number): number {
  return index * 1_048_576 + term;
}

export class Invariants {
  readonly #leaderOfTerm = new Map<number, number>();
  /** Chain hash of every committed index, fixed when first seen. */
  readonly #committed: (number | undefined)[] = [0];
  #committedMax = 0;
  readonly #appliedDigest: (number | undefined)[] = [];
  /** Chain hash per (index, term): index * 2^20 + term. */
  readonly #entryHash = new Map<number, number>();
  readonly #leaderLast = new Map<number, { index: number; hash: number }>();
  /** An upper bound of the term each committed index was committed in (the reporter's term). */
  readonly #commitTerm: number[] = [0];
  /** New leaders (node → term) whose log is checked at their next write. */
  readonly #pendingCompleteness = new Map<number, number>();
  readonly #votes = new Map<number, number>();
  /** Voters in effect from each membership change's index on, ascending. */
  readonly #configs: { index: number; voters: readonly MemberId[] }[] = [
    { index: 0, voters: [] },
  ];

  get committedMax(): number {
    return this.#committedMax;
  }

  committedHash(index: number): number | undefined {
    return this.#committed[index];
  }

  /** Log Matching: every (index, term) ever written has one chain hash. */
  noteEntry(node: number, index: number, term: number, hash: number): void {
    const key = entryKey(index, term);
    const known = this.#entryHash.get(key);
    if (known === undefined) this.#entryHash.set(key, hash);
    else check(known === hash, () => `Log Matching: node ${node} holds (${index}, ${term}) ` +
      `with a different prefix than another node`);
  }

  /** Election Safety, and the start of the leader checks for a new leader of `term`. */
  observeLeader(node: number, term: number): void {
    const leader = this.#leaderOfTerm.get(term);
    if (leader === node) return;
    check(leader === undefined, () => `Election Safety: nodes ${leader} and ${node} both led ` +
      `term ${term}`);
    this.#leaderOfTerm.set(term, node);
    this.#pendingCompleteness.set(node, term);
  }

  /** Runs after a host wrote a Ready to its WAL: commit, completeness and append-only checks. */
  afterWrite(node: number, role: { leader: boolean; term: number }, chain: LogChain,
    hardState: HardState | null): void {
    const leaderTerm = this.#pendingCompleteness.get(node);
    if (leaderTerm !== undefined) {
      this.#pendingCompleteness.delete(node);
      const index = this.#committedBefore(leaderTerm);
      this.#checkHolds(node, chain, index, `the leader of term ${leaderTerm}`);
    }
    if (role.leader) this.#checkAppendOnly(node, role.term, chain);
    // The hard state's term bounds the term its commit index was committed in.
    if (hardState !== null) this.#noteCommit(node, hardState.commit, chain, hardState.term);
  }

  /** State Machine Safety: equal digests and chain hashes at each applied index. */
  noteApplied(node: number, index: number, chain: number, digest: number): void {
    const committed = this.#committed[index];
    if (committed === undefined) this.#extendCommitted(index, chain, Infinity);
    else check(committed === chain, () => `State Machine Safety: node ${node} applied a ` +
      `different entry at ${index} than was committed`);
    const known = this.#appliedDigest[index];
    if (known === undefined) this.#appliedDigest[index] = digest;
    else check(known === digest, () => `State Machine Safety: node ${node}'s state after ` +
      `applying ${index} differs from another node's`);
  }

  /** A durable vote never changes within its term (checked at every sync and recovery). */
  noteDurableHardState(node: number, hardState: HardState, when: string): void {
    if (hardState.vote === 0n) return;
    const key = hardState.term * 256 + node;
    const known = this.#votes.get(key);
    const vote = Number(hardState.vote);
    if (known === undefined) this.#votes.set(key, vote);
    else check(known === vote, () => `Vote changed within term ${hardState.term} on node ` +
      `${node} (${known} → ${vote}, at ${when})`);
  }

  /** Across a restart the term never decreases and the vote of that term never changes. */
  noteRecovered(node: number, before: HardState, after: HardState): void {
    check(after.term >= before.term, () => `Node ${node} restarted at term ${after.term}, ` +
      `below its durable term ${before.term}`);
    if (after.term === before.term && before.vote !== 0n) {
      check(after.vote === before.vote, () => `Node ${node} restarted with vote ${after.vote} ` +
        `in term ${after.term}, not its durable vote ${before.vote}`);
    }
    this.noteDurableHardState(node, after, "recovery");
  }

  /** A message vouches for durable state: granted votes and append acknowledgements. */
  checkSend(node: number, message: { type: string; term: number; to: MemberId;
    reject?: boolean; index?: number }, view: DurableView, leaderTermAt: number | null): void {
    if (message.type === "MsgVoteResp" && message.reject === false) {
      // Either the vote itself was durable, or a later term is: then the node can never vote
      // again in the vote's term, which is what the durability rule protects.
      const vote = this.#votes.get(message.term * 256 + node);
      const later = view.durableHardState.term > message.term;
      check(vote === Number(message.to) || (vote === undefined && later), () => `Node ${node} ` +
        `granted its term ${message.term} vote to ${message.to} before it was durable ` +
        `(durable vote ${vote ?? "none"}, durable term ${view.durableHardState.term})`);
    }
    // A message stamped with a term vouches for that term: it must be durable first. Pre-votes
    // are the exception by design (they ask for term + 1, or echo that, without adopting it).
    if (message.type !== "MsgPreVote" && message.type !== "MsgPreVoteResp") {
      check(view.durableHardState.term >= message.term, () => `Node ${node} sent ` +
        `${message.type} in term ${message.term} before that term was durable (durable term ` +
        `${view.durableHardState.term})`);
    }
    if (message.type === "MsgAppResp" && message.reject === false && message.index !== undefined) {
      const index = message.index;
      // The ack may trail a truncation by a newer leader (like any delayed message); then the
      // acknowledged entry, as the leader holds it, must have been durable here at some point.
      const durable = view.durable.lastIndex >= index || view.durableSnapshotIndex >= index ||
        leaderTermAt === null || view.durableEver.has(entryKey(index, leaderTermAt));
      check(durable, () => `Node ${node} acknowledged entries up to ${index} to ` +
        `${message.to} in term ${message.term} with only ${view.durable.lastIndex} durable`);
      check(view.durableHardState.term >= message.term || message.term === 0, () =>
        `Node ${node} sent an append response in term ${message.term} before that term was ` +
        `durable`);
    }
  }

  /** Records the voters in effect after the membership change at `index` (first seen wins). */
  noteConf(index: number, voters: readonly MemberId[]): void {
    const last = this.#configs[this.#configs.length - 1] as { index: number };
    if (index > last.index) this.#configs.push({ index, voters: [...voters] });
  }

  /**
   * Every committed entry is durable on a quorum of the voters in effect when it committed:
   * the configuration before it, or (one change may be unapplied at the leader, never two)
   * the one before that.
   */
  checkDurableQuorum(view: (id: MemberId) => DurableView | undefined): void {
    const index = this.#committedMax;
    if (index === 0) return;
    const hash = this.#committed[index];
    const holds = (id: MemberId): boolean => {
      const host = view(id);
      if (host === undefined) return false;
      return host.durableSnapshotIndex >= index || host.durable.hashAt(index) === hash;
    };
    let position = this.#configs.length - 1;
    while (position > 0 && (this.#configs[position] as { index: number }).index >= index) {
      position--;
    }
    const candidates = this.#configs.slice(Math.max(0, position - 1), position + 1);
    const durable = candidates.some(({ voters }) =>
      voters.length === 0 || voters.filter(holds).length > voters.length / 2);
    check(durable, () => `Committed entry ${index} is not durable on a quorum of ` +
      `${candidates.map(({ voters }) => `{${voters.join(",")}}`).join(" or ")}`);
  }

  /**
   * The highest index known to be committed in a term before `term` (Leader Completeness only
   * promises those to the leader of `term`). The scan is bounded; commit terms rise with index.
   */
  #committedBefore(term: number): number {
    const lowest = Math.max(0, this.#committedMax - 4096);
    for (let index = this.#committedMax; index > lowest; index--) {
      if ((this.#commitTerm[index] ?? Infinity) < term) return index;
    }
    return 0;
  }

  #noteCommit(node: number, commit: number, chain: LogChain, term: number): void {
    check(commit <= chain.lastIndex, () => `Node ${node} committed ${commit} beyond its log ` +
      `(${chain.lastIndex})`);
    if (commit > this.#committedMax) {
      for (let index = Math.max(this.#committedMax + 1, chain.base); index <= commit; index++) {
        const hash = chain.hashAt(index);
        if (hash !== null) this.#extendCommitted(index, hash, term);
      }
    }
    this.#checkHolds(node, chain, Math.min(commit, this.#committedMax), `node ${node}'s commit`);
  }

  #extendCommitted(index: number, hash: number, term: number): void {
    this.#commitTerm[index] = Math.min(this.#commitTerm[index] ?? Infinity, term);
    const known = this.#committed[index];
    if (known !== undefined) {
      check(known === hash, () => `Committed entry ${index} was contradicted`);
      return;
    }
    this.#committed[index] = hash;
    if (index > this.#committedMax) this.#committedMax = index;
  }

  #checkHolds(node: number, chain: LogChain, index: number, who: string): void {
    if (index < chain.base) return;
    const expected = this.#committed[index];
    if (expected === undefined) return;
    check(chain.hashAt(index) === expected, () => `Leader Completeness / committed log: ${who} ` +
      `(node ${node}) lacks committed entry ${index} (log ${chain.base}..${chain.lastIndex})`);
  }

  #checkAppendOnly(node: number, term: number, chain: LogChain): void {
    const previous = this.#leaderLast.get(term);
    if (previous !== undefined && previous.index >= chain.base) {
      check(chain.hashAt(previous.index) === previous.hash, () => `Leader Append-Only: the ` +
        `leader of term ${term} (node ${node}) rewrote its log at or below ${previous.index}`);
    }
    const hash = chain.hashAt(chain.lastIndex) ?? 0;
    this.#leaderLast.set(term, { index: chain.lastIndex, hash });
  }
}
