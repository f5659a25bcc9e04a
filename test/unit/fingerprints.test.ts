/**
 * FingerprintDb: in-memory key filters for uniqueness and references; per file, key + row hashes in
 * typed arrays, sorted, confirmed and written to the run's fingerprint file when the file completes;
 * the diff against a previous delivery by merge; delta bookkeeping; the consistency rule's scratch
 * file; the upgrade from SQLite fingerprints.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { convertLegacyFingerprints, filesHoldingKey, FingerprintCollision, FingerprintDb, FINGERPRINT_VERSION, heldRunFingerprints, removedKeysBetween } from '../../src/pipeline/fingerprints.js';
import { FingerprintFile, WORDS } from '../../src/pipeline/fingerprint-file.js';
import { KeyFilter } from '../../src/pipeline/key-filter.js';
import { hashKey64, hashValues96 } from '../../src/pipeline/fast-hash.js';

/** A row's fingerprint as stored per key. */
const hashRow = hashValues96;

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

  it('hashes keys differently per salt', () => {
    const a = new Uint32Array(2);
    const b = new Uint32Array(2);
    hashKey64('SE42', a, 1);
    hashKey64('SE42', b, 2);
    expect([...a]).not.toEqual([...b]);
    const salted = new KeyFilter({ salt: 7 });
    expect(salted.add('SE42')).toBe(true);
    expect(salted.has('SE42')).toBe(true);
    expect(salted.add('SE42')).toBe(false);
  });
});

