/**
 * cairn check: flag parsing, usage errors (exit status 2) and the help text.
 */
import { describe, expect, test } from "bun:test";
import { checkFlags, parseCheckArgs } from "../../../src/cli/check/check-args.ts";
import { UsageError } from "../../../src/cli/flags.ts";
import { runCli } from "../../../src/cli/index.ts";
import { checkHarness } from "../../support/cli-harness.ts";


const defaults = { seed: 77 };

describe("parseCheckArgs", () => {
  test("defaults: 10 clients, 4 keys, 10 s, quorum reads, the seed passed in", () => {
    expect(parseCheckArgs([], defaults)).toEqual({
      mode: "workload",
      endpoints: ["http://127.0.0.1:4001"],
      clients: 10,
      keys: 4,
      durationS: 10,
      operations: Infinity,
      seed: 77,
      timeoutMs: 2000,
      prefix: "/cairn-check",
      faults: undefined,
      historyPath: undefined,
      checkBudgetS: 60,
      json: false,
    });
  });

  test("every workload flag, in both dash styles", () => {
    const options = parseCheckArgs(
      [
        "-endpoints=http://127.0.0.1:1, http://127.0.0.1:2",
        "--clients",
        "3",
        "--keys=2",
        "--seed=5",
        "-timeout-ms",
        "500",
        "--quorum",
        "--prefix=checks/",
        "--faults",
        "echo hi",
        "--history=/tmp/h.jsonl",
        "--check-budget-s=5",
        "--json",
      ],
      defaults,
    );
    expect(options).toMatchObject({
      mode: "workload",
      endpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2"],
      clients: 3,
      keys: 2,
      durationS: 10,
      seed: 5,
      timeoutMs: 500,
      prefix: "/checks",
      faults: "echo hi",
      historyPath: "/tmp/h.jsonl",
      checkBudgetS: 5,
      json: true,
    });
  });

  test("--operations alone runs untimed; with --duration-s both bound the run", () => {
    expect(parseCheckArgs(["--operations=100"], defaults)).toMatchObject({
      operations: 100,
      durationS: Infinity,
    });
    expect(parseCheckArgs(["--operations=100", "--duration-s=3"], defaults)).toMatchObject({
      operations: 100,
      durationS: 3,
    });
  });

  test("--check-only takes only --json and --check-budget-s", () => {
    expect(parseCheckArgs(["--check-only", "h.jsonl", "--json"], defaults)).toEqual({
      mode: "check-only",
      historyPath: "h.jsonl",
      checkBudgetS: 60,
      json: true,
    });
    expect(() => parseCheckArgs(["--check-only=h", "--clients=3"], defaults)).toThrow(
      "--clients cannot be combined with --check-only",
    );
  });

  test("usage errors name the flag", () => {
    const cases: [string[], string][] = [
      [["--quorum=false"], "not linearizable"],
      [["--clients=0"], "Invalid --clients"],
      [["--keys=x"], "Invalid --keys"],
      [["--endpoints=127.0.0.1:4001"], "expected http://host:port"],
      [["--timeout-ms=-1"], "Invalid --timeout-ms"],
      [["--seed=99999999999"], "Invalid --seed"],
      [["--faults="], "--faults needs a value"],
      [["--prefix=a b"], "Invalid --prefix"],
      [["--nope"], "Unknown flag --nope"],
      [["stray"], "Unexpected argument"],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseCheckArgs(argv, defaults)).toThrow(UsageError);
      expect(() => parseCheckArgs(argv, defaults)).toThrow(message);
    }
  });
});

describe("cairn check on the command line", () => {
  test("usage errors exit with status 2 and say why", async () => {
    for (const argv of [["--quorum=false"], ["--clients", "-3"], ["--check-only=x", "--keys=1"]]) {
      const h = checkHarness();
      expect(await runCli(["check", ...argv], h.dependencies)).toBe(2);
      expect(h.stderr.join("\n")).toContain("Run 'cairn --help' for usage.");
    }
  });

  test("--help lists every check flag and the exit statuses", async () => {
    const h = checkHarness();
    expect(await runCli(["check", "--help"], h.dependencies)).toBe(0);
    const text = h.stdout.join("\n");
    for (const flag of checkFlags) expect(text).toContain(`--${flag.name}`);
    expect(text).toContain("Exit status: 0");
    expect(text).toContain("indeterminate");
  });

  test("the main help lists the check command", async () => {
    const h = checkHarness();
    expect(await runCli(["--help"], h.dependencies)).toBe(0);
    expect(h.stdout.join("\n")).toContain("cairn check [flags]");
  });

  test("an unreachable endpoint list fails with status 1 before any workload", async () => {
    const h = checkHarness();
    const argv = ["check", "--endpoints=http://127.0.0.1:1", "--timeout-ms=500", "--json"];
    expect(await runCli(argv, h.dependencies)).toBe(1);
    expect(h.stderr.join("\n")).toContain("no endpoint answers");
    expect(h.stdout).toEqual([]);
  });
});
