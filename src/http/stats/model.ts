/**
 * @module
 * The shapes of `/v2/stats/self` and `/v2/stats/leader` in etcd 3.4's field names and order.
 */
import { t } from "elysia";
import type { Static } from "@sinclair/typebox";

/** `/v2/stats/self`: this member's identity, state and leader as it sees them. */
export const selfStatsSchema = t.Object({
  name: t.String(),
  id: t.String(),
  state: t.Union([
    t.Literal("StateLeader"),
    t.Literal("StateFollower"),
    t.Literal("StateCandidate"),
  ]),
  startTime: t.String({ description: "RFC 3339" }),
  leaderInfo: t.Object({
    leader: t.String(),
    uptime: t.String({ description: "Go Duration.String" }),
    startTime: t.String({ description: "RFC 3339" }),
  }),
  recvAppendRequestCnt: t.Integer({ minimum: 0 }),
  /** These four are left out when zero, as etcd's `omitempty` does. */
  recvPkgRate: t.Optional(t.Number()),
  recvBandwidthRate: t.Optional(t.Number()),
  sendAppendRequestCnt: t.Integer({ minimum: 0 }),
  sendPkgRate: t.Optional(t.Number()),
  sendBandwidthRate: t.Optional(t.Number()),
});
/** A `/v2/stats/self` body. */
export type SelfStats = Static<typeof selfStatsSchema>;

/** `/v2/stats/leader` on a leader; followers keyed by hex member id. */
export const leaderStatsSchema = t.Object({
  leader: t.String(),
  followers: t.Record(t.String(), t.Unknown()),
});
/** A `/v2/stats/leader` body. */
export type LeaderStats = Static<typeof leaderStatsSchema>;
