/**
 * @module
 * This member's side of runtime membership: proposing changes with etcd's checks, applying
 * conf change entries and member commands to the replicated member list together with Raft's
 * voters, announcing this member's name and client URLs, and noticing its own removal. The node
 * loop owns the log and calls in here for the entries that concern membership.
 */
import type { MsgpackCodec } from "../codec/index.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import { sameStrings } from "../lib/same-strings.ts";
import {
  type ConfChange,
  type ConfState,
  type Entry,
  type MemberId,
  type RawNode,
  decodeConfChange,
} from "../raft/index.ts";
import type { PeerMeta } from "../storage/index.ts";
import { EtcdError, ErrorCode } from "../store/errors.ts";
import { computeAddedMemberId, formatMemberId, parseMemberId } from "./identity.ts";
import {
  type ConfChangeContext,
  type MemberCommand,
  decodeConfChangeContext,
  encodeConfChangeContext,
} from "./member-commands.ts";
import {
  type MemberRegistry,
  type MemberRegistrySnapshot,
  type MembershipRefusal,
  refusalError,
} from "./member-registry.ts";
import { PendingProposals, refusedByConsensus } from "./pending-proposals.ts";
import type { Proposal } from "./proposal.ts";
import { type MemberInfo, MembershipError } from "./types.ts";

/** Who this member is, as membership needs it. */
export interface MembershipIdentity {
  readonly name: string;
  readonly memberId: MemberId;
  readonly clusterId: MemberId;
  readonly clientUrls: readonly string[];
  /**
   * The founders as the member meta records them: who an empty conf change context names (logs
   * bootstrapped before contexts carried names and URLs), and the member list of a snapshot
   * written before it held one.
   */
  readonly founders: readonly PeerMeta[];
}

export interface MembershipOptions {
  readonly identity: MembershipIdentity;
  /** The replicated member list, restored with the store. */
  readonly members: MemberRegistry;
  readonly raft: RawNode;
  readonly codec: MsgpackCodec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly requestTimeoutMs: number;
  readonly pendingMax: number;
  /** Puts a member command in the log (the node's envelope); the error if refused. */
  readonly proposeCommand: (requestId: number, command: MemberCommand) => EtcdError | null;
  /** Tells the node loop that Raft has work. */
  readonly wake: () => void;
  readonly isStopping: () => boolean;
  /** Whether the peer `id` is connected now (etcd's strict reconfiguration check). */
  readonly isPeerConnected?: (id: MemberId) => boolean;
  /** Told after every applied change of the member list (to connect or drop peers). */
  readonly onMembersChanged?: (members: MemberRegistrySnapshot) => void;
  /** Told once when this member's own removal is applied: it must stop. */
  readonly onRemoved?: () => void;
}

/** How a membership change ended once its entry was applied. */
type MemberChangeOutcome =
  | { readonly refusal: null; readonly member: PeerMeta | null }
  | { readonly refusal: MembershipRefusal };

