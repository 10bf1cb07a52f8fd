/**
 * @module
 * The Raft state machine: roles, terms, elections (with PreVote and CheckQuorum), replication,
 * commit, ReadIndex, snapshots, membership and leadership transfer. Synchronous and pure: inputs
 * are ticks, messages and local requests; outputs are queued messages and log changes that
 * `RawNode` turns into Readys. Messages whose meaning depends on durable state (append and vote
 * responses, including to itself) go to `msgsAfterAppend` and are released only after the Ready
 * that persists that state has been advanced.
 */

import { assert } from "../lib/assert.ts";
import type { Logger } from "../lib/log.ts";
import { formatMemberId } from "../lib/member-id.ts";
import type { ConfChange } from "./conf-change.ts";
import { applyToConfState, decodeConfChange, validateConfChange } from "./conf-change.ts";
import type { RaftConfig, ResolvedRaftConfig } from "./config.ts";
import { resolveConfig } from "./config.ts";
import { payloadBytes, sizeBytes } from "./entry-size.ts";
import { Inflights } from "./inflights.ts";
import { RaftLog } from "./log.ts";
import type {
  Message,
  MsgApp,
  MsgAppResp,
  MsgHeartbeat,
  MsgHeartbeatResp,
  MsgProp,
  MsgSnap,
  MsgVote,
  MsgVoteResp,
  ReadState,
  RequestResult,
  Role,
} from "./messages.ts";
import { accepted, dropped, noMember } from "./messages.ts";
import { Progress } from "./progress.ts";
import { committedIndex, hasQuorum, voteResult } from "./quorum.ts";
import type { PendingRead } from "./read-only.ts";
import { ReadOnlyQueue } from "./read-only.ts";
import type { RaftStorage } from "./storage.ts";
import type { ConfState, Entry, MemberId, Snapshot } from "./types.ts";
import { EntryType } from "./types.ts";

type CampaignKind = "preElection" | "election" | "transfer";

/** A proposal's entry before the leader stamps its term and index. */
export interface ProposedEntry {
  readonly type: Entry["type"];
  readonly data: Uint8Array;
}

export class Raft {
  readonly id: MemberId;
  readonly config: ResolvedRaftConfig;
  readonly log: RaftLog;
  readonly #logger: Logger;
  term = 0;
  vote: MemberId = noMember;
  lead: MemberId = noMember;
  role: Role = "follower";
  voters = new Set<MemberId>();
  learners = new Set<MemberId>();
  progress = new Map<MemberId, Progress>();
  votes = new Map<MemberId, boolean>();
  /** Messages that may be sent once the current Ready is persisted. */
  msgs: Message[] = [];
  /** Responses that may only be sent after the state they vouch for is durable. */
  msgsAfterAppend: GatedResponse[] = [];
  readStates: ReadState[] = [];
  readOnly = new ReadOnlyQueue();
  /** Reads that arrived before this leader committed an entry of its term. */
  pendingReads: PendingRead[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: MemberId = noMember;
  /** No new conf change may be proposed until this index is applied. */
  pendingConfIndex = 0;
  uncommittedBytes = 0;
  /**
   * A leader appended entries or advanced its commit index since it last sent appends; they go
   * out in one append per follower when the next Ready is taken (see `flushAppends`).
   */
  appendsOwed = false;

  constructor(config: RaftConfig, storage: RaftStorage, initial: RaftInitial) {
    this.config = resolveConfig(config);
    this.id = this.config.id;
    this.#logger = this.config.logger.child({ member: formatMemberId(this.id) });
    this.log = new RaftLog(storage);
    const { hardState, confState } = storage.initialState();
    this.#restoreConf(initial.confState ?? confState);
    assert(hardState.commit >= this.log.committed, "Hard state commit is below the snapshot");
    assert(hardState.commit <= this.log.lastIndex(), "Hard state commit is beyond the log");
    this.log.commitTo(hardState.commit);
    this.term = hardState.term;
    this.vote = hardState.vote;
    if (initial.applied !== undefined && initial.applied > this.log.applied) {
      this.log.appliedTo(initial.applied);
    }
    this.becomeFollower(this.term, noMember);
  }

  // --- roles ---

  becomeFollower(term: number, lead: MemberId): void {
    assert(term >= this.term, `Cannot follow at term ${term}: already at ${this.term}`);
    this.#reset(term);
    this.lead = lead;
    this.role = "follower";
    this.#logger.debug("raft.follower", { term, lead: formatMemberId(lead) });
  }

  becomePreCandidate(): void {
    assert(this.role !== "leader", "A leader cannot become a pre-candidate");
    // PreVote changes nothing durable: term and vote stay; only the leader is forgotten.
    this.votes = new Map();
    this.lead = noMember;
    this.role = "preCandidate";
    this.#logger.debug("raft.pre-candidate", { term: this.term });
  }

  becomeCandidate(): void {
    assert(this.role !== "leader", "A leader cannot become a candidate");
    this.#reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
    this.#logger.info("raft.candidate", { term: this.term });
  }

  becomeLeader(): void {
    assert(this.role === "candidate", `Only a candidate can lead, not a ${this.role}`);
    this.#reset(this.term);
    this.lead = this.id;
    this.role = "leader";
    const self = this.progress.get(this.id);
    assert(self !== undefined, "A leader must be in its own configuration");
    // The whole log is durable here: the self-vote (or the quorum of votes) was only counted
    // after the Ready holding every entry this candidate had was persisted.
    self.becomeReplicate();
    self.maybeUpdate(this.log.lastIndex());
    self.recentActive = true;
    // Conf entries in the inherited log may be unapplied; wait for all of it.
    this.pendingConfIndex = this.log.lastIndex();
    const appended = this.#appendEntries([{ type: EntryType.normal, data: new Uint8Array() }]);
    assert(appended, "The election no-op must always fit the uncommitted budget");
    this.#logger.info("raft.leader", { term: this.term, lastIndex: this.log.lastIndex() });
  }

  #reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = noMember;
    }
    this.lead = noMember;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.#resetRandomizedElectionTimeout();
    this.leadTransferee = noMember;
    this.votes = new Map();
    this.appendsOwed = false;
    for (const [id, previous] of this.progress) {
      this.progress.set(id, this.#newProgress(previous.isLearner));
    }
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    // Pending reads are never carried across a term or role change.
    this.readOnly = new ReadOnlyQueue();
    this.pendingReads = [];
  }

