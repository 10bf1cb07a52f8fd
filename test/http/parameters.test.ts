/**
 * Parameters and validation (v2-api-reference.md §3.2, §3.3): every malformed parameter class
 * gets its etcd error with index 0 and changes nothing; the first failure in etcd's order wins;
 * body and query precedence; Go's boolean, integer and form parsing.
 */
import { expect, test } from "bun:test";
import { defaultLimits } from "../../src/limits.ts";
import { currentIndex, get, nodeOfReply, put, send } from "../support/http-client.ts";
import { type HttpTarget, describeMatrix } from "../support/http-matrix.ts";

interface Rejection {
  readonly method: string;
  readonly query?: string;
  readonly form?: string;
  readonly errorCode: number;
  readonly cause: string;
}

const waitOnlyGet = '"wait" can only be used with GET requests';
const badEscape = (escape: string) => `invalid URL escape "${escape}"`;
const semicolon = "invalid semicolon separator in query";
const quoted = (name: string) => `invalid value for "${name}"`;
const refreshValue = "A value was provided on a refresh";

/** [method, query, form, errorCode, cause]; "" query or form means none. */
type Row = readonly [string, string, string, number, string];

const rows: readonly Row[] = [
  ["PUT", "", "value=a&x=%zz", 210, badEscape("%zz")],
  ["PUT", "a=%z", "", 210, badEscape("%z")],
  ["GET", "x=%", "", 210, badEscape("%")],
  ["PUT", "", "value=a;b", 210, semicolon],
  ["GET", "a;b=1", "", 210, semicolon],
  ...["abc", "-1", "", "1.5", "99999999999999999999"].map(
    (v): Row => ["PUT", `prevIndex=${v}`, "", 203, quoted("prevIndex")],
  ),
  ["GET", "wait=true&waitIndex=x", "", 203, quoted("waitIndex")],
  ["GET", "waitIndex=", "", 203, quoted("waitIndex")],
  ...[
    ["recursive", ""], ["sorted", "yes"], ["wait", "on"], ["dir", "2"], ["quorum", "tru"],
    ["stream", "x"], ["noValueOnSuccess", "y"],
  ].map(([name, v]): Row => ["GET", `${name}=${v}`, "", 209, quoted(name ?? "")]),
  ["PUT", "wait=true", "", 209, waitOnlyGet],
  ["HEAD", "wait=true", "", 209, waitOnlyGet],
  ["PUT", "", "prevValue=", 201, '"prevValue" cannot be empty'],
  ["DELETE", "prevValue=", "", 201, '"prevValue" cannot be empty'],
  ...["abc", "-1", "1.5", "+5", "%205", "0x10", "99999999999999999999"].map(
    (v): Row => ["PUT", "", `value=v&ttl=${v}`, 202, quoted("ttl")],
  ),
  ["POST", "", "ttl=x", 202, quoted("ttl")],
  ["PUT", "", "prevExist=maybe", 209, "invalid value for prevExist"],
  ["PUT", "", "prevExist=", 209, "invalid value for prevExist"],
  ["PUT", "", "refresh=x", 209, "invalid value for refresh"],
  ["PUT", "", "refresh=true&value=x&ttl=5", 211, refreshValue],
  ["PUT", "", "refresh=true", 212, "No TTL value set"],
  ["PUT", "", "refresh=true&ttl=", 212, "No TTL value set"],
  // The order of §3.3: the first failing step wins.
  ["PUT", "", "prevIndex=x&a=%zz", 210, badEscape("%zz")],
  ["PUT", "", "ttl=x&prevIndex=x", 203, quoted("prevIndex")],
  ["GET", "recursive=x&waitIndex=x", "", 203, quoted("waitIndex")],
  ["GET", "stream=x&recursive=x", "", 209, quoted("recursive")],
  ["GET", "quorum=x&sorted=x", "", 209, quoted("sorted")],
  ["PUT", "prevValue=&wait=true", "", 209, waitOnlyGet],
  ["PUT", "", "noValueOnSuccess=x&prevValue=", 201, '"prevValue" cannot be empty'],
  ["PUT", "", "ttl=x&noValueOnSuccess=x", 209, quoted("noValueOnSuccess")],
  ["PUT", "", "prevExist=x&ttl=x", 202, quoted("ttl")],
  ["PUT", "", "refresh=x&prevExist=x", 209, "invalid value for prevExist"],
  ["PUT", "", "refresh=true&value=x", 211, refreshValue],
];