export class Membership {
  readonly #options: MembershipOptions;
  readonly #members: MemberRegistry;
  readonly #changes: PendingProposals<MemberChangeOutcome>;
  /** Monotonic ms when this member last proposed its client URLs; null when none is in flight. */
  #publishProposedAtMs: number | null = null;
  #removed = false;

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.#members = options.members;
    this.#changes = new PendingProposals({
      pendingMax: options.pendingMax,
      timeoutMs: options.requestTimeoutMs,
    });
  }

  /**
   * The replicated list. Until this member's own announcement is applied, its entry shows what it
   * is about to announce: etcd serves no client before it has published, so its clients never
   * see a member without client URLs, and neither should ours (etcdctl needs them to sync).
   */
  list(): MemberInfo[] {
    const { identity } = this.#options;
    return this.#members.list().map((member) =>
      memberInfo(
        member.id === identity.memberId && member.clientURLs.length === 0
          ? { ...member, name: identity.name, clientURLs: identity.clientUrls }
          : member,
      )
    );
  }

  async add(peerURLs: readonly string[]): Promise<MemberInfo> {
    const { identity, clock, raft } = this.#options;
    const id = computeAddedMemberId(peerURLs, identity.clusterId, clock.wallMs());
    const refusal = this.#members.checkAdd(id, peerURLs);
    if (refusal !== null) throw membershipError(refusal, id);
    const voters = raft.status().confState.voters;
    // Like etcd, a lone member may always add a second one: it is the only way to grow.
    const growingALoneMember = voters.length === 1;
    if (!growingALoneMember && !this.#enoughStartedAfter([...voters, id])) {
      throw notEnoughStartedMembers();
    }
    const outcome = await this.#proposeConfChange("addVoter", id, peerURLs);
    if (outcome.refusal !== null) throw membershipError(outcome.refusal, id);
    return memberInfo(outcome.member ?? { id, name: "", peerURLs, clientURLs: [] });
  }

  async remove(idText: string): Promise<void> {
    const id = parseMemberId(idText);
    if (id === null) throw new MembershipError("idNotFound", `No such member: ${idText}`);
    const refusal = this.#members.checkRemove(id);
    if (refusal !== null) throw membershipError(refusal, id);
    const voters = this.#options.raft.status().confState.voters.filter((voter) => voter !== id);
    if (voters.length > 0 && !this.#enoughStartedAfter(voters)) throw notEnoughStartedMembers();
    const outcome = await this.#proposeConfChange("removeNode", id, []);
    if (outcome.refusal !== null) throw membershipError(outcome.refusal, id);
  }

  async update(idText: string, peerURLs: readonly string[]): Promise<void> {
    const id = parseMemberId(idText);
    if (id === null) throw new MembershipError("idNotFound", `No such member: ${idText}`);
    const refusal = this.#members.checkUpdate(id, peerURLs);
    if (refusal !== null) throw membershipError(refusal, id);
    const outcome = await this.#proposeCommand({
      op: "updateMemberPeers",
      memberId: id,
      peerURLs: [...peerURLs],
    });
    if (outcome.refusal !== null) throw membershipError(outcome.refusal, id);
  }

  /**
   * A committed conf change changes the member list and Raft's voters together. Every replica
   * applies it to the same list, so every replica refuses the same invalid ones (a peer URL taken
   * meanwhile, a removed id), and Raft then learns nothing of a refused change.
   */
  applyConfChange(entry: Entry): void {
    const { raft, logger, identity } = this.#options;
    const change = decodeConfChange(entry.data);
    const context = this.#contextOf(change);
    const result = change.type === "removeNode"
      ? this.#members.remove(change.nodeId)
      : this.#members.add(change.nodeId, context.name, context.peerURLs);
    const member = formatMemberId(change.nodeId);
    const fields = { index: entry.index, change: change.type, member };
    if (result === null) {
      logger.info("membership changed", { ...fields, ...describe(raft.applyConfChange(change)) });
    } else {
      logger.warn("membership change refused", { ...fields, refusal: result });
    }
    if (context.proposer === identity.memberId) {
      this.#answer(context.requestId, result, change.nodeId);
    }
    if (result !== null) return;
    this.#changed();
    if (change.type === "removeNode" && change.nodeId === identity.memberId) this.noteRemoved();
  }

  /** A committed member command (a member's announcement, new peer URLs). */
  applyCommand(proposal: Proposal, command: MemberCommand): void {
    const result = command.op === "publishMember"
      ? this.#members.publish(command.memberId, command.name, command.clientURLs)
      : this.#members.updatePeerURLs(command.memberId, command.peerURLs);
    if (proposal.proposer === this.#options.identity.memberId) {
      if (command.op === "publishMember") this.#publishProposedAtMs = null;
      this.#answer(proposal.requestId, result, command.memberId);
    }
    if (result === null) this.#changed();
  }

  /** Replaces the list with a snapshot's (null: a snapshot from before the list was in them). */
  restore(snapshot: MemberRegistrySnapshot | null): void {
    this.#members.restore(snapshot ?? { members: this.#options.identity.founders, removed: [] });
    this.#changed();
  }

  toSnapshot(): MemberRegistrySnapshot {
    return this.#members.toSnapshot();
  }

  /** Once it runs, a member announces its name and client URLs through the log, as etcd's do. */
  maybePublish(nowMs: number): void {
    const { identity, raft, isStopping } = this.#options;
    if (isStopping() || this.#removed || raft.basicStatus().lead === 0n) return;
    const known = this.#members.get(identity.memberId);
    // A joining member learns itself from the log; until then it has nothing to correct.
    if (known === undefined) return;
    if (known.name === identity.name && sameStrings(known.clientURLs, identity.clientUrls)) return;
    const inFlight = this.#publishProposedAtMs;
    if (inFlight !== null && nowMs - inFlight < this.#options.requestTimeoutMs) return;
    const rejected = this.#options.proposeCommand(this.#changes.nextRequestId(), {
      op: "publishMember",
      memberId: identity.memberId,
      name: identity.name,
      clientURLs: [...identity.clientUrls],
    });
    if (rejected === null) this.#publishProposedAtMs = nowMs;
  }

  /** This member was removed (its own removal applied, or a peer said so): it must stop. */
  noteRemoved(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.#options.logger.warn("this member was removed from the cluster", {});
    this.#options.onRemoved?.();
  }

  /** Fails changes past their deadline with 300. */
  expireOverdue(nowMs: number): void {
    this.#changes.expireOverdue(nowMs);
  }

  rejectAll(error: EtcdError): void {
    this.#changes.rejectAll(error);
  }

  // --- internal ---

  #proposeConfChange(
    type: ConfChange["type"],
    nodeId: MemberId,
    peerURLs: readonly string[],
  ): Promise<MemberChangeOutcome> {
    const rejected = this.#admissionError();
    if (rejected !== null) return Promise.reject(rejected);
    const { codec, identity, raft, clock } = this.#options;
    const requestId = this.#changes.nextRequestId();
    const context = encodeConfChangeContext(codec, {
      proposer: identity.memberId,
      requestId,
      name: "",
      peerURLs,
    });
    const result = raft.proposeConfChange({ type, nodeId, context });
    if ("dropped" in result) return Promise.reject(refusedByConsensus(result.dropped));
    this.#options.wake();
    return this.#changes.wait(requestId, clock.monotonicMs());
  }

  #proposeCommand(command: MemberCommand): Promise<MemberChangeOutcome> {
    const rejected = this.#admissionError();
    if (rejected !== null) return Promise.reject(rejected);
    const requestId = this.#changes.nextRequestId();
    const refused = this.#options.proposeCommand(requestId, command);
    if (refused !== null) return Promise.reject(refused);
    return this.#changes.wait(requestId, this.#options.clock.monotonicMs());
  }

  #admissionError(): EtcdError | null {
    if (this.#options.isStopping()) {
      return new EtcdError(ErrorCode.raftInternal, "member is stopping", 0);
    }
    if (this.#changes.full) {
      return new EtcdError(ErrorCode.raftInternal, "too many pending proposals", 0);
    }
    return null;
  }

  /**
   * etcd's strict reconfiguration check: a change may not leave fewer connected voters than a
   * quorum of the new membership, or the cluster would stall until the missing ones start.
   */
  #enoughStartedAfter(voters: readonly MemberId[]): boolean {
    const self = this.#options.identity.memberId;
    const isConnected = this.#options.isPeerConnected ?? (() => false);
    const started = voters.filter((id) => id === self || isConnected(id)).length;
    return started >= Math.floor(voters.length / 2) + 1;
  }

  /** The context a conf change carries, or the founder's entry from the meta for old logs. */
  #contextOf(change: ConfChange): ConfChangeContext {
    const decoded = decodeConfChangeContext(this.#options.codec, change.context);
    if (decoded !== null) return decoded;
    const founder = this.#options.identity.founders.find((peer) => peer.id === change.nodeId);
    return {
      proposer: 0n,
      requestId: 0,
      name: founder?.name ?? "",
      peerURLs: founder?.peerURLs ?? [],
    };
  }

  #answer(requestId: number, result: MembershipRefusal | null, memberId: MemberId): void {
    const outcome: MemberChangeOutcome = result === null
      ? { refusal: null, member: this.#members.get(memberId) ?? null }
      : { refusal: result };
    this.#changes.resolve(requestId, outcome);
  }

  #changed(): void {
    this.#options.onMembersChanged?.(this.#members.toSnapshot());
  }
}

function memberInfo(member: PeerMeta): MemberInfo {
  return {
    id: formatMemberId(member.id),
    name: member.name,
    peerURLs: member.peerURLs,
    clientURLs: member.clientURLs,
  };
}

function membershipError(refusal: MembershipRefusal, id: MemberId): MembershipError {
  return refusalError(refusal, formatMemberId(id));
}

function notEnoughStartedMembers(): MembershipError {
  return new MembershipError(
    "notEnoughStartedMembers",
    "etcdserver: re-configuration failed due to not enough started members",
  );
}

function describe(confState: ConfState): { voters: string[]; learners: string[] } {
  return {
    voters: confState.voters.map(formatMemberId),
    learners: confState.learners.map(formatMemberId),
  };
}
