/**
 * @module
 * The error a WAL that cannot be trusted raises. It is never repaired automatically: only a torn
 * tail of the last segment (data written after the last fsync) may be dropped.
 */

/** The WAL is damaged before its tail (or its segments do not chain); open() refuses it. */
export class WalCorruptionError extends Error {
  override readonly name = "WalCorruptionError";
  /** The damaged segment file. */
  readonly file: string;
  /** Byte offset of the damaged record within `file`. */
  readonly offset: number;

  /**
   * @param options.problem what is wrong with the record, as a predicate ("fails its checksum").
   */
  constructor(options: { file: string; offset: number; problem: string }) {
    super(
      `Cannot open WAL: record at ${options.file}:${options.offset} ${options.problem}; ` +
        "the data dir is damaged (restore this member from a backup, or remove it and " +
        "add it back to the cluster as a new member)",
    );
    this.file = options.file;
    this.offset = options.offset;
  }
}
