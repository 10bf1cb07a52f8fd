/**
 * @module
 * The settings of Bun's memory allocator (mimalloc) that cairn runs with. mimalloc reads them
 * from the environment once, when the process starts, so `main.ts` re-executes the binary with
 * them when they are missing.
 *
 * Why: a write allocates a few kilobytes of short-lived strings and buffers. With mimalloc's
 * defaults, the pages freed after each garbage collection are handed back to the kernel within
 * 100 ms (and holes in partly used pages at once), then faulted in again for the next requests:
 * thousands of page faults and hundreds of `madvise` calls a second, each with a TLB flush
 * across CPUs, which is dear in a virtual machine. Keeping freed pages for a second instead
 * cut server CPU per PUT by about a fifth on the benchmark machine (docs/PERFORMANCE.md); idle
 * memory still goes back to the kernel after that second.
 */

/** Each variable and the value cairn uses unless the environment already sets it. */
export const allocatorSettings: Readonly<Record<string, string>> = {
  MIMALLOC_PURGE_DELAY: "1000",
  MIMALLOC_PURGE_HOLES: "0",
};

/**
 * The environment to re-execute with: `env` plus every allocator setting it lacks, or `null`
 * when it already has them all (set by the operator, or by the re-execution itself), so a
 * process re-executes at most once and an operator's own value always wins.
 */
export function allocatorEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> | null {
  const missing = Object.keys(allocatorSettings).filter((name) => env[name] === undefined);
  if (missing.length === 0) return null;
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) result[name] = value;
  }
  for (const name of missing) result[name] = allocatorSettings[name] ?? "";
  return result;
}
