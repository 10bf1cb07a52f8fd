import { describe, expect, test } from "bun:test";
import { allocatorEnvironment, allocatorSettings } from "../../../src/lib/allocator-tuning.ts";

describe("allocatorEnvironment", () => {
  test("adds every setting to an environment that has none, keeping what is there", () => {
    const env = allocatorEnvironment({ PATH: "/bin", HOME: undefined });
    expect(env).toEqual({ PATH: "/bin", ...allocatorSettings });
  });

  test("keeps an operator's own value and adds only the missing settings", () => {
    const env = allocatorEnvironment({ MIMALLOC_PURGE_DELAY: "250" });
    expect(env).toEqual({ MIMALLOC_PURGE_DELAY: "250", MIMALLOC_PURGE_HOLES: "0" });
  });

  test("asks for no re-execution once every setting is present", () => {
    const once = allocatorEnvironment({ PATH: "/bin" });
    expect(once).not.toBeNull();
    expect(allocatorEnvironment(once ?? {})).toBeNull();
  });
});
