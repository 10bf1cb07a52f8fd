/**
 * parseServeArgs: every flag style etcd users type, environment precedence, the etcd 0.4 flag
 * mapping, defaults, limits and the error messages.
 */
import { describe, expect, test } from "bun:test";
import { parseServeArgs } from "../../../src/cli/serve-args.ts";
import { limitFlagNames, serveFlags } from "../../../src/cli/serve-flags.ts";
import type { Config } from "../../../src/config.ts";
import { defaultLimits, type Limits } from "../../../src/limits.ts";

type Env = Record<string, string | undefined>;

function config(argv: string[], env: Env = {}): Config {
  const result = parseServeArgs(argv, env);
  if (!result.ok) throw new Error(`expected a config, got: ${result.message}`);
  return result.config;
}

function failure(argv: string[], env: Env = {}): string {
  const result = parseServeArgs(argv, env);
  if (result.ok) throw new Error(`expected an error for ${argv.join(" ")}`);
  return result.message;
}

describe("parseServeArgs defaults", () => {
  test("no arguments gives etcd 0.4's ports, name default and ./default.cairn", () => {
    const c = config([]);
    expect(c.name).toBe("default");
    expect(c.dataDir).toBe("./default.cairn");
    expect(c.listenClientUrls).toEqual(["http://127.0.0.1:4001"]);
    expect(c.advertiseClientUrls).toEqual(["http://127.0.0.1:4001"]);
    expect(c.listenPeerUrls).toEqual(["http://127.0.0.1:7001"]);
    expect(c.initialAdvertisePeerUrls).toEqual(["http://127.0.0.1:7001"]);
    expect(c.initialCluster).toEqual([{ name: "default", peerUrls: ["http://127.0.0.1:7001"] }]);
    expect(c.initialClusterState).toBe("new");
    expect(c.initialClusterToken).toBe("cairn-cluster");
    expect(c.heartbeatIntervalMs).toBe(100);
    expect(c.electionTimeoutMs).toBe(1000);
    expect(c.limits).toEqual({ ...defaultLimits });
    expect(c.logLevel).toBe("warn");
  });

  test("the data dir and initial cluster follow --name", () => {
    const c = config(["--name", "n1"]);
    expect(c.dataDir).toBe("./n1.cairn");
    expect(c.initialCluster).toEqual([{ name: "n1", peerUrls: ["http://127.0.0.1:7001"] }]);
  });
});

