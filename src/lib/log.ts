/**
 * @module
 * Structured logging: one JSON object a line. Cores emit events through an injected `Logger`;
 * only the composition root decides where lines go.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Extra fields of a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Where components report what happened. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface JsonLoggerOptions {
  /** Lines below this level are dropped. */
  level: LogLevel;
  /** Receives each finished line, without the trailing newline. */
  write: (line: string) => void;
  /** Returns the timestamp put on each line. */
  now: () => Date;
}

/** A logger writing JSON lines `{ts, level, event, ...fields}`. */
export function createJsonLogger(options: JsonLoggerOptions, base: LogFields = {}): Logger {
  const threshold = levelRank[options.level];
  const emit = (level: LogLevel, event: string, fields: LogFields | undefined): void => {
    if (levelRank[level] < threshold) return;
    const line = { ts: options.now().toISOString(), level, ...base, event, ...fields };
    options.write(JSON.stringify(line, jsonSafe));
  };
  return {
    debug: (event, fields) => emit("debug", event, fields),
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    child: (fields) => createJsonLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

// --- internal ---

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
