/**
 * Role integrity and bad rows left out, on real PostgreSQL and MariaDB SIS with the traps that sent a
 * student out as a teacher:
 * - one ID for a student and a staff member (student 1, teacher 1: separate sequences per role);
 * - a staff ID an enrollment refers to but the SIS does not export, equal to a student's ID (1011);
 * - a guardian link to a non-guardian (student 2 lists teacher 7 as a guardian; guardian 502 lists
 *   teacher 7 as a student).
 * The OneRoster files are parsed back: no enrollment, guardian link or demographics row points at a
 * person of another role; every trap is a finding with both roles and both SIS origins; what depends
 * on a left-out row is left out too; the error budget blocks above its share and delivers below it;
 * idNamespaces keeps both people of a shared ID.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { Finding } from '../../src/shared/run.js';
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';

const TABLES: Record<string, { columns: string[]; rows: string[][] }> = {
  schools: { columns: ['school_code', 'name'], rows: [['003', 'Lincoln']] },
  terms: { columns: ['term_id', 'title', 'type', 'start_date', 'end_date', 'school_year'], rows: [['Y26', '2025-26', 'year', '2025-08-20', '2026-06-10', '2026']] },
  courses: { columns: ['course_id', 'title', 'school_code', 'school_year_id'], rows: [['CR1', 'Math', '003', 'Y26']] },
  classes: { columns: ['class_id', 'title', 'course_id', 'school_code', 'term_ids'], rows: [['C1', 'Math 1', 'CR1', '003', 'Y26']] },
  students: {
    columns: ['student_id', 'school_codes', 'first_name', 'last_name', 'grade', 'guardian_ids'],
    rows: [
      ['1', '003', 'Ann', 'Able', '5', '501'],
      ['2', '003', 'Cy', 'Cole', '5', '7'], // a guardian link to teacher 7
      ['1011', '003', 'Ben', 'Best', '5', ''], // the ID of a staff member the SIS does not export
      ['4', '003', 'Dee', 'Dunn', '5', ''],
    ],
  },
  teachers: {
    columns: ['teacher_id', 'school_codes', 'first_name', 'last_name', 'email'],
    rows: [
      ['1', '003', 'Tess', 'Teach', 'tess@school.org'], // the same ID as student 1
      ['7', '003', 'Val', 'Vance', 'val@school.org'],
    ],
  },
  guardians: {
    columns: ['guardian_id', 'student_ids', 'school_codes', 'first_name', 'last_name', 'relationship'],
    rows: [
      ['501', '1', '003', 'Gus', 'Able', 'father'],
      ['502', '7', '003', 'Gia', 'Vance', 'mother'], // a link to teacher 7 as if a student
    ],
  },
  enrollments: {
    columns: ['enrollment_id', 'class_id', 'user_id', 'role', 'school_code'],
    rows: [
      ['E1', 'C1', '1', 'student', '003'],
      ['E2', 'C1', '1', 'teacher', '003'], // teacher 1's enrollment: user 1 is student Ann here
      ['E3', 'C1', '1011', 'teacher', '003'], // staff 1011 is not exported; 1011 is student Ben
      ['E4', 'C1', '7', 'teacher', '003'],
      ['E5', 'C1', '2', 'student', '003'], // student 2 is left out (bad guardian link)
      ['E6', 'C1', '1011', 'student', '003'],
      ['E7', 'C1', '4', 'student', '003'],
    ],
  },
};

type Csv = Record<string, string>[];
const readCsv = (dir: string, file: string): Csv => parse(readFileSync(join(dir, file), 'utf8'), { columns: true, skip_empty_lines: true }) as Csv;

async function load(db: TestDatabase): Promise<void> {
  for (const [table, t] of Object.entries(TABLES)) {
    await db.exec(`CREATE TABLE ${table} (${t.columns.map((c) => `${c} VARCHAR(100)`).join(', ')}, seq INT)`);
    for (const [i, row] of t.rows.entries()) {
      const values = [...row.map((v) => `'${v}'`), String(i)].join(', ');
      await db.exec(`INSERT INTO ${table} (${t.columns.join(', ')}, seq) VALUES (${values})`);
    }
  }
}

describe.each([
  ['PostgreSQL', 'postgres', createPostgresDatabase],
  ['MariaDB', 'mysql', createMysqlDatabase],
] as const)('%s SIS with role traps, OneRoster 1.1', (_label, type, create) => {
  let db: TestDatabase;
  let ctx: AgentContext;
  let root: string;

  const source = (extra: Record<string, unknown> = {}): string => {
    const name = `sis-${type}-${Object.keys(extra).length ? 'ns' : 'plain'}`;
    ctx.store.saveSource(
      sourceConfigSchema.parse({
        name,
        type,
        settings: db.settings,
        entities: Object.fromEntries(Object.keys(TABLES).map((t) => [t, { query: `SELECT ${TABLES[t]!.columns.join(', ')} FROM ${t} ORDER BY seq` }])),
        ...extra,
      }),
    );
    return name;
  };

  const run = async (name: string, sourceName: string, extra: Record<string, unknown> = {}): Promise<RunResult & { out: string }> => {
    const out = join(root, 'out', name);
    ctx.store.saveDestination(destinationConfigSchema.parse({ name, source: sourceName, format: 'oneroster-1.1', type: 'folder', settings: { path: out }, ...extra }));
    ctx.store.replaceSiteMap(name, [{ schoolCode: '003', siteId: '003', label: 'Lincoln' }]);
    return { ...(await runDestination(ctx, name, { trigger: 'manual' })), out };
  };

  const finding = (findings: readonly Finding[], file: string, rule: string, value: string): Finding | undefined =>
    findings.find((f) => f.file === file && f.rule === rule && f.value === value);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'rs-roles-'));
    ctx = openAgent(join(root, 'home'));
    db = await create('rs_roles');
    await load(db);
  }, 60_000);
  afterAll(async () => {
    closeAgent(ctx);
    await db?.drop();
  });

  it('delivers no reference to a person of the wrong role, names every trap, and leaves out what depends on a left-out row', async () => {
    const result = await run(`roles-${type}`, source(), { maxBadRowShare: 0.6 });
    expect(result.status, result.message).toBe('partial');

    const users = readCsv(result.out, 'users.csv');
    const roleOf = new Map(users.map((u) => [u.sourcedId!, u.role!]));
    expect(users.filter((u) => u.sourcedId === '1')).toEqual([expect.objectContaining({ role: 'student', givenName: 'Ann' })]);
    expect(roleOf.has('2')).toBe(false); // its guardian link points at a teacher
    expect(roleOf.has('502')).toBe(false); // its student link points at a teacher
    expect(users.find((u) => u.sourcedId === '501')).toMatchObject({ role: 'parent', agentSourcedIds: '1' });

    // Parsed back: every enrollment's user has the enrollment's role; every agent link has the right role.
    const enrollments = readCsv(result.out, 'enrollments.csv');
    for (const e of enrollments) expect(roleOf.get(e.userSourcedId!), `${e.sourcedId}`).toBe(e.role === 'teacher' ? 'teacher' : 'student');
    for (const u of users) {
      for (const agent of (u.agentSourcedIds ?? '').split(',').filter(Boolean)) {
        expect(roleOf.get(agent)).toBe(u.role === 'student' ? 'parent' : 'student');
      }
    }
    expect(enrollments.map((e) => e.sourcedId).sort()).toEqual(['E1', 'E4', 'E6', 'E7']);
    expect(readCsv(result.out, 'demographics.csv').map((d) => d.sourcedId).sort()).toEqual(['1', '1011', '4']);

    const f = result.findings;
    expect(finding(f, 'users.csv', 'shared-id', '1')).toMatchObject({
      severity: 'error',
      origin: 'teachers row 1',
      message: expect.stringContaining('1 is both a student (students row 1) and a teacher'),
    });
    expect(finding(f, 'users.csv', 'shared-id', '1')!.message).toContain('idNamespaces');
    expect(finding(f, 'enrollments.csv', 'role', '1')).toMatchObject({
      severity: 'error',
      column: 'userSourcedId',
      origin: 'enrollments row 2',
      message: 'teacher enrollment points at 1, which is a student (students row 1) not a teacher.',
    });
    expect(finding(f, 'enrollments.csv', 'role', '1011')).toMatchObject({
      origin: 'enrollments row 3',
      message: 'teacher enrollment points at 1011, which is a student (students row 3) not a teacher.',
    });
    expect(finding(f, 'users.csv', 'role', '7')).toBeDefined();
    const links = f.filter((x) => x.file === 'users.csv' && x.rule === 'role' && x.value === '7');
    expect(links.map((x) => [x.origin, x.message]).sort()).toEqual([
      ['guardians row 2', 'agentSourcedIds points at 7, which is a teacher (teachers row 2) not a student.'],
      ['students row 2', 'agentSourcedIds points at 7, which is a teacher (teachers row 2) not a guardian.'],
    ]);
    // The cascade: student 2's enrollment and demographics row go with it, and say why.
    expect(finding(f, 'enrollments.csv', 'left-out', '2')).toMatchObject({
      origin: 'enrollments row 5',
      message: expect.stringMatching(/^left out because student 2 was left out: .*points at 7, which is a teacher/),
    });
    expect(finding(f, 'demographics.csv', 'left-out', '2')).toMatchObject({ origin: 'students row 2' });

    expect(result.message).toMatch(/Left out 7 row\(s\): users\.csv 3 \(shared-id 1, role 2\); enrollments\.csv 3 \(role 2, left-out 1\); demographics\.csv 1 \(left-out 1\)/);
  }, 60_000);

  it('blocks the run when more than the error budget of a file is bad (default 2 %), and delivers nothing', async () => {
    const result = await run(`budget-${type}`, source());
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/Too many bad rows; nothing was delivered\. users\.csv: 3 of 8 rows \(38 %\) are bad, more than the error budget of 2\.0 %/);
    expect(result.message).toContain('enrollments.csv: 3 of 7 rows');
    expect(existsSync(join(result.out, 'users.csv'))).toBe(false);
  }, 60_000);

  it('in block mode reports the same traps and delivers nothing', async () => {
    const result = await run(`block-${type}`, source(), { onValidationError: 'block' });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/validation error\(s\); nothing was delivered/);
    expect(finding(result.findings, 'enrollments.csv', 'role', '1011')?.message).toContain('which is a student (students row 3) not a teacher');
    expect(finding(result.findings, 'users.csv', 'shared-id', '1')).toBeDefined();
    expect(existsSync(join(result.out, 'users.csv'))).toBe(false);
  }, 60_000);

  it('with idNamespaces keeps both people of a shared ID and re-points nothing at a student', async () => {
    const result = await run(`ns-${type}`, source({ idNamespaces: { students: 's', teachers: 't', guardians: 'g' } }), { maxBadRowShare: 0.6 });
    expect(result.status, result.message).toBe('partial');
    const users = readCsv(result.out, 'users.csv');
    const roleOf = new Map(users.map((u) => [u.sourcedId!, u.role!]));
    expect([roleOf.get('s1'), roleOf.get('t1'), roleOf.get('t7'), roleOf.get('s1011')]).toEqual(['student', 'teacher', 'teacher', 'student']);
    expect(users.find((u) => u.sourcedId === 'g501')).toMatchObject({ agentSourcedIds: 's1' });
    expect(users.find((u) => u.sourcedId === 's1')).toMatchObject({ agentSourcedIds: 'g501' });
    const enrollments = readCsv(result.out, 'enrollments.csv');
    expect(enrollments.map((e) => [e.sourcedId, e.userSourcedId])).toEqual([
      ['E1', 's1'],
      ['E2', 't1'],
      ['E4', 't7'],
      ['E6', 's1011'],
      ['E7', 's4'],
    ]);
    // Teacher 1011 is still not exported: its enrollment is an error, not a student's.
    expect(finding(result.findings, 'enrollments.csv', 'reference', 't1011')).toMatchObject({ message: 't1011 is not a users.csv record in this delivery.' });
    // Links to teacher 7 as a guardian or a student now name IDs nobody has.
    expect(finding(result.findings, 'users.csv', 'reference', 'g7')).toMatchObject({ origin: 'students row 2' });
    expect(finding(result.findings, 'users.csv', 'reference', 's7')).toMatchObject({ origin: 'guardians row 2' });
  }, 60_000);
});
