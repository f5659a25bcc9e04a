/**
 * A corpus of bad SIS inputs, each in its own small SQLite SIS read through the real pipeline:
 * duplicate IDs, orphan enrollments, blank required fields, invalid grades, malformed emails,
 * 9-digit SSIDs, commas and quotes in a no-quotes format, rows matching no student, one email
 * standing for two people. Each produces the expected finding (file, row, column, value, rule,
 * message, severity) and never a crash; with onValidationError 'block' nothing is delivered, with
 * 'skip-rows' exactly the bad rows are left out and reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { Entity } from '../../src/shared/format.js';
import type { Finding } from '../../src/shared/run.js';

type Table = { columns: string[]; rows: (string | null)[][] };
let ctx: AgentContext;
let root: string;

/** A tiny SIS: one table per entity, with the canonical field names, read with SELECT *. */
function sis(name: string, tables: Partial<Record<Entity, Table>>): string {
  const path = join(root, `${name}.db`);
  const db = new Database(path);
  for (const [entity, t] of Object.entries(tables)) {
    db.exec(`CREATE TABLE ${entity} (${t!.columns.map((c) => `"${c}" TEXT`).join(', ')})`);
    const insert = db.prepare(`INSERT INTO ${entity} VALUES (${t!.columns.map(() => '?').join(', ')})`);
    for (const r of t!.rows) insert.run(...r);
  }
  db.close();
  ctx.store.saveSource(
    sourceConfigSchema.parse({
      name,
      type: 'sqlite',
      settings: { path },
      entities: Object.fromEntries(Object.keys(tables).map((e) => [e, { query: `SELECT * FROM ${e} ORDER BY rowid` }])),
    }),
  );
  return name;
}

async function run(source: string, format: string, mode: 'block' | 'skip-rows', extra: Record<string, unknown> = {}): Promise<RunResult & { out: string }> {
  const name = `${source}-${mode}`;
  const out = join(root, 'out', name);
  // These SIS are a handful of rows, so any bad row is a large share of its file: the error budget is
  // lifted here (it is tested on its own in formats-roles.test.ts).
  const budget = mode === 'skip-rows' ? { maxBadRowShare: 1 } : {};
  ctx.store.saveDestination(destinationConfigSchema.parse({ name, source, format, type: 'folder', settings: { path: out }, onValidationError: mode, ...budget, ...extra }));
  ctx.store.replaceSiteMap(name, [
    { schoolCode: '003', siteId: 'S3', label: 'Lincoln' },
    { schoolCode: '005', siteId: 'S5', label: 'Cedar' },
  ]);
  const result = await runDestination(ctx, name, { trigger: 'manual' });
  // These tiny SIS tables leave out most optional fields on purpose; the "no source column" warnings
  // that earns are tested in formats-values.test.ts, not here.
  return { ...result, findings: without(result.findings, 'missing-source-field'), out };
}

const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');
const without = (findings: readonly Finding[], rule: string): Finding[] => findings.filter((f) => f.rule !== rule);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rs-bad-'));
  ctx = openAgent(join(root, 'home'));
});
afterAll(() => closeAgent(ctx));

