/**
 * @module
 * What etcd's `/v2/stats/self` counts of replication: append requests sent (a leader) and
 * received (a follower), each with a recent rate in requests and bytes per second.
 */
import type { Message } from "../raft/index.ts";
import { RateMeter, type TransferRate } from "../transport/index.ts";

/** Append requests one way: how many in all, and how fast lately. */
export interface AppendTraffic {
  readonly count: number;
  readonly rate: TransferRate;
}

export class AppendStats {
  #sent = 0;
  #received = 0;
  readonly #sendRate = new RateMeter();
  readonly #receiveRate = new RateMeter();

  /** Counts the append requests among messages this member sends. */
  noteSent(messages: readonly Message[], nowMs: number): void {
    for (const message of messages) {
      if (message.type !== "MsgApp") continue;
      this.#sent += 1;
      this.#sendRate.record(nowMs, 1, entryBytes(message));
    }
  }

  /** Counts a message this member received, if it is an append request. */
  noteReceived(message: Message, nowMs: number): void {
    if (message.type !== "MsgApp") return;
    this.#received += 1;
    this.#receiveRate.record(nowMs, 1, entryBytes(message));
  }

  sent(nowMs: number): AppendTraffic {
    return { count: this.#sent, rate: this.#sendRate.rate(nowMs) };
  }

  received(nowMs: number): AppendTraffic {
    return { count: this.#received, rate: this.#receiveRate.rate(nowMs) };
  }
}

function entryBytes(message: Extract<Message, { type: "MsgApp" }>): number {
  let bytes = 0;
  for (const entry of message.entries) bytes += entry.data.byteLength;
  return bytes;
}
