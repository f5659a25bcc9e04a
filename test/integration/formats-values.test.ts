/**
 * Values, inactive records and vendor fixes (#13.2, #13.4, #13.5), read from a real PostgreSQL and a
 * real MariaDB. One small district with the traps:
 * - five students whose race is "White, Non-Hispanic" (no rule knows it) and no hispanic column at all;
 * - a guardian with a blank relationship; an inactive student (enabled N) with enrollments and a guardian
 *   of their own; an inactive teacher with a class that has an enrollment;
 * - a class named "Homeroom, Pre-K" (five-file never quotes);
 * - home languages "Chinese (Mandarin)" and "Klingon" (Clever has a word for the first only);
 * - a student without email whose username has no domain (SDS rejects it);
 * - no password field (seed 000 without Google sign-in needs one).
 * Each trap is named in the findings or handled by the format's declared rule, never passed on silently.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { openAgent, type AgentContext } from '../../src/home/context.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import { createMysqlDatabase, createPostgresDatabase, createTables, type TestTable } from '../helpers/databases.js';
import { closeAfterAll } from '../helpers/cleanup.js';

type Engine = 'postgres' | 'mysql';

const TABLES: Record<string, TestTable> = {
  schools: { columns: ['school_code', 'name'], rows: [['003', 'Lincoln Elementary'], ['005', 'Cedar Ridge Middle']] },
  terms: {
    columns: ['term_id', 'title', 'type', 'start_date', 'end_date', 'school_year'],
    rows: [['Y26', '2026-2027', 'schoolYear', '2026-08-20', '2027-06-10', '2027']],
  },
  courses: { columns: ['course_id', 'title', 'school_code', 'school_year_id'], rows: [['HR', 'Homeroom', '003', 'Y26'], ['M4', 'Math 4', '005', 'Y26']] },
  teachers: {
    columns: ['teacher_id', 'school_codes', 'first_name', 'last_name', 'email', 'enabled'],
    rows: [
      ['T1', '003;005', 'Tia', 'Ma', 'tia.ma@school.org', 'Y'],
      ['T2', '005', 'Ole', 'Gone', 'ole.gone@school.org', 'N'],
    ],
  },
  students: {
    columns: ['student_id', 'school_codes', 'first_name', 'last_name', 'email', 'username', 'grade', 'birth_date', 'gender', 'race', 'language', 'guardian_ids', 'enabled'],
    rows: [
      ['S1', '003', 'Ann', 'Lee', 'ann@students.org', 'alee', '3', '2017-03-07', 'F', 'White, Non-Hispanic', 'English', 'G1', 'Y'],
      ['S2', '003', 'Bo', 'Kim', 'bo@students.org', 'bkim', '3', '2017-05-01', 'M', 'White, Non-Hispanic', 'Chinese (Mandarin)', null, 'Y'],
      ['S3', '005', 'Cy', 'Ode', null, 'pbaker000107', '4', '2016-02-11', 'F', 'White, Non-Hispanic', 'Klingon', null, '1'],
      ['S4', '005', 'Dee', 'Fox', 'dee@students.org', 'dfox', '4', '2016-09-30', 'F', 'White, Non-Hispanic', 'Spanish', null, 'true'],
      ['S5', '005', 'Eve', 'Ray', 'eve@students.org', 'eray', '5', '2015-12-24', 'F', 'White, Non-Hispanic', 'English', null, 'Y'],
      ['S6', '003', 'Fay', 'Orr', 'fay@students.org', 'forr', 'K', '2020-04-04', 'F', 'W', 'English', 'G2', 'Y'],
      ['S9', '003', 'Ian', 'Gone', 'ian@students.org', 'igone', '3', '2017-01-15', 'M', 'B', 'English', 'G9', 'N'],
    ],
  },
  guardians: {
    columns: ['guardian_id', 'student_ids', 'school_codes', 'first_name', 'last_name', 'email', 'relationship', 'language'],
    rows: [
      ['G1', 'S1', '003', 'Mia', 'Lee', 'mia@mail.example.net', '', 'English'],
      ['G2', 'S6', '003', 'Max', 'Orr', 'max@mail.example.net', 'Mother', 'English'],
      ['G9', 'S9', '003', 'Pat', 'Gone', 'pat@mail.example.net', 'Father', 'English'],
    ],
  },
  classes: {
    columns: ['class_id', 'school_code', 'title', 'teacher_id', 'course_id', 'term_ids', 'class_type'],
    rows: [
      ['C1', '003', 'Homeroom, Pre-K', 'T1', 'HR', 'Y26', 'homeroom'],
      ['C2', '005', 'Math 4', 'T1', 'M4', 'Y26', 'scheduled'],
      ['C3', '005', 'Art', 'T2', 'M4', 'Y26', 'scheduled'],
    ],
  },
  enrollments: {
    columns: ['enrollment_id', 'class_id', 'user_id', 'role', 'school_code'],
    rows: [
      ['E1', 'C1', 'S1', 'student', '003'],
      ['E2', 'C1', 'S9', 'student', '003'],
      ['E3', 'C2', 'S3', 'student', '005'],
      ['E4', 'C2', 'S4', 'student', '005'],
      ['E5', 'C3', 'S5', 'student', '005'],
      ['E6', 'C1', 'T1', 'teacher', '003'],
      ['E7', 'C1', 'S6', 'student', '003'],
    ],
  },
};

const SITE_MAP = [
  { schoolCode: '003', siteId: 'SITE-3', label: 'Lincoln' },
  { schoolCode: '005', siteId: 'SITE-5', label: 'Cedar Ridge' },
];

const { databases, contexts, dirs } = closeAfterAll();

describe.each<Engine>(['postgres', 'mysql'])('values, inactive records and vendor fixes from %s', (engine) => {
  let ctx: AgentContext;
  let home: string;

  /** Runs a fresh destination of `format` and returns the result, its files' folder and its log. */
  async function run(name: string, format: string, extra: Record<string, unknown> = {}): Promise<RunResult & { dir: string; log: string[] }> {
    ctx.store.saveDestination(destinationConfigSchema.parse({ name, source: 'sis', format, type: 'folder', settings: { path: path.join(home, `out-${name}`) }, ...extra }));
    ctx.store.replaceSiteMap(name, SITE_MAP);
    const result = await runDestination(ctx, name, { trigger: 'manual' });
    const delivered = path.join(home, `out-${name}`);
    const dir = fs.existsSync(delivered) ? delivered : result.outputDir;
    return { ...result, dir, log: ctx.store.getRunDetail(result.runId, 5000)!.events.map((e) => e.message) };
  }
  const rows = (dir: string, file: string): Record<string, string>[] => parse(fs.readFileSync(path.join(dir, file), 'utf8'), { columns: true }) as Record<string, string>[];

  beforeAll(async () => {
    const db = engine === 'postgres' ? await createPostgresDatabase('rs_values') : await createMysqlDatabase('rs_values');
    databases.push(db);
    await createTables(db, TABLES);
    home = fs.mkdtempSync(path.join(os.tmpdir(), `rs-values-${engine}-`));
    dirs.push(home);
    ctx = openAgent(home);
    contexts.push(ctx);
    const keys: Record<string, string> = { schools: 'school_code', terms: 'term_id', courses: 'course_id', teachers: 'teacher_id', students: 'student_id', guardians: 'guardian_id', classes: 'class_id', enrollments: 'enrollment_id' };
    ctx.store.saveSource(
      sourceConfigSchema.parse({
        name: 'sis',
        type: engine,
        settings: db.settings,
        entities: Object.fromEntries(Object.entries(keys).map(([table, key]) => [table, { query: `SELECT * FROM ${table} ORDER BY ${key}` }])),
      }),
    );
  }, 60_000);

  it('OneRoster 1.1: an unknown race is an error per row (aggregated), never false; a missing hispanic column is a warning; a blank relationship is a guardian; inactive users are marked', async () => {
    // A handful of students, most with an unknown race: far above the default error budget, lifted here.
    const result = await run('oneroster', 'oneroster-1.1', { onValidationError: 'skip-rows', maxBadRowShare: 1 });
    expect(result.status, result.message).toBe('partial');
    const white = result.findings.filter((f) => f.rule === 'race' && f.column === 'white');
    // Five rows carry the value: three are listed with their SIS origin, then one summary (row 0) counts all five.
    expect(white.map((f) => f.origin)).toEqual(['students row 1', 'students row 2', 'students row 3', 'e.g. students row 1; students row 2; students row 3']);
    expect(white[3]!.row).toBe(0);
    expect(white[0]).toMatchObject({ severity: 'error', file: 'demographics.csv', value: 'White, Non-Hispanic', message: expect.stringMatching(/^race "White, Non-Hispanic" is not recognised; sent blank/) });
    expect(white[3]!.message).toMatch(/^5 rows have this value/);
    // All six race columns report it; the errors count every row.
    expect(new Set(result.findings.filter((f) => f.rule === 'race').map((f) => f.column)).size).toBe(6);
    expect(result.errors).toBe(5 * 6);
    // The demographics rows of those students are left out, never sent with false in every race column.
    const demographics = rows(result.dir, 'demographics.csv');
    expect(demographics.map((d) => d.sourcedId)).toEqual(['S6', 'S9']);
    expect(demographics[0]).toMatchObject({ white: 'true', asian: 'false', demographicRaceTwoOrMoreRaces: 'false' });

    expect(result.findings).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        file: 'demographics.csv',
        column: 'hispanicOrLatinoEthnicity',
        rule: 'missing-source-field',
        message: expect.stringMatching(/^no source column for hispanic in the students rows: every row will say "false"/),
      }),
    );
    const users = rows(result.dir, 'users.csv');
    expect(users.find((u) => u.sourcedId === 'G1')!.role).toBe('guardian');
    expect(users.find((u) => u.sourcedId === 'G2')!.role).toBe('parent');
    expect(users.find((u) => u.sourcedId === 'S9')!.enabledUser).toBe('false');
    expect(users.find((u) => u.sourcedId === 'T2')!.enabledUser).toBe('false');
    expect(result.log).toContain('Inactive records (mark): sent with enabledUser=false in users.csv.');
    expect(result.log.some((l) => l.startsWith('users.csv: inactive students: 1 sent marked'))).toBe(true);
  });

  it('notCollected sends a column blank on purpose, without the warning', async () => {
    const result = await run('oneroster-nc', 'oneroster-1.1', {
      onValidationError: 'skip-rows',
      notCollected: [{ file: 'demographics.csv', column: 'hispanicOrLatinoEthnicity' }],
    });
    expect(result.findings.filter((f) => f.column === 'hispanicOrLatinoEthnicity')).toEqual([]);
    expect(rows(result.dir, 'demographics.csv').map((d) => d.hispanicOrLatinoEthnicity)).toEqual(['', '']);
  });

  it('five-file: "Homeroom, Pre-K" is sanitised like a name; inactive students and teachers are dropped with everything that references them', async () => {
    const result = await run('five', 'five-file-provisioning');
    expect(result.status, result.message).toBe('success');
    expect(result.errors).toBe(0);
    expect(rows(result.dir, 'classes.csv').map((c) => [c.class_id, c.class_name])).toEqual([
      ['C1', 'Homeroom Pre-K'],
      ['C2', 'Math 4'],
    ]);
    expect(fs.readFileSync(path.join(result.dir, 'classes.csv'), 'utf8')).not.toContain('"');
    expect(rows(result.dir, 'students.csv').map((s) => s.student_id)).not.toContain('S9');
    expect(rows(result.dir, 'teachers.csv').map((t) => t.teacher_id)).not.toContain('T2');
    // S9's enrollment and the enrollment in T2's class go with them; the rest stay.
    expect(rows(result.dir, 'enrollments.csv').map((e) => `${e.class_id}/${e.student_id}`)).toEqual(['C1/S1', 'C2/S3', 'C2/S4', 'C1/S6']);
    expect(result.log).toContain('Inactive records (drop): no status column: inactive students and teachers are not sent, nor their enrollments and classes.');
    expect(result.log.filter((l) => /inactive|reference inactive/.test(l) && !l.startsWith('Inactive records'))).toEqual([
      'teachers.csv: inactive teachers: 1 dropped (Five-file provisioning set (schools, teachers, students, classes, enrollments): no status column: inactive students and teachers are not sent, nor their enrollments and classes).',
      'students.csv: inactive students: 1 dropped (Five-file provisioning set (schools, teachers, students, classes, enrollments): no status column: inactive students and teachers are not sent, nor their enrollments and classes).',
      'classes.csv: 1 row(s) dropped because they reference inactive records left out of teachers.csv.',
      'enrollments.csv: 2 row(s) dropped because they reference inactive records left out of classes.csv, students.csv.',
    ]);
  });

  it('Clever: home languages become Clever words; one outside Clever’s list is an error naming it; inactive enrollments never trip the reference check', async () => {
    // Block on any error: every row is written, so the files show what each value became.
    const result = await run('clever', 'clever', { onValidationError: 'block' });
    expect(result.status).toBe('failed');
    expect(result.findings.filter((f) => f.column === 'Home_language')).toEqual([
      expect.objectContaining({ severity: 'error', file: 'students.csv', value: 'Klingon', rule: 'map', origin: 'students row 3', message: expect.stringMatching(/^"Klingon" is not in the value map/) }),
    ]);
    // Clever's Race takes letters: the unknown race is an error there too, not passed on; a known one becomes its letter.
    expect(result.findings.filter((f) => f.column === 'Race' && f.row > 0).map((f) => [f.rule, f.value])).toEqual(Array(3).fill(['map', 'White, Non-Hispanic']));
    expect(result.findings.filter((f) => f.rule === 'reference')).toEqual([]);
    const students = rows(result.dir, 'students.csv');
    expect(students.map((s) => [s.Student_id, s.Home_language])).toEqual([
      ['S1', 'English'],
      ['S2', 'Mandarin'],
      ['S3', 'Klingon'],
      ['S4', 'Spanish'],
      ['S5', 'English'],
      ['S6', 'English'],
    ]);
    expect(rows(result.dir, 'students.csv').find((s) => s.Student_id === 'S6')!.Race).toBe('W');
    expect(rows(result.dir, 'sections.csv').map((s) => s.Section_id)).toEqual(['C1', 'C2']);
    expect(rows(result.dir, 'enrollments.csv').map((e) => `${e.Section_id}/${e.Student_id}`)).toEqual(['C1/S1', 'C2/S3', 'C2/S4', 'C1/S6']);
  });

  it('SDS v2.1: a username without a domain is an error naming the row, until the destination sets usernameDomain', async () => {
    // Block on any error: the username is the only error (left out, its roles and enrollments would follow).
    const refused = await run('sds', 'microsoft-sds-2.1', { onValidationError: 'block' });
    expect(refused.status).toBe('failed');
    expect(refused.findings.filter((f) => f.severity === 'error')).toEqual([
      expect.objectContaining({ file: 'users.csv', column: 'username', value: 'pbaker000107', rule: 'pattern', origin: 'students row 3', message: expect.stringContaining('usernameDomain') }),
    ]);
    const result = await run('sds-domain', 'microsoft-sds-2.1', { formatOptions: { usernameDomain: 'students.lakeview.example.org' } });
    expect(result.status, result.message).toBe('success');
    const users = rows(result.dir, 'users.csv');
    expect(users.find((u) => u.sourcedId === 'S3')!.username).toBe('pbaker000107@students.lakeview.example.org');
    expect(users.map((u) => u.sourcedId)).not.toContain('S9');
    expect(rows(result.dir, 'roles.csv').map((r) => r.userSourcedId)).not.toContain('S9');
    expect(rows(result.dir, 'enrollments.csv').map((e) => e.userSourcedId)).not.toContain('S9');
  });

  it('seed 000 without Google sign-in: no password source stops the run before writing; birth-date passwords deliver, without the inactive student or their parent', async () => {
    const refused = await run('nightly', 'students-upper-snake', { formatOptions: { googleSso: false, includeParents: true } });
    expect(refused.status).toBe('failed');
    expect(refused.message).toMatch(/^students\.csv: no source column for password in the students rows, and students\.csv requires PASSWORD/);
    const result = await run('nightly-dates', 'students-upper-snake', { formatOptions: { googleSso: false, passwordsAreDates: true, includeParents: true } });
    expect(result.status, result.message).toBe('success');
    const students = rows(result.dir, 'students.csv');
    expect(students.map((s) => [s.STUDENT_ID, s.PASSWORD])).toEqual([
      ['S1', '3/7/2017'],
      ['S2', '5/1/2017'],
      ['S3', '2/11/2016'],
      ['S4', '9/30/2016'],
      ['S5', '12/24/2015'],
      ['S6', '4/4/2020'],
    ]);
    expect(rows(result.dir, 'parents.csv').map((p) => `${p.PARENT_ID}/${p.STUDENT_ID}`)).toEqual(['G1/S1', 'G2/S6']);
  });

  it('ClassTag (OneRoster users/classes/enrollments): inactive students and their enrollments are dropped; a blank relationship is a guardian', async () => {
    const result = await run('classtag', 'oneroster-users-classes-enrollments');
    expect(result.status, result.message).toBe('success');
    const users = rows(result.dir, 'users.csv');
    expect(users.map((u) => u.sourcedId)).not.toContain('S9');
    expect(users.find((u) => u.sourcedId === 'G1')!.role).toBe('guardian');
    // S9's enrollment goes; T2's class stays (ClassTag's classes name no teacher), and so does its enrollment.
    expect(rows(result.dir, 'enrollments.csv').map((e) => e.userSourcedId)).toEqual(['S1', 'S3', 'S4', 'S5', 'T1', 'S6']);
  });
});
