/**
 * @module
 * Small deterministic 32-bit hashes for the simulator's ghost state: chain hashes over log
 * entries, state-machine digests and the trace hash. Collisions are possible in principle
 * (2^-32 per comparison) but never make a correct run fail, only hide a rare bug.
 */

/** Folds one 32-bit value into `hash` (a murmur3-style mix). */
export function mixHash(hash: number, value: number): number {
  let k = Math.imul(value | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = (hash ^ k) | 0;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Finalizes a hash so nearby inputs give distant outputs. */
export function finishHash(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Folds the bytes of `data` into `hash`. */
export function hashBytes(hash: number, data: Uint8Array): number {
  let h = mixHash(hash, data.byteLength);
  for (let position = 0; position < data.byteLength; position++) {
    h = mixHash(h, data[position] as number);
  }
  return h;
}

/** Folds the UTF-16 code units of `text` into `hash`. */
export function hashText(hash: number, text: string): number {
  let h = mixHash(hash, text.length);
  for (let position = 0; position < text.length; position++) {
    h = mixHash(h, text.charCodeAt(position));
  }
  return h;
}

/** The log chain hash h[i] = H(h[i-1], term, type, data) (RAFT.md §3, Log Matching in O(1)). */
export function chainHash(previous: number, term: number, type: number, data: Uint8Array): number {
  return finishHash(hashBytes(mixHash(mixHash(previous, term), type), data));
}
