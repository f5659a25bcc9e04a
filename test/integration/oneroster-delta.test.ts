/**
 * OneRoster 1.1 bulk and delta deliveries of the demo district, read from SQLite, a real PostgreSQL
 * and a real MariaDB, each checked by the independent checker (test/helpers/oneroster-check.ts):
 *
 * 1. a bulk delivery passes the checker;
 * 2. the SIS changes (two students renamed, two students and one class removed, one student added)
 *    and the destination is switched from bulk to delta: the first delta run is not held by the
 *    guard (status and dateLastModified are not part of a record's fingerprint), sends only the
 *    changed records plus a `tobedeleted` row per removed record (sourcedId, status and
 *    dateLastModified, the rest blank), and its manifest says `delta` exactly for the files sent;
 * 3. the receiver's data after bulk + delta equals a fresh bulk delivery of the changed SIS;
 * 4. a delta run with nothing changed sends the manifest alone, every file `absent`.
 *
 * 5. with skip-rows, a record whose row is left out for errors is not deleted and keeps its last
 *    delivered fingerprint, and one folder receiving every run holds exactly the set its manifest
 *    describes each time (no previous file beside an `absent`).
 *
 * Steps 1–4 deliver each run into its own folder, as a vendor that consumes each uploaded set sees it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { loadIntoMysql } from '../../src/demo/mysql-loader.js';
import { loadIntoPostgres } from '../../src/demo/postgres-loader.js';
import { demoQueries } from '../../src/demo/queries.js';
import { createDemoDatabase } from '../../src/demo/sqlite-loader.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema, type DestinationConfig } from '../../src/shared/config.schema.js';
import { ENTITIES } from '../../src/shared/format.js';
import { createMysqlDatabase, createPostgresDatabase, MYSQL_ADMIN_USER, MYSQL_HOST, MYSQL_PORT, PG_ADMIN_USER, PG_HOST, PG_PORT, type TestDatabase } from '../helpers/databases.js';
import { checkOneRosterSet, emptyOneRosterState, type OneRosterCheck, type OneRosterState } from '../helpers/oneroster-check.js';

type Engine = 'sqlite' | 'postgres' | 'mysql';
const ENGINES: readonly Engine[] = ['sqlite', 'postgres', 'mysql'];
const STUDENTS = 300;
const SEED = 20261202;
const BULK_AT = new Date('2027-01-10T06:00:00Z');
const DELTA_AT = new Date('2027-01-11T06:00:00Z');
const QUIET_AT = new Date('2027-01-12T06:00:00Z');

interface Setup {
  readonly ctx: AgentContext;
  /** Runs SQL against the engine's SIS (the test's changes). */
  readonly sql: (statement: string) => Promise<void>;
}

const setups = new Map<Engine, Setup>();
const databases: TestDatabase[] = [];
const tempDirs: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};

async function openSis(engine: Engine): Promise<{ settings: Record<string, unknown>; sql: (statement: string) => Promise<void> }> {
  switch (engine) {
    case 'sqlite': {
      const file = path.join(tempDir('rs-delta-sis-'), 'sis.db');
      createDemoDatabase(file, { students: STUDENTS, seed: SEED });
      return {
        settings: { path: file },
        sql: async (statement) => {
          const db = new Database(file);
          try {
            db.exec(statement);
          } finally {
            db.close();
          }
        },
      };
    }
    case 'postgres': {
      const db = await createPostgresDatabase('rs_delta');
      databases.push(db);
      await loadIntoPostgres({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: 'postgres' }, db.name, { students: STUDENTS, seed: SEED });
      return { settings: db.settings, sql: async (statement) => void (await db.exec(statement)) };
    }
    case 'mysql': {
      const db = await createMysqlDatabase('rs_delta');
      databases.push(db);
      await loadIntoMysql({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, password: '' }, db.name, { students: STUDENTS, seed: SEED });
      return { settings: db.settings, sql: async (statement) => void (await db.exec(statement)) };
    }
  }
}