describe("parseServeArgs flag styles", () => {
  const styles: [string, string[]][] = [
    ["--flag value", ["--name", "a"]],
    ["--flag=value", ["--name=a"]],
    ["-flag value", ["-name", "a"]],
    ["-flag=value", ["-name=a"]],
  ];
  for (const [style, argv] of styles) {
    test(`accepts ${style}`, () => {
      expect(config(argv).name).toBe("a");
    });
  }

  test("a repeated flag's last value wins", () => {
    expect(config(["-name", "a", "--name=b", "-name=c"]).name).toBe("c");
  });

  test("a value may contain = and start with a dash", () => {
    expect(config(["--initial-cluster-token", "-x=y"]).initialClusterToken).toBe("-x=y");
    expect(config(["--initial-cluster-token=a=b"]).initialClusterToken).toBe("a=b");
  });

  test("--enable-v2 is accepted with or without =true and ignored", () => {
    expect(config(["--enable-v2"]).name).toBe("default");
    expect(config(["--enable-v2=true", "-enable-v2"]).name).toBe("default");
    expect(failure(["--enable-v2=false"])).toContain("always serves the v2 API");
    expect(failure(["--enable-v2=yes"])).toBe('Invalid --enable-v2 "yes": expected true or false');
  });

  test("a boolean flag does not consume the next argument", () => {
    expect(failure(["--enable-v2", "true"])).toContain('Unexpected argument "true"');
  });

  test("every etcd 2+ flag is understood in both dash styles", () => {
    const argv = [
      "-name=n1",
      "--data-dir=/var/lib/cairn",
      "-listen-client-urls=http://10.0.0.1:2379,http://127.0.0.1:2379",
      "--advertise-client-urls=http://n1.example:2379",
      "-listen-peer-urls=http://10.0.0.1:2380",
      "--initial-advertise-peer-urls=http://n1.example:2380",
      "-initial-cluster=n1=http://n1.example:2380,n2=http://n2.example:2380",
      "--initial-cluster-state=existing",
      "-initial-cluster-token=tok",
      "--heartbeat-interval=50",
      "-election-timeout=500",
      "--snapshot-count=20000",
    ];
    const c = config(argv);
    expect(c).toMatchObject({
      name: "n1",
      dataDir: "/var/lib/cairn",
      listenClientUrls: ["http://10.0.0.1:2379", "http://127.0.0.1:2379"],
      advertiseClientUrls: ["http://n1.example:2379"],
      listenPeerUrls: ["http://10.0.0.1:2380"],
      initialAdvertisePeerUrls: ["http://n1.example:2380"],
      initialCluster: [
        { name: "n1", peerUrls: ["http://n1.example:2380"] },
        { name: "n2", peerUrls: ["http://n2.example:2380"] },
      ],
      initialClusterState: "existing",
      initialClusterToken: "tok",
      heartbeatIntervalMs: 50,
      electionTimeoutMs: 500,
    });
    expect(c.limits.snapshotEntries).toBe(20000);
  });

  test("tuning flags: request timeout, expiry interval, log level", () => {
    const c = config(["--request-timeout=700", "-expiry-interval", "250", "--log-level=debug"]);
    expect([c.requestTimeoutMs, c.expiryIntervalMs, c.logLevel]).toEqual([700, 250, "debug"]);
    expect(failure(["--log-level=loud"])).toBe(
      'Invalid --log-level "loud": expected one of debug, info, warn, error',
    );
  });
});

describe("parseServeArgs limits", () => {
  test("every limit of src/limits.ts has a flag", () => {
    const names = new Set(serveFlags.flatMap((flag) => [flag.name, ...(flag.aliases ?? [])]));
    for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
      expect(names.has(limitFlagNames[key])).toBe(true);
    }
  });

  test("each limit flag sets exactly its limit, in both dash styles", () => {
    for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
      // Halving the value limit and doubling the others keeps every relation checkLimits asserts.
      const value = key === "valueBytesMax" ? defaultLimits[key] / 2 : defaultLimits[key] * 2;
      const extra = key === "frameBytesMax" ? ["--wal-segment-bytes", String(value)] : [];
      const c = config([`-${limitFlagNames[key]}`, String(value), ...extra]);
      expect(c.limits[key]).toBe(value);
      expect(config([`--${limitFlagNames[key]}=${value}`, ...extra]).limits[key]).toBe(value);
    }
  });

  test("--snapshot-entries is an alias of --snapshot-count", () => {
    expect(config(["--snapshot-entries=5"]).limits.snapshotEntries).toBe(5);
  });

  test("limits must be positive integers", () => {
    expect(failure(["--watchers-max=0"])).toContain('Invalid --watchers-max "0"');
    expect(failure(["--watchers-max=1.5"])).toContain("expected an integer");
    expect(failure(["--watchers-max=-3"])).toContain("expected an integer");
    expect(failure(["--watchers-max=0x10"])).toContain("expected an integer");
  });

  test("limits are checked against each other", () => {
    expect(failure(["--value-bytes-max=20971520"])).toContain(
      "valueBytesMax must not exceed requestBodyBytesMax",
    );
  });
});

