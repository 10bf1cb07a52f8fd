/**
 * A real etcd v2 client against the compiled binary: Debian's etcdctl (etcd-client 3.4) with
 * ETCDCTL_API=2, the tool most v2 users script with.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  killAll,
  pollUntil,
  removeDir,
  type ServerProcess,
  startServer,
  tempDir,
} from "../support/server-process.ts";

const etcdctlPath = Bun.which("etcdctl");
let server: ServerProcess;
const scratch = tempDir("etcdctl");

beforeAll(async () => {
  if (etcdctlPath === null) {
    throw new Error("etcdctl is not installed: apt-get install -y etcd-client (.ci/run does)");
  }
  server = await startServer();
});

afterAll(async () => {
  await killAll();
  removeDir(server.dataDir);
  removeDir(scratch);
});

function etcdctlCommand(args: readonly string[]): string[] {
  return [etcdctlPath ?? "etcdctl", "--endpoints", server.clientUrl, ...args];
}

const environment = { ...process.env, ETCDCTL_API: "2" };

async function etcdctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = Bun.spawn(etcdctlCommand(args), {
    env: environment,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code, out, err };
}

describe("etcdctl (API v2)", () => {
  test("set, get and update a key", async () => {
    expect(await etcdctl("set", "/foo", "bar")).toMatchObject({ code: 0, out: "bar\n" });
    expect(await etcdctl("get", "/foo")).toMatchObject({ code: 0, out: "bar\n" });
    expect(await etcdctl("update", "/foo", "baz")).toMatchObject({ code: 0, out: "baz\n" });
    expect((await etcdctl("get", "/foo")).out).toBe("baz\n");
  });

  test("mk creates once and then fails with Key already exists", async () => {
    expect(await etcdctl("mk", "/made", "v")).toMatchObject({ code: 0, out: "v\n" });
    const again = await etcdctl("mk", "/made", "v");
    expect(again.code).not.toBe(0);
    expect(again.err).toContain("Key already exists");
  });

  test("mkdir, ls --recursive, rm and rmdir", async () => {
    expect((await etcdctl("mkdir", "/tree/empty")).code).toBe(0);
    expect((await etcdctl("set", "/tree/leaf", "1")).code).toBe(0);
    const listing = await etcdctl("ls", "--recursive", "/tree");
    expect(listing.out.split("\n").filter(Boolean).sort()).toEqual(["/tree/empty", "/tree/leaf"]);
    expect((await etcdctl("rm", "/tree/leaf")).code).toBe(0);
    expect((await etcdctl("rmdir", "/tree/empty")).code).toBe(0);
    const missing = await etcdctl("get", "/tree/leaf");
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("Key not found");
  });

  test("a failed compare-and-swap reports Compare failed", async () => {
    await etcdctl("set", "/cas", "one");
    const failed = await etcdctl("set", "--swap-with-value", "two", "/cas", "three");
    expect(failed.code).not.toBe(0);
    expect(failed.err).toContain("Compare failed");
    expect((await etcdctl("set", "--swap-with-value", "one", "/cas", "two")).out).toBe("two\n");
  });

  test("watch returns the next change", async () => {
    const watcher = Bun.spawn(etcdctlCommand(["watch", "/watched"]), {
      env: environment,
      stdout: "pipe",
      stderr: "pipe",
    });
    // The watch is registered once the store counts it; then the write must wake it.
    await pollUntil(
      async () => {
        const stats = (await (await fetch(`${server.clientUrl}/v2/stats/store`)).json()) as {
          watchers: number;
        };
        return stats.watchers > 0;
      },
      10_000,
      "etcdctl watch to register",
    );
    await etcdctl("set", "/watched", "seen");
    expect(await watcher.exited).toBe(0);
    expect(await new Response(watcher.stdout).text()).toBe("seen\n");
  });

  test("exec-watch runs a command for each change", async () => {
    const output = join(scratch, "exec-watch.out");
    const watcher = Bun.spawn(
      etcdctlCommand([
        // A flag before the key keeps etcdctl from swallowing "--" and mistaking the last
        // argument for the key (an etcdctl parsing quirk).
        "exec-watch", "--recursive", "/exec", "--", "sh", "-c", `echo "$ETCD_WATCH_VALUE" >> ${output}`,
      ]),
      { env: environment, stdout: "pipe", stderr: "pipe" },
    );
    try {
      await pollUntil(
        async () => {
          await etcdctl("set", "/exec", "ran");
          return existsSync(output) && readFileSync(output, "utf8").includes("ran");
        },
        10_000,
        "exec-watch to run its command",
      );
    } finally {
      watcher.kill("SIGKILL");
      await watcher.exited;
    }
    expect(readFileSync(output, "utf8")).toContain("ran\n");
  }, 30_000);
});
