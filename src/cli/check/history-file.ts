/**
 * @module
 * Recorded histories as JSON lines, one operation per line:
 * `{"clientId":3,"input":{"kind":"set","key":"/k","value":"v"},"output":{"outcome":"ok",
 * "index":7},"callTime":1.5,"returnTime":2.25}`. An indeterminate operation has the output
 * `{"indeterminate":true}` and `"returnTime":null` (JSON has no infinity). Pure: the caller
 * reads and writes the file.
 */
import { type EtcdOperation, indeterminate, isIndeterminate } from "../../check/index.ts";
import type { EtcdInput, EtcdOutput } from "../../check/index.ts";

/** Renders a history as JSON lines (with a final newline). */
export function formatHistoryLines(history: readonly EtcdOperation[]): string {
  return history
    .map((operation) =>
      JSON.stringify({
        clientId: operation.clientId,
        input: operation.input,
        output: operation.output,
        callTime: operation.callTime,
        returnTime:
          isIndeterminate(operation.output) || !Number.isFinite(operation.returnTime)
            ? null
            : operation.returnTime,
      }),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/**
 * Parses JSON lines written by `formatHistoryLines`; blank lines are skipped.
 * @throws {Error} naming the first line that is not a valid operation.
 */
export function parseHistoryLines(text: string): EtcdOperation[] {
  const history: EtcdOperation[] = [];
  const lines = text.split("\n");
  for (const [position, line] of lines.entries()) {
    if (line.trim() === "") continue;
    try {
      history.push(parseOperation(JSON.parse(line)));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`line ${position + 1}: ${reason}`);
    }
  }
  return history;
}

// --- internal ---

const outcomes: readonly string[] = ["ok", "notFound", "compareFailed", "exists"];

function parseOperation(value: unknown): EtcdOperation {
  const record = asRecord(value, "an operation");
  const clientId = record["clientId"];
  if (typeof clientId !== "number" && typeof clientId !== "string") {
    throw new Error("clientId must be a number or a string");
  }
  const callTime = record["callTime"];
  if (typeof callTime !== "number" || !Number.isFinite(callTime)) {
    throw new Error("callTime must be a finite number");
  }
  const output = parseOutput(record["output"]);
  const rawReturn = record["returnTime"];
  const returnTime = isIndeterminate(output) || rawReturn === null ? Infinity : rawReturn;
  if (typeof returnTime !== "number" || Number.isNaN(returnTime) || returnTime < callTime) {
    throw new Error("returnTime must be a number not below callTime, or null");
  }
  if (!isIndeterminate(output) && !Number.isFinite(returnTime)) {
    throw new Error("an operation with an output needs a finite returnTime");
  }
  return { clientId, input: parseInput(record["input"]), output, callTime, returnTime };
}

function parseInput(value: unknown): EtcdInput {
  const record = asRecord(value, "input");
  const kind = record["kind"];
  const key = text(record, "key");
  switch (kind) {
    case "get":
    case "delete":
      return { kind, key };
    case "set":
    case "create":
    case "update":
      return { kind, key, value: text(record, "value") };
    case "compareAndSwap":
      return { kind, key, prevValue: text(record, "prevValue"), value: text(record, "value") };
    case "compareAndDelete":
      return { kind, key, prevValue: text(record, "prevValue") };
    default:
      throw new Error(`unknown input kind ${JSON.stringify(kind)}`);
  }
}

function parseOutput(value: unknown): EtcdOutput | typeof indeterminate {
  const record = asRecord(value, "output");
  if (record["indeterminate"] === true) return indeterminate;
  const outcome = record["outcome"];
  if (typeof outcome !== "string" || !outcomes.includes(outcome)) {
    throw new Error(`unknown outcome ${JSON.stringify(outcome)}`);
  }
  const output: { -readonly [K in keyof EtcdOutput]: EtcdOutput[K] } = {
    outcome: outcome as EtcdOutput["outcome"],
  };
  if (record["value"] !== undefined) output.value = text(record, "value");
  if (record["index"] !== undefined) output.index = integer(record, "index");
  if (record["modifiedIndex"] !== undefined) {
    output.modifiedIndex = integer(record, "modifiedIndex");
  }
  return output;
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function text(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== "string") throw new Error(`${field} must be a string`);
  return value;
}

function integer(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new Error(`${field} must be an integer`);
  }
  return value;
}
