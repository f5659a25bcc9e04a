/**
 * fingerprint-file.ts without FingerprintDb: the in-place sort against the sort + permute it replaces,
 * reading a hash section in chunks, and copying a section from another file as it is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FingerprintFile, FingerprintFileError, FingerprintFileWriter, keyBlobOf, permute, sortByKeyHash, sortRecordsInPlace, WORDS } from '../../src/pipeline/fingerprint-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'rs-fpf-'));
  dirs.push(d);
  return d;
};

/** `count` records with random hashes and word 4 = position, some sharing word 0's high bits, word 0, or the whole key hash. */
function records(count: number, seed: number): Uint32Array {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
  const h = new Uint32Array(count * WORDS);
  for (let r = 0; r < count; r++) {
    for (let w = 0; w < 4; w++) h[r * WORDS + w] = next();
    h[r * WORDS + 4] = r;
  }
  for (let n = 0; n < count / 4; n++) {
    const a = next() % count;
    const b = next() % count;
    const kind = n % 4;
    if (kind === 0) h[a * WORDS] = (h[b * WORDS]! & 0xffff0000) | (next() & 0xffff); // same high bits
    else if (kind === 1) h[a * WORDS] = h[b * WORDS]!; // same word 0
    else if (kind === 2) h.copyWithin(a * WORDS, b * WORDS, b * WORDS + 2); // same key hash: word 4 (position) decides
    else h[a * WORDS] = [0, 0xffffffff, 0x80000000][next() % 3]!; // the extremes of unsigned order
  }
  return h;
}

describe('sortRecordsInPlace', () => {
  it('orders records exactly as sortByKeyHash + permute do (unsigned key hash, equal ones in written order)', () => {
    for (const count of [0, 1, 2, 3, 7, 64, 1000, 5000, 70_000]) {
      for (const seed of [1, 2, 3]) {
        const h = records(count, seed * 7919 + count);
        const expected = permute(h, sortByKeyHash(h, count));
        const sorted = h.slice();
        sortRecordsInPlace(sorted, count);
        expect(Buffer.from(sorted.buffer).equals(Buffer.from(expected.buffer)), `${count} records, seed ${seed}`).toBe(true);
      }
    }
  });

  it('sorts only the first `count` records of a larger array and leaves the rest alone', () => {
    const h = records(300, 42);
    const tail = h.slice(200 * WORDS);
    sortRecordsInPlace(h, 200);
    const head = records(300, 42).subarray(0, 200 * WORDS);
    expect([...h.subarray(0, 200 * WORDS)]).toEqual([...permute(head, sortByKeyHash(head, 200))]);
    expect([...h.subarray(200 * WORDS)]).toEqual([...tail]);
  });
});

describe('FingerprintFile sections', () => {
  const write = (path: string, salt: number, files: [string, number][]): void => {
    const writer = new FingerprintFileWriter(path, salt);
    for (const [name, count] of files) {
      const h = records(count, count + 5);
      sortRecordsInPlace(h, count);
      writer.addFile(name, h, count, keyBlobOf(Array.from({ length: count }, (_, i) => (i % 50 === 0 ? `k\u001f${i}` : `key-${i}`))));
    }
    writer.finish();
  };

  it('reads a hash section in chunks: the same records as reading it whole', () => {
    const path = join(tempDir(), 'a.fp');
    write(path, 9, [['a.csv', 1000], ['b.csv', 10]]);
    const f = FingerprintFile.open(path);
    try {
      const whole = f.hashes('a.csv');
      const chunk = new Uint32Array(300 * WORDS);
      const parts: number[] = [];
      for (let from = 0; from < 1000; ) {
        const part = f.readHashes('a.csv', from, chunk);
        expect(part.length).toBe(Math.min(300, 1000 - from) * WORDS);
        parts.push(...part);
        from += part.length / WORDS;
      }
      expect(parts).toEqual([...whole]);
      expect(f.readHashes('a.csv', 1000, chunk)).toHaveLength(0);
      expect(() => f.readHashes('none.csv', 0, chunk)).toThrow(FingerprintFileError);
    } finally {
      f.close();
    }
  });

  it('copies a section from a file of the same salt byte for byte, as adding it again would write it', () => {
    const dir = tempDir();
    const source = join(dir, 'worker.fp');
    write(source, 5, [['enrollments.csv', 2500]]);
    const direct = join(dir, 'direct.fp');
    write(direct, 5, [['orgs.csv', 3], ['enrollments.csv', 2500], ['missing.csv', 0]]);

    const from = FingerprintFile.open(source);
    const copied = join(dir, 'copied.fp');
    const writer = new FingerprintFileWriter(copied, 5);
    const orgs = records(3, 8);
    sortRecordsInPlace(orgs, 3);
    writer.addFile('orgs.csv', orgs, 3, keyBlobOf(['k\u001f0', 'key-1', 'key-2']));
    writer.copyFile(from, 'enrollments.csv');
    writer.copyFile(from, 'missing.csv');
    writer.finish();
    expect(() => new FingerprintFileWriter(join(dir, 'other.fp'), 6).copyFile(from, 'enrollments.csv')).toThrow(/salt/);
    from.close();

    expect(readFileSync(copied).equals(readFileSync(direct))).toBe(true);
    const f = FingerprintFile.open(copied);
    try {
      expect(f.count('enrollments.csv')).toBe(2500);
      expect(f.isComposite('enrollments.csv')).toBe(true);
      expect(f.keyAt('enrollments.csv', 2499)).toBe('key-2499');
    } finally {
      f.close();
    }
  });
});
