/**
 * @module
 * cairn's Raft core: a pure, synchronous Raft state machine (after etcd-io/raft's design, written
 * from the paper and the thesis). No I/O, no clock, no timers, no Promises; the only randomness
 * is the injected `Prng` (election jitter). Time is `tick()`.
 *
 * ## Using it
 *
 * ```ts
 * // A founder of a new cluster persists bootstrapLog(founders) (committed addVoter entries) and
 * // starts with an empty ConfState; a member joining later starts with an empty log and learns
 * // the membership from the replicated log or a snapshot. (Tests may instead seed the
 * // membership as a snapshot at index 0: `new MemoryStorage(confState)`; joiners then need a
 * // snapshot, since the log does not name the founders.)
 * const storage = new MemoryStorage(); // or the WAL's index
 * const node = new RawNode({ id: 1n, electionTicks: 10, heartbeatTicks: 1, prng, ...limits },
 *   storage, { applied });
 * // Drive it: node.tick() every tick interval; node.step(message) for every peer message;
 * // node.propose(bytes), node.proposeConfChange(change), node.readIndex(freshContext),
 * // node.transferLeadership(id) for local requests (each returns {ok} or {dropped: reason}).
 * while (node.hasReady()) {
 *   const ready = node.ready();
 *   // 1. If ready.snapshot: persist it (file + WAL marker), then storage.applySnapshot(it).
 *   // 2. Persist ready.entries (an entry at index i replaces every stored entry ≥ i), then
 *   //    ready.hardState if present; fdatasync if ready.mustSync. Then storage.append(entries),
 *   //    storage.setHardState(hardState). While the fdatasync runs, node.writeFreeReady() may
 *   //    hand out work that needs no write (see the contract below).
 *   // 3. Only now send ready.messages (any order; dropping some is safe); the first
 *   //    ready.earlyMessageCount of them may instead go before step 1.
 *   // 4. Restore the state machine from ready.snapshot if present; apply
 *   //    ready.committedEntries in order; for an entry of type confChange, call
 *   //    node.applyConfChange(decodeConfChange(entry.data)) when applying it.
 *   // 5. Hand ready.readStates to waiting reads (serve a read once applied ≥ readState.index).
 *   // 6. node.advance().
 * }
 * ```
 *
 * ## The contract (what keeps it safe)
 *
 * - **Persist before sending.** `ready.entries`, `ready.hardState` and `ready.snapshot` must be
 *   durable (fsynced when `mustSync`) before any of `ready.messages` is sent. A vote, an append
 *   acknowledgement and a message stamped with a new term all vouch for that state. The
 *   exceptions are counted in `ready.earlyMessageCount`: responses released by the previous
 *   `advance()`, requests forwarded to the leader (term 0: they vouch for nothing), and
 *   everything of a leader whose term and vote did not change (so followers persist in
 *   parallel with it).
 * - **Durability-gated responses.** Independently of the rule above, the core never puts an
 *   append response (MsgAppResp), a vote or pre-vote response, the leader's acknowledgement of
 *   its own entries or a candidate's own vote in the same Ready as the state it depends on: they
 *   are held back and released by `advance()` of that Ready (into the next Ready's `messages`,
 *   or stepped into the node itself). So `advance()` must be called only after step 2.
 * - **Apply after persisting.** Committed entries may be among the same Ready's `entries`; apply
 *   them only after step 2. Persist the applied index atomically with the state machine.
 * - **One Ready at a time.** `ready()` then `advance()`; `tick`, `step` and local requests may be
 *   called in between (their effects go into the next Ready). `hasReady()` is false while a
 *   Ready awaits `advance()`; calling `ready()` then is a programming error (it throws).
 * - **Write-free work while a Ready is written.** Between `ready()` and `advance()` the caller
 *   may call `writeFreeReady()` as often as it likes: it hands out what needs no write and does
 *   not depend on the one in flight (a steady leader's messages, forwarded requests, committed
 *   entries stable storage held before that Ready, read states). Send the messages at once and
 *   apply the entries in order after that Ready's own committed entries (which were then all
 *   durable before it, so they can be applied before waiting for the write; a caller that
 *   applies them only after the write holds these back until then). Applied entries may then
 *   run ahead of the persisted commit index: after a restart, raise the commit to the applied
 *   index (what was applied was committed).
 * - **Membership changes take effect when applied**, through `applyConfChange`; the snapshot's
 *   ConfState is restored by the core itself when it installs a snapshot.
 * - **Storage** (`RaftStorage`) is read-only to the core and must reflect every advanced Ready.
 *   Compact it only below the applied index, and only after a snapshot covering it is durable.
 * - **Requests are not outcomes.** `{ok: true}` from `propose`/`proposeConfChange` means appended
 *   locally (on a leader) or forwarded to the leader; a forwarded request can still be dropped
 *   there or lost on the way, and an appended entry can be overwritten after a leader change.
 *   Callers resolve a proposal only when its entry is applied, and time out otherwise.
 * - **ReadIndex contexts** must be fresh per attempt, and only ReadStates whose context the
 *   caller issued are meaningful. A ReadState is answered only after the
 *   leader committed an entry of its term and a quorum confirmed its leadership; requests are
 *   dropped (never answered) on term or role change, so callers time out and retry.
 * - **Transport**: call `reportUnreachable(peer)` when a send to `peer` was dropped, and
 *   `reportSnapshot(peer, ok)` whenever a MsgSnap finished or failed: the leader sends nothing
 *   else to that peer until told (or until the peer acknowledges an append).
 * - **Snapshots for joiners**: the leader only sends a snapshot whose ConfState includes the
 *   target (an older one would be refused); take a new snapshot after membership changes.
 * - **Peer messages are untrusted.** `step` refuses (logs a warning, counts in
 *   `refusedMessageCount`, changes nothing) any message no correct peer can send, so a buggy
 *   or hostile peer never trips an assertion; see `validate-message.ts`.
 * - Assertion failures (`AssertionError`) mean the node's state can no longer be trusted: stop
 *   the process. Expected refusals are return values (`{dropped: reason}`).
 */

export { type BootstrapLog, bootstrapLog } from "./bootstrap.ts";
export {
  type ConfChange,
  applyToConfState,
  decodeConfChange,
  encodeConfChange,
  validateConfChange,
} from "./conf-change.ts";
export type { RaftConfig, ResolvedRaftConfig } from "./config.ts";
export type {
  DropReason,
  Message,
  MessageType,
  MsgApp,
  MsgAppResp,
  MsgHeartbeat,
  MsgHeartbeatResp,
  MsgProp,
  MsgReadIndex,
  MsgReadIndexResp,
  MsgSnap,
  MsgTimeoutNow,
  MsgTransferLeader,
  MsgVote,
  MsgVoteResp,
  ReadState,
  Ready,
  RequestResult,
  Role,
  SoftState,
  WriteFreeReady,
} from "./messages.ts";
export { messageTypeNames, noMember } from "./messages.ts";
export type { ProgressState } from "./progress.ts";
export type { RaftInitial } from "./raft.ts";
export { type BasicStatus, type PeerStatus, type RaftStatus, RawNode } from "./raw-node.ts";
export { type InitialState, MemoryStorage, type RaftStorage, emptyHardState } from "./storage.ts";
export {
  type ConfState,
  type Entry,
  EntryType,
  type EntryTypeValue,
  type HardState,
  type MemberId,
  type Snapshot,
  type SnapshotMetadata,
} from "./types.ts";
