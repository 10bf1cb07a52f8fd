import { describe, expect, test } from "bun:test";
import { Bitset } from "../../../src/check/bitset.ts";
import { EventList, listEnd } from "../../../src/check/event-list.ts";
import { VisitedCache, hashString } from "../../../src/check/visited-cache.ts";
import { AssertionError } from "../../../src/lib/assert.ts";

/** The events of `list` from the head, as "c0" (call of 0) and "r0" (return of 0). */
function walk(list: EventList): string[] {
  const names: string[] = [];
  for (let event = list.next(list.head); event !== listEnd; event = list.next(event)) {
    names.push(`${event % 2 === 0 ? "c" : "r"}${event >>> 1}`);
  }
  return names;
}

describe("the event list", () => {
  test("orders by time, calls before returns at equal times, +∞ last", () => {
    const list = new EventList([0, 5, 2], [5, Infinity, 3]);
    expect(walk(list)).toEqual(["c0", "c2", "r2", "c1", "r0", "r1"]);
  });

  test("lifting and unlifting in stack order restores the list", () => {
    const list = new EventList([0, 1, 2], [10, 11, 12]);
    const before = walk(list);
    list.lift(1);
    list.lift(0);
    expect(walk(list)).toEqual(["c2", "r2"]);
    list.unlift(0);
    list.unlift(1);
    expect(walk(list)).toEqual(before);
    list.lift(0);
    list.lift(1);
    list.lift(2);
    expect(list.empty()).toBe(true);
  });
});

describe("the bitset", () => {
  test("sets, clears, and hashes and compares equal sets equally across words", () => {
    const first = new Bitset(70);
    const second = new Bitset(70);
    first.set(0);
    first.set(69);
    second.set(69);
    expect(first.hash).not.toBe(second.hash);
    const stored = new Uint32Array(6);
    second.copyWindowTo(stored, 0);
    expect(second.lowWord).toBe(0);
    expect(second.highWord()).toBe(2);
    expect(first.equalsWindowAt(stored, 0, 0, 3)).toBe(false);
    second.set(0);
    expect(first.hash).toBe(second.hash);
    second.copyWindowTo(stored, 1);
    expect(first.equalsWindowAt(stored, 1, 0, 3)).toBe(true);
    first.clear(69);
    expect(first.has(69)).toBe(false);
    expect(first.has(0)).toBe(true);
  });

  test("the window skips full words at the front and empty words at the back", () => {
    const bits = new Bitset(200);
    for (let position = 0; position < 70; position++) bits.set(position);
    expect([bits.lowWord, bits.highWord()]).toEqual([2, 2]);
    bits.set(130);
    expect([bits.lowWord, bits.highWord()]).toEqual([2, 4]);
    bits.clear(130);
    expect([bits.lowWord, bits.highWord()]).toEqual([2, 2]);
    bits.clear(3);
    expect([bits.lowWord, bits.highWord()]).toEqual([0, 2]);
    for (let position = 70; position < 96; position++) bits.set(position);
    bits.set(3);
    expect([bits.lowWord, bits.highWord()]).toEqual([3, 2]);
    const stored = new Uint32Array(1);
    bits.copyWindowTo(stored, 0);
    expect(bits.equalsWindowAt(stored, 0, 3, 0)).toBe(true);
    expect(bits.equalsWindowAt(stored, 0, 2, 0)).toBe(false);
  });

  test("setting a set bit or reaching outside is a programming error", () => {
    const bits = new Bitset(3);
    bits.set(2);
    expect(() => bits.set(2)).toThrow(AssertionError);
    expect(() => bits.has(3)).toThrow(AssertionError);
    expect(() => bits.clear(1)).toThrow(AssertionError);
  });
});

describe("the visited cache", () => {
  test("confirms hits exactly, so colliding hashes never hide a configuration", () => {
    const linearized = new Bitset(40);
    const cache = new VisitedCache();
    linearized.set(3);
    expect(cache.add(linearized, "state-a", 7)).toBe(true);
    expect(cache.add(linearized, "state-b", 7)).toBe(true);
    expect(cache.add(linearized, "state-a", 7)).toBe(false);
    linearized.set(39);
    expect(cache.add(linearized, "state-a", 7)).toBe(true);
    for (let position = 4; position < 39; position++) {
      linearized.set(position);
      expect(cache.add(linearized, "state-a", 7)).toBe(true);
    }
    linearized.clear(39);
    expect(cache.add(linearized, "state-a", 7)).toBe(true);
    expect(cache.count).toBe(39);
    expect(hashString("state-a")).not.toBe(hashString("state-b"));
  });
});
