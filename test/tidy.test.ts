/**
 * Mechanical checks of the style rules in shared/STYLE.md: line width, banned constructs, the
 * purity of the two cores, module headers and a ratchet on file length.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..");
const lineColumnsMax = 100;
const fileLinesMax = 1200;
/** Files allowed to write to the console: the command line and the composition root. */
const consoleAllowed = [/^src\/cli\//, /^src\/main\.ts$/];
/** The pure cores: no I/O, no clock, no timers, no randomness, no Promises. */
const pureCores = [/^src\/raft\//, /^src\/store\//, /^src\/check\//];
const impureInCore: readonly [RegExp, string][] = [
  [/from\s+["'](node:|bun|fs|path|os|child_process)/, "imports I/O"],
  [/\bDate\.now\(|new Date\(\)/, "reads the wall clock"],
  [/\bperformance\.now\(/, "reads the monotonic clock"],
  [/\bMath\.random\(/, "uses unseeded randomness"],
  [/\bset(Timeout|Interval|Immediate)\(/, "uses timers"],
  [/\bPromise\b|\basync\s|\bawait\s/, "uses Promises"],
  [/\bBun\./, "uses the Bun runtime"],
  [/\bprocess\./, "touches the process"],
];

function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(ts|tsx)$/.test(entry.name)) files.push(path);
  }
  return files;
}

const files = sourceFiles(join(root, "src")).map((path) => ({
  name: relative(root, path),
  lines: readFileSync(path, "utf8").split("\n"),
}));

/** Lines outside comments, for rules about code only. */
function codeLines(lines: readonly string[]): { line: string; number: number }[] {
  return lines
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => !/^\s*(\/\/|\*|\/\*\*?)/.test(line));
}

describe("tidy", () => {
  test("source lines are at most 100 columns", () => {
    const long = files.flatMap(({ name, lines }) =>
      lines.flatMap((line, index) => (line.length > lineColumnsMax ? [`${name}:${index + 1}`] : [])),
    );
    expect(long).toEqual([]);
  });

  test("no any, @ts-ignore or FIXME in src", () => {
    const banned = /:\s*any\b|\bas any\b|<any>|@ts-ignore|@ts-nocheck|FIXME/;
    const found = files.flatMap(({ name, lines }) =>
      lines.flatMap((line, index) => (banned.test(line) ? [`${name}:${index + 1}`] : [])),
    );
    expect(found).toEqual([]);
  });

  test("the pure cores do no I/O and read no clock", () => {
    const violations: string[] = [];
    for (const { name, lines } of files) {
      if (!pureCores.some((pattern) => pattern.test(name))) continue;
      for (const { line, number } of codeLines(lines)) {
        for (const [pattern, what] of impureInCore) {
          if (pattern.test(line)) violations.push(`${name}:${number} ${what}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  test("only the command line writes to the console", () => {
    const found = files.flatMap(({ name, lines }) => {
      if (consoleAllowed.some((pattern) => pattern.test(name))) return [];
      return codeLines(lines).flatMap(({ line, number }) =>
        /\bconsole\./.test(line) ? [`${name}:${number}`] : [],
      );
    });
    expect(found).toEqual([]);
  });

  test("every source file opens with a module comment", () => {
    const missing = files
      .filter(({ lines }) => !lines.slice(0, 3).some((line) => line.includes("@module")))
      .map(({ name }) => name);
    expect(missing).toEqual([]);
  });

  test("no source file grows past the length ratchet", () => {
    const tooLong = files
      .filter(({ lines }) => lines.length > fileLinesMax)
      .map(({ name, lines }) => `${name}: ${lines.length} lines`);
    expect(tooLong).toEqual([]);
  });
});
