/**
 * Which file a worker thread writes (src/pipeline/file-worker.ts), and the main thread's check of the
 * references the worker took on trust (FingerprintDb deferredChecks / deferredReferencesResolve).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan } from '../../src/pipeline/plan.js';
import { offloadableFile, PARALLEL_MIN_ROWS } from '../../src/pipeline/file-worker.js';
import { FingerprintDb } from '../../src/pipeline/fingerprints.js';
import { KeyFilter } from '../../src/pipeline/key-filter.js';
import { oneRoster11 } from '../../src/formats/oneroster-1.1.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';

const source = sourceConfigSchema.parse({
  name: 'sis',
  type: 'sqlite',
  settings: { path: 'x' },
  entities: Object.fromEntries(['schools', 'terms', 'courses', 'classes', 'students', 'teachers', 'guardians', 'enrollments'].map((e) => [e, { query: `SELECT * FROM ${e}` }])),
});
const destination = (extra: Record<string, unknown> = {}) =>
  destinationConfigSchema.parse({ name: 'd', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: '/tmp/x' }, ...extra });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the file a worker writes', () => {
  const plan = buildPlan({ format: oneRoster11, destination: destination(), source, siteMap: [] });
  const sizes: Record<string, number> = { 'users.csv': 1_300_000, 'enrollments.csv': 3_100_000, 'demographics.csv': 500_000, 'classes.csv': 20_000 };
  const previous = (file: string): number => sizes[file] ?? 0;
  const name = (index: number | undefined): string | undefined => (index === undefined ? undefined : plan.files[index]!.def.name);

  it('is OneRoster enrollments.csv: the largest file nothing refers to, not a file of people', () => {
    expect(name(offloadableFile(plan, destination(), previous, 'auto', 2))).toBe('enrollments.csv');
    // users.csv is larger than demographics but referred to (and of people); classes.csv is referred to.
    expect(name(offloadableFile(plan, destination(), (f) => (f === 'demographics.csv' ? 4_000_000 : previous(f)), 'auto', 2))).toBe('demographics.csv');
  });

  it('is none on one core, in delta mode, with the mode never, or for a file below the size that pays for a thread', () => {
    expect(offloadableFile(plan, destination(), previous, 'auto', 1)).toBeUndefined();
    expect(offloadableFile(plan, destination(), previous, 'never', 8)).toBeUndefined();
    const delta = destination({ syncMode: 'delta' });
    expect(offloadableFile(buildPlan({ format: oneRoster11, destination: delta, source, siteMap: [] }), delta, previous, 'always', 8)).toBeUndefined();
    expect(offloadableFile(plan, destination(), () => PARALLEL_MIN_ROWS - 1, 'auto', 2)).toBeUndefined();
    // always: whatever the size (a first delivery has no sizes); the file with the most references wins a tie.
    expect(name(offloadableFile(plan, destination(), () => 0, 'always', 1))).toBe('enrollments.csv');
  });

  it('is none when the inactive rule drops records (their dependants are dropped in later files)', () => {
    const dropping = { ...oneRoster11, inactive: { ...oneRoster11.inactive!, rule: 'drop' as const } };
    expect(offloadableFile(buildPlan({ format: dropping, destination: destination(), source, siteMap: [] }), destination(), previous, 'always', 8)).toBeUndefined();
  });
});

describe('references taken on trust by a worker', () => {
  it('resolve only when the target has every key, with the role the referrer expected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-deferred-'));
    dirs.push(dir);
    const main = new FingerprintDb(join(dir, 'main.fp'), undefined);
    const worker = new FingerprintDb(join(dir, 'worker.fp'), undefined, { salt: main.keySalt, deferredTargets: ['users.csv', 'classes.csv'] });
    const STUDENT = 1;
    const TEACHER = 2;
    main.addKey('users.csv', 's1', ['s1'], { person: { role: STUDENT, origin: 'students row 1' } });
    main.addKey('users.csv', 't1', ['t1'], { person: { role: TEACHER, origin: 'teachers row 1' } });
    main.addKey('classes.csv', 'c1', ['c1']);
    // The worker is told every reference resolves, and keeps each distinct one per target and role.
    for (const [file, key, role] of [['users.csv', 's1', STUDENT], ['users.csv', 's1', STUDENT], ['users.csv', 't1', TEACHER], ['classes.csv', 'c1', 0]] as const) {
      expect(worker.roleOf(file, key, role)).toBe(0);
    }
    const checks = worker.deferredChecks();
    expect(checks.map((c) => [c.file, c.expectedRole, c.hashes.length / 2])).toEqual([['users.csv', STUDENT, 1], ['users.csv', TEACHER, 1], ['classes.csv', 0, 1]]);
    expect(main.deferredReferencesResolve(checks)).toBe(true);
    // A key the target does not have, or a person of another role, sends the file back to the main thread.
    expect(worker.roleOf('users.csv', 'nobody', STUDENT)).toBe(0);
    expect(main.deferredReferencesResolve(worker.deferredChecks())).toBe(false);
    const roles = new FingerprintDb(join(dir, 'roles.fp'), undefined, { salt: main.keySalt, deferredTargets: ['users.csv'] });
    roles.roleOf('users.csv', 't1', STUDENT);
    expect(main.deferredReferencesResolve(roles.deferredChecks())).toBe(false);
    for (const fp of [main, worker, roles]) fp.close();
  });

  it('lists every key hash a filter holds', () => {
    const filter = new KeyFilter({ salt: 7 });
    for (let i = 0; i < 5000; i++) filter.add(`k${i}`);
    const hashes = filter.hashes();
    expect(hashes.length).toBe(10_000);
    for (let i = 0; i < hashes.length; i += 2) expect(filter.tagOfHash({ a: hashes[i]!, b: hashes[i + 1]! })).toBe(0);
  });
});
