/**
 * runCli: the citty command tree, help and version, exit statuses and what `serve` receives.
 */
import { describe, expect, test } from "bun:test";
import packageJson from "../../../package.json" with { type: "json" };
import { type CliDependencies, runCli } from "../../../src/cli/index.ts";
import { serveFlags } from "../../../src/cli/serve-flags.ts";
import type { Config } from "../../../src/config.ts";

interface Harness {
  readonly dependencies: CliDependencies;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly served: Config[];
}

function harness(env: Record<string, string> = {}, serveError?: Error): Harness {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const served: Config[] = [];
  const dependencies: CliDependencies = {
    env,
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
    cpuTimeMs: () => 0,
    serve: async (config) => {
      served.push(config);
      if (serveError !== undefined) throw serveError;
    },
  };
  return { dependencies, stdout, stderr, served };
}

describe("runCli", () => {
  test("serve is the default command", async () => {
    const h = harness();
    expect(await runCli(["-name", "n1"], h.dependencies)).toBe(0);
    expect(h.served.map((config) => config.name)).toEqual(["n1"]);
  });

  test("serve can be named explicitly and reads the environment", async () => {
    const h = harness({ CAIRN_NAME: "from-env" });
    expect(await runCli(["serve"], h.dependencies)).toBe(0);
    expect(h.served[0]?.name).toBe("from-env");
  });

  test("--version prints cairn and the package version", async () => {
    for (const flag of ["--version", "-version"]) {
      const h = harness();
      expect(await runCli([flag], h.dependencies)).toBe(0);
      expect(h.stdout).toEqual([`cairn ${packageJson.version}`]);
      expect(h.served).toEqual([]);
    }
  });

  test("--help lists every serve flag with its environment variables", async () => {
    const h = harness();
    expect(await runCli(["--help"], h.dependencies)).toBe(0);
    const text = h.stdout.join("\n");
    for (const flag of serveFlags) {
      expect(text).toMatch(new RegExp(`^ {2}--?${flag.name}[ ,\n]`, "m"));
      expect(text).toContain(`CAIRN_${flag.name.toUpperCase().replaceAll("-", "_")}`);
    }
    expect(text).toContain("default http://127.0.0.1:4001");
  });

  test("bench --help lists the bench flags", async () => {
    const h = harness();
    expect(await runCli(["bench", "-h"], h.dependencies)).toBe(0);
    expect(h.stdout.join("\n")).toContain("--value-bytes");
  });

  test("an unknown flag exits with status 2 and a clear message", async () => {
    const h = harness();
    expect(await runCli(["--bogus"], h.dependencies)).toBe(2);
    expect(h.stderr[0]).toBe("cairn: Unknown flag --bogus");
    expect(h.served).toEqual([]);
  });

  test("an unknown command exits with status 2", async () => {
    const h = harness();
    expect(await runCli(["frobnicate"], h.dependencies)).toBe(2);
    expect(h.stderr[0]).toContain('Unknown command "frobnicate"');
  });

  test("bench flag errors exit with status 2", async () => {
    const h = harness();
    expect(await runCli(["bench", "--op", "scan"], h.dependencies)).toBe(2);
    expect(h.stderr[0]).toBe('cairn: Invalid --op "scan": expected put, get or mixed');
  });

  test("a failing server exits with status 1", async () => {
    const h = harness({}, new Error("Cannot lock ./default.cairn: held by pid 7"));
    expect(await runCli([], h.dependencies)).toBe(1);
    expect(h.stderr).toEqual(["cairn: Cannot lock ./default.cairn: held by pid 7"]);
  });

  test("unknown ETCD_ variables are warned about on stderr", async () => {
    const h = harness({ ETCD_AUTO_COMPACTION_RETENTION: "1" });
    expect(await runCli([], h.dependencies)).toBe(0);
    expect(h.stderr[0]).toContain("ETCD_AUTO_COMPACTION_RETENTION");
  });
});
