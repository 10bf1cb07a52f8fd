/**
 * @module
 * The two ways decoding can fail: bytes that end too early (truncated) and complete bytes that
 * fail their checks (corrupt). Storage treats the first as a torn tail and the second as damage.
 */

/** Complete bytes failed a checksum, a magic number, a version or a shape check. */
export class CorruptionError extends Error {
  override readonly name = "CorruptionError";
  /** Byte offset of the damaged frame within the decoded buffer. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** The bytes end (or turn into zeroed sectors) before a frame is complete. */
export class TruncatedError extends Error {
  override readonly name = "TruncatedError";
  /** Byte offset of the incomplete frame within the decoded buffer. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}
