import { describe, expect, test } from "bun:test";
import { Harness, createCommand, readError, setCommand } from "./fixtures.ts";

const plain = { recursive: false, sorted: false };
const recursiveSorted = { recursive: true, sorted: true };

function file(key: string, value: string, index: number) {
  return { key, dir: false, value, createdIndex: index, modifiedIndex: index };
}

describe("get", () => {
  test("get of a file returns it with the current index and counts a success", () => {
    const harness = new Harness();
    harness.ok(setCommand("/message", "Hello world"));
    harness.ok(setCommand("/other", "x"));
    expect(harness.store.get("/message", plain)).toEqual({
      action: "get",
      node: file("/message", "Hello world", 1),
      index: 2,
      refresh: false,
    });
    expect(harness.store.stats().getsSuccess).toBe(1);
  });

  test("get of a missing key throws 100 naming the first missing component", () => {
    const harness = new Harness();
    harness.ok(setCommand("/x", "1"));
    expect(readError(() => harness.store.get("/a/b/c", plain))).toEqual({
      errorCode: 100,
      message: "Key not found",
      cause: "/a",
      index: 1,
    });
    expect(harness.store.stats().getsFail).toBe(1);
  });

  test("get below a file throws 104 naming the file", () => {
    const harness = new Harness();
    harness.ok(setCommand("/file", "1"));
    expect(readError(() => harness.store.get("/file/x/y", plain))).toEqual({
      errorCode: 104,
      message: "Not a directory",
      cause: "/file",
      index: 1,
    });
  });

  test("an empty root lists as a directory without nodes", () => {
    const harness = new Harness();
    expect(harness.store.get("/", plain).node).toEqual({
      key: "/",
      dir: true,
      createdIndex: 0,
      modifiedIndex: 0,
    });
  });

  test("a listing shows direct children only, child directories without nodes", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a", "one"));
    harness.ok(setCommand("/dir1/x", "1"));
    expect(harness.store.get("/", { recursive: false, sorted: true }).node).toEqual({
      key: "/",
      dir: true,
      nodes: [file("/a", "one", 1), { key: "/dir1", dir: true, createdIndex: 2, modifiedIndex: 2 }],
      createdIndex: 0,
      modifiedIndex: 0,
    });
  });

  test("a recursive listing shows the whole subtree", () => {
    const harness = new Harness();
    harness.ok(setCommand("/a", "one"));
    harness.ok(setCommand("/dir1/x", "1"));
    harness.ok(setCommand("/dir1/empty", "", { dir: true }));
    expect(harness.store.get("/", recursiveSorted).node.nodes).toEqual([
      file("/a", "one", 1),
      {
        key: "/dir1",
        dir: true,
        nodes: [
          { key: "/dir1/empty", dir: true, createdIndex: 3, modifiedIndex: 3 },
          file("/dir1/x", "1", 2),
        ],
        createdIndex: 2,
        modifiedIndex: 2,
      },
    ]);
  });

  test("an empty directory has no nodes field, even when recursive", () => {
    const harness = new Harness();
    harness.ok(setCommand("/empty", "", { dir: true }));
    const node = harness.store.get("/empty", recursiveSorted).node;
    expect("nodes" in node).toBe(false);
  });

  test("sorted listings order children by key bytes at every level", () => {
    const harness = new Harness();
    for (const name of ["b", "a", "c"]) harness.ok(setCommand(`/s/${name}/z`, name));
    for (const name of ["y", "x"]) harness.ok(setCommand(`/s/a/${name}`, name));
    const node = harness.store.get("/s", recursiveSorted).node;
    expect(node.nodes?.map((child) => child.key)).toEqual(["/s/a", "/s/b", "/s/c"]);
    expect(node.nodes?.[0]?.nodes?.map((child) => child.key)).toEqual([
      "/s/a/x",
      "/s/a/y",
      "/s/a/z",
    ]);
  });

  test("sorted order is UTF-8 byte order, not UTF-16 order", () => {
    const harness = new Harness();
    // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16 code units.
    harness.ok(setCommand("/u/\u{1F600}", "emoji"));
    harness.ok(setCommand("/u/\uFF5E", "wide tilde"));
    const keys = harness.store.get("/u", recursiveSorted).node.nodes?.map((child) => child.key);
    expect(keys).toEqual(["/u/\uFF5E", "/u/\u{1F600}"]);
  });

  test("unsorted listings keep creation order", () => {
    const harness = new Harness();
    for (const name of ["b", "a", "c"]) harness.ok(setCommand(`/u/${name}`, name));
    const keys = harness.store.get("/u", plain).node.nodes?.map((child) => child.key);
    expect(keys).toEqual(["/u/b", "/u/a", "/u/c"]);
  });

  test("hidden children are skipped at every level but can be read directly", () => {
    const harness = new Harness();
    harness.ok(setCommand("/hid/_secret", "s"));
    harness.ok(setCommand("/hid/visible", "v"));
    harness.ok(setCommand("/hid/_hdir/inner", "i"));
    harness.ok(setCommand("/hid/sub/_deep", "d"));
    expect(harness.store.get("/hid", recursiveSorted).node).toEqual({
      key: "/hid",
      dir: true,
      nodes: [
        { key: "/hid/sub", dir: true, createdIndex: 4, modifiedIndex: 4 },
        file("/hid/visible", "v", 2),
      ],
      createdIndex: 1,
      modifiedIndex: 1,
    });
    expect(harness.store.get("/hid/_secret", plain).node.value).toBe("s");
    expect(harness.store.get("/hid/_hdir", recursiveSorted).node.nodes).toEqual([
      file("/hid/_hdir/inner", "i", 3),
    ]);
  });

  test("recursive and sorted on a file are ignored", () => {
    const harness = new Harness();
    harness.ok(createCommand("/f", "v"));
    expect(harness.store.get("/f", recursiveSorted).node).toEqual(file("/f", "v", 1));
  });

  test("a listed node with a TTL carries its deadline", () => {
    const harness = new Harness();
    harness.ok(setCommand("/t/f", "v", { ttlSeconds: 5 }));
    expect(harness.store.get("/t", plain).node.nodes).toEqual([
      { ...file("/t/f", "v", 1), expirationMs: harness.nowMs + 5000 },
    ]);
  });
});