describe('five-file provisioning: duplicates, orphans, blanks, malformed emails, commas in a no-quotes format', () => {
  let source: string;
  beforeAll(() => {
    source = sis('provisioning', {
      schools: {
        columns: ['school_code', 'name'],
        rows: [
          ['003', 'Lincoln Elementary'],
          ['005', 'Cedar Ridge Middle School for the Performing and the Visual Arts'],
          ['009', 'Lincoln, East Elementary'],
        ],
      },
      teachers: {
        columns: ['teacher_id', 'school_codes', 'first_name', 'last_name', 'email', 'phone'],
        rows: [
          ['T1', '003', 'Ann', 'Lee', 'ann.lee@school.org', '(503) 555-0100'],
          ['T2', '003', 'Bo', 'Kim', 'bo@@school.org', null],
          ['T3', '005', 'Cy', '', 'cy@school.org', null],
        ],
      },
      students: {
        columns: ['student_id', 'school_codes', 'first_name', 'last_name', 'email', 'phone', 'sms'],
        rows: [
          ['000101', '003', 'Zoë', "O'Brien", 'zoe@students.org', null, null],
          ['000102', '003', 'Max', 'Ng', 'max@students', null, null],
          ['000101', '005', 'Zed', 'Twin', null, null, null],
          ['000103', '005', 'Ida', 'Moss', null, '555-0199', null],
        ],
      },
      classes: {
        columns: ['class_id', 'school_code', 'title', 'teacher_id'],
        rows: [
          ['C1', '003', 'Math 1', 'T1'],
          ['C2', '005', 'Art "Studio"', 'T9'],
        ],
      },
      enrollments: {
        columns: ['class_id', 'user_id', 'role', 'school_code'],
        rows: [
          ['C1', '000101', 'student', '003'],
          ['C404', '000103', 'student', '005'],
          ['C1', '999999', 'student', '003'],
          ['C1', 'T1', 'teacher', '003'],
        ],
      },
    });
  });

  const expected: Finding[] = [
    {
      severity: 'warning', file: 'schools.csv', row: 2, column: 'school_name', value: 'Cedar Ridge Middle School for the Performing and the Visual Arts', rule: 'length',
      message: '64 characters; the vendor truncates after 60', origin: 'schools row 2',
    },
    {
      severity: 'error', file: 'teachers.csv', row: 2, column: 'email', value: 'bo@@school.org', rule: 'email',
      message: '"bo@@school.org" is not valid; expected an email address such as name@school.org', origin: 'teachers row 2',
    },
    { severity: 'error', file: 'teachers.csv', row: 3, column: 'last_name', value: '', rule: 'required', message: 'required; the vendor rejects rows without it', origin: 'teachers row 3' },
    {
      severity: 'error', file: 'students.csv', row: 2, column: 'email', value: 'max@students', rule: 'email',
      message: '"max@students" is not valid; expected an email address such as name@school.org', origin: 'students row 2',
    },
    {
      severity: 'error', file: 'students.csv', row: 3, column: 'student_id', value: '000101', rule: 'unique',
      message: 'student_id must be unique; this value appears earlier in students.csv.', origin: 'students row 3',
    },
    { severity: 'error', file: 'classes.csv', row: 2, column: 'teacher_id', value: 'T9', rule: 'reference', message: 'T9 is not a teachers.csv record in this delivery.', origin: 'classes row 2' },
    { severity: 'error', file: 'enrollments.csv', row: 2, column: 'class_id', value: 'C404', rule: 'reference', message: 'C404 is not a classes.csv record in this delivery.', origin: 'enrollments row 2' },
    { severity: 'error', file: 'enrollments.csv', row: 3, column: 'student_id', value: '999999', rule: 'reference', message: '999999 is not a students.csv record in this delivery.', origin: 'enrollments row 3' },
  ];

  it('blocks the run, reports every problem where it is, and delivers nothing', async () => {
    const result = await run(source, 'five-file-provisioning', 'block');
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^7 validation error\(s\); nothing was delivered\. First: teachers\.csv row 2 email "bo@@school\.org"/);
    expect(without(result.findings, 'phone')).toEqual(expected);
    // A 7-digit local phone is kept as digits and reported as a warning, not an error.
    expect(result.findings.filter((f) => f.rule === 'phone')).toEqual([expect.objectContaining({ severity: 'warning', file: 'students.csv', row: 4, column: 'phone', value: '555-0199' })]);
    expect(existsSync(result.out)).toBe(false);
    expect(without(ctx.store.getRunDetail(result.runId)!.findings, 'missing-source-field')).toHaveLength(result.findings.length);
  });

  it('with skip-rows leaves exactly the bad rows out, reports them, and delivers the rest', async () => {
    const result = await run(source, 'five-file-provisioning', 'skip-rows');
    expect(result.status).toBe('partial');
    expect(result.errors).toBe(7);
    // The same problems, found at the same SIS rows; nothing else refers to the rows left out, so nothing cascades.
    expect(without(result.findings, 'phone').map((f) => [f.file, f.origin, f.column, f.value, f.rule])).toEqual(expected.map((f) => [f.file, f.origin, f.column, f.value, f.rule]));
    // Free text never fails the night in this no-quotes format: the comma in a school name is rewritten like a name's.
    expect(read(result.out, 'schools.csv')).toBe('school_id,school_name\r\n003,Lincoln Elementary\r\n005,Cedar Ridge Middle School for the Performing and the Visual Arts\r\n009,Lincoln East Elementary\r\n');
    expect(read(result.out, 'teachers.csv')).toBe('school_id,teacher_id,first_name,last_name,email,phone\r\n003,T1,Ann,Lee,ann.lee@school.org,+15035550100\r\n');
    expect(read(result.out, 'students.csv')).toBe(
      "school_id,student_id,first_name,last_name,email,phone\r\n003,000101,Zoë,O'Brien,zoe@students.org,\r\n005,000103,Ida,Moss,,5550199\r\n",
    );
    expect(read(result.out, 'classes.csv')).toBe('school_id,class_id,class_name,teacher_id\r\n003,C1,Math 1,T1\r\n');
    expect(read(result.out, 'enrollments.csv')).toBe('school_id,class_id,student_id\r\n003,C1,000101\r\n');
  });
});

