/**
 * src/config.ts: derived defaults, the schema check, URL and cluster parsing.
 */
import { describe, expect, test } from "bun:test";
import {
  ConfigError,
  formatInitialCluster,
  parseHttpUrl,
  parseInitialCluster,
  parseUrlList,
  resolveConfig,
  validateConfig,
} from "../../../src/config.ts";

describe("resolveConfig", () => {
  test("fills every field and passes its own validation", () => {
    const config = resolveConfig({});
    expect(() => validateConfig(config)).not.toThrow();
    expect(config.limits.snapshotEntries).toBe(10_000);
  });

  test("advertised URLs default to the listen URLs", () => {
    const config = resolveConfig({ listenPeerUrls: ["http://127.0.0.1:9"] });
    expect(config.initialAdvertisePeerUrls).toEqual(["http://127.0.0.1:9"]);
    expect(config.initialCluster).toEqual([{ name: "default", peerUrls: ["http://127.0.0.1:9"] }]);
  });

  test("the schema rejects values no flag parser would produce", () => {
    const config = resolveConfig({});
    expect(() => validateConfig({ ...config, heartbeatIntervalMs: 0.5 })).toThrow(ConfigError);
    expect(() => validateConfig({ ...config, listenClientUrls: [] })).toThrow(
      "Invalid configuration at /listenClientUrls",
    );
  });

  test("limits are checked with checkLimits", () => {
    expect(() => resolveConfig({ limits: { frameBytesMax: 1024 } })).toThrow(
      "frameBytesMax must exceed keyBytesMax + valueBytesMax",
    );
  });

  test("election timeouts above 50 s are rejected as in etcd", () => {
    expect(() => resolveConfig({ electionTimeoutMs: 60_000 })).toThrow("at most 50000 ms");
  });
});

describe("URL parsing", () => {
  test("normalises case and a trailing slash", () => {
    expect(parseHttpUrl("HTTP://Node1.Example:4001/", "--x")).toBe("http://node1.example:4001");
  });

  test("rejects credentials, queries, missing ports and bad IPv4", () => {
    for (const text of [
      "http://u:p@a:1",
      "http://a:1?x=1",
      "http://a",
      "http://300.1.1.1:1",
      "ftp://a:1",
      "a:1",
      "http://a:0",
    ]) {
      expect(() => parseHttpUrl(text, "--x")).toThrow(ConfigError);
    }
  });

  test("rejects duplicates in a list", () => {
    expect(() => parseUrlList("http://a:1,http://A:1", "--x")).toThrow("listed twice");
  });
});

describe("initial cluster parsing", () => {
  test("groups several URLs of one member and round-trips", () => {
    const text = "a=http://h1:1,b=http://h2:2,a=http://h3:3";
    const members = parseInitialCluster(text, "--initial-cluster");
    expect(members).toEqual([
      { name: "a", peerUrls: ["http://h1:1", "http://h3:3"] },
      { name: "b", peerUrls: ["http://h2:2"] },
    ]);
    expect(formatInitialCluster(members)).toBe("a=http://h1:1,a=http://h3:3,b=http://h2:2");
  });

  test("rejects a URL claimed twice and entries without a name", () => {
    expect(() => parseInitialCluster("a=http://h:1,b=http://h:1", "--x")).toThrow("listed twice");
    expect(() => parseInitialCluster("=http://h:1", "--x")).toThrow("expected name=");
  });
});
