import { expect, test } from "bun:test";
import { EtcdError, ErrorCode, errorTable } from "../../../src/store/errors.ts";

test("every error code maps to etcd's HTTP status rule", () => {
  const expectedStatus = (code: number): number => {
    if (code === 100) return 404;
    if (code === 101 || code === 105) return 412;
    if (code === 102 || code === 108) return 403;
    if (code === 110) return 401;
    if (code === 300 || code === 301) return 500;
    if (code === 402 || code === 406) return 503;
    if (code === 403) return 413;
    return 400;
  };
  for (const code of Object.values(ErrorCode)) {
    expect(errorTable[code].status).toBe(expectedStatus(code));
  }
});

test("an EtcdError body leaves out an empty cause", () => {
  expect(new EtcdError(102, "", 65).toJSON()).toEqual({
    errorCode: 102,
    message: "Not a file",
    index: 65,
  });
  expect(JSON.stringify(new EtcdError(100, "/a", 6))).toBe(
    '{"errorCode":100,"message":"Key not found","cause":"/a","index":6}',
  );
});