describe('students-upper-snake: invalid grades, malformed emails, unmapped schools, empty rows', () => {
  let source: string;
  beforeAll(() => {
    source = sis('upper', {
      students: {
        columns: ['student_id', 'first_name', 'last_name', 'grade', 'school_codes', 'email'],
        rows: [
          ['000101', 'Ana', 'Ruiz', 'Grade 15', '003', 'ana@school.org'],
          ['000102', 'Ben', 'Ode', 'Pre-K', '003', 'ben at school.org'],
          ['000103', 'Cai', 'Wu', '1st', '099', 'cai@school.org'],
          [null, null, null, null, null, null],
          ['000105', 'Dee', 'Fox', 'KG', '005', ' DEE@School.ORG '],
        ],
      },
    });
  });

  it('reports each problem once, at the value the SIS sent, and keeps good rows', async () => {
    const result = await run(source, 'students-upper-snake', 'skip-rows');
    expect(result.status).toBe('partial');
    expect(result.findings).toEqual([
      {
        severity: 'error', file: 'students.csv', row: 1, column: 'GRADE', value: 'Grade 15', rule: 'grade',
        message: 'grade "Grade 15" is not recognised; expected a grade such as IT PR PK TK KG 01–12 13 PS UG Other (also K, 0, -1, Pre-K, 1st, First, Grade 1)', origin: 'students row 1',
      },
      {
        severity: 'error', file: 'students.csv', row: 1, column: 'EMAIL', value: 'ben at school.org', rule: 'email',
        message: '"ben at school.org" is not valid; expected an email address such as name@school.org', origin: 'students row 2',
      },
      { severity: 'error', file: 'students.csv', row: 1, column: 'SITE_ID', value: '099', rule: 'site-map', message: 'school code 099 is not in the site map', origin: 'students row 3' },
      ...['STUDENT_ID', 'FIRST_NAME', 'LAST_NAME', 'GRADE', 'SITE_ID'].map((column) => ({
        severity: 'error', file: 'students.csv', row: 1, column, value: '', rule: 'required', message: 'required; the vendor rejects rows without it', origin: 'students row 4',
      })),
    ]);
    expect(read(result.out, 'students.csv')).toBe('STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,SCHOOL_NAME,EMAIL\r\n000105,Dee,Fox,0,S5,Cedar,dee@school.org\r\n');
  });
});