describe("parseServeArgs environment", () => {
  test("CAIRN_* variables set flags", () => {
    const c = config([], { CAIRN_DATA_DIR: "/d", CAIRN_LISTEN_CLIENT_URLS: "http://127.0.0.1:1" });
    expect(c.dataDir).toBe("/d");
    expect(c.listenClientUrls).toEqual(["http://127.0.0.1:1"]);
  });

  test("ETCD_* variables set flags for drop-in units", () => {
    expect(config([], { ETCD_NAME: "e" }).name).toBe("e");
  });

  test("flags beat CAIRN_*, which beat ETCD_*", () => {
    expect(config(["--name=f"], { CAIRN_NAME: "c", ETCD_NAME: "e" }).name).toBe("f");
    expect(config([], { CAIRN_NAME: "c", ETCD_NAME: "e" }).name).toBe("c");
  });

  test("empty variables count as unset", () => {
    expect(config([], { CAIRN_NAME: "", ETCD_NAME: "e" }).name).toBe("e");
  });

  test("unknown variables with our prefixes are reported, not fatal", () => {
    const result = parseServeArgs([], { ETCD_CERT_FILE: "x", ETCDCTL_API: "2", PATH: "/bin" });
    expect(result.ok && result.warnings).toEqual([
      "Ignoring environment variable ETCD_CERT_FILE: cairn has no such flag",
    ]);
  });

  test("errors name the variable", () => {
    expect(failure([], { CAIRN_LISTEN_CLIENT_URLS: "foo" })).toBe(
      'Invalid CAIRN_LISTEN_CLIENT_URLS "foo": expected http://host:port',
    );
  });

  test("a 0.4 flag on the command line beats a 2+ variable in the environment", () => {
    const c = config(["-addr", "127.0.0.1:5001"], {
      ETCD_LISTEN_CLIENT_URLS: "http://127.0.0.1:1",
    });
    expect(c.listenClientUrls).toEqual(["http://127.0.0.1:5001"]);
  });
});

describe("parseServeArgs etcd 0.4 flags", () => {
  test("-addr sets the client listen and advertise URLs", () => {
    const c = config(["-addr", "127.0.0.1:4002"]);
    expect(c.listenClientUrls).toEqual(["http://127.0.0.1:4002"]);
    expect(c.advertiseClientUrls).toEqual(["http://127.0.0.1:4002"]);
  });

  test("-bind-addr changes only where the client listener binds", () => {
    const c = config(["-addr", "node1.example:4001", "-bind-addr", "0.0.0.0"]);
    expect(c.listenClientUrls).toEqual(["http://0.0.0.0:4001"]);
    expect(c.advertiseClientUrls).toEqual(["http://node1.example:4001"]);
    expect(config(["-bind-addr", "127.0.0.2:4009"]).listenClientUrls).toEqual([
      "http://127.0.0.2:4009",
    ]);
  });

  test("-peer-addr sets the peer listen and advertise URLs and the initial cluster", () => {
    const c = config(["-name", "m0", "-peer-addr", "127.0.0.1:7002"]);
    expect(c.listenPeerUrls).toEqual(["http://127.0.0.1:7002"]);
    expect(c.initialAdvertisePeerUrls).toEqual(["http://127.0.0.1:7002"]);
    expect(c.initialCluster).toEqual([{ name: "m0", peerUrls: ["http://127.0.0.1:7002"] }]);
  });

  test("-peers adds the other members, named after their addresses", () => {
    const c = config([
      "-name",
      "m2",
      "-peer-addr",
      "127.0.0.1:7003",
      "-peers",
      "127.0.0.1:7001,127.0.0.1:7002",
    ]);
    expect(c.initialCluster).toEqual([
      { name: "m2", peerUrls: ["http://127.0.0.1:7003"] },
      { name: "127.0.0.1:7001", peerUrls: ["http://127.0.0.1:7001"] },
      { name: "127.0.0.1:7002", peerUrls: ["http://127.0.0.1:7002"] },
    ]);
  });

  test("-peers may list this member itself and full URLs", () => {
    const c = config(["-peers", "http://127.0.0.1:7001,127.0.0.1:7002"]);
    expect(c.initialCluster.map((member) => member.name)).toEqual(["default", "127.0.0.1:7002"]);
  });

  test("-peer-heartbeat-interval and -peer-election-timeout set the Raft timing", () => {
    const c = config(["-peer-heartbeat-interval", "200", "-peer-election-timeout", "2000"]);
    expect([c.heartbeatIntervalMs, c.electionTimeoutMs]).toEqual([200, 2000]);
  });

  test("-snapshot-count sets the snapshot interval", () => {
    expect(config(["-snapshot-count", "500"]).limits.snapshotEntries).toBe(500);
  });

  test("the etcd 2+ flag wins over the 0.4 flag from the same source", () => {
    const c = config(["--listen-client-urls=http://127.0.0.1:9", "-addr=127.0.0.1:8"]);
    expect(c.listenClientUrls).toEqual(["http://127.0.0.1:9"]);
    expect(c.advertiseClientUrls).toEqual(["http://127.0.0.1:8"]);
  });

  test("-peers-file is not supported", () => {
    expect(failure(["-peers-file", "x"])).toBe("Unknown flag -peers-file");
  });
});

