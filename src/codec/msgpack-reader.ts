/**
 * @module
 * Reading back exactly what `MsgpackWriter` writes, for the hot records. Every read checks the
 * bytes it expects; a mismatch (or the end of the data) sets `failed` and returns a placeholder,
 * never throws, so a caller can fall back to msgpackr for anything laid out differently.
 */

/** Reads msgpack values at a moving offset; `failed` turns true at the first mismatch. */
export class MsgpackReader {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  offset: number;
  failed = false;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  get atEnd(): boolean {
    return this.offset === this.bytes.byteLength;
  }

  /** A non-negative integer as `MsgpackWriter.uint` writes it; NaN on a mismatch. */
  uint(): number {
    const view = this.#view;
    const offset = this.offset;
    if (!this.#has(1)) return this.#fail();
    const marker = view.getUint8(offset);
    if (marker < 0x80) {
      this.offset = offset + 1;
      return marker;
    }
    const size = marker === 0xcc ? 1 : marker === 0xcd ? 2 : marker === 0xce ? 4 : marker === 0xcb
      ? 8
      : 0;
    if (size === 0 || !this.#has(1 + size)) return this.#fail();
    this.offset = offset + 1 + size;
    if (size === 1) return view.getUint8(offset + 1);
    if (size === 2) return view.getUint16(offset + 1);
    if (size === 4) return view.getUint32(offset + 1);
    const value = view.getFloat64(offset + 1);
    return Number.isSafeInteger(value) && value >= 0 ? value : this.#fail();
  }

  /** A 64-bit id written as int64 or uint64; -1n on a mismatch. */
  bigint(): bigint {
    if (!this.#has(9)) return this.#failBig();
    const marker = this.#view.getUint8(this.offset);
    let value: bigint;
    if (marker === 0xd3) value = this.#view.getBigInt64(this.offset + 1);
    else if (marker === 0xcf) value = this.#view.getBigUint64(this.offset + 1);
    else return this.#failBig();
    if (value < 0n) return this.#failBig();
    this.offset += 9;
    return value;
  }

  /** Whether the next value is the fixstr `text` (ASCII); consumes it if so. */
  fixString(text: string): boolean {
    const length = text.length;
    if (!this.#has(1 + length) || this.bytes[this.offset] !== (0xa0 | length)) {
      this.#fail();
      return false;
    }
    for (let index = 0; index < length; index++) {
      if (this.bytes[this.offset + 1 + index] !== text.charCodeAt(index)) {
        this.#fail();
        return false;
      }
    }
    this.offset += 1 + length;
    return true;
  }

  /** A binary value's position: its start and length in `bytes`; null on a mismatch. */
  bin(): { readonly start: number; readonly length: number } | null {
    const view = this.#view;
    const offset = this.offset;
    if (!this.#has(2)) return this.#failNull();
    const marker = view.getUint8(offset);
    let header: number;
    let length: number;
    if (marker === 0xc4) {
      header = 2;
      length = view.getUint8(offset + 1);
    } else if (marker === 0xc5 && this.#has(3)) {
      header = 3;
      length = view.getUint16(offset + 1);
    } else if (marker === 0xc6 && this.#has(5)) {
      header = 5;
      length = view.getUint32(offset + 1);
    } else {
      return this.#failNull();
    }
    if (!this.#has(header + length)) return this.#failNull();
    this.offset = offset + header + length;
    return { start: offset + header, length };
  }

  /** Whether the next value is a fixmap header of `count` keys; consumes it if so. */
  fixMapHeader(count: number): boolean {
    if (!this.#has(1) || this.bytes[this.offset] !== (0x80 | count)) {
      this.#fail();
      return false;
    }
    this.offset += 1;
    return true;
  }

  /** An array header's count; -1 on a mismatch. */
  arrayHeader(): number {
    const view = this.#view;
    const offset = this.offset;
    if (!this.#has(1)) return this.#failCount();
    const marker = view.getUint8(offset);
    if (marker >= 0x90 && marker <= 0x9f) {
      this.offset = offset + 1;
      return marker & 0x0f;
    }
    if (marker === 0xdc && this.#has(3)) {
      this.offset = offset + 3;
      return view.getUint16(offset + 1);
    }
    if (marker === 0xdd && this.#has(5)) {
      this.offset = offset + 5;
      return view.getUint32(offset + 1);
    }
    return this.#failCount();
  }

  // --- internal ---

  #has(bytes: number): boolean {
    return !this.failed && this.offset + bytes <= this.bytes.byteLength;
  }

  #fail(): number {
    this.failed = true;
    return Number.NaN;
  }

  #failBig(): bigint {
    this.failed = true;
    return -1n;
  }

  #failNull(): null {
    this.failed = true;
    return null;
  }

  #failCount(): number {
    this.failed = true;
    return -1;
  }
}
