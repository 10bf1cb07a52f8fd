import { describe, expect, test } from "bun:test";
import {
  Harness,
  cadCommand,
  casCommand,
  createCommand,
  deleteCommand,
  setCommand,
  updateCommand,
} from "./fixtures.ts";

const plain = { recursive: false, sorted: false };

function file(key: string, value: string, index: number) {
  return { key, dir: false, value, createdIndex: index, modifiedIndex: index };
}

describe("set", () => {
  test("set of a new key creates it with createdIndex = modifiedIndex = the new index", () => {
    const harness = new Harness();
    const event = harness.ok(setCommand("/message", "Hello world"));
    expect(event).toEqual({
      action: "set",
      node: file("/message", "Hello world", 1),
      index: 1,
      refresh: false,
    });
    // No prevNode: the HTTP layer answers 201 Created.
    expect("prevNode" in event).toBe(false);
    expect(harness.store.index).toBe(1);
  });

  test("set over a file replaces it: new createdIndex and a prevNode", () => {
    const harness = new Harness();
    harness.ok(setCommand("/message", "Hello world"));
    const event = harness.ok(setCommand("/message", "Hello etcd"));
    expect(event.node).toEqual({
      key: "/message",
      dir: false,
      value: "Hello etcd",
      createdIndex: 2,
      modifiedIndex: 2,
    });
    expect(event.prevNode).toEqual({
      key: "/message",
      dir: false,
      value: "Hello world",
      createdIndex: 1,
      modifiedIndex: 1,
    });
  });

  test("set stores an empty value as a file with value \"\"", () => {
    const harness = new Harness();
    expect(harness.ok(setCommand("/empty", "")).node.value).toBe("");
    expect(harness.store.get("/empty", plain).node.value).toBe("");
  });

  test("set creates implicit parent directories stamped with the write's index", () => {
    const harness = new Harness();
    harness.ok(setCommand("/x", "1"));
    harness.ok(setCommand("/a/b/c", "v"));
    for (const key of ["/a", "/a/b"]) {
      const node = harness.store.get(key, plain).node;
      expect(node.dir).toBe(true);
      expect(node.createdIndex).toBe(2);
      expect(node.modifiedIndex).toBe(2);
    }
  });

  test("set with dir=true creates a directory and ignores the value", () => {
    const harness = new Harness();
    const event = harness.ok(setCommand("/dir", "ignored", { dir: true }));
    expect(event.node).toEqual({ key: "/dir", dir: true, createdIndex: 1, modifiedIndex: 1 });
  });

  test("set on a directory fails with 102 Not a file", () => {
    const harness = new Harness();
    harness.ok(setCommand("/dir", "", { dir: true }));
    expect(harness.fail(setCommand("/dir", "v"))).toEqual({
      errorCode: 102,
      message: "Not a file",
      cause: "/dir",
      index: 1,
    });
    expect(harness.fail(setCommand("/dir", "", { dir: true })).errorCode).toBe(102);
  });

  test("set with dir=true over a file replaces it by an empty directory", () => {
    const harness = new Harness();
    harness.ok(setCommand("/f", "v"));
    const event = harness.ok(setCommand("/f", "", { dir: true }));
    expect(event.node).toEqual({ key: "/f", dir: true, createdIndex: 2, modifiedIndex: 2 });
    expect(event.prevNode?.value).toBe("v");
    expect(harness.store.get("/f", plain).node.dir).toBe(true);
  });

  test("set below a file fails with 104 naming the file in the way", () => {
    const harness = new Harness();
    harness.ok(setCommand("/file", "v"));
    expect(harness.fail(setCommand("/file/child/deeper", "x"))).toEqual({
      errorCode: 104,
      message: "Not a directory",
      cause: "/file",
      index: 1,
    });
  });

  test("set on the root fails with 107 Root is read only", () => {
    const harness = new Harness();
    expect(harness.fail(setCommand("/", "v"))).toEqual({
      errorCode: 107,
      message: "Root is read only",
      cause: "/",
      index: 0,
    });
    expect(harness.fail(setCommand("/", "", { dir: true })).errorCode).toBe(107);
  });
});

