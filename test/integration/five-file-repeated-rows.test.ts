/**
 * Five-file provisioning (seed 001) with repeated rows, read from a real PostgreSQL and a real MariaDB:
 * - a teacher at two schools is written once per school (the vendor asks for a row per school);
 * - a student with three guardians, read with a students query joined to every guardian, is written
 *   once per guardian (parent columns on); a student without a guardian once, with blank parent columns;
 * - classes and enrollments still refer to that teacher and student by ID alone, and pass;
 * - the fingerprint diff works on the repeated rows: an unchanged second run changes nothing, a
 *   guardian and a school removed in the SIS are each one row removed;
 * - two rows of one student that disagree on anything but the parent columns are an error naming
 *   the rows (the query, not the vendor, is wrong).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { openAgent, type AgentContext } from '../../src/home/context.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import { createMysqlDatabase, createPostgresDatabase, createTables, type TestDatabase, type TestTable } from '../helpers/databases.js';
import { closeAfterAll } from '../helpers/cleanup.js';

type Engine = 'postgres' | 'mysql';

const TABLES: Record<string, TestTable> = {
  schools: { columns: ['school_code', 'name'], rows: [['003', 'Lincoln Elementary'], ['005', 'Cedar Ridge Middle']] },
  teachers: {
    columns: ['teacher_id', 'school_codes', 'first_name', 'last_name', 'email', 'phone'],
    rows: [
      ['T1', '003;005', 'Ann', 'Lee', 'ann.lee@school.org', '(503) 555-0100'],
      ['T2', '005', 'Bo', 'Kim', 'bo.kim@school.org', null],
    ],
  },
  pupils: {
    columns: ['student_id', 'school_code', 'first_name', 'last_name', 'email'],
    rows: [
      ['000101', '003', 'Zoë', 'Moss', 'zoe@students.org'],
      ['000102', '005', 'Max', 'Ng', 'max@students.org'],
      ['000103', '005', 'Ida', 'Park', null],
    ],
  },
  contacts: {
    columns: ['guardian_id', 'student_id', 'first_name', 'last_name', 'email', 'phone'],
    rows: [
      ['G1', '000101', 'Mia', 'Moss', 'mia.moss@mail.example.net', '503-555-0101'],
      ['G2', '000101', 'Leo', 'Moss', 'leo.moss@mail.example.net', null],
      ['G3', '000101', 'Eva', 'Stone', null, '+1 971 555 0103'],
      ['G4', '000103', 'Kai', 'Park', 'kai.park@mail.example.net', null],
    ],
  },
  classes: {
    columns: ['class_id', 'school_code', 'title', 'teacher_id'],
    rows: [
      ['C1', '003', 'Math 1', 'T1'],
      ['C2', '005', 'Art', 'T1'],
      ['C3', '005', 'Music', 'T2'],
    ],
  },
  enrollments: {
    columns: ['class_id', 'user_id', 'role', 'school_code'],
    rows: [
      ['C1', '000101', 'student', '003'],
      ['C2', '000102', 'student', '005'],
      ['C3', '000103', 'student', '005'],
    ],
  },
};

/** One row per student and guardian (none: one row, blank parent columns). */
const STUDENTS_QUERY = `SELECT s.student_id, s.school_code AS school_codes, s.first_name, s.last_name, s.email,
  g.first_name AS parent_first_name, g.last_name AS parent_last_name, g.email AS parent_email, g.phone AS parent_phone
FROM pupils s LEFT JOIN contacts g ON g.student_id = s.student_id
ORDER BY s.student_id, g.guardian_id`;

const { databases, contexts, dirs } = closeAfterAll();

