import { describe, expect, test } from "bun:test";
import { ReadIndexBatcher } from "../../../src/server/read-index-batcher.ts";

/** A ReadIndex source whose rounds the test answers by hand. */
function manualRounds() {
  const rounds: PromiseWithResolvers<number>[] = [];
  const batcher = new ReadIndexBatcher(() => {
    const round = Promise.withResolvers<number>();
    rounds.push(round);
    return round.promise;
  });
  return { batcher, rounds };
}

describe("ReadIndexBatcher", () => {
  test("reads that arrive during a round share the next one, which starts when it ends", async () => {
    const { batcher, rounds } = manualRounds();
    const first = batcher.wait();
    const second = batcher.wait();
    const third = batcher.wait();
    expect(rounds.length).toBe(1);
    rounds[0]?.resolve(10);
    expect(await first).toBe(10);
    expect(rounds.length).toBe(2);
    rounds[1]?.resolve(12);
    expect(await Promise.all([second, third])).toEqual([12, 12]);
    expect(batcher.rounds).toBe(2);
  });

  test("a read never takes the index of a round that began before it arrived", async () => {
    const { batcher, rounds } = manualRounds();
    const early = batcher.wait();
    const late = batcher.wait();
    let lateIndex: number | null = null;
    void late.then((index) => {
      lateIndex = index;
    });
    rounds[0]?.resolve(5);
    await early;
    await Promise.resolve();
    expect(lateIndex).toBeNull();
    rounds[1]?.resolve(6);
    expect(await late).toBe(6);
  });

  test("a failed round fails its reads only; the next round serves the rest", async () => {
    const { batcher, rounds } = manualRounds();
    const failed = batcher.wait();
    const next = batcher.wait();
    rounds[0]?.reject(new Error("leader lost"));
    await expect(failed).rejects.toThrow("leader lost");
    rounds[1]?.resolve(7);
    expect(await next).toBe(7);
  });

  test("a round that throws at once fails its reads and leaves the batcher usable", async () => {
    let calls = 0;
    const batcher = new ReadIndexBatcher(() => {
      calls += 1;
      if (calls === 1) throw new Error("dropped");
      return Promise.resolve(3);
    });
    await expect(batcher.wait()).rejects.toThrow("dropped");
    expect(await batcher.wait()).toBe(3);
  });
});