describe("create", () => {
  test("create of a new key has action create and no prevNode", () => {
    const harness = new Harness();
    const event = harness.ok(createCommand("/casnone", "new"));
    expect(event.action).toBe("create");
    expect(event.node).toEqual({
      key: "/casnone",
      dir: false,
      value: "new",
      createdIndex: 1,
      modifiedIndex: 1,
    });
    expect(event.prevNode).toBeUndefined();
  });

  test("create of an existing file or directory fails with 105 naming the key", () => {
    const harness = new Harness();
    harness.ok(createCommand("/casnone", "new"));
    harness.ok(createCommand("/d", "", { dir: true }));
    expect(harness.fail(createCommand("/casnone", "again"))).toEqual({
      errorCode: 105,
      message: "Key already exists",
      cause: "/casnone",
      index: 2,
    });
    expect(harness.fail(createCommand("/d", "", { dir: true })).cause).toBe("/d");
  });

  test("create with dir=true creates a directory", () => {
    const harness = new Harness();
    expect(harness.ok(createCommand("/d", "x", { dir: true })).node.dir).toBe(true);
  });

  test("create below a file fails with 104, on the root with 107", () => {
    const harness = new Harness();
    harness.ok(setCommand("/f", "v"));
    expect(harness.fail(createCommand("/f/x", "v")).cause).toBe("/f");
    expect(harness.fail(createCommand("/", "v"))).toMatchObject({ errorCode: 107, cause: "/" });
  });

  test("in-order create names the node after its index, zero-padded to 20 digits", () => {
    const harness = new Harness();
    for (let step = 0; step < 9; step += 1) harness.ok(setCommand("/pad", "x"));
    const first = harness.ok(createCommand("/queue", "Job1", { inOrder: true }));
    expect(first.node).toEqual({
      key: "/queue/00000000000000000010",
      dir: false,
      value: "Job1",
      createdIndex: 10,
      modifiedIndex: 10,
    });
    const second = harness.ok(createCommand("/queue", "Job2", { inOrder: true }));
    expect(second.node.key).toBe("/queue/00000000000000000011");
    // The parent was created implicitly by the first in-order write.
    expect(harness.store.get("/queue", plain).node.createdIndex).toBe(10);
  });

  test("in-order create on the root works", () => {
    const harness = new Harness();
    const event = harness.ok(createCommand("/", "v", { inOrder: true }));
    expect(event.node.key).toBe("/00000000000000000001");
  });

  test("in-order create on a file fails with 104 naming the file", () => {
    const harness = new Harness();
    harness.ok(setCommand("/f", "v"));
    expect(harness.fail(createCommand("/f", "v", { inOrder: true }))).toMatchObject({
      errorCode: 104,
      cause: "/f",
      index: 1,
    });
  });

  test("in-order create can make a directory", () => {
    const harness = new Harness();
    const event = harness.ok(createCommand("/q", "", { inOrder: true, dir: true }));
    expect(event.node).toMatchObject({ key: "/q/00000000000000000001", dir: true });
  });

  test("in-order create fails with 105 when a key already took the generated name", () => {
    const harness = new Harness();
    harness.ok(setCommand("/q/00000000000000000002", "squatter"));
    expect(harness.fail(createCommand("/q", "v", { inOrder: true }))).toMatchObject({
      errorCode: 105,
      cause: "/q/00000000000000000002",
    });
  });
});

