import { describe, expect, test } from "bun:test";
import {
  childKey,
  compareKeys,
  inOrderName,
  isCanonicalKey,
  isHiddenBelow,
  isStrictlyBelow,
  keyComponents,
} from "../../../src/store/key-path.ts";

describe("key paths", () => {
  test("canonical keys are the root or slash-separated real components", () => {
    for (const key of ["/", "/a", "/a/b", "/_h/.x", "/a b/%/é", "/..a", "/a./b"]) {
      expect(isCanonicalKey(key)).toBe(true);
    }
    for (const key of ["", "a", "a/b", "//", "/a/", "/a//b", "/.", "/a/./b", "/..", "/a/.."]) {
      expect(isCanonicalKey(key)).toBe(false);
    }
  });

  test("child keys and components compose from the root", () => {
    expect(childKey("/", "a")).toBe("/a");
    expect(childKey("/a", "b")).toBe("/a/b");
    expect(keyComponents("/")).toEqual([]);
    expect(keyComponents("/a/b")).toEqual(["a", "b"]);
  });

  test("below means below by whole path components", () => {
    expect(isStrictlyBelow("/foo/bar", "/foo")).toBe(true);
    expect(isStrictlyBelow("/foobar", "/foo")).toBe(false);
    expect(isStrictlyBelow("/foo", "/foo")).toBe(false);
    expect(isStrictlyBelow("/a", "/")).toBe(true);
    expect(isStrictlyBelow("/", "/")).toBe(false);
  });

  test("a key is hidden below an ancestor when a component below it starts with _", () => {
    expect(isHiddenBelow("/h/_x", "/h")).toBe(true);
    expect(isHiddenBelow("/h/_x/y", "/h")).toBe(true);
    expect(isHiddenBelow("/h/x/_y", "/h")).toBe(true);
    expect(isHiddenBelow("/_h/x", "/_h")).toBe(false);
    expect(isHiddenBelow("/h/x_y", "/h")).toBe(false);
    expect(isHiddenBelow("/_x", "/")).toBe(true);
  });

  test("in-order names are 20-digit zero-padded indexes", () => {
    expect(inOrderName(10)).toBe("00000000000000000010");
    expect(inOrderName(Number.MAX_SAFE_INTEGER)).toBe("00009007199254740991");
  });

  test("keys compare by UTF-8 bytes", () => {
    expect(compareKeys("/a", "/b")).toBeLessThan(0);
    expect(compareKeys("/a", "/a")).toBe(0);
    expect(compareKeys("/a/b", "/a")).toBeGreaterThan(0);
    expect(compareKeys("/\u{1F600}", "/\uFF5E")).toBeGreaterThan(0);
    expect(compareKeys("/\uD7FF", "/\u{10000}")).toBeLessThan(0);
  });
});
