/**
 * FingerprintDb with its in-memory key filter and batched inserts: uniqueness, references, diff
 * against a previous delivery, across batch boundaries and after a filter is released.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FingerprintDb, FINGERPRINT_VERSION, hashRow } from '../../src/pipeline/fingerprints.js';
import { KeyFilter } from '../../src/pipeline/key-filter.js';
import { hashKey64, hashValues96 } from '../../src/pipeline/fast-hash.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'rs-fp-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('fast-hash', () => {
  it('is deterministic, 12 bytes, and separates values', () => {
    expect(hashValues96(['a', 'b']).equals(hashValues96(['a', 'b']))).toBe(true);
    expect(hashValues96(['a', 'b'])).toHaveLength(12);
    expect(hashValues96(['ab', 'c']).equals(hashValues96(['a', 'bc']))).toBe(false);
    expect(hashValues96(['ab', '']).equals(hashValues96(['ab']))).toBe(false);
    expect(hashValues96(['']).equals(hashValues96([]))).toBe(true); // both hash nothing: same row width decides elsewhere
    expect(hashRow(['x', 'y']).equals(hashValues96(['x', 'y']))).toBe(true);
  });

  it('has no collisions over 200 000 similar keys (64-bit) and rows (96-bit)', () => {
    const keys = new Set<string>();
    const rows = new Set<string>();
    const pair = new Uint32Array(2);
    for (let i = 0; i < 200_000; i++) {
      hashKey64(`SE${i}`, pair);
      keys.add(`${pair[0]}:${pair[1]}`);
      rows.add(hashValues96([`SE${i}`, 'SEC1', `STU${i % 1000}`, 'student']).toString('hex'));
    }
    expect(keys.size).toBe(200_000);
    expect(rows.size).toBe(200_000);
  });
});

describe('KeyFilter', () => {
  it('adds, finds, refuses a second add and grows past its initial size', () => {
    const f = new KeyFilter();
    for (let i = 0; i < 50_000; i++) expect(f.add(`k${i}`)).toBe(true);
    expect(f.size).toBe(50_000);
    for (let i = 0; i < 50_000; i++) expect(f.has(`k${i}`)).toBe(true);
    expect(f.has('k50000')).toBe(false);
    expect(f.add('k123')).toBe(false);
    expect(f.size).toBe(50_000);
  });
});

describe('FingerprintDb', () => {
  it('detects duplicates exactly and resolves references, in memory and after the filter is released', () => {
    const dir = tempDir();
    const fp = new FingerprintDb(join(dir, 'a.db'), undefined);
    for (let i = 0; i < 1000; i++) expect(fp.addKey('users.csv', `u${i}`, hashRow([`u${i}`]))).toBe(true);
    expect(fp.addKey('users.csv', 'u500', hashRow(['other']))).toBe(false);
    expect(fp.addKey('classes.csv', 'u500', hashRow(['u500']))).toBe(true); // keys are per file
    expect(fp.hasKeyIn('users.csv', 'u999')).toBe(true);
    expect(fp.hasKeyIn('users.csv', 'u1000')).toBe(false);
    expect(fp.hasKeyIn('orgs.csv', 'u1')).toBe(false);
    fp.releaseFilter('users.csv');
    expect(fp.hasKeyIn('users.csv', 'u999')).toBe(true); // from SQLite now
    expect(fp.hasKeyIn('users.csv', 'u1000')).toBe(false);
    expect(fp.addKey('users.csv', 'u7', hashRow(['u7']))).toBe(false);
    const [d] = fp.diff(['users.csv']);
    expect(d).toMatchObject({ current: 1000, added: 1000, removed: 0, changed: 0, previous: 0 });
    fp.close();
  });

  it('keeps only 32-bit hashes for files nothing refers to, and stays exact', () => {
    const dir = tempDir();
    const fp = new FingerprintDb(join(dir, 'a.db'), undefined, { referencedFiles: ['users.csv'] });
    for (let i = 0; i < 20_000; i++) expect(fp.addKey('enrollments.csv', `e${i}`, hashRow([`e${i}`]))).toBe(true);
    expect(fp.addKey('enrollments.csv', 'e19999', hashRow(['x']))).toBe(false);
    expect(fp.hasKeyIn('enrollments.csv', 'e5')).toBe(true);
    expect(fp.hasKeyIn('enrollments.csv', 'e20000')).toBe(false);
    expect(fp.diff(['enrollments.csv'])[0]).toMatchObject({ current: 20_000 });
    fp.close();
    const narrow = new KeyFilter({ narrow: true });
    for (let i = 0; i < 10_000; i++) expect(narrow.add(`n${i}`)).toBe(true);
    expect(narrow.narrow).toBe(true);
    expect(narrow.has('n9999')).toBe(true);
    expect(narrow.add('n1')).toBe(false);
  });

  it('keeps deferred references across batches and reports the unresolved ones in order', () => {
    const dir = tempDir();
    const fp = new FingerprintDb(join(dir, 'a.db'), undefined);
    for (let i = 0; i < 700; i++) fp.deferReference('users.csv', i + 1, 'agentSourcedIds', `g${i}`, 'users.csv', 'error', `students row ${i + 1}`);
    for (let i = 0; i < 700; i += 2) fp.addKey('users.csv', `g${i}`, hashRow([`g${i}`]));
    const unresolved = [...fp.unresolvedReferences()];
    expect(unresolved).toHaveLength(350);
    expect(unresolved[0]).toMatchObject({ row: 2, value: 'g1', targetFile: 'users.csv', origin: 'students row 2' });
    expect(unresolved.at(-1)).toMatchObject({ row: 700, value: 'g699' });
    fp.close();
  });

  it('diffs against the previous delivery in one pass: added, removed, changed, unchanged and samples', () => {
    const dir = tempDir();
    const prevPath = join(dir, 'prev.db');
    const first = new FingerprintDb(join(dir, 'run1.db'), undefined);
    for (let i = 0; i < 600; i++) first.addKey('users.csv', `u${i}`, hashRow([`u${i}`, 'v1']));
    first.promoteTo(prevPath);

    const second = new FingerprintDb(join(dir, 'run2.db'), prevPath);
    expect(second.hasPrevious).toBe(true);
    for (let i = 10; i < 620; i++) second.addKey('users.csv', `u${i}`, hashRow([`u${i}`, i < 15 ? 'v2' : 'v1']));
    const [d] = second.diff(['users.csv']);
    expect(d).toMatchObject({ previous: 600, current: 610, added: 20, removed: 10, changed: 5, unchanged: 585 });
    expect(d!.sampleRemoved).toHaveLength(5);
    expect(d!.sampleAdded.every((k) => Number(k.slice(1)) >= 600)).toBe(true);
    expect(d!.sampleChanged.every((k) => Number(k.slice(1)) < 15)).toBe(true);
    second.close();
  });

  it('ignores a previous file written with another row hash (treated as a first delivery)', () => {
    const dir = tempDir();
    const prevPath = join(dir, 'old.db');
    const old = new Database(prevPath);
    old.exec('CREATE TABLE keys (file TEXT NOT NULL, key TEXT NOT NULL, row_hash BLOB NOT NULL, PRIMARY KEY (file, key)) WITHOUT ROWID');
    old.prepare('INSERT INTO keys VALUES (?, ?, ?)').run('users.csv', 'u1', Buffer.alloc(12));
    old.close();
    const fp = new FingerprintDb(join(dir, 'run.db'), prevPath);
    expect(fp.hasPrevious).toBe(false);
    fp.addKey('users.csv', 'u1', hashRow(['u1']));
    expect(fp.diff(['users.csv'])[0]).toMatchObject({ previous: 0, current: 1, added: 1 });
    fp.close();
    const written = new Database(join(dir, 'run.db'), { readonly: true });
    expect(written.pragma('user_version', { simple: true })).toBe(FINGERPRINT_VERSION);
    written.close();
  });
});
