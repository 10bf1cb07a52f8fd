/**
 * @module
 * The composition root: the only code that touches `process`, the environment and exit codes.
 * It builds the clock, logger, file system, member and HTTP listeners, and stops them on
 * SIGTERM or SIGINT.
 */
import { cairnVersion, runCli } from "./cli/index.ts";
import type { Config } from "./config.ts";
import { type Listening, createApp, listen, plainReadServer } from "./http/index.ts";
import { allocatorEnvironment } from "./lib/allocator-tuning.ts";
import { systemClock } from "./lib/clock.ts";
import { type Logger, createJsonLogger } from "./lib/log.ts";
import { openMember } from "./server/member.ts";
import { createRealFileSystem } from "./storage/index.ts";

async function serve(config: Config): Promise<void> {
  const logger = createJsonLogger(
    {
      level: config.logLevel,
      write: (line) => process.stderr.write(`${line}\n`),
      now: () => new Date(),
    },
    { member: config.name },
  );
  // A member removed from the cluster stops like one told to: it can never take part again.
  let removed = (): void => {};
  const removal = new Promise<"removed">((resolve) => {
    removed = () => resolve("removed");
  });
  const member = await openMemberOrExit(config, logger, () => removed());
  const httpDeps = { node: member.node, limits: config.limits, logger, version: cairnVersion };
  const app = createApp(httpDeps);
  const beforeRouting = plainReadServer(httpDeps);
  const listeners: Listening[] = config.listenClientUrls.map((url) => {
    const { hostname, port } = new URL(url);
    return listen(app, {
      hostname,
      port: Number(port),
      requestBodyBytesMax: config.limits.requestBodyBytesMax,
      requestsInFlightMax: config.limits.clientConnectionsMax,
      clusterId: member.node.status().clusterId,
      beforeRouting,
    });
  });
  logger.info("serving", { clientUrls: config.listenClientUrls, dataDir: config.dataDir });
  const signal = await Promise.race([
    removal,
    new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    }),
  ]);
  logger.info("stopping", { signal });
  if (signal === "removed") {
    process.stderr.write("cairn: this member was removed from the cluster; stopping for good\n");
  }
  // A leader hands over first, so clients see a new leader at once instead of after an
  // election timeout; it keeps serving while the transfer runs.
  const successor = await member.node.transferLeadership(config.electionTimeoutMs);
  if (successor !== null) logger.info("leadership transferred", { to: successor.toString(16) });
  for (const listener of listeners) await listener.stop();
  await member.close();
}

async function openMemberOrExit(config: Config, logger: Logger, onRemoved: () => void) {
  try {
    return await openMember(config, {
      fs: createRealFileSystem(),
      clock: systemClock(),
      logger,
      onRemoved,
      onFatal: (error) => {
        logger.error("fatal", { error });
        process.stderr.write(`cairn: stopping after a fatal error: ${String(error)}\n`);
        process.exit(1);
      },
    });
  } catch (error) {
    // Expected operating errors (a data dir in use, a damaged WAL) get one clear line.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`cairn: ${message}\n`);
    process.exit(1);
  }
}

/**
 * Starts this binary again, in the same process, with the allocator settings of
 * lib/allocator-tuning.ts when the environment lacks them. Only the compiled executable does
 * so: its arguments are all the user's, so it can be started the same way again. If `execve`
 * fails, cairn runs on with the allocator's defaults, which are only slower.
 */
function reexecuteWithAllocatorSettings(): void {
  if (!import.meta.path.startsWith("/$bunfs/") || process.execve === undefined) return;
  const env = allocatorEnvironment(process.env);
  if (env === null) return;
  try {
    process.execve(process.execPath, [process.execPath, ...process.argv.slice(2)], env);
  } catch {
    // Nothing was replaced; carry on as this process.
  }
}

reexecuteWithAllocatorSettings();
process.exitCode = await runCli(process.argv.slice(2), {
  serve,
  env: process.env,
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  cpuTimeMs: () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  },
});
