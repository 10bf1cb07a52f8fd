/**
 * @module
 * The data of a Raft snapshot: everything applying the log builds, that is the store and the
 * member list. Snapshots written before the member list joined them hold the store's data alone;
 * those restore with the member list the caller knows from the member meta.
 */
import {
  type MsgpackCodec,
  expectArray,
  expectId,
  expectText,
  expectTexts,
  expectTuple,
} from "../codec/index.ts";
import type { PeerMeta } from "../storage/index.ts";
import type { StoreSnapshot } from "../store/index.ts";
import type { MemberRegistrySnapshot } from "./member-registry.ts";

const stateFormat = "cairn-state-2";

export interface StateSnapshot {
  readonly store: StoreSnapshot;
  /** Null for a snapshot written before the member list was replicated. */
  readonly members: MemberRegistrySnapshot | null;
}

export function encodeStateSnapshot(codec: MsgpackCodec, state: StateSnapshot): Uint8Array {
  const members = state.members === null
    ? null
    : [
        state.members.members.map((member) => [
          member.id,
          member.name,
          [...member.peerURLs],
          [...member.clientURLs],
        ]),
        [...state.members.removed],
      ];
  return codec.pack({ format: stateFormat, store: state.store, members });
}

/**
 * Decodes snapshot data. The bytes passed the snapshot file's (or the peer frame's) CRC check, so
 * the store part is trusted as the store's own data; the member list is checked field by field.
 * @throws {CorruptionError} when the member list is malformed.
 */
export function decodeStateSnapshot(codec: MsgpackCodec, bytes: Uint8Array): StateSnapshot {
  const value: unknown = codec.unpack(bytes);
  if (typeof value !== "object" || value === null || Reflect.get(value, "format") !== stateFormat) {
    return { store: value as StoreSnapshot, members: null };
  }
  const store = Reflect.get(value, "store") as StoreSnapshot;
  const members: unknown = Reflect.get(value, "members");
  if (members === null) return { store, members: null };
  return { store, members: decodeMembers(members) };
}

// --- internal ---

function decodeMembers(value: unknown): MemberRegistrySnapshot {
  const [members, removed] = expectTuple(value, 2, "snapshot member list");
  return {
    members: expectArray(members, "snapshot members").map(decodeMember),
    removed: expectArray(removed, "snapshot removed members").map((id) =>
      expectId(id, "removed member id")
    ),
  };
}

function decodeMember(value: unknown): PeerMeta {
  const fields = expectTuple(value, 4, "snapshot member");
  return {
    id: expectId(fields[0], "member id"),
    name: expectText(fields[1], "member name"),
    peerURLs: expectTexts(fields[2], "member peer URLs"),
    clientURLs: expectTexts(fields[3], "member client URLs"),
  };
}
