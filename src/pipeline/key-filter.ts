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
  /** One byte per slot (a person role code, see reference-roles.ts) when the filter is tagged. */
  private tags: Uint8Array | undefined;
  private mask: number;
  private count = 0;
  private readonly salt: number;

  /**
   * `expectedKeys` (the file's size at the last delivery) sizes the table at once: no growth by
   * doubling on the way, which briefly holds the old table and the new one. `tagged` keeps one
   * byte per slot beside each key (1 byte more per slot).
   */
  constructor(options: { readonly salt?: number; readonly expectedKeys?: number; readonly tagged?: boolean } = {}) {
    this.salt = options.salt ?? 0;
    let slots = INITIAL_SLOTS;
    // Exactly as large as growing to the expected size would make it (a file that grew more grows on).
    while (slots * MAX_LOAD < (options.expectedKeys ?? 0)) slots *= 2;
    this.slots = new Uint32Array(slots * 2);
    if (options.tagged) this.tags = new Uint8Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the key (with `tag` in a tagged filter); false when its hash was already there (a duplicate, up to a 64-bit collision). */
  add(key: string, tag = 0): boolean {
    hashKey64(key, scratch, this.salt);
    const inserted = this.insert(scratch[0]!, scratch[1]!, tag);
    if (inserted && this.count > (this.mask + 1) * MAX_LOAD) this.grow();
    return inserted;
  }

  /** add() for a key already hashed with this filter's salt (keyHash): the caller keeps the hash. */
  addHash(a: number, b: number, tag = 0): boolean {
    const inserted = this.insert(a, b, tag);
    if (inserted && this.count > (this.mask + 1) * MAX_LOAD) this.grow();
    return inserted;
  }

  has(key: string): boolean {
    hashKey64(key, scratch, this.salt);
    return this.find(scratch[0]!, scratch[1]!) >= 0;
  }

  /** The tag stored with the key, or -1 when the key is not in the filter. */
  tagOf(key: string): number {
    hashKey64(key, scratch, this.salt);
    return this.tagOfPair(scratch[0]!, scratch[1]!);
  }

  tagOfHash(hash: KeyHash): number {
    return this.tagOfPair(hash.a, hash.b);
  }

  /** tagOfHash for a hash kept as its two halves (no object per lookup). */
  tagOfPair(a: number, b: number): number {
    const i = this.find(a, b);
    return i < 0 ? -1 : this.tags === undefined ? 0 : this.tags[i]!;
  }

  /** Removes a key (a row left out after it was written); false when it was not there. */
  removeHash(hash: KeyHash): boolean {
    let i = this.find(hash.a, hash.b);
    if (i < 0) return false;
    const slots = this.slots;
    const mask = this.mask;
    // Backward-shift deletion keeps every other key reachable from its home slot (no tombstones).
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const x = slots[j * 2]!;
      const y = slots[j * 2 + 1]!;
      if (x === 0 && y === 0) break;
      const home = x & mask;
      // The key at j may move to i only if its home is not cyclically within (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      slots[i * 2] = x;
      slots[i * 2 + 1] = y;
      if (this.tags) this.tags[i] = this.tags[j]!;
      i = j;
    }
    slots[i * 2] = 0;
    slots[i * 2 + 1] = 0;
    if (this.tags) this.tags[i] = 0;
    this.count--;
    return true;
  }

  /** Every key hash held, as (a, b) pairs. */
  hashes(): Uint32Array {
    const out = new Uint32Array(this.count * 2);
    const slots = this.slots;
    let n = 0;
    for (let i = 0; i < slots.length; i += 2) {
      if (slots[i] === 0 && slots[i + 1] === 0) continue;
      out[n++] = slots[i]!;
      out[n++] = slots[i + 1]!;
    }
    return out;
  }

  /** The slot holding the hash, or -1. */
  private find(a: number, b: number): number {
    const slots = this.slots;
    let i = a & this.mask;
    for (;;) {
      const x = slots[i * 2]!;
      const y = slots[i * 2 + 1]!;
      if (x === 0 && y === 0) return -1;
      if (x === a && y === b) return i;
      i = (i + 1) & this.mask;
    }
  }

  private insert(a: number, b: number, tag: number): boolean {
    const slots = this.slots;
    let i = a & this.mask;
    for (;;) {
      const x = slots[i * 2]!;
      const y = slots[i * 2 + 1]!;
      if (x === 0 && y === 0) {
        slots[i * 2] = a;
        slots[i * 2 + 1] = b;
        if (this.tags) this.tags[i] = tag;
        this.count++;
        return true;
      }
      if (x === a && y === b) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const oldTags = this.tags;
    const size = (this.mask + 1) * 2;
    this.slots = new Uint32Array(size * 2);
    if (oldTags) this.tags = new Uint8Array(size);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a !== 0 || b !== 0) this.insert(a, b, oldTags?.[i / 2] ?? 0);
    }
  }
}

/** A key's salted 64-bit hash (two 32-bit halves), as a KeyFilter with that salt stores it: for callers that keep hashes instead of keys. */
export interface KeyHash {
  readonly a: number;
  readonly b: number;
}

export function keyHash(key: string, salt: number): KeyHash {
  hashKey64(key, scratch, salt);
  return { a: scratch[0]!, b: scratch[1]! };
}
