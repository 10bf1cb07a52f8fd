import { expect, test } from "bun:test";
import { HistoryRecorder } from "../../../src/check/history-recorder.ts";
import type { RegisterInput, RegisterOutput } from "../../../src/check/register-model.ts";
import { indeterminate } from "../../../src/check/types.ts";
import { AssertionError } from "../../../src/lib/assert.ts";

test("the recorder keeps answers; abandoned or outstanding operations are indeterminate", () => {
  const recorder = new HistoryRecorder<RegisterInput, RegisterOutput>();
  const first = recorder.invoke(0, { kind: "write", value: 1 }, 0);
  const second = recorder.invoke(1, { kind: "read" }, 1);
  const third = recorder.invoke(2, { kind: "write", value: 2 }, 2);
  recorder.invoke(3, { kind: "read" }, 3);
  recorder.complete(second, 1, 5);
  recorder.complete(first, null, 6);
  recorder.abandon(third);
  expect(recorder.operations()).toEqual([
    { clientId: 0, input: { kind: "write", value: 1 }, output: null, callTime: 0, returnTime: 6 },
    { clientId: 1, input: { kind: "read" }, output: 1, callTime: 1, returnTime: 5 },
    {
      clientId: 2,
      input: { kind: "write", value: 2 },
      output: indeterminate,
      callTime: 2,
      returnTime: Infinity,
    },
    {
      clientId: 3,
      input: { kind: "read" },
      output: indeterminate,
      callTime: 3,
      returnTime: Infinity,
    },
  ]);
});

test("settling twice, or returning before the call, is a programming error", () => {
  const recorder = new HistoryRecorder<RegisterInput, RegisterOutput>();
  const handle = recorder.invoke(0, { kind: "read" }, 10);
  expect(() => recorder.complete(handle, 0, 9)).toThrow(AssertionError);
  recorder.complete(handle, 0, 10);
  expect(() => recorder.abandon(handle)).toThrow(AssertionError);
  expect(() => recorder.complete(7, 0, 11)).toThrow(AssertionError);
});
