/**
 * @module
 * The shapes of `/version` and `/health`.
 */
import { t } from "elysia";
import type { Static } from "@sinclair/typebox";

/** `/version`: the etcd versions cairn answers as, plus its own. */
export const versionSchema = t.Object({
  etcdserver: t.String(),
  etcdcluster: t.String(),
  cairn: t.String(),
});
/** A `/version` body. */
export type VersionBody = Static<typeof versionSchema>;

/** `/health`: etcd reports the boolean as a string. */
export const healthSchema = t.Object({ health: t.Union([t.Literal("true"), t.Literal("false")]) });
/** A `/health` body. */
export type HealthBody = Static<typeof healthSchema>;
