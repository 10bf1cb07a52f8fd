/**
 * @module
 * The version report and the health check: healthy when the member knows a leader and a
 * linearizable read barrier completes (etcd 3.4 checks with a quorum read too).
 */
import type { KeyValueNode } from "../../server/types.ts";
import { stringifyGo } from "../go-json.ts";
import type { HealthBody, VersionBody } from "./model.ts";

/** The etcd server version cairn's v2 API behaves like. */
export const etcdServerVersion = "3.4.23";
/** The etcd cluster version cairn's v2 API behaves like. */
export const etcdClusterVersion = "3.4.0";

/** `/version`, with cairn's own version as a further field. */
export function versionJson(cairnVersion: string): string {
  const body: VersionBody = {
    etcdserver: etcdServerVersion,
    etcdcluster: etcdClusterVersion,
    cairn: cairnVersion,
  };
  return stringifyGo(body);
}

/** The result of a health check and its body. */
export interface HealthReport {
  readonly healthy: boolean;
  readonly body: string;
}

/** Checks the member: a known leader and a completed read barrier. */
export async function checkHealth(node: KeyValueNode): Promise<HealthReport> {
  let healthy = node.status().leaderId !== "";
  if (healthy) {
    try {
      await node.readBarrier();
    } catch {
      // A barrier that times out or finds no leader is exactly what "unhealthy" reports.
      healthy = false;
    }
  }
  const body: HealthBody = { health: healthy ? "true" : "false" };
  return { healthy, body: stringifyGo(body) };
}
