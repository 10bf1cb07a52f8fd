import { expect, test } from "bun:test";
import { createJsonLogger } from "../../../src/lib/log.ts";

test("the JSON logger writes one object a line with base fields, dropping lower levels", () => {
  const lines: string[] = [];
  const logger = createJsonLogger(
    { level: "info", write: (line) => lines.push(line), now: () => new Date(0) },
    { member: "n1" },
  );
  logger.debug("hidden");
  logger.child({ term: 3 }).warn("election", { reason: "timeout" });
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0] ?? "")).toEqual({
    ts: "1970-01-01T00:00:00.000Z",
    level: "warn",
    member: "n1",
    term: 3,
    event: "election",
    reason: "timeout",
  });
});
