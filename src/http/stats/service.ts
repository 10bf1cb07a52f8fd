/**
 * @module
 * The statistics bodies, built from the member's status and the store's counters. etcd writes
 * them with `json.Marshal`: compact, Go escaping, no trailing newline.
 */
import type { FollowerStats, NodeStatus } from "../../server/types.ts";
import type { StoreStats } from "../../store/types.ts";
import { formatGoDuration, formatRfc3339, stringifyGo } from "../go-json.ts";
import type { LeaderStats, SelfStats } from "./model.ts";

/**
 * `/v2/stats/self`.
 * @param nowMs Wall-clock time, for the leader's uptime.
 */
export function selfStatsJson(status: NodeStatus, nowMs: number): string {
  const hasLeader = status.leaderId !== "" && status.leaderStartTimeMs > 0;
  const stats: SelfStats = {
    name: status.name,
    id: status.memberId,
    state: status.state,
    startTime: formatRfc3339(status.startTimeMs),
    leaderInfo: {
      leader: status.leaderId,
      uptime: hasLeader ? formatGoDuration(nowMs - status.leaderStartTimeMs) : "0s",
      startTime: hasLeader ? formatRfc3339(status.leaderStartTimeMs) : goZeroTime,
    },
    recvAppendRequestCnt: status.recvAppendRequestCount,
    ...nonZero("recvPkgRate", status.recvPkgRate),
    ...nonZero("recvBandwidthRate", status.recvBandwidthRate),
    sendAppendRequestCnt: status.sendAppendRequestCount,
    ...nonZero("sendPkgRate", status.sendPkgRate),
    ...nonZero("sendBandwidthRate", status.sendBandwidthRate),
  };
  return stringifyGo(stats);
}

/**
 * `/v2/stats/leader` on the leader: each follower's latency and message counts (an empty map on
 * a single member, as etcd shows it).
 * @returns `null` when this member is not the leader.
 */
export function leaderStatsJson(
  status: NodeStatus,
  followers: Readonly<Record<string, FollowerStats>>,
): string | null {
  if (status.state !== "StateLeader") return null;
  const stats: LeaderStats = { leader: status.memberId, followers: { ...followers } };
  return stringifyGo(stats);
}

/** `/v2/stats/store`: the 16 counters in etcd's order. */
export function storeStatsJson(stats: StoreStats): string {
  return stringifyGo({
    getsSuccess: stats.getsSuccess,
    getsFail: stats.getsFail,
    setsSuccess: stats.setsSuccess,
    setsFail: stats.setsFail,
    deleteSuccess: stats.deleteSuccess,
    deleteFail: stats.deleteFail,
    updateSuccess: stats.updateSuccess,
    updateFail: stats.updateFail,
    createSuccess: stats.createSuccess,
    createFail: stats.createFail,
    compareAndSwapSuccess: stats.compareAndSwapSuccess,
    compareAndSwapFail: stats.compareAndSwapFail,
    compareAndDeleteSuccess: stats.compareAndDeleteSuccess,
    compareAndDeleteFail: stats.compareAndDeleteFail,
    expireCount: stats.expireCount,
    watchers: stats.watchers,
  });
}

// --- internal ---

/** etcd's `omitempty` on a float: the field only when it is not zero. */
function nonZero<Name extends string>(name: Name, value: number): Partial<Record<Name, number>> {
  return value === 0 ? {} : ({ [name]: value } as Record<Name, number>);
}

/** How Go prints the zero `time.Time`, shown before any leader is known. */
const goZeroTime = "0001-01-01T00:00:00Z";