describe.each<Engine>(['postgres', 'mysql'])('five-file repeated rows from %s', (engine) => {
  let db: TestDatabase;
  let ctx: AgentContext;
  let out: string;
  let first: RunResult;
  let again: RunResult;
  let fewer: RunResult;
  let conflicting: RunResult;
  let teachersFirst: Record<string, string>[];
  let studentsFirst: Record<string, string>[];
  let teachersAfter: Record<string, string>[];
  let studentsAfter: Record<string, string>[];
  const rows = (file: string): Record<string, string>[] => parse(fs.readFileSync(path.join(out, file), 'utf8'), { columns: true }) as Record<string, string>[];
  const run = (): Promise<RunResult> => runDestination(ctx, 'vendor', { trigger: 'manual' });

  beforeAll(async () => {
    db = engine === 'postgres' ? await createPostgresDatabase('rs_repeat') : await createMysqlDatabase('rs_repeat');
    databases.push(db);
    await createTables(db, TABLES);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), `rs-repeat-${engine}-`));
    dirs.push(home);
    ctx = openAgent(home);
    contexts.push(ctx);
    out = path.join(home, 'out');
    const queries: Record<string, string> = {
      schools: 'SELECT * FROM schools ORDER BY school_code',
      teachers: 'SELECT * FROM teachers ORDER BY teacher_id',
      students: STUDENTS_QUERY,
      classes: 'SELECT * FROM classes ORDER BY class_id',
      enrollments: 'SELECT * FROM enrollments ORDER BY class_id, user_id',
    };
    ctx.store.saveSource(sourceConfigSchema.parse({ name: 'sis', type: engine, settings: db.settings, entities: Object.fromEntries(Object.entries(queries).map(([e, query]) => [e, { query }])) }));
    ctx.store.saveDestination(
      destinationConfigSchema.parse({ name: 'vendor', source: 'sis', format: 'five-file-provisioning', type: 'folder', settings: { path: out }, formatOptions: { includeParents: true } }),
    );

    first = await run();
    teachersFirst = rows('teachers.csv');
    studentsFirst = rows('students.csv');
    again = await run();
    await db.exec("DELETE FROM contacts WHERE guardian_id = 'G2'");
    await db.exec("UPDATE teachers SET school_codes = '003' WHERE teacher_id = 'T1'");
    await db.exec("UPDATE classes SET teacher_id = 'T2' WHERE class_id = 'C2'");
    fewer = await run();
    teachersAfter = rows('teachers.csv');
    studentsAfter = rows('students.csv');
    // A second row for 000103 under another name: the rows of one student disagree.
    await db.exec("INSERT INTO pupils (student_id, school_code, first_name, last_name) VALUES ('000103', '005', 'Ida', 'Parker')");
    conflicting = await run();
  }, 60_000);

  it('delivers, without errors, a teacher at two schools once per school', () => {
    expect(first.status, first.message).toBe('success');
    expect(first.errors).toBe(0);
    expect(teachersFirst.map((t) => `${t.teacher_id}@${t.school_id}`)).toEqual(['T1@003', 'T1@005', 'T2@005']);
    const [atLincoln, atCedar] = teachersFirst.filter((t) => t.teacher_id === 'T1');
    expect({ ...atLincoln, school_id: '' }).toEqual({ ...atCedar, school_id: '' });
    expect(atLincoln).toMatchObject({ first_name: 'Ann', last_name: 'Lee', email: 'ann.lee@school.org', phone: '+15035550100' });
  });

  it('delivers a student with three guardians once per guardian, a student without one once', () => {
    const zoe = studentsFirst.filter((s) => s.student_id === '000101');
    expect(zoe.map((s) => [s.parent_first_name, s.parent_last_name, s.parent_email, s.parent_phone])).toEqual([
      ['Mia', 'Moss', 'mia.moss@mail.example.net', '+15035550101'],
      ['Leo', 'Moss', 'leo.moss@mail.example.net', ''],
      ['Eva', 'Stone', '', '+19715550103'],
    ]);
    for (const row of zoe) expect(row).toMatchObject({ school_id: '003', first_name: 'Zoë', last_name: 'Moss', email: 'zoe@students.org' });
    expect(studentsFirst.filter((s) => s.student_id === '000102')).toEqual([
      { school_id: '005', student_id: '000102', first_name: 'Max', last_name: 'Ng', email: 'max@students.org', phone: '', parent_first_name: '', parent_last_name: '', parent_email: '', parent_phone: '' },
    ]);
    expect(studentsFirst).toHaveLength(5);
  });

  it('diffs repeated rows: nothing changed on the second run; one guardian and one school removed are one row each', () => {
    expect(again.status, again.message).toBe('success');
    for (const d of again.diff) expect(d, d.file).toMatchObject({ added: 0, removed: 0, changed: 0 });
    expect(again.diff.find((d) => d.file === 'students.csv')).toMatchObject({ previous: 5, current: 5, unchanged: 5 });
    expect(fewer.status, fewer.message).toBe('success');
    expect(fewer.diff.find((d) => d.file === 'students.csv')).toMatchObject({ previous: 5, current: 4, removed: 1, added: 0, changed: 0 });
    expect(fewer.diff.find((d) => d.file === 'teachers.csv')).toMatchObject({ previous: 3, current: 2, removed: 1, added: 0, changed: 0, sampleRemoved: ['T1\u001f005'] });
    expect(teachersAfter.map((t) => `${t.teacher_id}@${t.school_id}`)).toEqual(['T1@003', 'T2@005']);
    expect(studentsAfter.filter((s) => s.student_id === '000101').map((s) => s.parent_first_name)).toEqual(['Mia', 'Eva']);
  });

  it('reports two rows of one student that disagree outside the parent columns, naming both rows', () => {
    expect(conflicting.status).toBe('failed');
    const found = conflicting.findings.filter((f) => f.rule === 'consistent');
    expect(found).toEqual([
      expect.objectContaining({ severity: 'error', file: 'students.csv', column: 'last_name', value: expect.stringMatching(/^Park(er)?$/) as unknown }),
    ]);
    expect(found[0]!.message).toMatch(/student_id 000103 has last_name "Park(er)?" on row \d; one student_id must stand for one record \(a record's rows differ only in parent_first_name/);
  });
});
