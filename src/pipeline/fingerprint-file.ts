/**
 * A delivery's fingerprints as one binary file (`fingerprints/<destination>.fp`; a run's own in its
 * run folder until it is delivered): per generated file, every record's 64-bit key hash and 64-bit
 * row hash, sorted by key hash, and the record keys themselves (the sourcedIds a delta delivery's
 * `tobedeleted` rows and the hold review's removed samples need; never row values, never SIS origins).
 *
 * Layout (little-endian):
 *   "RSFP" · u32 version
 *   per file: hashes  count × 5 u32 (keyA, keyB, rowA, rowB, key index), sorted by (keyA, keyB) unsigned
 *             keys    UTF-8, concatenated in key-index order
 *             offsets (keys + 1) × u32 byte offsets into the keys
 *   directory JSON { salt, files: [{ name, count, keys, at, keyBytes, composite }] } · u32 its length · "RSFP"
 * Loading a generated file reads its hash section only (20 bytes per record); keys are read from
 * disk by position when asked for (samples, removed keys, a data-privacy lookup). Key hashes are
 * salted per file (`salt`), so two keys that collide are not bound to collide again after a resalt.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

export const FINGERPRINT_FILE_VERSION = 3;
const MAGIC = Buffer.from('RSFP', 'latin1');
/** Words per record in a hash section: key hash (2), row hash (2), key index (1). */
export const WORDS = 5;
/** sortRecordsInPlace's first pass: at most 2^18 buckets (two 1 MiB count arrays), a dozen records each at 3 M records. */
const MAX_RADIX_BITS = 18;

export class FingerprintFileError extends Error {
  override name = 'FingerprintFileError';
}

export interface FileSection {
  readonly name: string;
  /** Records (hash entries). */
  readonly count: number;
  /** Keys in the key blob (≥ count: a key written and then left out stays unreferenced). */
  readonly keys: number;
  /** Byte position of the hash section; keys and their offsets follow it. */
  readonly at: number;
  readonly keyBytes: number;
  /** Some key has U+001F (parts of a composite key): the data-privacy lookup also matches parts. */
  readonly composite: boolean;
}

interface Directory {
  readonly salt: number;
  readonly files: readonly FileSection[];
}

