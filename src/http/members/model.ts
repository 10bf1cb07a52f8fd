/**
 * @module
 * The shapes of `/v2/members` and `/v2/members/leader` (etcd 3.4 field names).
 */
import { t } from "elysia";
import type { Static } from "@sinclair/typebox";

/** One member; ids are lower-case hex, not zero-padded (as etcd). */
export const memberSchema = t.Object({
  id: t.String(),
  name: t.String(),
  peerURLs: t.Array(t.String()),
  clientURLs: t.Array(t.String()),
});
/** One member as reported. */
export type MemberBody = Static<typeof memberSchema>;

/** `/v2/members`. */
export const memberListSchema = t.Object({ members: t.Array(memberSchema) });
/** A `/v2/members` body. */
export type MemberListBody = Static<typeof memberListSchema>;
