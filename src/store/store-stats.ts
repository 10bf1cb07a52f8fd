/**
 * @module
 * The `/v2/stats/store` operation counters: which counter each command moves on success and on
 * failure. Unlike etcd (quirk 8) a failed compare-and-delete or directory update counts as a
 * failure.
 */
import type { StoreCommand, StoreStats } from "./types.ts";

/** The counters a store keeps; `watchers` is read from the hub instead. */
export type StoreCounters = Omit<StoreStats, "watchers">;

/** The names of the counters in `StoreCounters`. */
export type CounterName = keyof StoreCounters;

/** Fresh zeroed counters. */
export function createCounters(): StoreCounters {
  return {
    getsSuccess: 0,
    getsFail: 0,
    setsSuccess: 0,
    setsFail: 0,
    deleteSuccess: 0,
    deleteFail: 0,
    updateSuccess: 0,
    updateFail: 0,
    createSuccess: 0,
    createFail: 0,
    compareAndSwapSuccess: 0,
    compareAndSwapFail: 0,
    compareAndDeleteSuccess: 0,
    compareAndDeleteFail: 0,
    expireCount: 0,
  };
}

/** The counter a write command moves; expiry is counted per expired node instead. */
export function counterFor(
  op: Exclude<StoreCommand["op"], "expire">,
  succeeded: boolean,
): CounterName {
  const [success, fail] = counterPairs[op];
  return succeeded ? success : fail;
}

// --- internal ---

const counterPairs: Readonly<
  Record<Exclude<StoreCommand["op"], "expire">, readonly [CounterName, CounterName]>
> = {
  set: ["setsSuccess", "setsFail"],
  create: ["createSuccess", "createFail"],
  update: ["updateSuccess", "updateFail"],
  compareAndSwap: ["compareAndSwapSuccess", "compareAndSwapFail"],
  delete: ["deleteSuccess", "deleteFail"],
  compareAndDelete: ["compareAndDeleteSuccess", "compareAndDeleteFail"],
};
