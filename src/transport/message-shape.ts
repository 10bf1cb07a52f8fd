/**
 * @module
 * Checks that a decoded msgpack value is a well-formed Raft `Message` and rebuilds it with only
 * the known fields, so a damaged or foreign payload never reaches the Raft core. Whether a
 * well-formed message is possible (contiguous entries, terms, commit indexes, membership) is
 * the core's own check at `RawNode.step` (`src/raft/validate-message.ts`).
 */
import {
  expectArray,
  expectBytes,
  expectCount,
  expectId,
} from "../codec/index.ts";
import { CorruptionError } from "../codec/index.ts";
import type {
  ConfState,
  Entry,
  EntryTypeValue,
  Message,
  MessageType,
  Snapshot,
} from "../raft/index.ts";
import { EntryType, messageTypeNames } from "../raft/index.ts";

type Fields = Readonly<Record<string, unknown>>;

/**
 * Turns a decoded value into a `Message`.
 * @throws {CorruptionError} when the value is not a message of a known type.
 */
export function toMessage(value: unknown): Message {
  const fields = expectFields(value, "message");
  const type = fields["type"];
  if (typeof type !== "string" || !isMessageType(type)) {
    throw new CorruptionError(`Cannot decode message: unknown type ${String(type)}`, 0);
  }
  const from = expectId(fields["from"], "message from");
  const to = expectId(fields["to"], "message to");
  const term = expectCount(fields["term"], "message term");
  const header = { from, to, term };
  return toBody(type, fields, header);
}

// --- internal ---

function isMessageType(type: string): type is MessageType {
  return messageTypeNames.has(type);
}

interface Header {
  readonly from: bigint;
  readonly to: bigint;
  readonly term: number;
}

function toBody(type: MessageType, fields: Fields, header: Header): Message {
  const count = (name: string): number => expectCount(fields[name], `${type} ${name}`);
  const flag = (name: string): boolean => expectBoolean(fields[name], `${type} ${name}`);
  const bytes = (name: string): Uint8Array => expectBytes(fields[name], `${type} ${name}`);
  switch (type) {
    case "MsgApp": {
      const entries = toEntries(fields["entries"]);
      const [index, logTerm, commit] = [count("index"), count("logTerm"), count("commit")];
      return { type, ...header, index, logTerm, entries, commit };
    }
    case "MsgAppResp": {
      const [index, rejectHint, logTerm] = [count("index"), count("rejectHint"), count("logTerm")];
      return { type, ...header, index, reject: flag("reject"), rejectHint, logTerm };
    }
    case "MsgVote":
    case "MsgPreVote":
      return {
        type,
        ...header,
        index: count("index"),
        logTerm: count("logTerm"),
        force: flag("force"),
      };
    case "MsgVoteResp":
    case "MsgPreVoteResp":
      return { type, ...header, reject: flag("reject") };
    case "MsgHeartbeat":
      return { type, ...header, commit: count("commit"), context: toContext(fields["context"]) };
    case "MsgHeartbeatResp":
      return { type, ...header, context: toContext(fields["context"]) };
    case "MsgSnap":
      return { type, ...header, snapshot: toSnapshot(fields["snapshot"]) };
    case "MsgProp":
      return { type, ...header, entries: toEntries(fields["entries"]) };
    case "MsgReadIndex":
      return { type, ...header, context: bytes("context") };
    case "MsgReadIndexResp":
      return { type, ...header, context: bytes("context"), index: count("index") };
    case "MsgTimeoutNow":
    case "MsgTransferLeader":
      return { type, ...header };
  }
}

function toEntries(value: unknown): Entry[] {
  return expectArray(value, "entries").map((item) => {
    const fields = expectFields(item, "entry");
    const type = expectCount(fields["type"], "entry type");
    if (type !== EntryType.normal && type !== EntryType.confChange) {
      throw new CorruptionError(`Cannot decode entry: unknown entry type ${type}`, 0);
    }
    return {
      term: expectCount(fields["term"], "entry term"),
      index: expectCount(fields["index"], "entry index"),
      type: type as EntryTypeValue,
      data: expectBytes(fields["data"], "entry data"),
    };
  });
}

function toSnapshot(value: unknown): Snapshot {
  const fields = expectFields(value, "snapshot");
  const metadata = expectFields(fields["metadata"], "snapshot metadata");
  const confFields = expectFields(metadata["confState"], "snapshot conf state");
  const confState: ConfState = {
    voters: expectArray(confFields["voters"], "voters").map((id) => expectId(id, "voter")),
    learners: expectArray(confFields["learners"], "learners").map((id) => expectId(id, "learner")),
  };
  return {
    metadata: {
      index: expectCount(metadata["index"], "snapshot index"),
      term: expectCount(metadata["term"], "snapshot term"),
      confState,
    },
    data: expectBytes(fields["data"], "snapshot data"),
  };
}

function toContext(value: unknown): Uint8Array | null {
  return value === null ? null : expectBytes(value, "message context");
}

function expectFields(value: unknown, what: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CorruptionError(`Cannot decode ${what}: expected a map`, 0);
  }
  if (value instanceof Uint8Array) {
    throw new CorruptionError(`Cannot decode ${what}: expected a map, not bytes`, 0);
  }
  return value as Fields;
}

function expectBoolean(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") {
    throw new CorruptionError(`Cannot decode ${what}: expected a boolean`, 0);
  }
  return value;
}
