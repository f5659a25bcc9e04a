/**
 * Small deterministic randomness for the synthetic district. No `Math.random`: every value comes
 * from a mulberry32 stream seeded by a hash of (district seed, aspect salt, record index), so any
 * record can be regenerated on its own, in any order, without holding the others in memory.
 */

/** A 32-bit integer hash of several integers (murmur3-style finaliser per part). */
export function hash32(...parts: readonly number[]): number {
  let h = 0x811c9dc5 | 0;
  for (const part of parts) {
    // Split into two 32-bit halves so indexes above 2^32 still differ.
    const lo = part | 0;
    const hi = Math.floor(part / 4294967296) | 0;
    h = mix(h ^ lo);
    h = mix(h ^ hi ^ 0x9e3779b9);
  }
  return h >>> 0;
}

function mix(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** mulberry32: a tiny, fast PRNG with a 32-bit state; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Convenience wrapper around one mulberry32 stream. */
export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A stream for one aspect of one record. */
  static for(seed: number, salt: number, index: number): Rng {
    return new Rng(hash32(seed, salt, index));
  }

  float(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi] inclusive. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Picks by weight: `[[value, weight], …]` (weights need not sum to 1). Indexed loops: this is on the hot path. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (let k = 0; k < choices.length; k++) total += (choices[k] as readonly [T, number])[1];
    let x = this.next() * total;
    for (let k = 0; k < choices.length; k++) {
      const choice = choices[k] as readonly [T, number];
      x -= choice[1];
      if (x < 0) return choice[0];
    }
    return (choices[choices.length - 1] as readonly [T, number])[0];
  }
}

/** A uniform float in [0, 1) for one (seed, salt, index), without building a stream. */
export function unit(seed: number, salt: number, index: number): number {
  return hash32(seed, salt, index) / 4294967296;
}