describe('FingerprintDb', () => {
  /** The row hash stored for `key` in a saved fingerprint file: the first 64 bits of hashValues96. */
  const storedRowHash = (path: string, file: string, key: string): Buffer | undefined => {
    const f = FingerprintFile.open(path);
    try {
      const h = f.hashes(file);
      for (let r = 0; r < h.length / WORDS; r++) {
        if (f.keyAt(file, h[r * WORDS + 4]!) !== key) continue;
        const out = Buffer.alloc(8);
        out.writeUInt32LE(h[r * WORDS + 2]!, 0);
        out.writeUInt32LE(h[r * WORDS + 3]!, 4);
        return out;
      }
      return undefined;
    } finally {
      f.close();
    }
  };
  const keysIn = (path: string, file: string): string[] => {
    const f = FingerprintFile.open(path);
    try {
      const h = f.hashes(file);
      return Array.from({ length: h.length / WORDS }, (_, r) => f.keyAt(file, h[r * WORDS + 4]!)).sort();
    } finally {
      f.close();
    }
  };

  it('detects duplicates and resolves references from the filters, then saves every key with its row hash', () => {
    const dir = tempDir();
    const fp = new FingerprintDb(join(dir, 'a.fp'), undefined);
    for (let i = 0; i < 10_000; i++) expect(fp.addKey('users.csv', `u${i}`, [`u${i}`])).toBe(true);
    expect(fp.addKey('users.csv', 'u500', ['other'])).toBe(false);
    expect(fp.addKey('classes.csv', 'u500', ['u500', 'b,c', '', 'Zoë 東京'])).toBe(true); // keys are per file
    expect(fp.roleOf('users.csv', 'u9999')).toBe(0);
    expect(fp.roleOf('users.csv', 'u10000')).toBe(-1);
    expect(fp.roleOf('orgs.csv', 'u1')).toBe(-1);
    fp.releaseFilter('users.csv');
    expect(() => fp.roleOf('users.csv', 'u1')).toThrow(/released/);
    expect(() => fp.diff(['users.csv'])).toThrow(/after finishWrites/);
    fp.finishWrites(); // u500 is confirmed a duplicate: no collision
    expect(fp.diff(['users.csv', 'classes.csv'])).toMatchObject([
      { file: 'users.csv', current: 10_000, added: 10_000, removed: 0, changed: 0, previous: 0 },
      { file: 'classes.csv', current: 1 },
    ]);
    fp.save();
    fp.close();
    const path = join(dir, 'a.fp');
    expect(storedRowHash(path, 'users.csv', 'u77')).toEqual(hashRow(['u77']).subarray(0, 8));
    // rows are fingerprinted exactly as hashRow does, separators and empty values included
    expect(storedRowHash(path, 'classes.csv', 'u500')).toEqual(hashRow(['u500', 'b,c', '', 'Zoë 東京']).subarray(0, 8));
    expect(keysIn(path, 'users.csv')).toHaveLength(10_000);
    // no scratch file stays beside it
    expect(readdirSync(dir)).toEqual(['a.fp']);
  });

  it('fails the extract when a reported duplicate is not in the written keys (a 64-bit hash collision)', () => {
    const dir = tempDir();
    const fp = new FingerprintDb(join(dir, 'a.fp'), undefined);
    fp.addKey('users.csv', 'u1', ['u1']);
    // What the filter would report if "u2" had u1's 64-bit hash in this run:
    (fp as unknown as { duplicates: { file: string; key: string }[] }).duplicates.push({ file: 'users.csv', key: 'u2' });
    expect(() => fp.finishWrites()).toThrow(FingerprintCollision);
    fp.close();
  });

  it('keeps the first values per key for the consistent rule, in its own scratch file', () => {
    const dir = tempDir();
    const fp = new FingerprintDb(join(dir, 'a.fp'), undefined);
    expect(fp.checkConsistent('roster.csv', 0, 'C1', 'Math|T1', 1)).toBeUndefined();
    expect(fp.checkConsistent('roster.csv', 0, 'C1', 'Math|T1', 2)).toBeUndefined();
    expect(fp.checkConsistent('roster.csv', 0, 'C1', 'Art|T1', 3)).toEqual({ row: 1, values: 'Math|T1' });
    fp.finishWrites();
    fp.close();
    expect(existsSync(join(dir, 'a.fp-consistency'))).toBe(false);
  });

  it('keeps each person key with its role in memory and its SIS origin on disk; rows left out after writing leave the fingerprints', () => {
    const dir = tempDir();
    const fp = new FingerprintDb(join(dir, 'a.fp'), undefined);
    for (let i = 0; i < 3000; i++) fp.addKey('users.csv', `p${i}`, [`p${i}`], { person: { role: i < 2000 ? 1 : 2, origin: `${i < 2000 ? 'students' : 'teachers'} row ${i + 1}` } });
    expect(fp.roleOf('users.csv', 'p1')).toBe(1);
    expect(fp.roleOf('users.csv', 'p2500')).toBe(2);
    expect(fp.leftOutReason('users.csv', 'p7')).toBeUndefined();
    fp.removeKeyHash('users.csv', fp.keyHash('p7'));
    fp.dropWrittenKeys('users.csv', [{ key: 'p7', reason: 'agentSourcedIds "g1": not a guardian' }]);
    expect(fp.roleOf('users.csv', 'p7')).toBe(-1);
    expect(fp.leftOutReason('users.csv', 'p7')).toBe('agentSourcedIds "g1": not a guardian');
    fp.markLeftOut('users.csv', 'x1', 'email "x": not an email');
    expect(fp.leftOutReason('users.csv', 'x1')).toBe('email "x": not an email');
    fp.fileComplete('users.csv');
    fp.finishWrites();
    expect(fp.originOf('users.csv', 'p2500')).toBe('teachers row 2501');
    expect(fp.diff(['users.csv'])[0]).toMatchObject({ current: 2999 });
    fp.close();
  });

  it('takes keys hashed by the caller (the row path hashes once) exactly as addKey / roleOf / unchangedSincePrevious take the key', () => {
    const dir = tempDir();
    const byKey = new FingerprintDb(join(dir, 'a.fp'), undefined);
    const byHash = new FingerprintDb(join(dir, 'b.fp'), undefined, { salt: byKey.keySalt });
    const pair = new Uint32Array(2);
    // Keys with and without non-ASCII characters: the keys scratch copies ASCII itself and encodes the rest.
    const keys = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? `Zoë-${i}-東京` : i % 11 === 0 ? `${i}\ud83d\ude00` : `p${i}`));
    keys.forEach((key, i) => {
      const row = [key, `row ${i}`, '', 'é'];
      const role = i % 3 === 0 ? 2 : 1;
      expect(byKey.addKey('users.csv', key, row, { person: { role, origin: `row ${i + 1} ñ` } })).toBe(true);
      hashKey64(key, pair, byHash.keySalt);
      expect(byHash.addHashedKey('users.csv', key, pair[0]!, pair[1]!, row, undefined, true, role, `row ${i + 1} ñ`)).toBe(true);
    });
    hashKey64(keys[5]!, pair, byHash.keySalt);
    expect(byHash.addHashedKey('users.csv', keys[5]!, pair[0]!, pair[1]!, ['x'], undefined, true, 1, '')).toBe(false);
    expect(byHash.roleOfKeyHash('users.csv', pair[0]!, pair[1]!)).toBe(byKey.roleOf('users.csv', keys[5]!));
    hashKey64(keys[3]!, pair, byHash.keySalt);
    expect(byHash.roleOfKeyHash('users.csv', pair[0]!, pair[1]!, 1)).toBe(2);
    hashKey64('nobody', pair, byHash.keySalt);
    expect(byHash.roleOfKeyHash('users.csv', pair[0]!, pair[1]!)).toBe(-1);
    // The file being written is remembered between calls, but a complete or released file takes no more keys.
    expect(byHash.addHashedKey('orgs.csv', 'o1', 1, 2, ['o1'], undefined, false, 0, '')).toBe(true);
    expect(() => byHash.addHashedKey('users.csv', 'late', 3, 4, ['late'], undefined, true, 1, '')).toThrow(/after the file was complete/);
    byHash.fileComplete('orgs.csv');
    expect(() => byHash.addHashedKey('orgs.csv', 'o2', 5, 6, ['o2'], undefined, false, 0, '')).toThrow(/after the file was complete/);
    byHash.releaseFilter('orgs.csv');
    expect(() => byHash.addHashedKey('orgs.csv', 'o3', 7, 8, ['o3'], undefined, false, 0, '')).toThrow(/after the file was complete/);
    for (const fp of [byKey, byHash]) {
      fp.finishWrites();
      fp.save();
    }
    expect(byHash.originOf('users.csv', keys[7]!)).toBe('row 8 ñ');
    expect(byHash.originOf('users.csv', keys[22]!)).toBe(byKey.originOf('users.csv', keys[22]!));
    byKey.close();
    byHash.close();
    expect(keysIn(join(dir, 'b.fp'), 'users.csv')).toEqual([...keys].sort());
    const a = FingerprintFile.open(join(dir, 'a.fp'));
    const b = FingerprintFile.open(join(dir, 'b.fp'));
    try {
      expect([...b.hashes('users.csv')]).toEqual([...a.hashes('users.csv')]);
    } finally {
      a.close();
      b.close();
    }
    // The next run: unchanged rows are recognised from the hashed key as from the key.
    const next = new FingerprintDb(join(dir, 'c.fp'), join(dir, 'b.fp'));
    hashKey64(keys[7]!, pair, next.keySalt);
    expect(next.unchangedSincePreviousHash('users.csv', pair[0]!, pair[1]!, [keys[7]!, 'row 7', '', 'é'])).toBe(true);
    expect(next.unchangedSincePreviousHash('users.csv', pair[0]!, pair[1]!, [keys[7]!, 'row 7', '', 'e'])).toBe(false);
    expect(next.unchangedSincePrevious('users.csv', keys[7]!, [keys[7]!, 'row 7', '', 'é'])).toBe(true);
    next.close();
  });

  it('keeps references to a file another thread writes per target and expected role, from hashed keys as from keys', () => {
    const dir = tempDir();
    const byKey = new FingerprintDb(join(dir, 'a.fp'), undefined, { salt: 99, deferredTargets: ['users.csv', 'classes.csv'] });
    const byHash = new FingerprintDb(join(dir, 'b.fp'), undefined, { salt: 99, deferredTargets: ['users.csv', 'classes.csv'] });
    const pair = new Uint32Array(2);
    for (let i = 0; i < 500; i++) {
      const [file, key, role] = i % 2 ? ['users.csv', `u${i % 40}`, 1 + (i % 3)] : ['classes.csv', `c${i % 9}`, 0];
      expect(byKey.roleOf(file as string, key as string, role as number)).toBe(0);
      hashKey64(key as string, pair, 99);
      expect(byHash.roleOfKeyHash(file as string, pair[0]!, pair[1]!, role as number)).toBe(0);
    }
    const sorted = (checks: ReturnType<FingerprintDb['deferredChecks']>): unknown[] =>
      checks.map((c) => ({ file: c.file, expectedRole: c.expectedRole, hashes: [...c.hashes].join() })).sort((x, y) => `${x.file}${x.expectedRole}`.localeCompare(`${y.file}${y.expectedRole}`));
    expect(byHash.deferredChecks()).toHaveLength(4);
    expect(sorted(byHash.deferredChecks())).toEqual(sorted(byKey.deferredChecks()));
    byKey.close();
    byHash.close();
  });

  it('diffs against the previous delivery in one pass: added, removed, changed, unchanged and samples', () => {
    const dir = tempDir();
    const prevPath = join(dir, 'prev.fp');
    const first = new FingerprintDb(join(dir, 'run1.fp'), undefined);
    for (let i = 0; i < 600; i++) first.addKey('users.csv', `u${i}`, [`u${i}`, 'v1']);
    first.finishWrites();
    first.promoteTo(prevPath);

    const second = new FingerprintDb(join(dir, 'run2.fp'), prevPath);
    expect(second.hasPrevious).toBe(true);
    for (let i = 10; i < 620; i++) second.addKey('users.csv', `u${i}`, [`u${i}`, i < 15 ? 'v2' : 'v1']);
    expect(second.unchangedSincePrevious('users.csv', 'u20', ['u20', 'v1'])).toBe(true);
    expect(second.unchangedSincePrevious('users.csv', 'u12', ['u12', 'v2'])).toBe(false);
    expect(second.unchangedSincePrevious('users.csv', 'u610', ['u610', 'v1'])).toBe(false);
    second.finishWrites();
    const [d] = second.diff(['users.csv']);
    // the smallest keys of each kind, in the keys' byte order
    expect(d).toEqual({
      file: 'users.csv',
      previous: 600,
      current: 610,
      added: 20,
      removed: 10,
      changed: 5,
      unchanged: 585,
      sampleAdded: ['u600', 'u601', 'u602', 'u603', 'u604'],
      sampleRemoved: ['u0', 'u1', 'u2', 'u3', 'u4'],
      sampleChanged: ['u10', 'u11', 'u12', 'u13', 'u14'],
    });
    second.close();

    // The same diff, computed as the file completes.
    const third = new FingerprintDb(join(dir, 'run3.fp'), prevPath);
    for (let i = 10; i < 620; i++) third.addKey('users.csv', `u${i}`, [`u${i}`, i < 15 ? 'v2' : 'v1']);
    third.fileComplete('users.csv');
    third.finishWrites();
    expect(third.diff(['users.csv'])).toEqual([d]);
    third.close();
  });

  it('diffs a file larger than one chunk of the previous delivery read at a time, and after a resalt the same', () => {
    const dir = tempDir();
    const prevPath = join(dir, 'prev.fp');
    const first = new FingerprintDb(join(dir, 'run1.fp'), undefined);
    // More records than one chunk (65 536) and the 16-word start of the arrays: they grow in place many times.
    for (let i = 0; i < 150_000; i++) first.addKey('enrollments.csv', `e${i}`, [`e${i}`, 'v1']);
    first.finishWrites();
    first.promoteTo(prevPath);
    const run = (path: string): ReturnType<FingerprintDb['diff']>[number] => {
      const db = new FingerprintDb(path, prevPath);
      for (let i = 0; i < 150_000; i++) if (i % 1000 !== 7) db.addKey('enrollments.csv', `e${i}`, [`e${i}`, i % 997 === 3 ? 'v2' : 'v1']);
      for (let i = 0; i < 40; i++) db.addKey('enrollments.csv', `new${i}`, [`new${i}`, 'v1']);
      db.finishWrites();
      const [d] = db.diff(['enrollments.csv']);
      db.save();
      db.close();
      return d!;
    };
    const d = run(join(dir, 'run2.fp'));
    const changed = Array.from({ length: 150_000 }, (_, i) => i).filter((i) => i % 997 === 3 && i % 1000 !== 7).length;
    expect(d).toMatchObject({ previous: 150_000, current: 150_000 - 150 + 40, added: 40, removed: 150, changed, unchanged: 150_000 - 150 - changed });
    expect(d.sampleRemoved).toEqual(['e100007', 'e10007', 'e1007', 'e101007', 'e102007']); // UTF-8 byte order
    expect(keysIn(join(dir, 'run2.fp'), 'enrollments.csv')).toHaveLength(150_000 - 150 + 40);
    // A new salt: the previous section is re-hashed and loaded, with the same result.
    closeSync(openSync(`${prevPath}.resalt`, 'w'));
    expect(run(join(dir, 'run3.fp'))).toEqual(d);
  });

  it('lists the keys removed since the previous delivery while the file is written, and confirms the count against the exact diff', async () => {
    const dir = tempDir();
    const prevPath = join(dir, 'prev.fp');
    const first = new FingerprintDb(join(dir, 'run1.fp'), undefined);
    for (let i = 0; i < 100; i++) first.addKey('users.csv', `u${i}`, [`u${i}`]);
    first.finishWrites();
    first.promoteTo(prevPath);

    const listed: string[] = [];
    const second = new FingerprintDb(join(dir, 'run2.fp'), prevPath);
    for (let i = 3; i < 100; i++) second.addKey('users.csv', `u${i}`, [i === 50 ? 'changed' : `u${i}`]);
    for await (const key of second.removedKeys('users.csv')) listed.push(key);
    expect(listed.sort()).toEqual(['u0', 'u1', 'u2']);
    second.finishWrites();
    expect(second.diff(['users.csv'])[0]).toMatchObject({ removed: 3, changed: 1 });
    // A row left out for errors keeps its last delivered fingerprint; the others removed are gone.
    second.keepFromPrevious('users.csv', ['u1']);
    second.promoteTo(join(dir, 'next.fp'));
    const kept = keysIn(join(dir, 'next.fp'), 'users.csv');
    expect(kept.filter((k) => ['u0', 'u1', 'u2'].includes(k))).toEqual(['u1']);
    expect(kept).toHaveLength(98);
    // the kept record keeps its last delivered row hash
    expect(storedRowHash(join(dir, 'next.fp'), 'users.csv', 'u1')).toEqual(hashRow(['u1']).subarray(0, 8));

    // Listed while a key was still to come (as a 64-bit collision would hide one): the diff refuses to go on.
    const third = new FingerprintDb(join(dir, 'run3.fp'), prevPath);
    for (let i = 3; i < 100; i++) third.addKey('users.csv', `u${i}`, [`u${i}`]);
    for await (const key of third.removedKeys('users.csv')) void key;
    third.addKey('users.csv', 'u0', ['u0']);
    third.finishWrites();
    expect(() => third.diff(['users.csv'])).toThrow(FingerprintCollision);
    third.close();
  });

  it('answers references to a file of repeated rows by record key, uniqueness by row key', () => {
    const fp = new FingerprintDb(join(tempDir(), 'run.fp'), undefined);
    const teacher = { role: 2, origin: 'teachers row 1' };
    expect(fp.addKey('teachers.csv', 'T1\u001f003', ['T1', '003'], { recordKey: 'T1', person: teacher })).toBe(true);
    expect(fp.addKey('teachers.csv', 'T1\u001f005', ['T1', '005'], { recordKey: 'T1', person: teacher })).toBe(true);
    expect(fp.addKey('teachers.csv', 'T1\u001f005', ['T1', '005'], { recordKey: 'T1', person: teacher })).toBe(false);
    expect(fp.roleOf('teachers.csv', 'T1')).toBe(2); // the record, with its role
    expect(fp.roleOf('teachers.csv', 'T1\u001f003')).toBe(-1);
    expect(fp.roleOf('teachers.csv', 'T2')).toBe(-1);
    fp.finishWrites();
    expect(fp.diff(['teachers.csv'])[0]).toMatchObject({ current: 2 });
    fp.close();
  });

  it("sizes a file's key filter from its size at the last delivery (no doubling on the way)", () => {
    const dir = tempDir();
    const prevPath = join(dir, 'prev.fp');
    const first = new FingerprintDb(join(dir, 'run1.fp'), undefined);
    for (let i = 0; i < 50_000; i++) first.addKey('enrollments.csv', `e${i}`, [`e${i}`]);
    first.finishWrites();
    first.promoteTo(prevPath);
    const second = new FingerprintDb(join(dir, 'run2.fp'), prevPath);
    second.addKey('enrollments.csv', 'e1', ['e1']);
    const slots = (f: FingerprintDb, file: string): number => (f as unknown as { filters: Map<string, { slots: Uint32Array }> }).filters.get(file)!.slots.length / 2;
    expect(slots(second, 'enrollments.csv')).toBe(131_072); // the size growing to 50 000 keys reaches: 65 536 × 0.75 < 50 000
    second.addKey('users.csv', 'u1', ['u1']); // a file the last delivery did not have starts small
    expect(slots(second, 'users.csv')).toBe(4096);
    second.close();
  });

  it('converts SQLite fingerprints (version 2) once, so the first run after the upgrade diffs exactly and holds nothing', () => {
    const dir = tempDir();
    const legacy = join(dir, 'vendor.db');
    const old = new Database(legacy);
    old.exec('CREATE TABLE keys (file TEXT NOT NULL, key TEXT NOT NULL, row_hash BLOB NOT NULL, PRIMARY KEY (file, key)) WITHOUT ROWID');
    old.pragma('user_version = 2');
    const insert = old.prepare('INSERT INTO keys VALUES (?, ?, ?)');
    for (let i = 0; i < 300; i++) insert.run('users.csv', `u${i}`, hashRow([`u${i}`, 'v1']));
    insert.run('enrollments.csv', 'C1\u001fu7', hashRow(['C1', 'u7']));
    old.close();

    const fp = new FingerprintDb(join(dir, 'run.fp'), join(dir, 'vendor.fp'));
    expect(existsSync(legacy)).toBe(false);
    expect(fp.hasPrevious).toBe(true);
    for (let i = 1; i < 300; i++) fp.addKey('users.csv', `u${i}`, [`u${i}`, 'v1']);
    fp.finishWrites();
    expect(fp.diff(['users.csv'])[0]).toMatchObject({ previous: 300, current: 299, added: 0, changed: 0, removed: 1, sampleRemoved: ['u0'] });
    fp.close();
    // the data-privacy lookup reads the converted file: whole keys by hash, parts of composite keys
    expect(filesHoldingKey(join(dir, 'vendor.fp'), 'u7')).toEqual(['enrollments.csv', 'users.csv']);
    expect(filesHoldingKey(join(dir, 'vendor.fp'), 'u300')).toEqual([]);
  });

  it('leaves SQLite fingerprints of another version alone (the next run is a first delivery, which holds nothing)', () => {
    const dir = tempDir();
    const legacy = join(dir, 'old.db');
    const old = new Database(legacy);
    old.exec('CREATE TABLE keys (file TEXT NOT NULL, key TEXT NOT NULL, row_hash BLOB NOT NULL, PRIMARY KEY (file, key)) WITHOUT ROWID');
    old.prepare('INSERT INTO keys VALUES (?, ?, ?)').run('users.csv', 'u1', Buffer.alloc(12));
    old.close();
    expect(convertLegacyFingerprints(legacy, join(dir, 'old.fp'))).toBe(false);
    const fp = new FingerprintDb(join(dir, 'run.fp'), join(dir, 'old.fp'));
    expect(fp.hasPrevious).toBe(false);
    fp.addKey('users.csv', 'u1', ['u1']);
    fp.finishWrites();
    expect(fp.diff(['users.csv'])[0]).toMatchObject({ previous: 0, current: 1, added: 1 });
    fp.save();
    fp.close();
    expect(FingerprintFile.open(join(dir, 'run.fp')).files).toEqual(['users.csv']);
    expect(FINGERPRINT_VERSION).toBe(3);
  });

  it("names the keys a held run's fingerprints lack against the last delivery (the hold review), with the same salt or after a resalt", () => {
    const dir = tempDir();
    const prevPath = join(dir, 'prev.fp');
    const first = new FingerprintDb(join(dir, 'run1.fp'), undefined);
    for (let i = 0; i < 50; i++) first.addKey('users.csv', `u${i}`, [`u${i}`]);
    first.finishWrites();
    first.promoteTo(prevPath);
    const held = new FingerprintDb(join(dir, 'held', 'fingerprints.fp'), prevPath);
    for (let i = 3; i < 50; i++) held.addKey('users.csv', `u${i}`, [`u${i}`]);
    held.finishWrites();
    held.save();
    held.close();
    expect(heldRunFingerprints(join(dir, 'held'))).toBe(join(dir, 'held', 'fingerprints.fp'));
    expect(removedKeysBetween(prevPath, join(dir, 'held', 'fingerprints.fp'), ['users.csv', 'orgs.csv'])).toEqual(
      new Map([
        ['users.csv', ['u0', 'u1', 'u2']],
        ['orgs.csv', []],
      ]),
    );
    // a run hashed with another salt (after a collision) is compared through the keys
    closeSync(openSync(`${prevPath}.resalt`, 'w'));
    const resalted = new FingerprintDb(join(dir, 'held2', 'fingerprints.fp'), prevPath);
    for (let i = 0; i < 49; i++) resalted.addKey('users.csv', `u${i}`, [`u${i}`]);
    resalted.finishWrites();
    resalted.save();
    resalted.close();
    expect(FingerprintFile.open(join(dir, 'held2', 'fingerprints.fp')).salt).not.toBe(FingerprintFile.open(prevPath).salt);
    expect(removedKeysBetween(prevPath, join(dir, 'held2', 'fingerprints.fp'), ['users.csv']).get('users.csv')).toEqual(['u49']);
  });

  it('after a confirmed collision, the next run hashes keys with a new salt and still diffs exactly', () => {
    const dir = tempDir();
    const prevPath = join(dir, 'prev.fp');
    const first = new FingerprintDb(join(dir, 'run1.fp'), undefined);
    for (let i = 0; i < 100; i++) first.addKey('users.csv', `u${i}`, [`u${i}`]);
    first.finishWrites();
    first.promoteTo(prevPath);
    const salt = FingerprintFile.open(prevPath).salt;

    const failing = new FingerprintDb(join(dir, 'run2.fp'), prevPath);
    failing.addKey('users.csv', 'u1', ['u1']);
    (failing as unknown as { duplicates: { file: string; key: string }[] }).duplicates.push({ file: 'users.csv', key: 'u2' });
    expect(() => failing.finishWrites()).toThrow(FingerprintCollision);
    failing.close();

    const next = new FingerprintDb(join(dir, 'run3.fp'), prevPath);
    for (let i = 1; i < 100; i++) next.addKey('users.csv', `u${i}`, [i === 5 ? 'changed' : `u${i}`]);
    next.finishWrites();
    expect(next.diff(['users.csv'])[0]).toMatchObject({ previous: 100, current: 99, removed: 1, changed: 1, sampleRemoved: ['u0'], sampleChanged: ['u5'] });
    next.promoteTo(prevPath);
    expect(FingerprintFile.open(prevPath).salt).not.toBe(salt);
    expect(existsSync(`${prevPath}.resalt`)).toBe(false);
  });
});
