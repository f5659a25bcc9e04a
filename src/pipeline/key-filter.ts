/**
 * An in-memory set of 64-bit key hashes per generated file: the run's fast path in front of the
 * scratch SQLite fingerprint database.
 *
 * - "not in the filter" is exact: every key written is added, so a key the filter has never seen
 *   is new (uniqueness: no SQLite round trip) or missing (a reference that resolves to nothing).
 * - "in the filter" is exact up to a 64-bit hash collision (≈ keys / 2⁶⁴ per lookup, ~10⁻¹³ at
 *   1.5 M keys): uniqueness confirms it in SQLite anyway; a reference check accepts it.
 *
 * Memory is 8 bytes per slot in typed arrays (no per-key objects for the GC): ~16 MB for the
 * 1.3 M users of a 500 000-student district, and a file's filter is dropped once no later file
 * refers to it. A `narrow` filter (files nothing refers to: only uniqueness is asked) keeps 32
 * bits per slot — 16 MB for 3 M enrollments — and its hits are always confirmed in SQLite.
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
  /** Words per slot: 2 (64-bit hashes) or 1 (narrow: 32-bit, never 0). */
  private readonly width: 1 | 2;

  constructor(options: { readonly narrow?: boolean } = {}) {
    this.width = options.narrow ? 1 : 2;
    this.slots = new Uint32Array(INITIAL_SLOTS * this.width);
    this.mask = INITIAL_SLOTS - 1;
  }

  /** True for a 32-bit filter: `has` and a failed `add` are only hints there. */
  get narrow(): boolean {
    return this.width === 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when its hash was already there (a probable duplicate). */
  add(key: string): boolean {
    hashKey64(key, scratch);
    const inserted = this.width === 2 ? this.insert(scratch[0]!, scratch[1]!) : this.insertNarrow(scratch[0]! || 1);
    if (inserted && this.count > (this.mask + 1) * MAX_LOAD) this.grow();
    return inserted;
  }

  has(key: string): boolean {
    hashKey64(key, scratch);
    if (this.width === 1) return this.hasNarrow(scratch[0]! || 1);
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

  private insertNarrow(a: number): boolean {
    const slots = this.slots;
    let i = a & this.mask;
    for (;;) {
      const x = slots[i]!;
      if (x === 0) {
        slots[i] = a;
        this.count++;
        return true;
      }
      if (x === a) return false;
      i = (i + 1) & this.mask;
    }
  }

  private hasNarrow(a: number): boolean {
    const slots = this.slots;
    let i = a & this.mask;
    for (;;) {
      const x = slots[i]!;
      if (x === 0) return false;
      if (x === a) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.slots = new Uint32Array(size * this.width);
    this.mask = size - 1;
    this.count = 0;
    if (this.width === 1) {
      for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.insertNarrow(old[i]!);
      return;
    }
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a !== 0 || b !== 0) this.insert(a, b);
    }
  }
}
