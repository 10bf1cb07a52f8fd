/**
 * @module
 * The one place msgpackr is configured. Plain arrays and maps only (no shared record
 * structures, so every payload decodes on its own); bigint round-trips as 64-bit msgpack ints;
 * binary fields decode as fresh `Uint8Array` copies that never alias the input buffer.
 */
import { Packr } from "msgpackr";

/** Encodes and decodes msgpack payloads with cairn's fixed options. */
export interface MsgpackCodec {
  /** Encodes `value`; the result is a fresh buffer owned by the caller. */
  pack(value: unknown): Uint8Array;
  /**
   * Decodes exactly one value from `bytes`.
   * @throws {Error} when the bytes are not one well-formed msgpack value.
   */
  unpack(bytes: Uint8Array): unknown;
}

/** Creates a codec. Each caller owns its instance: msgpackr keeps per-instance buffers. */
export function createMsgpackCodec(): MsgpackCodec {
  const packr = new Packr({
    useRecords: false,
    mapsAsObjects: true,
    int64AsType: "bigint",
    copyBuffers: true,
    bundleStrings: false,
    variableMapSize: true,
  });
  return {
    pack: (value) => packr.pack(value),
    unpack: (bytes) => {
      // A Node Buffer would make msgpackr return Buffers; a plain view keeps results plain.
      const plain = bytes instanceof Buffer
        ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : bytes;
      return packr.unpack(plain);
    },
  };
}
