/**
 * @module
 * What the commands need from the process, injected so that they run in tests without one.
 */

/** The process as the commands see it. */
export interface CliIo {
  /** Writes one line (a newline is added) to standard output. */
  stdout(text: string): void;
  /** Writes one line (a newline is added) to standard error. */
  stderr(text: string): void;
  /** The environment, read for `CAIRN_*` and `ETCD_*` settings. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** CPU time used by this process so far, in milliseconds. */
  cpuTimeMs(): number;
}