/** Points the destination at `folder` (default: a new folder for this run's set) with the given sync mode, and runs it. */
async function deliver(ctx: AgentContext, name: string, syncMode: DestinationConfig['syncMode'], at: Date, folder?: string): Promise<RunResult & { dir: string }> {
  const dir = folder ?? path.join(ctx.layout.home, 'delivered', `${name}-${at.toISOString().slice(0, 10)}`);
  const existing = ctx.store.getDestination(name);
  ctx.store.saveDestination(
    destinationConfigSchema.parse({ ...(existing ?? {}), name, source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: dir }, syncMode }),
  );
  if (!existing) ctx.store.replaceSiteMap(name, ctx.store.getSiteMap('vendor'));
  return { ...(await runDestination(ctx, name, { trigger: 'manual', now: () => at })), dir };
}

const csv = (dir: string, file: string): Record<string, string>[] => parse(fs.readFileSync(path.join(dir, file), 'utf8'), { columns: true }) as Record<string, string>[];

beforeAll(async () => {
  for (const engine of ENGINES) {
    const sis = await openSis(engine);
    const ctx = openAgent(tempDir(`rs-delta-${engine}-`));
    const queries = demoQueries(engine);
    ctx.store.saveSource(sourceConfigSchema.parse({ name: 'sis', type: engine, settings: sis.settings, entities: Object.fromEntries(ENTITIES.map((e) => [e, { query: queries[e] }])) }));
    ctx.store.saveDestination(destinationConfigSchema.parse({ name: 'vendor', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: ctx.layout.outbox } }));
    // The demo's school codes with vendor site IDs, as src/agent/demo.ts hands them out.
    ctx.store.replaceSiteMap('vendor', ['003', '005', '007'].map((code) => ({ schoolCode: code, siteId: `SITE-${code}`, label: code })));
    setups.set(engine, { ctx, sql: sis.sql });
  }
}, 120_000);