  #resetRandomizedElectionTimeout(): void {
    const electionTicks = this.config.electionTicks;
    this.randomizedElectionTimeout = electionTicks + this.config.prng.nextInt(electionTicks);
    assert(this.randomizedElectionTimeout >= electionTicks, "Election timeout below minimum");
    assert(this.randomizedElectionTimeout < 2 * electionTicks, "Election timeout above maximum");
  }

  #newProgress(isLearner: boolean): Progress {
    const inflights = new Inflights(this.config.maxInflightMsgs, this.config.maxInflightBytes);
    return new Progress({ next: this.log.lastIndex() + 1, isLearner, inflights });
  }

  /** Voters may campaign; learners and removed members never do. */
  promotable(): boolean {
    return this.voters.has(this.id);
  }

  // --- time ---

  tick(): void {
    if (this.role === "leader") this.#tickHeartbeat();
    else this.#tickElection();
  }

  #tickElection(): void {
    this.electionElapsed++;
    if (!this.promotable()) return;
    if (this.electionElapsed < this.randomizedElectionTimeout) return;
    this.electionElapsed = 0;
    this.hup(false);
  }

  #tickHeartbeat(): void {
    assert(this.role === "leader", "Only a leader ticks heartbeats");
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.#checkQuorumActive()) {
        this.#logger.warn("raft.leader.quorum-lost", { term: this.term });
        this.becomeFollower(this.term, noMember);
        return;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.leadTransferee !== noMember) this.leadTransferee = noMember;
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.#bcastHeartbeat(this.readOnly.lastContext());
    }
  }

  /** Whether a quorum was heard from this round; clears the activity marks for the next. */
  #checkQuorumActive(): boolean {
    const active = hasQuorum(this.voters, (id) => {
      return id === this.id || this.progress.get(id)?.recentActive === true;
    });
    for (const [id, progress] of this.progress) {
      if (id !== this.id) progress.recentActive = false;
    }
    return active;
  }

  // --- elections ---

  /** Starts an election (a PreVote round first, unless this is a leadership transfer). */
  hup(transfer: boolean): void {
    if (this.role === "leader") return;
    if (!this.promotable()) return;
    const isConfChange = (entry: Entry): boolean => entry.type === EntryType.confChange;
    if (this.log.hasUnappliedConfChanges(isConfChange)) {
      this.#logger.warn("raft.campaign.skipped", { reason: "unapplied conf change" });
      return;
    }
    if (transfer) this.#campaign("transfer");
    else this.#campaign(this.config.preVote ? "preElection" : "election");
  }

  #campaign(kind: CampaignKind): void {
    assert(this.promotable(), "Only a voter campaigns");
    assert(this.role !== "leader", "A leader never campaigns");
    const preVote = kind === "preElection";
    if (preVote) this.becomePreCandidate();
    else this.becomeCandidate();
    const term = preVote ? this.term + 1 : this.term;
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const voter of sortedIds(this.voters)) {
      if (voter === this.id) continue;
      const type = preVote ? "MsgPreVote" : "MsgVote";
      const force = kind === "transfer";
      this.#send({ type, from: this.id, to: voter, term, index, logTerm, force });
    }
    if (preVote) {
      // A pre-vote promises nothing durable, so it counts itself at once.
      this.#recordVote(this.id, true);
    } else {
      // A candidate's own vote counts only once its term and vote are durable.
      const self: MsgVoteResp = {
        type: "MsgVoteResp",
        from: this.id,
        to: this.id,
        term,
        reject: false,
      };
      this.#sendAfterAppend(self);
    }
  }

  #recordVote(from: MemberId, granted: boolean): void {
    const campaigning = this.role === "candidate" || this.role === "preCandidate";
    assert(campaigning, "Only candidates count votes");
    if (!this.votes.has(from)) this.votes.set(from, granted);
    const result = voteResult(this.voters, this.votes);
    if (result === "pending") return;
    if (result === "lost") {
      this.becomeFollower(this.term, noMember);
      return;
    }
    if (this.role === "preCandidate") {
      this.#campaign("election");
      return;
    }
    this.becomeLeader();
    this.#bcastAppend();
  }

  #handleVoteRequest(message: MsgVote): void {
    const isPreVote = message.type === "MsgPreVote";
    const canVote =
      this.vote === message.from ||
      (this.vote === noMember && this.lead === noMember) ||
      (isPreVote && message.term > this.term);
    const responseType = isPreVote ? "MsgPreVoteResp" : "MsgVoteResp";
    const grant = canVote && this.log.isUpToDate(message.index, message.logTerm);
    // A granted pre-vote echoes the candidate's future term; anything else carries ours.
    const term = grant ? message.term : this.term;
    this.#sendAfterAppend({
      type: responseType,
      from: this.id,
      to: message.from,
      term,
      reject: !grant,
    });
    if (grant && !isPreVote) {
      this.electionElapsed = 0;
      this.vote = message.from;
    }
  }

  // --- the single entry point for messages ---

  step(message: Message): void {
    // Peer messages were checked by RawNode.step (validate-message.ts); what reaches this point
    // is either checked peer input or our own (local requests, released responses).
    assert(message.to === this.id, `Message for ${message.to} delivered to ${this.id}`);
    assert(message.term !== 0 || isForwardedRequest(message), `${message.type} without a term`);
    // A forwarded request (term 0) is handled at whatever term we are in.
    if (message.term > this.term) {
      if (!this.#stepHigherTerm(message)) return;
    } else if (message.term < this.term && message.term !== 0) {
      this.#stepLowerTerm(message);
      return;
    }
    if (message.type === "MsgVote" || message.type === "MsgPreVote") {
      this.#handleVoteRequest(message);
      return;
    }
    if (this.role === "leader") this.#stepLeader(message);
    else if (this.role === "follower") this.#stepFollower(message);
    else this.#stepCandidate(message);
  }

  /** Term handling for a message from a higher term; false if the message is to be ignored. */
  #stepHigherTerm(message: Message): boolean {
    if (message.type === "MsgVote" || message.type === "MsgPreVote") {
      const inLease =
        this.config.checkQuorum &&
        this.lead !== noMember &&
        this.electionElapsed < this.config.electionTicks;
      if (inLease && !message.force) {
        this.#logger.debug("raft.vote.ignored-in-lease", { from: formatMemberId(message.from) });
        return false;
      }
    }
    // A pre-vote request or grant never moves our term.
    if (message.type === "MsgPreVote") return true;
    if (message.type === "MsgPreVoteResp" && !message.reject) return true;
    const fromLeader =
      message.type === "MsgApp" || message.type === "MsgHeartbeat" || message.type === "MsgSnap";
    this.becomeFollower(message.term, fromLeader ? message.from : noMember);
    return true;
  }

  #stepLowerTerm(message: Message): void {
    const answersStaleLeader =
      (this.config.checkQuorum || this.config.preVote) &&
      (message.type === "MsgApp" || message.type === "MsgHeartbeat");
    if (answersStaleLeader) {
      // Tell a leader whose term fell behind about ours. Without this, a node whose term ran
      // ahead (its pre-votes fail, it ignores the leader) would be stranded.
      this.#sendAfterAppend(appendResponse(this.id, message.from, this.term, 0));
    } else if (message.type === "MsgPreVote") {
      const reply: MsgVoteResp = {
        type: "MsgPreVoteResp",
        from: this.id,
        to: message.from,
        term: this.term,
        reject: true,
      };
      this.#sendAfterAppend(reply);
    }
  }

  #stepFollower(message: Message): void {
    switch (message.type) {
      case "MsgProp":
      case "MsgReadIndex":
      case "MsgTransferLeader":
        // Forward to the leader, keeping `from` (who asked); never back to where it came from.
        if (this.lead === noMember || this.lead === message.from) return;
        if (message.type === "MsgProp" && this.#joinForwardedProposal(message)) return;
        this.#send({ ...message, to: this.lead, term: 0 });
        return;
      case "MsgApp":
      case "MsgHeartbeat":
      case "MsgSnap":
        this.electionElapsed = 0;
        this.lead = message.from;
        this.#handleFromLeader(message);
        return;
      case "MsgTimeoutNow":
        this.#logger.info("raft.transfer.timeout-now", { from: formatMemberId(message.from) });
        this.hup(true);
        return;
      case "MsgReadIndexResp":
        this.readStates.push({ index: message.index, context: message.context });
        return;
      default:
        return;
    }
  }

  #stepCandidate(message: Message): void {
    const myResponse = this.role === "preCandidate" ? "MsgPreVoteResp" : "MsgVoteResp";
    switch (message.type) {
      case "MsgApp":
      case "MsgHeartbeat":
      case "MsgSnap":
        // A leader of our term exists (for a pre-candidate, of its current term).
        this.becomeFollower(message.term, message.from);
        this.#handleFromLeader(message);
        return;
      case "MsgPreVoteResp":
      case "MsgVoteResp":
        if (message.type !== myResponse) return;
        this.#recordVote(message.from, !message.reject);
        return;
      default:
        return;
    }
  }

  #handleFromLeader(message: MsgApp | MsgHeartbeat | MsgSnap): void {
    assert(this.role === "follower", "Only followers accept a leader's messages");
    if (message.type === "MsgApp") this.#handleAppendEntries(message);
    else if (message.type === "MsgHeartbeat") this.#handleHeartbeat(message);
    else this.#handleSnapshot(message);
  }

  // --- follower side of replication ---

  #handleAppendEntries(message: MsgApp): void {
    assert(message.term === this.term, "Appends are handled only at the leader's term");
    assert(this.lead === message.from, "Appends are accepted only from the known leader");
    const log = this.log;
    if (message.index < log.committed) {
      // Everything up to our commit is known to match; say so and let the leader move on.
      this.#sendAfterAppend(appendResponse(this.id, message.from, this.term, log.committed));
      return;
    }
    const { index, logTerm, commit, entries } = message;
    const lastNew = log.maybeAppend(index, logTerm, commit, entries);
    if (lastNew !== null) {
      this.#sendAfterAppend(appendResponse(this.id, message.from, this.term, lastNew));
      return;
    }
    // Reject with a hint that skips every entry of a term the leader cannot share with us.
    const probe = Math.min(message.index, log.lastIndex());
    const hint = log.findConflictByTerm(probe, message.logTerm);
    const reject: MsgAppResp = {
      type: "MsgAppResp",
      from: this.id,
      to: message.from,
      term: this.term,
      index: message.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    };
    this.#sendAfterAppend(reject);
  }

  #handleHeartbeat(message: MsgHeartbeat): void {
    assert(this.lead === message.from, "Heartbeats are accepted only from the known leader");
    // The leader clamps the commit to our match, so we hold every entry it names (a heartbeat
    // that names more is refused by validate-message.ts, not asserted on in commitTo).
    this.log.commitTo(message.commit);
    const reply: MsgHeartbeatResp = {
      type: "MsgHeartbeatResp",
      from: this.id,
      to: message.from,
      term: this.term,
      context: message.context,
    };
    this.#send(reply);
  }

  #handleSnapshot(message: MsgSnap): void {
    const restored = this.#restore(message.snapshot);
    const index = restored ? this.log.lastIndex() : this.log.committed;
    this.#sendAfterAppend(appendResponse(this.id, message.from, this.term, index));
  }

  /** Installs a leader's snapshot; false if it is stale, only fast-forwards, or excludes us. */
  #restore(snapshot: Snapshot): boolean {
    const { index, term, confState } = snapshot.metadata;
    assert(this.role === "follower", "Only a follower installs a snapshot");
    if (index <= this.log.committed) return false;
    const member = confState.voters.includes(this.id) || confState.learners.includes(this.id);
    if (!member) {
      this.#logger.warn("raft.snapshot.refused", { index, reason: "membership lacks member" });
      return false;
    }
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: it is committed; keep the suffix.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    this.#restoreConf(confState);
    this.#logger.info("raft.snapshot.restored", { index, term });
    return true;
  }

  // --- leader ---

  #stepLeader(message: Message): void {
    switch (message.type) {
      case "MsgProp":
        this.proposeAsLeader(message.entries);
        return;
      case "MsgReadIndex":
        this.readIndexAsLeader(message.from, message.context);
        return;
      case "MsgTransferLeader":
        this.transferAsLeader(message.from);
        return;
      case "MsgAppResp":
        this.#handleAppendResponse(message);
        return;
      case "MsgHeartbeatResp":
        this.#handleHeartbeatResponse(message);
        return;
      case "MsgApp":
      case "MsgHeartbeat":
      case "MsgSnap":
        this.#logger.error("raft.leader.same-term-leader", { from: formatMemberId(message.from) });
        return;
      default:
        return;
    }
  }

  /** Appends and replicates a proposal; the reason if it is refused. */
  proposeAsLeader(entries: readonly ProposedEntry[]): RequestResult {
    assert(this.role === "leader", "Only a leader appends proposals");
    // A forwarded MsgProp without entries is refused by validate-message.ts.
    assert(entries.length > 0, "A proposal needs at least one entry");
    if (!this.progress.has(this.id)) return dropped("not a member");
    if (this.leadTransferee !== noMember) return dropped("transfer in progress");
    const confChanges = entries.filter((entry) => entry.type === EntryType.confChange);
    if (confChanges.length > 1) return dropped("conf change pending");
    const confChange = confChanges[0];
    if (confChange !== undefined) {
      const refusal = this.#checkConfChange(confChange);
      if (refusal !== null) return refusal;
    }
    if (!this.#appendEntries(entries)) return dropped("uncommitted limit");
    if (confChange !== undefined) this.pendingConfIndex = this.log.lastIndex();
    this.appendsOwed = true;
    return accepted;
  }

  #checkConfChange(entry: ProposedEntry): RequestResult | null {
    if (this.pendingConfIndex > this.log.applied) return dropped("conf change pending");
    // Ongaro's rule: a leader commits an entry of its term before changing membership, so
    // single-server changes made by leaders of different terms cannot form disjoint quorums.
    if (!this.committedEntryInCurrentTerm()) return dropped("no current-term commit");
    // Forwarded conf changes that do not decode are refused by validate-message.ts.
    const change = decodeConfChange(entry.data);
    if (validateConfChange(this.confState(), change) !== null) {
      return dropped("invalid conf change");
    }
    return null;
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Stamps and appends entries; the leader's own ack waits for them to be durable. */
  #appendEntries(entries: readonly ProposedEntry[]): boolean {
    const first = this.log.lastIndex() + 1;
    const stamped: Entry[] = entries.map((entry, offset) => ({
      term: this.term,
      index: first + offset,
      type: entry.type,
      data: entry.data,
    }));
    const bytes = payloadBytes(stamped);
    const budget = this.config.maxUncommittedEntriesBytes;
    if (this.uncommittedBytes > 0 && bytes > 0 && this.uncommittedBytes + bytes > budget) {
      return false;
    }
    this.uncommittedBytes += bytes;
    const lastIndex = this.log.append(stamped);
    assert(lastIndex === first + entries.length - 1, "Leader append landed elsewhere");
    this.#sendAfterAppend(appendResponse(this.id, this.id, this.term, lastIndex));
    return true;
  }

  /** Returns bytes of applied entries to the uncommitted budget. */
  reduceUncommittedBytes(entries: readonly Entry[]): void {
    if (this.role !== "leader") return;
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - payloadBytes(entries));
  }

  #handleAppendResponse(message: MsgAppResp): void {
    assert(this.role === "leader", "Only a leader tracks append responses");
    const progress = this.progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    if (message.reject) {
      this.#handleAppendRejection(message, progress);
      return;
    }
    if (!progress.maybeUpdate(message.index)) {
      // A probe acknowledged at the same index still proves the follower matches.
      if (!(progress.match === message.index && progress.state === "probe")) return;
    }
    // validate-message.ts refuses a same-term acknowledgement beyond our last index.
    assert(progress.match <= this.log.lastIndex(), `Peer acknowledged beyond our log`);
    if (progress.state === "probe") {
      progress.becomeReplicate();
    } else if (progress.state === "snapshot") {
      if (progress.match + 1 >= this.log.firstIndex()) {
        progress.becomeProbe();
        progress.becomeReplicate();
      }
    } else {
      progress.inflights.freeLE(message.index);
    }
    if (this.#maybeCommit()) {
      this.#releasePendingReads();
      this.appendsOwed = true;
    } else if (message.from !== this.id && progress.canBumpCommit(this.log.committed)) {
      // The peer may not know the commit index yet; tell it now rather than at the heartbeat.
      this.#sendAppend(message.from);
    }
    if (message.from !== this.id) {
      while (this.#maybeSendAppend(message.from, false)) {
        // Keep filling the window.
      }
    }
    const transferee = this.leadTransferee;
    if (message.from === transferee && progress.match === this.log.lastIndex()) {
      this.#send({ type: "MsgTimeoutNow", from: this.id, to: transferee, term: this.term });
    }
  }

  #handleAppendRejection(message: MsgAppResp, progress: Progress): void {
    let hintIndex = message.rejectHint;
    if (message.logTerm > 0) {
      // Skip our own entries of terms the follower cannot hold at those indexes.
      hintIndex = this.log.findConflictByTerm(message.rejectHint, message.logTerm).index;
    }
    if (!progress.maybeDecrTo(message.index, hintIndex)) return;
    if (progress.state === "replicate") progress.becomeProbe();
    this.#sendAppend(message.from);
  }

  #maybeCommit(): boolean {
    assert(this.role === "leader", "Only a leader computes the commit index");
    const index = committedIndex(this.voters, (id) => this.progress.get(id)?.match ?? 0);
    if (!Number.isFinite(index)) return false;
    assert(index <= this.log.lastIndex(), "A quorum acknowledged entries beyond our log");
    // Figure 8: a quorum holding an entry of an older term does not commit it.
    return this.log.maybeCommit(index, this.term);
  }

  #handleHeartbeatResponse(message: MsgHeartbeatResp): void {
    assert(this.role === "leader", "Only a leader handles heartbeat responses");
    const progress = this.progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    progress.paused = false;
    // Sent even when the window is full: if those appends were lost, this recovers the peer.
    if (progress.match < this.log.lastIndex() || progress.state === "probe") {
      this.#sendAppend(message.from);
    }
    if (message.context === null) return;
    const acks = this.readOnly.recordAck(message.from, message.context);
    if (acks === null) return;
    if (!hasQuorum(this.voters, (id) => acks.has(id))) return;
    for (const read of this.readOnly.release(message.context)) this.#answerRead(read);
  }

  #sendAppend(to: MemberId): void {
    this.#maybeSendAppend(to, true);
  }

  /** Sends the next batch to `to` if its flow control allows; true if a message went out. */
  #maybeSendAppend(to: MemberId, sendIfEmpty: boolean): boolean {
    assert(to !== this.id, "A leader never sends appends to itself");
    const progress = this.progress.get(to);
    assert(progress !== undefined, `No progress for ${to}`);
    if (progress.isPaused()) return false;
    const prevIndex = progress.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === null) return this.#maybeSendSnapshot(to, progress);
    const windowOpen = progress.state !== "replicate" || !progress.inflights.full();
    const entries = windowOpen
      ? this.log.entriesFrom(progress.next, this.config.maxSizePerMsgBytes)
      : [];
    if (entries === null) return this.#maybeSendSnapshot(to, progress);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const commit = this.log.committed;
    this.#send({ type: "MsgApp", from: this.id, to, term: this.term, index: prevIndex,
      logTerm: prevTerm, entries, commit });
    progress.sentEntries(entries.length, sizeBytes(entries));
    progress.noteCommitSent(commit);
    return true;
  }

  #maybeSendSnapshot(to: MemberId, progress: Progress): boolean {
    // Only to peers heard from recently: a snapshot is large and a dead peer cannot use it.
    if (!progress.recentActive) return false;
    const snapshot = this.log.snapshot();
    if (snapshot === null) return false;
    const { voters, learners } = snapshot.metadata.confState;
    if (!voters.includes(to) && !learners.includes(to)) {
      // It predates `to` joining and would be refused; wait for a newer snapshot.
      this.#logger.warn("raft.snapshot.too-old", { to: formatMemberId(to) });
      return false;
    }
    const index = snapshot.metadata.index;
    assert(index >= this.log.firstIndex() - 1, "The snapshot does not cover the compacted log");
    this.#send({ type: "MsgSnap", from: this.id, to, term: this.term, snapshot });
    progress.becomeSnapshot(index);
    this.#logger.info("raft.snapshot.sent", { to: formatMemberId(to), index });
    return true;
  }

  /**
   * Sends what `appendsOwed` holds back: to each follower, the entries it lacks in as few
   * appends as size and flow control allow, or, with nothing new, the commit index when it would
   * learn from it. Messages only leave with a Ready (or a leader's write-free work, see
   * `RawNode.writeFreeReady`), so deferring them to it costs no latency, and many proposals (or
   * commit advances) between two of those make one append per follower, not one each.
   */
  flushAppends(): void {
    if (!this.appendsOwed) return;
    this.appendsOwed = false;
    if (this.role !== "leader") return;
    const committed = this.log.committed;
    for (const id of sortedIds(this.progress.keys())) {
      if (id === this.id) continue;
      const progress = this.progress.get(id) as Progress;
      if (!this.#maybeSendAppend(id, progress.canBumpCommit(committed))) continue;
      while (this.#maybeSendAppend(id, false)) {
        // Keep filling the window.
      }
    }
  }

  #bcastAppend(): void {
    for (const id of sortedIds(this.progress.keys())) {
      if (id !== this.id) this.#sendAppend(id);
    }
  }

  #bcastHeartbeat(context: Uint8Array | null): void {
    assert(this.role === "leader", "Only a leader sends heartbeats");
    for (const id of sortedIds(this.progress.keys())) {
      if (id === this.id) continue;
      const progress = this.progress.get(id) as Progress;
      // Never tell a follower to commit beyond what it is known to hold.
      const commit = Math.min(progress.match, this.log.committed);
      progress.noteCommitSent(commit);
      this.#send({ type: "MsgHeartbeat", from: this.id, to: id, term: this.term, commit, context });
    }
  }

  // --- ReadIndex ---

  /** Serves (or parks) a ReadIndex request as the leader. */
  readIndexAsLeader(from: MemberId, context: Uint8Array): RequestResult {
    assert(this.role === "leader", "Only a leader serves ReadIndex");
    if (this.readOnly.size + this.pendingReads.length >= this.config.maxPendingReadIndex) {
      return dropped("read queue full");
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Our commit index may lag the cluster's until an entry of our term commits.
      this.pendingReads.push({ index: 0, context, from });
      return accepted;
    }
    this.#serveRead(from, context);
    return accepted;
  }

  #serveRead(from: MemberId, context: Uint8Array): void {
    assert(this.committedEntryInCurrentTerm(), "ReadIndex served before a current-term commit");
    const read: PendingRead = { index: this.log.committed, context, from };
    if (this.voters.size === 1 && this.voters.has(this.id)) {
      this.#answerRead(read);
      return;
    }
    if (!this.readOnly.add(read)) return;
    this.readOnly.recordAck(this.id, context);
    this.#bcastHeartbeat(context);
  }

  #releasePendingReads(): void {
    if (this.pendingReads.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const reads = this.pendingReads;
    this.pendingReads = [];
    for (const read of reads) this.#serveRead(read.from, read.context);
  }

  #answerRead(read: PendingRead): void {
    if (read.from === this.id) {
      this.readStates.push({ index: read.index, context: read.context });
      return;
    }
    this.#send({ type: "MsgReadIndexResp", from: this.id, to: read.from, term: this.term,
      context: read.context, index: read.index });
  }

  // --- leadership transfer ---

  transferAsLeader(transferee: MemberId): RequestResult {
    assert(this.role === "leader", "Only a leader transfers leadership");
    const progress = this.progress.get(transferee);
    if (progress === undefined || progress.isLearner) return dropped("not a member");
    if (transferee === this.id) return accepted;
    if (transferee === this.leadTransferee) return accepted;
    // A transfer must finish within one election timeout, counted from now.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    this.#logger.info("raft.transfer.start", { to: formatMemberId(transferee) });
    if (progress.match === this.log.lastIndex()) {
      this.#send({ type: "MsgTimeoutNow", from: this.id, to: transferee, term: this.term });
    } else {
      this.#sendAppend(transferee);
    }
    return accepted;
  }

  // --- flow-control reports from the transport ---

  reportUnreachable(peer: MemberId): void {
    const progress = this.progress.get(peer);
    if (this.role !== "leader" || progress === undefined || peer === this.id) return;
    // An optimistic pipeline to an unreachable peer has probably lost messages.
    if (progress.state === "replicate") progress.becomeProbe();
  }

  reportSnapshot(peer: MemberId, succeeded: boolean): void {
    const progress = this.progress.get(peer);
    if (this.role !== "leader" || progress === undefined) return;
    if (progress.state !== "snapshot") return;
    if (!succeeded) progress.pendingSnapshot = 0;
    progress.becomeProbe();
    // Wait for a heartbeat response before probing again.
    progress.paused = true;
  }

  // --- membership ---

  confState(): ConfState {
    return { voters: sortedIds(this.voters), learners: sortedIds(this.learners) };
  }

  /** Applies a committed membership change (at apply time) and returns the new membership. */
  applyConfChange(change: ConfChange): ConfState {
    const next = applyToConfState(this.confState(), change);
    this.#restoreConf(next);
    if (this.role !== "leader") return next;
    if (!this.voters.has(this.id) && this.config.stepDownOnRemoval) {
      this.#logger.info("raft.leader.removed", { term: this.term });
      this.becomeFollower(this.term, noMember);
      return next;
    }
    if (this.leadTransferee !== noMember && !this.voters.has(this.leadTransferee)) {
      this.leadTransferee = noMember;
    }
    // The quorum may have shrunk, so pending entries may commit now.
    if (this.#maybeCommit()) this.#releasePendingReads();
    this.#bcastAppend();
    return next;
  }

  /** Makes the tracked membership equal `confState`, keeping progress of remaining members. */
  #restoreConf(confState: ConfState): void {
    this.voters = new Set(confState.voters);
    this.learners = new Set(confState.learners);
    const next = new Map<MemberId, Progress>();
    for (const id of [...confState.voters, ...confState.learners]) {
      const isLearner = this.learners.has(id);
      const progress = this.progress.get(id) ?? this.#newProgress(isLearner);
      if (!this.progress.has(id)) progress.recentActive = true;
      progress.isLearner = isLearner;
      next.set(id, progress);
    }
    this.progress = next;
    // A snapshot's ConfState from a peer was checked for duplicates by validate-message.ts.
    assert(this.progress.size === this.voters.size + this.learners.size, "Overlapping members");
  }

  // --- outgoing messages ---

  // Replies go to a peer message's `from`, which validate-message.ts keeps nonzero and not us.
  #send(message: Message): void {
    assert(message.to !== this.id, `${message.type} addressed to the sender itself`);
    assert(message.to !== noMember, `${message.type} has no recipient`);
    this.msgs.push(message);
  }

  /**
   * Adds a forwarded proposal's entries to the one still waiting to leave for the same leader
   * from the same asker, while it stays within a message's size: the leader then decodes and
   * steps one message per Ready, not one per request.
   * Membership changes travel alone: a leader refuses a proposal holding two of them whole.
   * @returns false when there is no such message (or it is full): send this one on its own.
   */
  #joinForwardedProposal(message: MsgProp): boolean {
    if (!allNormal(message.entries)) return false;
    const bytes = sizeBytes(message.entries);
    for (let position = this.msgs.length - 1; position >= 0; position -= 1) {
      const waiting = this.msgs[position];
      if (waiting?.type !== "MsgProp" || !allNormal(waiting.entries)) continue;
      if (waiting.to !== this.lead || waiting.from !== message.from) continue;
      if (sizeBytes(waiting.entries) + bytes > this.config.maxSizePerMsgBytes) return false;
      this.msgs[position] = { ...waiting, entries: [...waiting.entries, ...message.entries] };
      return true;
    }
    return false;
  }

  #sendAfterAppend(message: MsgAppResp | MsgVoteResp): void {
    assert(message.from === this.id, "Only our own responses wait for durability");
    assert(message.to !== noMember, `${message.type} has no recipient`);
    const vouches = message.type === "MsgAppResp" && !message.reject && message.index > 0;
    const vouchedTerm = vouches ? this.log.term(message.index) : null;
    this.msgsAfterAppend.push({ message, vouchedTerm });
  }

  /**
   * Takes the held-back responses whose state is about to be handed out for persisting. An
   * acknowledgement of an entry that was overwritten before it could be written is dropped:
   * it would vouch for an entry that never reached the disk (the leader will probe again).
   */
  takeGatedResponses(): Message[] {
    const released: Message[] = [];
    for (const { message, vouchedTerm } of this.msgsAfterAppend) {
      if (vouchedTerm !== null && message.type === "MsgAppResp") {
        if (this.log.term(message.index) !== vouchedTerm) continue;
      }
      released.push(message);
    }
    this.msgsAfterAppend = [];
    return released;
  }
}

/** A response held back until the Ready persisting what it vouches for is advanced. */
export interface GatedResponse {
  readonly message: MsgAppResp | MsgVoteResp;
  /** For an acknowledgement, the term of the acknowledged entry when it was sent. */
  readonly vouchedTerm: number | null;
}

/** What the caller knows beyond storage when starting a node. */
export interface RaftInitial {
  /** The highest index already applied to the state machine (default: the snapshot index). */
  readonly applied?: number;
  /** The membership as of `applied`, when it differs from storage's snapshot membership. */
  readonly confState?: ConfState;
}

// --- internal ---

function appendResponse(from: MemberId, to: MemberId, term: number, index: number): MsgAppResp {
  return { type: "MsgAppResp", from, to, term, index, reject: false, rejectHint: 0, logTerm: 0 };
}

function isForwardedRequest(message: Message): boolean {
  const type = message.type;
  return type === "MsgProp" || type === "MsgReadIndex" || type === "MsgTransferLeader";
}

function sortedIds(ids: Iterable<MemberId>): MemberId[] {
  return [...ids].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}

function allNormal(entries: readonly ProposedEntry[]): boolean {
  return entries.every((entry) => entry.type === EntryType.normal);
}
