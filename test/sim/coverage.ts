/**
 * @module
 * "Sometimes" assertions: counters of interesting events. A batch of seeds passes only if each
 * of the required counters fired at least once somewhere in it, which proves the faults and
 * code paths the invariants are meant to guard were actually exercised.
 */

export const coverageNames = [
  "leaderElected",
  "leaderChanged",
  "tailTruncated",
  "snapshotSent",
  "snapshotInstalled",
  "probeToReplicate",
  "preVoteRejected",
  "readServed",
  "readServedUnderPartition",
  "crashRecovered",
  "tornTailRepaired",
  "segmentReleased",
  "messageDropped",
  "messageDuplicated",
  "partitionStarted",
  "nodePaused",
  "proposalDropped",
  "writeIndeterminate",
  "livenessCoreOnly",
  "confChangeApplied",
  "memberJoined",
  "memberRemoved",
  "transferRequested",
  "transferCompleted",
  "leaderSentBeforePersist",
  "writeFreeApplied",
] as const;

export type CoverageName = (typeof coverageNames)[number];

/** Counters that a CI batch requires to be non-zero. */
export const requiredCoverage: readonly CoverageName[] = coverageNames;

export type Coverage = Record<CoverageName, number>;

export function emptyCoverage(): Coverage {
  const coverage = {} as Record<CoverageName, number>;
  for (const name of coverageNames) coverage[name] = 0;
  return coverage;
}

/** Adds `source` into `target`. */
export function addCoverage(target: Coverage, source: Coverage): void {
  for (const name of coverageNames) target[name] += source[name];
}

/** The required counters that never fired. */
export function missingCoverage(coverage: Coverage): CoverageName[] {
  return requiredCoverage.filter((name) => coverage[name] === 0);
}

export function formatCoverage(coverage: Coverage): string {
  return coverageNames.map((name) => `${name}=${coverage[name]}`).join(" ");
}
