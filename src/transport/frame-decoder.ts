/**
 * @module
 * A streaming decoder for the codec's frames on a byte stream: it accepts reads of any size
 * (partial frames, many frames at once), yields whole CRC-checked frames in order and fails for
 * good on the first damaged or oversized frame, after which the connection must be closed.
 */
import { type Frame, frameHeaderBytes, readFrame } from "../codec/index.ts";
import { assert } from "../lib/assert.ts";

/** What one `push` produced: the frames completed by it, and an error if the stream is bad. */
export interface FrameDecodeResult {
  /**
   * Frames completed by this push, in stream order. Payloads are views into the decoder's
   * buffer and stay valid only until the next `push`.
   */
  readonly frames: readonly Frame[];
  /** Set once the stream held a corrupt or oversized frame; the decoder then stays failed. */
  readonly error?: string;
}

const initialCapacityBytes = 64 * 1024;

/** Reassembles frames from stream reads. One decoder per connection. */
export class FrameDecoder {
  readonly #frameBytesMax: number;
  #buffer = new Uint8Array(initialCapacityBytes);
  #start = 0;
  #end = 0;
  /** Bytes the frame at `#start` occupies once its header was read, else 0. */
  #frameBytesNeeded = 0;
  #error: string | undefined;

  /**
   * @param frameBytesMax the largest frame accepted; a header declaring more fails the stream.
   * @throws {AssertionError} when `frameBytesMax` cannot hold a header.
   */
  constructor(frameBytesMax: number) {
    assert(Number.isSafeInteger(frameBytesMax), "frameBytesMax must be an integer");
    assert(frameBytesMax >= frameHeaderBytes, "frameBytesMax must hold a frame header");
    this.#frameBytesMax = frameBytesMax;
  }

  /** Bytes received but not yet part of a returned frame. */
  get bufferedBytes(): number {
    return this.#end - this.#start;
  }

  /** The error that failed the stream, if any. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Adds the bytes of one read and returns the frames they completed. */
  push(bytes: Uint8Array): FrameDecodeResult {
    if (this.#error !== undefined) return { frames: [], error: this.#error };
    this.#append(bytes);
    const frames: Frame[] = [];
    for (;;) {
      const available = this.#end - this.#start;
      if (available < frameHeaderBytes) break;
      if (this.#frameBytesNeeded > available) break;
      const view = this.#buffer.subarray(this.#start, this.#end);
      const result = readFrame(view, 0, this.#frameBytesMax);
      if (result.status === "ok") {
        frames.push(result.frame);
        this.#start += result.frame.frameBytes;
        this.#frameBytesNeeded = 0;
        continue;
      }
      // A stream has no torn sectors: a frame short of its declared end just needs more bytes,
      // and every other failure (a zeroed header included) is damage.
      const declared = result.status === "truncated" ? result.declaredBytes : undefined;
      if (declared !== undefined && declared > available) {
        this.#frameBytesNeeded = declared;
        break;
      }
      this.#error = result.status === "end" ? "unexpected end" : result.reason;
      return { frames, error: this.#error };
    }
    assert(this.#start <= this.#end, "decoder start must not pass its end");
    return { frames };
  }

  // --- internal ---

  #append(bytes: Uint8Array): void {
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
      if (this.#buffer.byteLength > initialCapacityBytes * 16 && this.#frameBytesNeeded === 0) {
        this.#buffer = new Uint8Array(initialCapacityBytes);
      }
    }
    const wanted = Math.max(this.#frameBytesNeeded, this.#end - this.#start + bytes.byteLength);
    this.#reserve(wanted);
    assert(this.#end + bytes.byteLength <= this.#buffer.byteLength, "append must fit");
    this.#buffer.set(bytes, this.#end);
    this.#end += bytes.byteLength;
  }

  /** Makes room for `bytesTotal` bytes from `#start`, compacting or growing the buffer. */
  #reserve(bytesTotal: number): void {
    if (this.#start + bytesTotal <= this.#buffer.byteLength) return;
    const live = this.#buffer.subarray(this.#start, this.#end);
    if (bytesTotal <= this.#buffer.byteLength) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      const grown = new Uint8Array(Math.max(bytesTotal, this.#buffer.byteLength * 2));
      grown.set(live);
      this.#buffer = grown;
    }
    this.#end -= this.#start;
    this.#start = 0;
    assert(this.#start + bytesTotal <= this.#buffer.byteLength, "reserve must make room");
  }
}