describe("update", () => {
  test("update keeps createdIndex and reports the previous node", () => {
    const harness = new Harness();
    harness.ok(createCommand("/casnone", "new"));
    const event = harness.ok(updateCommand("/casnone", "upd"));
    expect(event).toEqual({
      action: "update",
      node: { key: "/casnone", dir: false, value: "upd", createdIndex: 1, modifiedIndex: 2 },
      prevNode: { key: "/casnone", dir: false, value: "new", createdIndex: 1, modifiedIndex: 1 },
      index: 2,
      refresh: false,
    });
  });

  test("update of a missing key fails with 100 naming the first missing component", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a/x", "v"));
    expect(harness.fail(updateCommand("/a/b/c", "v"))).toEqual({
      errorCode: 100,
      message: "Key not found",
      cause: "/a/b",
      index: 1,
    });
  });

  test("update of a directory with a value fails with 102", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d", "", { dir: true }));
    expect(harness.fail(updateCommand("/d", "v"))).toMatchObject({ errorCode: 102, cause: "/d" });
  });

  test("update of a directory with an empty value changes only its TTL and modifiedIndex", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d/child", "v"));
    const event = harness.ok(updateCommand("/d", "", { ttlSeconds: 30 }));
    expect(event.node).toEqual({
      key: "/d",
      dir: true,
      expirationMs: harness.nowMs + 30_000,
      createdIndex: 1,
      modifiedIndex: 2,
    });
    expect(event.prevNode).toEqual({ key: "/d", dir: true, createdIndex: 1, modifiedIndex: 1 });
    // Unlike etcd quirk 1, a later read shows the new modifiedIndex.
    expect(harness.store.get("/d", plain).node.modifiedIndex).toBe(2);
  });

  test("update below a file fails with 104, on the root with 107", () => {
    const harness = new Harness();
    harness.ok(setCommand("/f", "v"));
    expect(harness.fail(updateCommand("/f/x", "v")).errorCode).toBe(104);
    expect(harness.fail(updateCommand("/", "")).errorCode).toBe(107);
  });
});

describe("compareAndSwap", () => {
  test("compareAndSwap with a matching value swaps and keeps createdIndex", () => {
    const harness = new Harness();
    harness.ok(setCommand("/cas", "one"));
    const event = harness.ok(casCommand("/cas", "two", { prevValue: "one" }));
    expect(event.action).toBe("compareAndSwap");
    expect(event.node).toEqual({
      key: "/cas",
      dir: false,
      value: "two",
      createdIndex: 1,
      modifiedIndex: 2,
    });
    expect(event.prevNode?.value).toBe("one");
  });

  test("compareAndSwap with a matching prevIndex swaps", () => {
    const harness = new Harness();
    harness.ok(setCommand("/cas", "one"));
    expect(harness.ok(casCommand("/cas", "two", { prevIndex: 1 })).node.value).toBe("two");
  });

  test("compareAndSwap value mismatch fails with 101 [prev != cur]", () => {
    const harness = new Harness();
    harness.ok(setCommand("/cas", "one"));
    expect(harness.fail(casCommand("/cas", "three", { prevValue: "two" }))).toEqual({
      errorCode: 101,
      message: "Compare failed",
      cause: "[two != one]",
      index: 1,
    });
  });

  test("compareAndSwap index mismatch fails with 101 [prevIndex != modifiedIndex]", () => {
    const harness = new Harness();
    harness.ok(setCommand("/cas", "one"));
    expect(harness.fail(casCommand("/cas", "x", { prevIndex: 7 })).cause).toBe("[7 != 1]");
  });

  test("compareAndSwap reports both failed parts, value first, and only failed parts", () => {
    const harness = new Harness();
    harness.ok(setCommand("/cas", "one"));
    const both = harness.fail(casCommand("/cas", "x", { prevValue: "two", prevIndex: 7 }));
    expect(both.cause).toBe("[two != one] [7 != 1]");
    const indexOnly = harness.fail(casCommand("/cas", "x", { prevValue: "one", prevIndex: 7 }));
    expect(indexOnly.cause).toBe("[7 != 1]");
    const valueOnly = harness.fail(casCommand("/cas", "x", { prevValue: "two", prevIndex: 1 }));
    expect(valueOnly.cause).toBe("[two != one]");
  });

  test("compareAndSwap on a missing key fails with 100 before comparing", () => {
    const harness = new Harness();
    expect(harness.fail(casCommand("/nope", "x", { prevValue: "a" }))).toMatchObject({
      errorCode: 100,
      cause: "/nope",
    });
  });

  test("compareAndSwap on a directory fails with 102, on the root with 107", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d", "", { dir: true }));
    expect(harness.fail(casCommand("/d", "x", { prevValue: "" }))).toMatchObject({
      errorCode: 102,
      cause: "/d",
    });
    expect(harness.fail(casCommand("/", "x", { prevValue: "" })).errorCode).toBe(107);
  });
});