describe("parseServeArgs errors", () => {
  test("an unknown flag is an error naming it", () => {
    expect(failure(["--nmae", "x"])).toBe("Unknown flag --nmae");
    expect(failure(["-v"])).toBe("Unknown flag -v");
  });

  test("a flag without its value is an error", () => {
    expect(failure(["--name"])).toBe("Missing value for flag --name");
  });

  test("a stray argument is an error", () => {
    expect(failure(["--name", "a", "b"])).toBe('Unexpected argument "b": flags start with - or --');
  });

  test("invalid URLs are rejected with the flag and value", () => {
    expect(failure(["--listen-client-urls", "foo"])).toBe(
      'Invalid --listen-client-urls "foo": expected http://host:port',
    );
    expect(failure(["--listen-client-urls=http://127.0.0.1"])).toContain(
      "expected http://host:port",
    );
    expect(failure(["--listen-client-urls=http://127.0.0.1:4001/x"])).toContain("expected");
    expect(failure(["--listen-client-urls=http://127.0.0.1:70000"])).toContain("expected");
    expect(failure(["-addr", "127.0.0.1"])).toBe(
      'Invalid -addr "http://127.0.0.1": expected http://host:port',
    );
  });

  test("https is rejected because TLS is not implemented", () => {
    expect(failure(["--advertise-client-urls=https://a:2379"])).toContain("https is not supported");
  });

  test("a listening host must be an IP address or localhost", () => {
    expect(failure(["--listen-client-urls=http://example.com:4001"])).toBe(
      'Invalid --listen-client-urls "http://example.com:4001": a listening host must be an IP ' +
        "address or localhost",
    );
    expect(config(["--listen-client-urls=http://localhost:4001"]).listenClientUrls).toEqual([
      "http://localhost:4001",
    ]);
    expect(config(["--listen-client-urls=http://[::1]:4001"]).listenClientUrls).toEqual([
      "http://[::1]:4001",
    ]);
  });

  test("listening on 0.0.0.0 requires an advertised URL", () => {
    expect(failure(["--listen-client-urls=http://0.0.0.0:4001"])).toContain(
      "Missing --advertise-client-urls",
    );
  });

  test("this member must be in the initial cluster with its advertised peer URLs", () => {
    expect(failure(["--initial-cluster=x=http://127.0.0.1:7001"])).toContain(
      'it has no member named "default"',
    );
    expect(failure(["--initial-cluster=default=http://127.0.0.1:7009"])).toContain(
      "--initial-advertise-peer-urls is http://127.0.0.1:7001",
    );
    expect(failure(["--initial-cluster=default"])).toContain("expected name=http://host:port");
  });

  test("bad cluster state, timing and empty names are rejected", () => {
    expect(failure(["--initial-cluster-state=old"])).toBe(
      'Invalid --initial-cluster-state "old": expected new or existing',
    );
    expect(failure(["--election-timeout=300"])).toContain("at least 5 times --heartbeat-interval");
    expect(failure(["--heartbeat-interval=abc"])).toContain("expected an integer");
    expect(failure(["--name="])).toBe("Invalid --name: must not be empty");
  });
});