describe('demographics: 9-digit SSIDs, rows matching no student, unknown genders and flags', () => {
  let source: string;
  beforeAll(() => {
    source = sis('demo-graphics', {
      students: {
        columns: ['state_id', 'email', 'gender', 'ethnicity', 'race', 'english_learner', 'migrant', 'gifted', 'special_ed', 'economically_disadvantaged', 'homeless', 'foster'],
        rows: [
          ['123456789', 'a@s.org', 'F', '', 'W', 'N', 'N', 'N', 'N', 'N', 'N', 'N'],
          ['', '', 'M', '', 'W', 'N', 'N', 'N', 'N', 'N', 'N', 'N'],
          ['0123456789', '', 'Q', '', 'B', 'maybe', 'N', 'N', 'N', 'N', 'N', 'N'],
          ['', 'ok@s.org', 'female', 'Hispanic', 'A', 'y', '1', 'true', 'x', 'no', '0', ''],
        ],
      },
    });
  });

  it('names the expected 10-digit pattern, the SSID-or-email rule and the unknown values', async () => {
    const result = await run(source, 'demographics-yn', 'skip-rows');
    expect(result.findings).toEqual([
      {
        severity: 'error', file: 'demographics.csv', row: 1, column: 'SSID', value: '123456789', rule: 'pattern',
        message: '"123456789" does not match; expected a 10-digit state student ID (pattern \\d{10})', origin: 'students row 1',
      },
      {
        severity: 'error', file: 'demographics.csv', row: 1, column: 'SSID|email', value: '', rule: 'any-of',
        message: 'at least one of SSID or email must have a value: the vendor matches students by SSID or email', origin: 'students row 2',
      },
      {
        severity: 'error', file: 'demographics.csv', row: 1, column: 'gender', value: 'Q', rule: 'gender',
        message: 'gender "Q" is not recognised; expected M, F, X, male, female, other or non-binary', origin: 'students row 3',
      },
      {
        severity: 'error', file: 'demographics.csv', row: 1, column: 'english_learner', value: 'maybe', rule: 'bool',
        message: '"maybe" is not a yes/no value; expected Y, N, yes, no, true, false, 1, 0, x or blank', origin: 'students row 3',
      },
    ]);
    expect(read(result.out, 'demographics.csv')).toBe(
      'SSID,email,gender,ethnicity,race,english_learner,migrant,gifted_learner,special_ed,sed,homeless,foster\r\n,ok@s.org,F,Hispanic,Asian,Y,Y,Y,Y,N,N,N\r\n',
    );
  });
});

describe('OneRoster users/classes/enrollments: guardians that are not in the file, too many guardians', () => {
  it('reports a guardian link to nobody as a reference error and the 7th guardian as a warning', async () => {
    const source = sis('classtag', {
      students: {
        columns: ['student_id', 'school_codes', 'first_name', 'last_name', 'guardian_ids', 'grade'],
        rows: [
          ['S1', '003', 'Ann', 'Lee', 'G1;G2;G3;G4;G5;G6;G7', '3'],
          ['S2', '003', 'Bo', 'Lee', 'G1;GX', 'K'],
        ],
      },
      guardians: {
        columns: ['guardian_id', 'school_codes', 'first_name', 'last_name', 'relationship', 'language'],
        rows: ['G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7'].map((g) => [g, '003', 'Pat', g, 'Mother', 'Vietnamese']),
      },
      teachers: { columns: ['teacher_id', 'school_codes', 'first_name', 'last_name'], rows: [['T1', '003', 'Tia', 'Ma']] },
      classes: { columns: ['class_id', 'school_code', 'title', 'grades'], rows: [['C1', '003', 'Math', 'K;1']] },
      enrollments: { columns: ['class_id', 'user_id', 'role', 'school_code'], rows: [['C1', 'S1', 'Student', '003'], ['C1', 'T1', 'TEACHER', '003']] },
    });
    const result = await run(source, 'oneroster-users-classes-enrollments', 'block');
    expect(result.status).toBe('failed');
    expect(result.findings).toEqual([
      expect.objectContaining({ severity: 'warning', file: 'users.csv', row: 1, column: 'agentSourcedIds', rule: 'max-count', value: 'G1;G2;G3;G4;G5;G6;G7' }),
      { severity: 'error', file: 'users.csv', row: 2, column: 'agentSourcedIds', value: 'GX', rule: 'reference', message: 'GX is not a users.csv record in this delivery.', origin: 'students row 2' },
    ]);
  });
});

