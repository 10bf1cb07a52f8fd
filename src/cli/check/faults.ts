/**
 * @module
 * The `--faults` command: a shell command run alongside the workload in its own process group,
 * its output shown line by line with a `[faults]` prefix, and stopped when the workload ends —
 * SIGTERM to its process group (by the id of the group it leads), then SIGKILL if it has not
 * exited within a grace period.
 */
import type { CliIo } from "../io.ts";

/** How the fault command ended. */
export interface FaultsOutcome {
  readonly command: string;
  /** Its exit status, or null when a signal ended it. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** True when it was still running at the end of the workload and had to be stopped. */
  readonly stopped: boolean;
}

/** A running fault command. */
export interface FaultsProcess {
  /** Stops the command if it is still running and waits for it and its output. */
  stop(): Promise<FaultsOutcome>;
}

/** How long the command gets to exit after SIGTERM before SIGKILL. */
const gracePeriodMs = 2000;

/** How long to wait for the rest of the command's output once it has exited. */
const outputDrainMs = 1000;

/**
 * Starts `command` with `/bin/sh -c`. Its environment is the process's plus
 * `CAIRN_CHECK_ENDPOINTS` (the comma-separated endpoint list).
 */
export function startFaults(
  command: string,
  io: CliIo,
  endpoints: readonly string[],
): FaultsProcess {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(io.env)) {
    if (value !== undefined) environment[name] = value;
  }
  environment["CAIRN_CHECK_ENDPOINTS"] = endpoints.join(",");
  const child = Bun.spawn(["/bin/sh", "-c", command], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: environment,
    detached: true,
  });
  const output = Promise.all([
    forwardLines(child.stdout, (line) => io.stderr(`[faults] ${line}`)),
    forwardLines(child.stderr, (line) => io.stderr(`[faults] ${line}`)),
  ]);
  return {
    stop: async () => {
      const running = child.exitCode === null && child.signalCode === null;
      if (running) {
        signalGroup(child.pid, "SIGTERM");
        const exited = await within(child.exited, gracePeriodMs);
        if (!exited) signalGroup(child.pid, "SIGKILL");
      }
      await child.exited;
      await within(output, outputDrainMs);
      const signal = child.signalCode === null ? null : String(child.signalCode);
      return { command, exitCode: child.exitCode, signal, stopped: running };
    },
  };
}

// --- internal ---

/** Signals the process group the command leads, falling back to the process alone. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // It has exited already.
    }
  }
}

async function within(promise: Promise<unknown>, milliseconds: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), milliseconds);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function forwardLines(
  stream: ReadableStream<Uint8Array>,
  write: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) write(line);
  }
  pending += decoder.decode();
  if (pending !== "") write(pending);
}
