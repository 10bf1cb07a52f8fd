/**
 * @module
 * One HTTP conformance suite, several drivers (after h3's `describeMatrix`): each suite gets a
 * fresh target per test and talks to it only through `send`, so the same tests can run
 * in-process (`app.handle`) and, later, against the compiled binary over loopback. Tests that
 * need to move time or inspect the member declare it and are skipped by drivers without one.
 */
import { afterEach, beforeEach, describe } from "bun:test";
import { createApp, listen, plainReadServer } from "../../src/http/index.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { defaultLimits, type Limits } from "../../src/limits.ts";
import { limitFlagNames } from "../../src/cli/serve-flags.ts";
import { MemoryNode } from "./memory-node.ts";
import { removeDir, startServer } from "./server-process.ts";

/** A running server under test. */
export interface HttpTarget {
  readonly driver: string;
  /**
   * Sends a request to `path` (which keeps its raw form: `//`, `%2F` and the query are sent
   * as written).
   */
  send(path: string, init?: RequestInit): Promise<Response>;
  /** The in-process member, for drivers that have one (manual clock, barrier counters). */
  readonly node: MemoryNode | null;
  close(): Promise<void>;
}

/** Builds targets. */
export interface HttpDriver {
  readonly name: string;
  /** Whether targets expose `node` (and so a manual clock). */
  readonly hasNode: boolean;
  open(limits: Limits): Promise<HttpTarget>;
}

/** The app driven in-process with `app.handle`, on a `MemoryNode`. */
export const inProcessDriver: HttpDriver = {
  name: "in-process",
  hasNode: true,
  open: (limits) => {
    const node = new MemoryNode(limits);
    const app = createApp({ node, limits, logger: silentLogger, version: "0.1.0-test" });
    return Promise.resolve({
      driver: "in-process",
      node,
      send: (path, init) => app.handle(new Request(`http://localhost${path}`, init)),
      close: () => Promise.resolve(),
    });
  },
};

/**
 * The same app behind `listen` (Bun.serve) on a free loopback port, driven with `fetch`: the
 * socket path of every suite, short of the compiled binary, plain reads included.
 */
export const socketDriver: HttpDriver = {
  name: "bun-serve",
  hasNode: true,
  open: (limits) => {
    const node = new MemoryNode(limits);
    const deps = { node, limits, logger: silentLogger, version: "0.1.0-test" };
    // Plain reads take the short way in here (and in the binary), the route in-process.
    const server = listen(createApp(deps), {
      hostname: "127.0.0.1",
      port: 0,
      requestBodyBytesMax: limits.requestBodyBytesMax,
      beforeRouting: plainReadServer(deps),
    });
    const origin = `http://127.0.0.1:${server.port}`;
    return Promise.resolve({
      driver: "bun-serve",
      node,
      send: (path, init) => fetch(`${origin}${path}`, { ...init, redirect: "manual" }),
      close: () => server.stop(),
    });
  },
};

/**
 * The compiled `dist/cairn` as a real process on loopback, one fresh process and data dir per
 * test, with the suite's limits passed as flags. It has no in-process node, so suites that move
 * a manual clock are skipped for it.
 */
export const binaryDriver: HttpDriver = {
  name: "binary",
  hasNode: false,
  open: async (limits) => {
    const limitArgs = (Object.keys(limits) as (keyof Limits)[]).flatMap((key) =>
      limits[key] === defaultLimits[key] ? [] : [`--${limitFlagNames[key]}`, String(limits[key])],
    );
    // The same member name as the in-process fixture, so identity assertions hold for both.
    const server = await startServer({ name: "n0", extraArgs: limitArgs });
    return {
      driver: "binary",
      node: null,
      send: (path, init) => fetch(`${server.clientUrl}${path}`, { ...init, redirect: "manual" }),
      close: async () => {
        await server.stop("SIGKILL");
        removeDir(server.dataDir);
      },
    };
  },
};

/** The drivers every suite runs with. */
export const drivers: readonly HttpDriver[] = [inProcessDriver, socketDriver, binaryDriver];

/** Options of a matrix suite. */
export interface MatrixOptions {
  /** The suite needs `target.node` (manual clock, member inspection). */
  readonly needsNode?: boolean;
  readonly limits?: Limits;
  /** Restricts the suite to these drivers (for behaviour only one driver can provoke). */
  readonly drivers?: readonly HttpDriver[];
}

/**
 * Declares `body` once per driver; `target()` returns the current test's fresh target.
 */
export function describeMatrix(
  title: string,
  body: (target: () => HttpTarget) => void,
  options: MatrixOptions = {},
): void {
  for (const driver of options.drivers ?? drivers) {
    const skip = options.needsNode === true && !driver.hasNode;
    (skip ? describe.skip : describe)(`${title} [${driver.name}]`, () => {
      let current: HttpTarget | null = null;
      beforeEach(async () => {
        current = await driver.open(options.limits ?? defaultLimits);
      });
      afterEach(async () => {
        await current?.close();
        current = null;
      });
      body(() => {
        if (current === null) throw new Error("No target: target() called outside a test");
        return current;
      });
    });
  }
}

/**
 * The target's member; throws for drivers without one (suites needing it set `needsNode`).
 */
export function nodeOf(target: HttpTarget): MemoryNode {
  if (target.node === null) throw new Error(`Driver ${target.driver} has no in-process node`);
  return target.node;
}