describe('flat roster: one email standing for two people, one class ID for two classes', () => {
  it('reports the inconsistent rows with the first row they contradict', async () => {
    const columns = ['school_code', 'school_name', 'teacher_email', 'teacher_first_name', 'teacher_last_name', 'class_id', 'class_name', 'student_first_name', 'student_last_name', 'student_email', 'student_grade', 'course_id'];
    const source = sis('innerorbit', {
      roster: {
        columns,
        rows: [
          ['007', 'High', 'kim@s.org', 'Jo', 'Kim', 'C1', 'Math', 'Ann', 'Lee', 'ann@s.org', '9', 'M9'],
          ['007', 'High', 'kim@s.org', 'Jo', 'Kim', 'C1', 'Math', 'Bo', 'Ng', 'bo@s.org', '9', 'M9'],
          ['007', 'High', 'kim@s.org', 'Joe', 'Kim', 'C2', 'Art', 'Ann', 'Lee', 'ann@s.org', '9', 'A9'],
          ['007', 'High', 'kim@s.org', 'Jo', 'Kim', 'C1', 'Mathematics', 'Cy', 'Ode', 'cy@s.org', '9', 'M9'],
          ['007', 'High', 'kim@s.org', 'Jo', 'Kim', 'C2', 'Art', 'Dee', 'Fox', 'ann@s.org', '10', 'A9'],
          ['008', 'Other', 'x@s.org', 'X', 'Y', 'C9', 'Gym', 'Eve', 'Ray', 'eve@s.org', '9', 'G9'],
        ],
      },
    });
    const result = await run(source, 'flat-roster', 'skip-rows', { rowFilters: [{ field: 'course_id', values: ['M9', 'A9'] }] });
    expect(result.findings).toEqual([
      {
        severity: 'error', file: 'roster.csv', row: 3, column: 'teacher_first_name', value: 'Joe', rule: 'consistent',
        message: 'teacher_email kim@s.org has teacher_first_name "Jo" on row 1; one teacher_email must stand for one record', origin: 'roster row 3',
      },
      {
        severity: 'error', file: 'roster.csv', row: 3, column: 'class_name', value: 'Mathematics', rule: 'consistent',
        message: 'class_id C1 has class_name "Math" on row 1; one class_id must stand for one record', origin: 'roster row 4',
      },
      {
        severity: 'error', file: 'roster.csv', row: 3, column: 'student_first_name', value: 'Dee', rule: 'consistent',
        message: 'student_email ann@s.org has student_first_name "Ann" on row 1; one student_email must stand for one record', origin: 'roster row 5',
      },
      expect.objectContaining({ column: 'student_last_name', value: 'Fox', rule: 'consistent', origin: 'roster row 5' }),
      expect.objectContaining({ column: 'student_grade_level', value: '10', rule: 'consistent', origin: 'roster row 5' }),
    ]);
    expect(read(result.out, 'roster.csv').split('\r\n').slice(1, -1).map((l) => l.split(',').slice(5, 10).join(','))).toEqual([
      'C1,Math,Ann,Lee,ann@s.org',
      'C1,Math,Bo,Ng,bo@s.org',
    ]);
  });
});