const rejections: readonly Rejection[] = rows.map(([method, query, form, errorCode, cause]) => ({
  method,
  ...(query === "" ? {} : { query }),
  ...(form === "" ? {} : { form }),
  errorCode,
  cause,
}));

async function expectRejected(target: HttpTarget, rejection: Rejection): Promise<void> {
  const before = await currentIndex(target);
  const query = rejection.query === undefined ? "" : `?${rejection.query}`;
  const reply = await send(target, rejection.method, `/v2/keys/p/key${query}`, {
    ...(rejection.form === undefined ? {} : { form: rejection.form }),
  });
  expect(reply.status).toBe(400);
  expect(reply.headers.get("x-etcd-index")).toBe("0");
  expect(reply.headers.get("x-raft-index")).toBeNull();
  expect(reply.headers.get("x-raft-term")).toBeNull();
  expect(reply.headers.get("content-type")).toBe("application/json");
  if (rejection.method !== "HEAD") {
    const { errorCode, cause } = rejection;
    expect(reply.body).toMatchObject({ errorCode, cause, index: 0 });
  }
  expect(await currentIndex(target)).toBe(before);
}

describeMatrix("parameters", (target) => {
  for (const rejection of rejections) {
    const form = rejection.form === undefined ? "" : ` -d ${rejection.form}`;
    const where = `${rejection.query ?? ""}${form}`;
    test(`${rejection.method} ${where} is rejected with ${rejection.errorCode}`, async () => {
      await put(target(), "/v2/keys/p/key", "value=old");
      await expectRejected(target(), rejection);
      expect(nodeOfReply(await get(target(), "/v2/keys/p/key"))["value"]).toBe("old");
    });
  }

  test("validation comes before the store: PUT /v2/keys/?ttl=abc is 202, not 107", async () => {
    const reply = await send(target(), "PUT", "/v2/keys/?ttl=abc");
    expect(reply.body).toMatchObject({ errorCode: 202 });
  });

  test("for PUT a body value wins over the query", async () => {
    const reply = await send(target(), "PUT", "/v2/keys/w?value=query", { form: "value=body" });
    expect(nodeOfReply(reply)["value"]).toBe("body");
  });

  test("a repeated parameter takes its first value", async () => {
    const reply = await put(target(), "/v2/keys/r", "value=1&value=2");
    expect(nodeOfReply(reply)["value"]).toBe("1");
    const query = await send(target(), "PUT", "/v2/keys/r2?value=a&value=b");
    expect(nodeOfReply(query)["value"]).toBe("a");
  });

  test("a DELETE body is ignored: prevValue there does not make it conditional", async () => {
    await put(target(), "/v2/keys/d", "value=one");
    const reply = await send(target(), "DELETE", "/v2/keys/d", { form: "prevValue=other" });
    expect(reply.status).toBe(200);
    expect(reply.body["action"]).toBe("delete");
  });

  test("a JSON or unlabelled body is ignored: the value becomes empty", async () => {
    const json = await send(target(), "PUT", "/v2/keys/j", {
      body: '{"value":"x"}',
      contentType: "application/json",
    });
    expect(nodeOfReply(json)["value"]).toBe("");
    const plain = await send(target(), "PUT", "/v2/keys/k", {
      body: "value=x",
      contentType: "text/plain",
    });
    expect(nodeOfReply(plain)["value"]).toBe("");
  });

  test("a form content type with parameters is still a form", async () => {
    const reply = await send(target(), "PUT", "/v2/keys/c", {
      body: "value=y",
      contentType: "application/x-www-form-urlencoded; charset=utf-8",
    });
    expect(nodeOfReply(reply)["value"]).toBe("y");
  });

  test("in forms + is a space and %2B is a plus", async () => {
    const reply = await put(target(), "/v2/keys/plus", "value=a+b%2Bc");
    expect(nodeOfReply(reply)["value"]).toBe("a b+c");
  });

  test("unknown parameters and consistent=anything are ignored", async () => {
    const path = "/v2/keys/u?foo=bar&consistent=maybe";
    const reply = await send(target(), "PUT", path, { form: "value=v" });
    expect(reply.status).toBe(201);
  });

  test("Go booleans: 1 t T TRUE true True are true; 0 f F FALSE false False false", async () => {
    for (const [index, text] of ["1", "t", "T", "TRUE", "true", "True"].entries()) {
      const reply = await put(target(), `/v2/keys/bt${index}`, `dir=${text}`);
      expect(nodeOfReply(reply)["dir"]).toBe(true);
    }
    for (const [index, text] of ["0", "f", "F", "FALSE", "false", "False"].entries()) {
      const reply = await put(target(), `/v2/keys/bf${index}`, `dir=${text}&value=v`);
      expect(nodeOfReply(reply)["value"]).toBe("v");
    }
  });

  test("Go unsigned integers accept leading zeros", async () => {
    const reply = await put(target(), "/v2/keys/z", "value=v&ttl=007");
    expect(nodeOfReply(reply)["ttl"]).toBe(7);
  });

  test("prevIndex=0 and waitIndex=0 mean absent", async () => {
    await put(target(), "/v2/keys/pi", "value=a");
    const reply = await put(target(), "/v2/keys/pi", "value=b&prevIndex=0");
    expect(reply.body["action"]).toBe("set");
  });
});

