/**
 * @module
 * The composition root: the only code that touches `process`, the environment and exit codes.
 * The server is wired in here once it is assembled; until then `serve` fails clearly.
 */
import type { Config } from "./config.ts";
import { runCli } from "./cli/index.ts";

async function serve(_config: Config): Promise<void> {
  throw new Error("Cannot start the server: server not assembled yet");
}

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
