import { describe, expect, test } from "bun:test";
import { ClusterClock } from "../../../src/server/cluster-clock.ts";

const self = 1n;
const other = 2n;
const never = () => undefined;

describe("ClusterClock", () => {
  test("a member that never followed anyone stamps its wall clock", () => {
    const clock = new ClusterClock(self);
    expect(clock.leaderChanged(self, never)).toEqual({ previous: 0n, offsetMs: 0 });
    expect(clock.stamp(1000)).toBe(1000);
    expect(clock.nowMs(1500)).toBe(1500);
  });

  test("a new leader whose clock runs ahead is held back to its predecessor's", () => {
    const clock = new ClusterClock(self);
    clock.leaderChanged(other, never);
    // The old leader's last ping said its clock was 5 s behind ours.
    const held = clock.leaderChanged(self, (peer) => (peer === other ? -5000 : undefined));
    expect(held).toEqual({ previous: other, offsetMs: -5000 });
    expect(clock.stamp(100_000)).toBe(95_000);
    // A key stamped at 95 s with a 10 s TTL expires at 105 s of cluster time: 110 s of ours,
    // a full 10 s after it was set, not 5.
    expect(clock.nowMs(109_999)).toBeLessThan(105_000);
    expect(clock.nowMs(110_000)).toBe(105_000);
  });

  test("a new leader whose clock runs behind keeps it; time never goes back", () => {
    const clock = new ClusterClock(self);
    clock.leaderChanged(other, never);
    clock.observe(50_000);
    expect(clock.leaderChanged(self, () => 3000)?.offsetMs).toBe(0);
    // Our wall clock reads 47 s, behind the 50 s already in the log: the clock waits there.
    expect(clock.stamp(47_000)).toBe(50_000);
    expect(clock.stamp(48_000)).toBe(50_000);
    expect(clock.stamp(51_000)).toBe(51_000);
  });

  test("stamps never decrease, whatever the wall clock does", () => {
    const clock = new ClusterClock(self);
    clock.leaderChanged(self, never);
    const stamps = [1000, 3000, 2000, 2500, 4000].map((wallMs) => clock.stamp(wallMs));
    expect(stamps).toEqual([1000, 3000, 3000, 3000, 4000]);
  });

  test("each leadership measures against the latest other leader", () => {
    const clock = new ClusterClock(self);
    const offsets = new Map([[2n, -1000], [3n, -200]]);
    clock.leaderChanged(2n, (peer) => offsets.get(peer));
    clock.leaderChanged(self, (peer) => offsets.get(peer));
    expect(clock.offsetMs).toBe(-1000);
    clock.leaderChanged(3n, (peer) => offsets.get(peer));
    clock.leaderChanged(self, (peer) => offsets.get(peer));
    expect(clock.offsetMs).toBe(-200);
    expect(clock.leaderChanged(0n, never)).toBeNull();
  });
});