describe("delete", () => {
  test("delete of a file reports the removed node without a value", () => {
    const harness = new Harness();
    harness.ok(setCommand("/message", "Hello"));
    harness.ok(setCommand("/message", "Hello etcd"));
    const event = harness.ok(deleteCommand("/message"));
    expect(event).toEqual({
      action: "delete",
      node: { key: "/message", dir: false, createdIndex: 2, modifiedIndex: 3 },
      prevNode: file("/message", "Hello etcd", 2),
      index: 3,
      refresh: false,
    });
    expect(harness.store.nodeCount).toBe(0);
  });

  test("delete of a file works with dir and recursive too", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a", "1"));
    harness.ok(setCommand("/b", "2"));
    harness.ok(deleteCommand("/a", { dir: true }));
    harness.ok(deleteCommand("/b", { recursive: true }));
    expect(harness.store.nodeCount).toBe(0);
  });

  test("delete of a directory without dir fails with 102", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d", "", { dir: true }));
    expect(harness.fail(deleteCommand("/d"))).toMatchObject({ errorCode: 102, cause: "/d" });
  });

  test("delete of a non-empty directory with dir=true fails with 108", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d/_hidden", "v"));
    expect(harness.fail(deleteCommand("/d", { dir: true }))).toEqual({
      errorCode: 108,
      message: "Directory not empty",
      cause: "/d",
      index: 1,
    });
  });

  test("delete of an empty directory with dir=true removes it", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d2", "", { dir: true }));
    const event = harness.ok(deleteCommand("/d2", { dir: true }));
    expect(event.node).toEqual({ key: "/d2", dir: true, createdIndex: 1, modifiedIndex: 2 });
    expect(event.prevNode).toEqual({ key: "/d2", dir: true, createdIndex: 1, modifiedIndex: 1 });
  });

  test("recursive delete removes the whole subtree in one event", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d/a/b", "1"));
    harness.ok(setCommand("/d/c", "2"));
    const outcome = harness.apply(deleteCommand("/d", { recursive: true }));
    expect(outcome.ok && outcome.events.length).toBe(1);
    expect(harness.store.nodeCount).toBe(0);
    expect(harness.store.index).toBe(3);
  });

  test("delete fails with 100 when missing, 104 below a file and 107 on the root", () => {
    const harness = new Harness();
    harness.ok(setCommand("/f", "v"));
    expect(harness.fail(deleteCommand("/missing", { recursive: true })).errorCode).toBe(100);
    expect(harness.fail(deleteCommand("/f/x")).errorCode).toBe(104);
    for (const flags of [{}, { dir: true }, { recursive: true }]) {
      expect(harness.fail(deleteCommand("/", flags))).toMatchObject({ errorCode: 107, cause: "/" });
    }
  });
});

describe("compareAndDelete", () => {
  test("compareAndDelete with a matching value deletes the file", () => {
    const harness = new Harness();
    harness.ok(setCommand("/cad", "one"));
    const event = harness.ok(cadCommand("/cad", { prevValue: "one" }));
    expect(event).toEqual({
      action: "compareAndDelete",
      node: { key: "/cad", dir: false, createdIndex: 1, modifiedIndex: 2 },
      prevNode: { key: "/cad", dir: false, value: "one", createdIndex: 1, modifiedIndex: 1 },
      index: 2,
      refresh: false,
    });
  });

  test("compareAndDelete mismatches fail with 101 and the compare cause", () => {
    const harness = new Harness();
    harness.ok(setCommand("/cad", "one"));
    expect(harness.fail(cadCommand("/cad", { prevValue: "two" })).cause).toBe("[two != one]");
    expect(harness.fail(cadCommand("/cad", { prevIndex: 5 })).cause).toBe("[5 != 1]");
    expect(harness.fail(cadCommand("/cad", { prevValue: "x", prevIndex: 5 })).cause).toBe(
      "[x != one] [5 != 1]",
    );
    expect(harness.ok(cadCommand("/cad", { prevIndex: 1 })).action).toBe("compareAndDelete");
  });

  test("compareAndDelete on a directory fails with 102, on the root with no cause", () => {
    const harness = new Harness();
    harness.ok(setCommand("/d", "", { dir: true }));
    expect(harness.fail(cadCommand("/d", { prevValue: "" }))).toMatchObject({
      errorCode: 102,
      cause: "/d",
    });
    expect(harness.fail(cadCommand("/", { prevValue: "x" }))).toEqual({
      errorCode: 102,
      message: "Not a file",
      index: 1,
    });
  });

  test("compareAndDelete of a missing key fails with 100", () => {
    const harness = new Harness();
    expect(harness.fail(cadCommand("/m", { prevValue: "x" }))).toMatchObject({
      errorCode: 100,
      cause: "/m",
      index: 0,
    });
  });
});

