/**
 * An in-memory set of 64-bit key hashes per generated file: uniqueness and reference checks
 * without asking the fingerprint database (which a worker thread writes meanwhile).
 *
 * - "not in the filter" is exact: every key written is added, so a key the filter has never seen
 *   is new (uniqueness) or missing (a reference that resolves to nothing).
 * - "in the filter" is exact up to a 64-bit hash collision (≈ keys / 2⁶⁴ per lookup, ~10⁻¹³ at
 *   3 M keys). A reference check accepts it; a uniqueness hit is reported as a duplicate and
 *   confirmed against the written fingerprints at the end of the extract (FingerprintDb). Each run
 *   salts the hash differently, so a collision met once is not met again.
 *
 * Memory is 8 bytes per slot in typed arrays (no per-key objects for the GC): 16 MB for the 1.3 M
 * users and 32 MB for the 3.1 M enrollments of a 500 000-student district, and a file's filter is
 * dropped once no later file refers to it and the file is complete.
 */
import { hashKey64 } from './fast-hash.js';

const scratch = new Uint32Array(2);
const INITIAL_SLOTS = 1 << 12;
/** Grow when more than this share of slots is used (linear probing stays short up to ~0.75). */
const MAX_LOAD = 0.75;

export class KeyFilter {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;
  private readonly salt: number;

  /**
   * `expectedKeys` (the file's size at the last delivery) sizes the table at once: no growth by
   * doubling on the way, which briefly holds the old table and the new one.
   */
  constructor(options: { readonly salt?: number; readonly expectedKeys?: number } = {}) {
    this.salt = options.salt ?? 0;
    let slots = INITIAL_SLOTS;
    // Exactly as large as growing to the expected size would make it (a file that grew more grows on).
    while (slots * MAX_LOAD < (options.expectedKeys ?? 0)) slots *= 2;
    this.slots = new Uint32Array(slots * 2);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when its hash was already there (a duplicate, up to a 64-bit collision). */
  add(key: string): boolean {
    hashKey64(key, scratch, this.salt);
    const inserted = this.insert(scratch[0]!, scratch[1]!);
    if (inserted && this.count > (this.mask + 1) * MAX_LOAD) this.grow();
    return inserted;
  }

  has(key: string): boolean {
    hashKey64(key, scratch, this.salt);
    const a = scratch[0]!;
    const b = scratch[1]!;
    const slots = this.slots;
    let i = a & this.mask;
    for (;;) {
      const x = slots[i * 2]!;
      const y = slots[i * 2 + 1]!;
      if (x === 0 && y === 0) return false;
      if (x === a && y === b) return true;
      i = (i + 1) & this.mask;
    }
  }

  private insert(a: number, b: number): boolean {
    const slots = this.slots;
    let i = a & this.mask;
    for (;;) {
      const x = slots[i * 2]!;
      const y = slots[i * 2 + 1]!;
      if (x === 0 && y === 0) {
        slots[i * 2] = a;
        slots[i * 2 + 1] = b;
        this.count++;
        return true;
      }
      if (x === a && y === b) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.slots = new Uint32Array(size * 2);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a !== 0 || b !== 0) this.insert(a, b);
    }
  }
}
