/**
 * The other endpoints and the transport's answers (v2-api-reference.md §2, §8): stats,
 * members, machines, version, health; 404, 405, OPTIONS and CORS everywhere.
 */
import { expect, test } from "bun:test";
import { formatGoDuration, formatRfc3339 } from "../../src/http/go-json.ts";
import { get, put, send } from "../support/http-client.ts";
import { describeMatrix, nodeOf } from "../support/http-matrix.ts";
import { ErrorCode, EtcdError } from "../../src/store/errors.ts";

const storeCounters = [
  "getsSuccess", "getsFail", "setsSuccess", "setsFail", "deleteSuccess", "deleteFail",
  "updateSuccess", "updateFail", "createSuccess", "createFail", "compareAndSwapSuccess",
  "compareAndSwapFail", "compareAndDeleteSuccess", "compareAndDeleteFail", "expireCount",
  "watchers",
];

describeMatrix("stats, members, version, health", (target) => {
  test("/v2/stats/store has exactly the 16 counters in order, counting operations", async () => {
    const before = await get(target(), "/v2/stats/store");
    expect(Object.keys(before.body)).toEqual(storeCounters);
    expect(before.headers.get("content-type")).toBe("application/json");
    expect(before.text.endsWith("}")).toBe(true);
    await put(target(), "/v2/keys/s", "value=v");
    await get(target(), "/v2/keys/missing");
    const after = await get(target(), "/v2/stats/store");
    expect(Number(after.body["setsSuccess"])).toBe(Number(before.body["setsSuccess"]) + 1);
    expect(Number(after.body["getsFail"])).toBeGreaterThan(Number(before.body["getsFail"]));
  });

  test("/v2/stats/self uses etcd 3.4 names, RFC 3339 times and a Go duration uptime", async () => {
    const reply = await get(target(), "/v2/stats/self");
    expect(Object.keys(reply.body)).toEqual([
      "name", "id", "state", "startTime", "leaderInfo", "recvAppendRequestCnt",
      "sendAppendRequestCnt",
    ]);
    expect(reply.body).toMatchObject({ name: "n0", state: "StateLeader" });
    expect(String(reply.body["id"])).toMatch(/^[0-9a-f]{1,16}$/);
    const leaderInfo = reply.body["leaderInfo"] as Record<string, unknown>;
    // Go's Duration.String: "1h2m3.5s" from a second up, "40ms", "1.5µs", "0s" below.
    const goDuration = /^((\d+h)?(\d+m)?\d+(\.\d+)?s|\d+(\.\d+)?(ms|µs|ns))$/;
    expect(String(leaderInfo["uptime"])).toMatch(goDuration);
    expect(String(leaderInfo["startTime"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  test("/v2/stats/leader on a single leader has no followers", async () => {
    const reply = await get(target(), "/v2/stats/leader");
    expect(reply.text).toMatch(/^\{"leader":"[0-9a-f]{1,16}","followers":\{\}\}$/);
  });

  test("/v2/members, /v2/members/leader and /v2/machines", async () => {
    const members = await get(target(), "/v2/members");
    expect(members.text.endsWith("]}\n")).toBe(true);
    expect(members.headers.get("x-etcd-cluster-id")).not.toBeNull();
    const list = members.body["members"] as Record<string, unknown>[];
    expect(Object.keys(list[0] ?? {})).toEqual(["id", "name", "peerURLs", "clientURLs"]);
    const leader = await get(target(), "/v2/members/leader");
    expect(leader.body).toEqual(list[0] ?? {});
    expect((await get(target(), "/v2/members/")).body).toEqual(members.body);
    expect((await get(target(), "/v2/members/nobody")).status).toBe(404);
    // The source document's /v2/leader: the leader's peer URL as text.
    const leaderUrl = await get(target(), "/v2/leader");
    expect(leaderUrl.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(leaderUrl.text).toBe((list[0]?.["peerURLs"] as string[])[0] ?? "none");
    const machines = await get(target(), "/v2/machines");
    expect(machines.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(machines.text).toBe((list[0]?.["clientURLs"] as string[]).join(", "));
  });

  test("/version is JSON with etcd's versions and cairn's own, without newline", async () => {
    const reply = await get(target(), "/version");
    expect(reply.headers.get("content-type")).toBe("application/json");
    const shape = /^\{"etcdserver":"3\.4\.\d+","etcdcluster":"3\.4\.0","cairn":".+"\}$/;
    expect(reply.text).toMatch(shape);
  });

  test("/health is {\"health\":\"true\"} with a text/plain content type", async () => {
    const reply = await get(target(), "/health");
    expect(reply.text).toBe('{"health":"true"}');
    expect(reply.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });
});

describeMatrix(
  "a member without a leader",
  (target) => {
    test("stats/leader is 403, members/leader 503, health 503 false", async () => {
      const node = nodeOf(target());
      node.state = "StateFollower";
      node.leaderId = "";
      const leaderStats = await get(target(), "/v2/stats/leader");
      expect(leaderStats.status).toBe(403);
      expect(leaderStats.text).toBe('{"message":"not current leader"}');
      const leader = await get(target(), "/v2/members/leader");
      expect(leader.status).toBe(503);
      expect(leader.text).toBe('{"message":"During election"}');
      const leaderUrl = await get(target(), "/v2/leader");
      expect(leaderUrl.body).toMatchObject({ errorCode: 301, message: "During Leader Election" });
      const health = await get(target(), "/health");
      expect(health.status).toBe(503);
      expect(health.text).toBe('{"health":"false"}\n');
      const self = await get(target(), "/v2/stats/self");
      expect(self.body).toMatchObject({ state: "StateFollower", leaderInfo: { leader: "" } });
    });

    test("health is false when the read barrier fails", async () => {
      const node = nodeOf(target());
      node.barrierError = new EtcdError(ErrorCode.leaderElect, "no leader", 0);
      const health = await get(target(), "/health");
      expect(health.status).toBe(503);
    });
  },
  { needsNode: true },
);

describeMatrix("transport answers", (target) => {
  test("unknown and 3.4-dropped paths are 404 text/plain", async () => {
    for (const path of ["/v2/stats", "/v2/stats/", "/v2/peers", "/v1/keys/a",
      "/mod/v2/lock/x", "/v2/admin/machines", "/nothing"]) {
      const reply = await get(target(), path);
      expect(reply.status).toBe(404);
      expect(reply.text).toBe("404 page not found\n");
      expect(reply.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    }
  });

  test("a wrong method on the key space is 405 with etcd's Allow and body", async () => {
    // (Bun turns methods it does not know, such as FOO, into GET before the app sees them.)
    for (const method of ["PATCH", "TRACE"]) {
      const reply = await send(target(), method, "/v2/keys/a");
      expect(reply.status).toBe(405);
      expect(reply.headers.get("allow")).toBe("HEAD,GET,PUT,POST,DELETE");
      // (fetch drops the body of a TRACE answer.)
      if (method === "PATCH") expect(reply.text).toBe("Method Not Allowed\n");
    }
    const root = await send(target(), "PATCH", "/v2/keys");
    expect(root.status).toBe(405);
  });

  test("a wrong method on stats and version is 405 Allow: GET", async () => {
    for (const [method, path] of [["POST", "/v2/stats/self"], ["PUT", "/version"],
      ["HEAD", "/v2/stats/store"], ["DELETE", "/health"]] as const) {
      const reply = await send(target(), method, path);
      expect(reply.status).toBe(405);
      expect(reply.headers.get("allow")).toBe("GET");
    }
    expect((await send(target(), "POST", "/v2/machines")).headers.get("allow")).toBe("GET,HEAD");
    expect((await send(target(), "HEAD", "/v2/machines")).status).toBe(200);
  });

  test("OPTIONS on any path is 200 with an empty body", async () => {
    for (const path of ["/v2/keys/a", "/anything", "/v2/keys/a//b"]) {
      const reply = await send(target(), "OPTIONS", path);
      expect(reply.status).toBe(200);
      expect(reply.text).toBe("");
      expect(reply.headers.get("access-control-allow-methods")).toBe(
        "POST, GET, OPTIONS, PUT, DELETE",
      );
    }
  });

  test("every kind of response carries the CORS headers", async () => {
    const replies = [
      await put(target(), "/v2/keys/c", "value=v"),
      await get(target(), "/v2/keys/none"),
      await get(target(), "/v2/keys/c?recursive=x"),
      await get(target(), "/nothing"),
      await send(target(), "PATCH", "/v2/keys/c"),
      await get(target(), "/v2/keys//c"),
      await get(target(), "/v2/stats/self"),
      await get(target(), "/v2/machines"),
      await get(target(), "/health"),
    ];
    for (const reply of replies) {
      expect(reply.headers.get("access-control-allow-origin")).toBe("*");
      expect(reply.headers.get("access-control-allow-headers")).toBe(
        "accept, content-type, authorization",
      );
    }
  });
});

test("formatGoDuration prints like Go's Duration.String", () => {
  expect(formatGoDuration(0)).toBe("0s");
  expect(formatGoDuration(250)).toBe("250ms");
  expect(formatGoDuration(0.0015)).toBe("1.5µs");
  expect(formatGoDuration(2014.169912296)).toBe("2.014169912s");
  expect(formatGoDuration(33 * 60_000 + 34_169.912296)).toBe("33m34.169912296s");
  expect(formatGoDuration(3_600_000 + 5000)).toBe("1h0m5s");
});

test("formatRfc3339 trims the fraction like Go's RFC3339Nano", () => {
  expect(formatRfc3339(Date.UTC(2026, 10, 24, 2, 15, 40, 50))).toBe("2026-11-24T02:15:40.05Z");
  expect(formatRfc3339(Date.UTC(2026, 10, 24, 2, 15, 40))).toBe("2026-11-24T02:15:40Z");
  expect(formatRfc3339(Date.UTC(2026, 10, 24, 2, 15, 40, 619) + 0.5)).toBe(
    "2026-11-24T02:15:40.6195Z",
  );
});

describeMatrix(
  "a leader with followers",
  (target) => {
    test("/v2/stats/leader reports each follower's latency and counts", async () => {
      const follower = {
        latency: { current: 1.5, average: 1.25, standardDeviation: 0.25, minimum: 1, maximum: 2 },
        counts: { fail: 1, success: 42 },
      };
      nodeOf(target()).followers = { "00000000000000a1": follower };
      const reply = await get(target(), "/v2/stats/leader");
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        leader: "ddd67b312462fd7b",
        followers: { "00000000000000a1": follower },
      });
    });
  },
  { needsNode: true },
);
