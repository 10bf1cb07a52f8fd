/**
 * @module
 * Snapshot streaming, both ends. The sender turns a MsgSnap into a begin frame and chunk frames
 * produced one at a time (so a large snapshot is never copied whole into a queue); the receiver
 * reassembles the chunks and hands back the complete message.
 */
import type { MsgpackCodec } from "../codec/index.ts";
import { assert } from "../lib/assert.ts";
import type { MsgSnap } from "../raft/index.ts";
import { encodeSnapshotBegin, encodeSnapshotChunk, type SnapshotBegin } from "./wire.ts";

/** Produces the frames of one snapshot stream, lazily. */
export class SnapshotFrames {
  readonly message: MsgSnap;
  readonly #chunkBytes: number;
  readonly #frameBytesMax: number;
  readonly #begin: Uint8Array;
  #beginSent = false;
  #offset = 0;

  /**
   * @throws {RangeError} when the begin frame does not fit in `frameBytesMax`.
   * @throws {AssertionError} when a chunk frame could not fit in `frameBytesMax`.
   */
  constructor(
    codec: MsgpackCodec,
    message: MsgSnap,
    options: { readonly chunkBytes: number; readonly frameBytesMax: number },
  ) {
    assert(options.chunkBytes > 0, "snapshot chunkBytes must be positive");
    assert(options.chunkBytes + 64 <= options.frameBytesMax, "a chunk must fit in a frame");
    this.message = message;
    this.#chunkBytes = options.chunkBytes;
    this.#frameBytesMax = options.frameBytesMax;
    this.#begin = encodeSnapshotBegin(codec, message, options.frameBytesMax);
  }

  /** Whether every frame was produced. */
  get done(): boolean {
    return this.#beginSent && this.#offset === this.message.snapshot.data.byteLength;
  }

  /** The next frame, or undefined once done. */
  next(): Uint8Array | undefined {
    if (!this.#beginSent) {
      this.#beginSent = true;
      return this.#begin;
    }
    const data = this.message.snapshot.data;
    if (this.#offset === data.byteLength) return undefined;
    const end = Math.min(data.byteLength, this.#offset + this.#chunkBytes);
    const frame = encodeSnapshotChunk(data.subarray(this.#offset, end), this.#frameBytesMax);
    this.#offset = end;
    assert(this.#offset <= data.byteLength, "snapshot offset must stay within the data");
    return frame;
  }
}

/** The outcome of adding a chunk to an assembly. */
export type SnapshotChunkResult =
  | { readonly status: "partial" }
  | { readonly status: "complete"; readonly message: MsgSnap }
  | { readonly status: "invalid"; readonly reason: string };

/** Reassembles one snapshot stream on the receiving side. */
export class SnapshotAssembly {
  readonly #begin: SnapshotBegin;
  readonly #data: Uint8Array;
  #offset = 0;

  /** @throws {AssertionError} when the declared size exceeds `dataBytesMax`; check first. */
  constructor(begin: SnapshotBegin, dataBytesMax: number) {
    assert(begin.dataBytes <= dataBytesMax, "snapshot data must respect its limit");
    this.#begin = begin;
    this.#data = new Uint8Array(begin.dataBytes);
  }

  /** Whether the begin frame already announced all the data (an empty snapshot). */
  get complete(): boolean {
    return this.#offset === this.#data.byteLength;
  }

  /** The whole message; only once complete. */
  message(): MsgSnap {
    assert(this.complete, "a snapshot is delivered only once complete");
    const snapshot = { ...this.#begin.message.snapshot, data: this.#data };
    return { ...this.#begin.message, snapshot };
  }

  /** Copies one chunk in; the chunk may be reused by the caller afterwards. */
  add(chunk: Uint8Array): SnapshotChunkResult {
    const remaining = this.#data.byteLength - this.#offset;
    if (chunk.byteLength === 0 || chunk.byteLength > remaining) {
      return { status: "invalid", reason: `chunk of ${chunk.byteLength} bytes, ${remaining} left` };
    }
    this.#data.set(chunk, this.#offset);
    this.#offset += chunk.byteLength;
    if (!this.complete) return { status: "partial" };
    return { status: "complete", message: this.message() };
  }
}
