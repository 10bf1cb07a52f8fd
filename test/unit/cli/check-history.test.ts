/**
 * cairn check: history files (JSON lines) and `--check-only`, including a planted stale read
 * that must be reported illegal with exit status 1; and whole workloads against an in-memory
 * fake etcd, correct (ok) and serving stale reads (illegal).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkEtcdHistory, type EtcdOperation, indeterminate } from "../../../src/check/index.ts";
import { formatHistoryLines, parseHistoryLines } from "../../../src/cli/check/history-file.ts";
import { buildReport, formatCheckText } from "../../../src/cli/check/report.ts";
import { runCli } from "../../../src/cli/index.ts";
import { checkHarness } from "../../support/cli-harness.ts";

const scratch = mkdtempSync(join(tmpdir(), "cairn-check-history-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));


function operation(
  clientId: number,
  input: EtcdOperation["input"],
  output: EtcdOperation["output"],
  callTime: number,
  returnTime: number,
): EtcdOperation {
  return { clientId, input, output, callTime, returnTime };
}

const key = "/cairn-check/test/k0";

/** set a, then set b, then (after both returned) a get that still reads a. */
const staleRead: EtcdOperation[] = [
  operation(0, { kind: "set", key, value: "a" }, { outcome: "ok", index: 5 }, 0, 1),
  operation(1, { kind: "set", key, value: "b" }, { outcome: "ok", index: 6 }, 2, 3),
  operation(
    2,
    { kind: "get", key },
    { outcome: "ok", value: "a", index: 5, modifiedIndex: 5 },
    4,
    5,
  ),
];

/** An indeterminate write whose value is read later: it happened. */
const indeterminateWrite: EtcdOperation[] = [
  operation(0, { kind: "set", key, value: "a" }, { outcome: "ok", index: 5 }, 0, 1),
  operation(1, { kind: "compareAndSwap", key, prevValue: "a", value: "b" }, indeterminate, 2, 3),
  operation(2, { kind: "get", key }, { outcome: "ok", value: "b", index: 6 }, 10, 11),
  operation(3, { kind: "delete", key }, { outcome: "ok", index: 7 }, 12, 13),
  operation(4, { kind: "get", key }, { outcome: "notFound", index: 7 }, 14, 15),
];

function saved(name: string, history: readonly EtcdOperation[]): string {
  const path = join(scratch, name);
  writeFileSync(path, formatHistoryLines(history));
  return path;
}

describe("history files", () => {
  test("round-trip through JSON lines, indeterminate returns included", () => {
    const text = formatHistoryLines(indeterminateWrite);
    expect(text.split("\n")[1]).toContain('"output":{"indeterminate":true}');
    expect(text.split("\n")[1]).toContain('"returnTime":null');
    const parsed = parseHistoryLines(text);
    expect(parsed[1]?.returnTime).toBe(Infinity);
    expect(parsed.map((entry) => entry.input)).toEqual(indeterminateWrite.map((e) => e.input));
    expect(checkEtcdHistory(parsed).result).toBe("ok");
  });

  test("malformed lines are reported with their line number", () => {
    const good = formatHistoryLines(staleRead.slice(0, 1));
    expect(() => parseHistoryLines(`${good}{"clientId":1}\n`)).toThrow("line 2:");
    expect(() => parseHistoryLines("not json")).toThrow("line 1:");
    const backwards = good.replace('"returnTime":1', '"returnTime":-1');
    expect(() => parseHistoryLines(backwards)).toThrow("returnTime");
    const kind = good.replace('"kind":"set"', '"kind":"scan"');
    expect(() => parseHistoryLines(kind)).toThrow("unknown input kind");
  });
});

describe("cairn check --check-only", () => {
  test("a planted stale read is illegal: exit 1, the failing partition printed", async () => {
    const h = checkHarness();
    const argv = ["check", "--check-only", saved("stale.jsonl", staleRead)];
    const status = await runCli(argv, h.dependencies);
    expect(status).toBe(1);
    const text = h.stdout.join("\n");
    expect(text).toContain("check       illegal");
    expect(text).toContain('get("/cairn-check/test/k0") → ok "a"');
    expect(text).toContain("staleReadIndex");
    expect(text).toContain("result      illegal");
    expect(h.stderr.join("\n")).toContain("check failed");
  });

  test("a linearizable history passes with exit 0, also as JSON", async () => {
    const h = checkHarness();
    const path = saved("ok.jsonl", indeterminateWrite);
    expect(await runCli(["check", "--check-only", path, "--json"], h.dependencies)).toBe(0);
    const report = JSON.parse(h.stdout.join("\n")) as Record<string, unknown>;
    expect(report).toMatchObject({ result: "ok", operations: 5, indeterminate: 1 });
  });

  test("a missing or malformed file is a usage error (exit 2)", async () => {
    const missing = checkHarness();
    const absent = join(scratch, "absent.jsonl");
    expect(await runCli(["check", "--check-only", absent], missing.dependencies)).toBe(2);
    const broken = checkHarness();
    const path = join(scratch, "broken.jsonl");
    writeFileSync(path, "{}\n");
    expect(await runCli(["check", "--check-only", path], broken.dependencies)).toBe(2);
    expect(broken.stderr.join("\n")).toContain("line 1");
  });
});

describe("the report", () => {
  test("an exhausted budget is unknown, labelled inconclusive, never a pass", () => {
    const check = checkEtcdHistory(indeterminateWrite, { budgetSteps: 0 });
    expect(check.result).toBe("unknown");
    const text = formatCheckText(buildReport(indeterminateWrite, check, 1, undefined));
    expect(text).toContain("result      unknown: inconclusive: budget exhausted");
  });
});
