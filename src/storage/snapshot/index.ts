/**
 * @module
 * Snapshot files: atomic durable save, newest-valid load with `.broken` fallback, purge.
 */
export {
  type SnapshotName,
  parseSnapshotFileName,
  snapshotFileName,
} from "./snapshot-name.ts";
export { SnapshotStore, type SnapshotStoreOptions } from "./snapshot-store.ts";