describe("index accounting and stats", () => {
  test("failed writes consume no index and report the current index", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a", "1"));
    harness.fail(createCommand("/a", "2"));
    harness.fail(updateCommand("/missing", "x"));
    expect(harness.store.index).toBe(1);
    expect(harness.ok(setCommand("/b", "1")).index).toBe(2);
  });

  test("failed writes change nothing", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a/b", "1"));
    harness.fail(setCommand("/a/b/c/d", "x"));
    harness.fail(casCommand("/a/b", "2", { prevValue: "0" }));
    expect(harness.store.get("/a", { recursive: true, sorted: true }).node).toEqual({
      key: "/a",
      dir: true,
      nodes: [{ key: "/a/b", dir: false, value: "1", createdIndex: 1, modifiedIndex: 1 }],
      createdIndex: 1,
      modifiedIndex: 1,
    });
  });

  test("every operation moves its own success or failure counter", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a", "1"));
    harness.fail(setCommand("/", "1"));
    harness.ok(createCommand("/b", "1"));
    harness.fail(createCommand("/b", "1"));
    harness.ok(updateCommand("/b", "2"));
    harness.fail(updateCommand("/c", "2"));
    harness.ok(casCommand("/b", "3", { prevValue: "2" }));
    harness.fail(casCommand("/b", "3", { prevValue: "2" }));
    harness.ok(cadCommand("/b", { prevValue: "3" }));
    harness.fail(cadCommand("/a", { prevValue: "nope" }));
    harness.ok(deleteCommand("/a"));
    harness.fail(deleteCommand("/a"));
    harness.store.get("/", { recursive: false, sorted: false });
    expect(() => harness.store.get("/a", plain)).toThrow();
    expect(harness.store.stats()).toEqual({
      getsSuccess: 1,
      getsFail: 1,
      setsSuccess: 1,
      setsFail: 1,
      deleteSuccess: 1,
      deleteFail: 1,
      updateSuccess: 1,
      updateFail: 1,
      createSuccess: 1,
      createFail: 1,
      compareAndSwapSuccess: 1,
      compareAndSwapFail: 1,
      compareAndDeleteSuccess: 1,
      compareAndDeleteFail: 1,
      expireCount: 0,
      watchers: 0,
    });
  });

  test("appliedIndex records the Raft index of the last applied command", () => {
    const harness = new Harness();
    harness.raftIndex = 41;
    harness.ok(setCommand("/a", "1"));
    harness.fail(createCommand("/a", "1"));
    expect(harness.store.appliedIndex).toBe(43);
    harness.store.markApplied(50);
    expect(harness.store.appliedIndex).toBe(50);
    expect(() => harness.store.markApplied(49)).toThrow("already applied 50");
  });

  test("a write that would exceed nodesMax fails with 403 and changes nothing", () => {
    const harness = new Harness({ nodesMax: 3 });
    harness.ok(setCommand("/a/b", "1"));
    const error = harness.fail(setCommand("/c/d", "1"));
    expect(error).toMatchObject({ errorCode: 403, index: 1 });
    expect(harness.store.nodeCount).toBe(2);
    expect(() => harness.store.get("/c", plain)).toThrow("Key not found");
    // Replacing an existing file adds no node, so it still works at the limit.
    harness.ok(setCommand("/c", "1"));
    harness.ok(setCommand("/c", "2"));
    expect(harness.fail(createCommand("/a", "", { inOrder: true })).errorCode).toBe(403);
    harness.ok(deleteCommand("/a", { recursive: true }));
    harness.ok(setCommand("/x/y", "1"));
  });

  test("a command with a non-canonical key is a programmer error", () => {
    const harness = new Harness();
    for (const key of ["", "a", "/a/", "/a//b", "/./a", "/a/.."]) {
      expect(() => harness.apply(setCommand(key, "v"))).toThrow("bad key");
    }
  });
});
