/**
 * @module
 * The write-ahead log: segmented, CRC-chained, group-committed, torn-tail repairing.
 */
export { WalCorruptionError } from "./errors.ts";
export { type SegmentName, parseSegmentFileName, segmentFileName } from "./segment-name.ts";
export { Wal, type WalContents, type WalOptions } from "./wal.ts";
