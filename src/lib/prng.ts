/**
 * @module
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). The only
 * randomness the pure cores may use; the same seed always gives the same sequence.
 */

/** A deterministic source of random numbers. */
export interface Prng {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number;
  /** A float in [0, 1). */
  nextFloat(): number;
  /** An integer in [0, bound). */
  nextInt(bound: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
  /** A new generator whose sequence is independent of this one's later draws. */
  fork(): Prng;
}

/** Creates a generator from a 32-bit seed. */
export function createPrng(seed: number): Prng {
  let splitmixState = seed >>> 0;
  const splitmix = (): number => {
    splitmixState = (splitmixState + 0x9e3779b9) >>> 0;
    let z = splitmixState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return new Xoshiro128([splitmix(), splitmix(), splitmix(), splitmix()]);
}

// --- internal ---

class Xoshiro128 implements Prng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(state: [number, number, number, number]) {
    [this.#s0, this.#s1, this.#s2, this.#s3] = state;
    // An all-zero state would only ever produce zeros.
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#s1 << 9) >>> 0;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3 >>> 0, 11);
    this.#s0 >>>= 0;
    this.#s1 >>>= 0;
    this.#s2 >>>= 0;
    return result;
  }

  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  nextInt(bound: number): number {
    if (!(Number.isInteger(bound) && bound > 0)) {
      throw new RangeError(`Cannot draw an integer below ${bound}: must be a positive integer`);
    }
    return Math.floor(this.nextFloat() * bound);
  }

  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  fork(): Prng {
    return createPrng(this.nextUint32());
  }
}

function rotl(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