afterAll(async () => {
  for (const { ctx } of setups.values()) closeAgent(ctx);
  await Promise.all(databases.map((db) => db.drop()));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(ENGINES)('OneRoster 1.1 bulk, then delta, from %s', (engine) => {
  let bulk: RunResult & { dir: string };
  let delta: RunResult & { dir: string };
  let quiet: RunResult & { dir: string };
  let fresh: RunResult & { dir: string };
  let bulkCheck: OneRosterCheck;
  let deltaCheck: OneRosterCheck;
  let quietCheck: OneRosterCheck;
  const receiver: OneRosterState = emptyOneRosterState();
  const freshReceiver: OneRosterState = emptyOneRosterState();
  /** The SIS records the test removes and renames (the first ones by ID, the same on every engine). */
  const removedStudents = ['000101', '000102'];
  const renamedStudents = ['000103', '000104'];
  let removedClass = '';

  beforeAll(async () => {
    const { ctx, sql } = setups.get(engine)!;
    bulk = await deliver(ctx, 'vendor', 'full', BULK_AT);
    bulkCheck = checkOneRosterSet(bulk.dir, receiver);

    const ids = (list: readonly string[]): string => list.map((id) => `'${id}'`).join(', ');
    // A class none of the removed students attends (so its removal is seen on its own).
    const attended = new Set(csv(bulk.dir, 'enrollments.csv').filter((e) => removedStudents.includes(e.userSourcedId!)).map((e) => e.classSourcedId));
    removedClass = csv(bulk.dir, 'classes.csv').map((c) => c.sourcedId!).sort().find((id) => !attended.has(id))!;
    for (const statement of [
      `DELETE FROM student_contacts WHERE stu_id IN (${ids(removedStudents)})`,
      `DELETE FROM section_enrollments WHERE stu_id IN (${ids(removedStudents)})`,
      `DELETE FROM students WHERE stu_id IN (${ids(removedStudents)})`,
      `INSERT INTO students (stu_id, sch_code, first_name, last_name, grade_level, active) SELECT '009999', sch_code, 'Nova', 'Newcomer', grade_level, active FROM students WHERE stu_id = '000103'`,
      `UPDATE students SET last_name = 'Renamed' WHERE stu_id IN (${ids(renamedStudents)})`,
      ...['section_enrollments', 'section_teachers', 'section_terms', 'sections'].map((table) => `DELETE FROM ${table} WHERE section_id = '${removedClass}'`),
    ]) {
      await sql(statement);
    }

    delta = await deliver(ctx, 'vendor', 'delta', DELTA_AT);
    deltaCheck = checkOneRosterSet(delta.dir, receiver);
    fresh = await deliver(ctx, 'fresh', 'full', DELTA_AT);
    checkOneRosterSet(fresh.dir, freshReceiver);
    quiet = await deliver(ctx, 'vendor', 'delta', QUIET_AT);
    quietCheck = checkOneRosterSet(quiet.dir, receiver);
  }, 120_000);

  it('delivers a bulk set the independent checker accepts', () => {
    expect(bulk.status, bulk.message).toBe('success');
    expect(bulkCheck.problems).toEqual([]);
    for (const file of ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments', 'demographics']) expect(bulkCheck.modes[file], file).toBe('bulk');
    expect(bulkCheck.modes.results).toBe('absent');
    // Not vacuous: every student is there.
    expect(csv(bulk.dir, 'users.csv').filter((u) => u.role === 'student')).toHaveLength(STUDENTS);
  });

  it('switching to delta is not a mass change: the first delta run is delivered, not held, with the real changes only', () => {
    expect(delta.status, delta.message).toBe('success');
    expect(delta.holdReasons).toEqual([]);
    const users = delta.diff.find((d) => d.file === 'users.csv')!;
    // Two renamed students and one new one; the guardians of the removed students changed or went too.
    expect(users.added).toBe(1);
    expect(users.changed).toBeGreaterThanOrEqual(2);
    expect(users.changed).toBeLessThan(20);
    expect(deltaCheck.rows.users).toBe(users.added + users.changed + users.removed);
    expect(csv(delta.dir, 'users.csv').filter((u) => u.status === 'active').map((u) => u.sourcedId)).toEqual(expect.arrayContaining([...renamedStudents, '009999']));
  });

  it('sends a tobedeleted row (sourcedId, status, dateLastModified; the rest blank) per removed record', () => {
    expect(deltaCheck.problems).toEqual([]);
    expect(deltaCheck.deleted.demographics).toBe(2);
    expect(csv(delta.dir, 'classes.csv').filter((c) => c.status === 'tobedeleted').map((c) => c.sourcedId)).toEqual([removedClass]);
    for (const file of ['users', 'classes', 'enrollments', 'demographics']) {
      const diff = delta.diff.find((d) => d.file === `${file}.csv`)!;
      expect(deltaCheck.deleted[file], file).toBe(diff.removed);
      const deleted = csv(delta.dir, `${file}.csv`).filter((r) => r.status === 'tobedeleted');
      for (const row of deleted) {
        const { sourcedId, status, dateLastModified, ...rest } = row;
        expect(sourcedId).not.toBe('');
        expect(status).toBe('tobedeleted');
        expect(dateLastModified).toBe('2027-01-11T06:00:00Z');
        expect(Object.values(rest).every((v) => v === ''), `${file} ${sourcedId}: only the key is sent`).toBe(true);
      }
    }
    const deletedUsers = csv(delta.dir, 'users.csv').filter((r) => r.status === 'tobedeleted').map((r) => r.sourcedId);
    expect(deletedUsers).toEqual(expect.arrayContaining(removedStudents));
  });

  it('says delta in the manifest exactly for the files sent, absent for the others', () => {
    expect(deltaCheck.modes.orgs).toBe('absent');
    expect(deltaCheck.modes.academicSessions).toBe('absent');
    for (const file of ['users', 'classes', 'enrollments', 'demographics']) expect(deltaCheck.modes[file], file).toBe('delta');
    expect(fs.existsSync(path.join(delta.dir, 'orgs.csv'))).toBe(false);
  });

  it('leaves the receiver with exactly what a fresh bulk delivery of the changed SIS holds', () => {
    expect(fresh.status, fresh.message).toBe('success');
    for (const [file, records] of freshReceiver) {
      expect(receiver.get(file)!.size, file).toBe(records.size);
      expect(Object.fromEntries(receiver.get(file)!), file).toEqual(Object.fromEntries(records));
    }
  });

  it('a delta run with nothing changed sends the manifest alone, every file absent', () => {
    expect(quiet.status, quiet.message).toBe('success');
    expect(quietCheck.problems).toEqual([]);
    expect(Object.values(quietCheck.modes).every((m) => m === 'absent')).toBe(true);
    expect(fs.readdirSync(quiet.dir)).toEqual(['manifest.csv']);
  });
});

describe('OneRoster 1.1 delta with rows left out for errors (skip-rows), into one folder', () => {
  let ctx: AgentContext;
  let sis: string;
  const runs: (RunResult & { dir: string })[] = [];
  /** After each run, what the one folder holds: the checker's verdict, its files and the tobedeleted IDs. */
  const seen: { problems: string[]; files: string[]; deletedUsers: string[]; deletedDemographics: string[] }[] = [];
  const receiver = emptyOneRosterState();
  const look = (dir: string): void => {
    const deleted = (file: string): string[] => (fs.existsSync(path.join(dir, file)) ? csv(dir, file).filter((r) => r.status === 'tobedeleted').map((r) => r.sourcedId!) : []);
    seen.push({ problems: checkOneRosterSet(dir, receiver).problems, files: fs.readdirSync(dir).sort(), deletedUsers: deleted('users.csv'), deletedDemographics: deleted('demographics.csv') });
  };
  const exec = (statement: string): void => {
    const db = new Database(sis);
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    sis = path.join(tempDir('rs-delta-skip-sis-'), 'sis.db');
    createDemoDatabase(sis, { students: 60, seed: SEED });
    ctx = openAgent(tempDir('rs-delta-skip-'));
    ctx.store.saveSource(sourceConfigSchema.parse({ name: 'sis', type: 'sqlite', settings: { path: sis }, entities: Object.fromEntries(ENTITIES.map((e) => [e, { query: demoQueries('sqlite')[e] }])) }));
    ctx.store.saveDestination(destinationConfigSchema.parse({ name: 'vendor', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: ctx.layout.outbox }, onValidationError: 'skip-rows' }));
    ctx.store.replaceSiteMap('vendor', ['003', '005', '007'].map((code) => ({ schoolCode: code, siteId: `SITE-${code}`, label: code })));
    const folder = path.join(ctx.layout.home, 'vendor-folder');
    runs.push(await deliver(ctx, 'vendor', 'delta', BULK_AT, folder));
    look(folder);
    // 000101's grade becomes unreadable (its row is left out); 000102 leaves the district.
    const read = new Database(sis, { readonly: true });
    const grade = read.prepare(`SELECT grade_level FROM students WHERE stu_id = '000101'`).pluck().get() as string;
    read.close();
    exec(`UPDATE students SET grade_level = 'Z9' WHERE stu_id = '000101'`);
    for (const table of ['student_contacts', 'section_enrollments', 'students']) exec(`DELETE FROM ${table} WHERE stu_id = '000102'`);
    runs.push(await deliver(ctx, 'vendor', 'delta', DELTA_AT, folder));
    look(folder);
    exec(`UPDATE students SET grade_level = '${grade}' WHERE stu_id = '000101'`);
    runs.push(await deliver(ctx, 'vendor', 'delta', QUIET_AT, folder));
    look(folder);
  }, 60_000);
  afterAll(() => closeAgent(ctx));

  it('deletes the removed student but not the one whose row was left out, and keeps what the vendor has of it', () => {
    const [, withError, fixed] = runs;
    expect(withError!.status, withError!.message).toBe('partial');
    expect(withError!.findings).toContainEqual(expect.objectContaining({ severity: 'error', file: 'users.csv', column: 'grades', value: 'Z9' }));
    expect(seen[1]!.deletedUsers).toContain('000102');
    expect(seen[1]!.deletedUsers).not.toContain('000101');
    expect(seen[1]!.deletedDemographics).toEqual(['000102']);
    // 000101's grade was put back as it was delivered: the record is unchanged against its kept fingerprint, so nothing about it is sent.
    expect(fixed!.status, fixed!.message).toBe('success');
    const users = fs.existsSync(path.join(fixed!.dir, 'users.csv')) ? csv(fixed!.dir, 'users.csv') : [];
    expect(users.map((u) => u.sourcedId)).not.toContain('000101');
    expect(fixed!.diff.find((d) => d.file === 'users.csv')).toMatchObject({ removed: 0 });
  });

  it('leaves in the one folder exactly the set its manifest describes after every run (no previous file beside an absent)', () => {
    expect(seen.map((s) => s.problems)).toEqual([[], [], []]);
    expect(seen[0]!.files).toEqual(['academicSessions.csv', 'classes.csv', 'courses.csv', 'demographics.csv', 'enrollments.csv', 'manifest.csv', 'orgs.csv', 'users.csv']);
    expect(seen[1]!.files).not.toContain('orgs.csv');
    expect(seen[1]!.files).toContain('users.csv');
  });
});