const smallLimits = {
  ...defaultLimits,
  keyBytesMax: 64,
  valueBytesMax: 512,
  requestBodyBytesMax: 1024,
};

describeMatrix(
  "limits",
  (target) => {
    test("a form body over requestBodyBytesMax is 210 http: POST too large", async () => {
      const before = await currentIndex(target());
      const reply = await put(target(), "/v2/keys/big", `value=${"x".repeat(2000)}`);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ errorCode: 210, cause: "http: POST too large", index: 0 });
      expect(await currentIndex(target())).toBe(before);
    });

    test("a streamed form body over the limit is rejected too", async () => {
      const chunk = new TextEncoder().encode(`value=${"y".repeat(600)}`);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(chunk);
          controller.enqueue(chunk);
          controller.close();
        },
      });
      const response = await target().send("/v2/keys/big", {
        method: "PUT",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      expect(response.status).toBe(400);
      const answer: unknown = await response.json();
      expect(answer).toMatchObject({ errorCode: 210, cause: "http: POST too large" });
    });

    test("a value over valueBytesMax is 209 naming the limit and changes nothing", async () => {
      const before = await currentIndex(target());
      const reply = await put(target(), "/v2/keys/v", `value=${"é".repeat(300)}`);
      expect(reply.status).toBe(400);
      expect(reply.body["errorCode"]).toBe(209);
      expect(String(reply.body["cause"])).toContain("valueBytesMax");
      expect(String(reply.body["cause"])).toContain("600 bytes");
      expect(await currentIndex(target())).toBe(before);
    });

    test("a key over keyBytesMax is 209 naming the limit and changes nothing", async () => {
      const before = await currentIndex(target());
      const reply = await put(target(), `/v2/keys/${"k".repeat(80)}`, "value=v");
      expect(reply.status).toBe(400);
      expect(reply.body["errorCode"]).toBe(209);
      expect(String(reply.body["cause"])).toContain("keyBytesMax");
      expect(await currentIndex(target())).toBe(before);
    });

    test("values and keys at the limit are accepted", async () => {
      const reply = await put(target(), `/v2/keys/${"k".repeat(63)}`, `value=${"v".repeat(512)}`);
      expect(reply.status).toBe(201);
    });
  },
  { limits: smallLimits },
);