/** The permutation that sorts records (WORDS u32 each, key hash in words 0–1) by key hash, unsigned: a radix sort on word 0, then ties by word 1. */
export function sortByKeyHash(h: Uint32Array, count: number): Uint32Array {
  let order = new Uint32Array(count);
  let next = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const counts = new Uint32Array(65_537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < count; i++) counts[((h[order[i]! * WORDS]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d < 65_537; d++) counts[d]! += counts[d - 1]!;
    for (let i = 0; i < count; i++) {
      const r = order[i]!;
      next[counts[(h[r * WORDS]! >>> shift) & 0xffff]!++] = r;
    }
    [order, next] = [next, order];
  }
  // Equal high words (rare: ~n²/2³³ pairs) are ordered by the low word.
  for (let i = 1; i < count; i++) {
    const r = order[i]!;
    const a = h[r * WORDS]!;
    const b = h[r * WORDS + 1]!;
    let j = i - 1;
    while (j >= 0 && h[order[j]! * WORDS]! === a && h[order[j]! * WORDS + 1]! > b) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = r;
  }
  return order;
}

/**
 * Sorts records (WORDS u32 each) in place by key hash (words 0–1, unsigned), equal key hashes by
 * word 4: the order sortByKeyHash + permute give when word 4 is each record's position (a run's own
 * records, numbered as written), without their copies (8 + 20 bytes per record). An MSD radix on the
 * high bits of word 0 moves the records into their buckets by in-place cycles ("American flag sort"),
 * then an insertion sort orders each bucket (a few records).
 */
export function sortRecordsInPlace(h: Uint32Array, count: number): void {
  if (count < 2) return;
  const bits = Math.min(MAX_RADIX_BITS, 31 - Math.clz32(count));
  const shift = 32 - bits;
  const buckets = 1 << bits;
  const heads = new Uint32Array(buckets);
  const ends = new Uint32Array(buckets);
  for (let i = 0; i < count; i++) ends[h[i * WORDS]! >>> shift]!++;
  let sum = 0;
  for (let b = 0; b < buckets; b++) {
    heads[b] = sum;
    sum += ends[b]!;
    ends[b] = sum;
  }
  for (let b = 0; b < buckets; b++) {
    const end = ends[b]!;
    for (let i = heads[b]!; i < end; i = heads[b]!) {
      const at = i * WORDS;
      let d = h[at]! >>> shift;
      if (d === b) {
        heads[b] = i + 1;
        continue;
      }
      // Carry record i along its cycle: each step drops it into its bucket's next free slot and picks up the record there.
      let c0 = h[at]!;
      let c1 = h[at + 1]!;
      let c2 = h[at + 2]!;
      let c3 = h[at + 3]!;
      let c4 = h[at + 4]!;
      while (d !== b) {
        const o = heads[d]!++ * WORDS;
        const t0 = h[o]!;
        const t1 = h[o + 1]!;
        const t2 = h[o + 2]!;
        const t3 = h[o + 3]!;
        const t4 = h[o + 4]!;
        h[o] = c0;
        h[o + 1] = c1;
        h[o + 2] = c2;
        h[o + 3] = c3;
        h[o + 4] = c4;
        c0 = t0;
        c1 = t1;
        c2 = t2;
        c3 = t3;
        c4 = t4;
        d = c0 >>> shift;
      }
      h[at] = c0;
      h[at + 1] = c1;
      h[at + 2] = c2;
      h[at + 3] = c3;
      h[at + 4] = c4;
      heads[b] = i + 1;
    }
  }
  // Each bucket (records sharing word 0's high bits) by (word 0, word 1, word 4).
  let start = 0;
  for (let b = 0; b < buckets; b++) {
    const end = ends[b]!;
    for (let i = start + 1; i < end; i++) {
      const at = i * WORDS;
      const c0 = h[at]!;
      const c1 = h[at + 1]!;
      const c4 = h[at + 4]!;
      let j = i - 1;
      let o = j * WORDS;
      if (!(h[o]! > c0 || (h[o] === c0 && (h[o + 1]! > c1 || (h[o + 1] === c1 && h[o + 4]! > c4))))) continue;
      const c2 = h[at + 2]!;
      const c3 = h[at + 3]!;
      do {
        h.copyWithin(o + WORDS, o, o + WORDS);
        j--;
        o -= WORDS;
      } while (j >= start && (h[o]! > c0 || (h[o] === c0 && (h[o + 1]! > c1 || (h[o + 1] === c1 && h[o + 4]! > c4)))));
      o += WORDS;
      h[o] = c0;
      h[o + 1] = c1;
      h[o + 2] = c2;
      h[o + 3] = c3;
      h[o + 4] = c4;
    }
    start = end;
  }
}

/** The records of `h` in the order `order` gives (a new, sorted hash section). */
export function permute(h: Uint32Array, order: Uint32Array): Uint32Array {
  const out = new Uint32Array(order.length * WORDS);
  for (let i = 0; i < order.length; i++) out.set(h.subarray(order[i]! * WORDS, order[i]! * WORDS + WORDS), i * WORDS);
  return out;
}

/** The position of key hash (a, b) in a sorted hash section, or -1. */
export function findKeyHash(h: Uint32Array, count: number, a: number, b: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = h[mid * WORDS]!;
    const y = h[mid * WORDS + 1]!;
    if (x === a && y === b) return mid;
    if (x < a || (x === a && y < b)) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** A key blob to write: its offsets, and its bytes copied out chunk by chunk. */
export interface KeyBlob {
  /** (keys + 1) byte offsets. */
  readonly offsets: Uint32Array;
  copy(write: (chunk: Buffer) => void): void;
}

/** A key blob from strings (keys kept from a previous delivery, converted files). */
export function keyBlobOf(keys: readonly string[]): KeyBlob {
  const buffers = keys.map((k) => Buffer.from(k, 'utf8'));
  const offsets = new Uint32Array(keys.length + 1);
  buffers.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
  return { offsets, copy: (write) => buffers.length && write(Buffer.concat(buffers)) };
}

/** Writes a fingerprint file section by section. */
export class FingerprintFileWriter {
  private readonly fd: number;
  private position = 0;
  private readonly files: FileSection[] = [];

  constructor(
    readonly path: string,
    private readonly salt: number,
  ) {
    this.fd = openSync(path, 'w', 0o600);
    const head = Buffer.alloc(8);
    MAGIC.copy(head, 0);
    head.writeUInt32LE(FINGERPRINT_FILE_VERSION, 4);
    this.write(head);
  }

  /** One generated file: its hash section already sorted (count × WORDS u32), and the keys its entries index. */
  addFile(name: string, sorted: Uint32Array, count: number, keys: KeyBlob): void {
    const at = this.position;
    this.write(Buffer.from(sorted.buffer, sorted.byteOffset, count * WORDS * 4));
    let composite = false;
    const start = this.position;
    keys.copy((chunk) => {
      if (!composite && chunk.includes(0x1f)) composite = true;
      this.write(chunk);
    });
    const keyBytes = this.position - start;
    if (keyBytes !== keys.offsets[keys.offsets.length - 1]) throw new FingerprintFileError(`Internal: ${name}'s keys are ${keyBytes} bytes, their offsets say ${keys.offsets[keys.offsets.length - 1]}.`);
    this.write(Buffer.from(keys.offsets.buffer, keys.offsets.byteOffset, keys.offsets.byteLength));
    this.files.push({ name, count, keys: keys.offsets.length - 1, at, keyBytes, composite });
  }

  /** A file's section copied as it is from another fingerprint file of the same salt (a file worker's), chunk by chunk: never held in memory whole. */
  copyFile(from: FingerprintFile, name: string): void {
    if (from.salt !== this.salt) throw new FingerprintFileError(`Internal: ${name} is copied from ${from.path}, whose key hashes have another salt.`);
    const raw = from.rawSection(name);
    if (!raw) {
      this.addFile(name, new Uint32Array(0), 0, keyBlobOf([]));
      return;
    }
    const at = this.position;
    raw.copy((chunk) => this.write(chunk));
    const { count, keys, keyBytes, composite } = raw.section;
    this.files.push({ name, count, keys, at, keyBytes, composite });
  }

  /** Writes the directory, flushes to disk and closes. */
  finish(): void {
    const json = Buffer.from(JSON.stringify({ salt: this.salt, files: this.files } satisfies Directory), 'utf8');
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(json.length, 0);
    MAGIC.copy(tail, 4);
    this.write(json);
    this.write(tail);
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  abort(): void {
    closeSync(this.fd);
  }

  private write(buffer: Buffer): void {
    let done = 0;
    while (done < buffer.length) done += writeSync(this.fd, buffer, done, buffer.length - done, this.position + done);
    this.position += buffer.length;
  }
}

/** A fingerprint file opened for reading: its directory in memory, sections read on demand. */
export class FingerprintFile {
  readonly salt: number;
  private readonly sections: Map<string, FileSection>;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    directory: Directory,
    fd: number,
  ) {
    this.salt = directory.salt;
    this.sections = new Map(directory.files.map((f) => [f.name, f]));
    this.fd = fd;
  }

  /** Opens `path`; throws FingerprintFileError naming the file when it is not a complete version-3 fingerprint file. */
  static open(path: string): FingerprintFile {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(8);
      if (size < 16 || readSync(fd, head, 0, 8, 0) !== 8 || !head.subarray(0, 4).equals(MAGIC)) throw new FingerprintFileError(`${path} is not a RosterSync fingerprint file.`);
      const version = head.readUInt32LE(4);
      if (version !== FINGERPRINT_FILE_VERSION) throw new FingerprintFileError(`${path} is a fingerprint file of version ${version}; this RosterSync reads version ${FINGERPRINT_FILE_VERSION}.`);
      const tail = Buffer.alloc(8);
      readSync(fd, tail, 0, 8, size - 8);
      if (!tail.subarray(4).equals(MAGIC)) throw new FingerprintFileError(`${path} is incomplete (no directory at its end).`);
      const length = tail.readUInt32LE(0);
      const json = Buffer.alloc(length);
      readSync(fd, json, 0, length, size - 8 - length);
      return new FingerprintFile(path, JSON.parse(json.toString('utf8')) as Directory, fd);
    } catch (err) {
      closeSync(fd);
      if (err instanceof FingerprintFileError) throw err;
      throw new FingerprintFileError(`${path} cannot be read as a fingerprint file: ${(err as Error).message}`);
    }
  }

  get files(): string[] {
    return [...this.sections.keys()];
  }

  count(file: string): number {
    return this.sections.get(file)?.count ?? 0;
  }

  isComposite(file: string): boolean {
    return this.sections.get(file)?.composite ?? false;
  }

  /** Keys in `file`'s blob (≥ its records). */
  keyCount(file: string): number {
    return this.sections.get(file)?.keys ?? 0;
  }

  /** `file`'s key blob as it is, for a writer (offsets in memory, bytes copied in chunks). */
  blob(file: string): KeyBlob {
    const s = this.sections.get(file);
    if (!s) return keyBlobOf([]);
    const offsets = new Uint32Array(s.keys + 1);
    this.read(Buffer.from(offsets.buffer), this.offsetsAt(s));
    return {
      offsets,
      copy: (write) => {
        for (let at = 0; at < s.keyBytes; at += 1 << 20) {
          const chunk = Buffer.alloc(Math.min(1 << 20, s.keyBytes - at));
          this.read(chunk, this.keysAt(s) + at);
          write(chunk);
        }
      },
    };
  }

  /** The file's hash section (count × WORDS u32, sorted by key hash); empty for a file the delivery did not have. */
  hashes(file: string): Uint32Array {
    const s = this.sections.get(file);
    if (!s) return new Uint32Array(0);
    const h = new Uint32Array(s.count * WORDS);
    this.read(Buffer.from(h.buffer), s.at);
    return h;
  }

  /** Records [from, from + target.length / WORDS) of `file`'s hash section (sorted by key hash) read into `target`: the part filled. */
  readHashes(file: string, from: number, target: Uint32Array): Uint32Array {
    const s = this.section(file);
    const view = target.subarray(0, Math.max(0, Math.min(Math.floor(target.length / WORDS), s.count - from)) * WORDS);
    if (view.length) this.read(Buffer.from(view.buffer, view.byteOffset, view.byteLength), s.at + from * WORDS * 4);
    return view;
  }

  /** `file`'s section as it is on disk (hashes, keys, key offsets), for FingerprintFileWriter.copyFile: its directory entry and its bytes in chunks of 1 MiB. */
  rawSection(file: string): { readonly section: FileSection; copy(write: (chunk: Buffer) => void): void } | undefined {
    const s = this.sections.get(file);
    if (!s) return undefined;
    const end = this.offsetsAt(s) + (s.keys + 1) * 4;
    return {
      section: s,
      copy: (write) => {
        const chunk = Buffer.allocUnsafe(Math.min(1 << 20, end - s.at));
        for (let at = s.at; at < end; at += chunk.length) {
          const part = chunk.subarray(0, Math.min(chunk.length, end - at));
          this.read(part, at);
          write(part);
        }
      },
    };
  }

  /** The key at `index` of `file`'s key blob (a hash entry's word 4). */
  keyAt(file: string, index: number): string {
    const s = this.section(file);
    const bounds = Buffer.alloc(8);
    this.read(bounds, this.offsetsAt(s) + index * 4);
    const start = bounds.readUInt32LE(0);
    const key = Buffer.alloc(bounds.readUInt32LE(4) - start);
    this.read(key, this.keysAt(s) + start);
    return key.toString('utf8');
  }

  /** Every key of `file`'s blob with its index, in index order, read in chunks of about 1 MiB. */
  *keys(file: string): Generator<{ index: number; key: string }> {
    const s = this.sections.get(file);
    if (!s || s.keys === 0) return;
    const offsets = new Uint32Array(s.keys + 1);
    this.read(Buffer.from(offsets.buffer), this.offsetsAt(s));
    let index = 0;
    while (index < s.keys) {
      let end = index + 1;
      while (end < s.keys && offsets[end + 1]! - offsets[index]! <= 1 << 20) end++;
      const chunk = Buffer.alloc(offsets[end]! - offsets[index]!);
      this.read(chunk, this.keysAt(s) + offsets[index]!);
      for (let i = index; i < end; i++) yield { index: i, key: chunk.toString('utf8', offsets[i]! - offsets[index]!, offsets[i + 1]! - offsets[index]!) };
      index = end;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private section(file: string): FileSection {
    const s = this.sections.get(file);
    if (!s) throw new FingerprintFileError(`${this.path} has no records of ${file}.`);
    return s;
  }

  private keysAt(s: FileSection): number {
    return s.at + s.count * WORDS * 4;
  }

  private offsetsAt(s: FileSection): number {
    return this.keysAt(s) + s.keyBytes;
  }

  private read(target: Buffer, position: number): void {
    if (this.fd === undefined) throw new FingerprintFileError(`${this.path} is closed.`);
    let done = 0;
    while (done < target.length) {
      const n = readSync(this.fd, target, done, target.length - done, position + done);
      if (n === 0) throw new FingerprintFileError(`${this.path} ends early (truncated).`);
      done += n;
    }
  }
}
