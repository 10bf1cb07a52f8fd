/**
 * @module
 * The `--faults` command: a shell command run alongside the workload, its output shown line by
 * line with a `[faults]` prefix, and stopped by its PID when the workload ends — SIGTERM, then
 * SIGKILL if it has not exited within a grace period. Only the shell is signalled: members it
 * restarted in the background keep running (a script that wants to clean up traps TERM).
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
  /** Resolves with the exit status (null after a signal) when the command exits. */
  readonly exited: Promise<number | null>;
  /** Stops the command if it is still running and waits for it and its output. */
  stop(): Promise<FaultsOutcome>;
}

/** How long the command gets to exit after SIGTERM before SIGKILL. */
const gracePeriodMs = 2000;

/**
 * How long to wait for the rest of the output once the command has exited; a background child
 * that inherited the pipes may hold them open, so reading is then cancelled.
 */
const outputDrainMs = 500;

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
  });
  const readers = [child.stdout.getReader(), child.stderr.getReader()];
  const output = Promise.all(
    readers.map((reader) => forwardLines(reader, (line) => io.stderr(`[faults] ${line}`))),
  );
  return {
    exited: child.exited.then(() => child.exitCode),
    stop: async () => {
      const running = child.exitCode === null && child.signalCode === null;
      if (running) {
        signal(child.pid, "SIGTERM");
        if (!(await within(child.exited, gracePeriodMs))) signal(child.pid, "SIGKILL");
      }
      await child.exited;
      if (!(await within(output, outputDrainMs))) {
        await Promise.all(readers.map((reader) => reader.cancel().catch(() => undefined)));
        await within(output, outputDrainMs);
      }
      const ended = child.signalCode === null ? null : String(child.signalCode);
      return { command, exitCode: child.exitCode, signal: ended, stopped: running };
    },
  };
}

// --- internal ---

/** What is used of a stream reader (Bun's and the DOM's reader types differ). */
interface ByteReader {
  read(): Promise<{ readonly done: boolean; readonly value?: Uint8Array | undefined }>;
  cancel(): Promise<void>;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // It has exited already.
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
  reader: ByteReader,
  write: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || value === undefined) break;
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) write(line);
    }
  } catch {
    // Reading was cancelled.
  }
  pending += decoder.decode();
  if (pending !== "") write(pending);
}
