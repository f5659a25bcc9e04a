/**
 * The RosarioSIS profile against a fixture of RosarioSIS's published schema loaded into the real
 * PostgreSQL of this machine (test/fixtures/sis/rosariosis.sql): each entity's query yields the rows
 * the fixture says it should, with RosarioSIS's quirks handled, and a configuration with only
 * `type: postgres`, `profile: rosariosis` and connection settings, imported with `config import`,
 * delivers a valid OneRoster 1.1 set with `rostersync run`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { rosarioSis } from '../../src/profiles/rosariosis.js';
import type { Entity } from '../../src/shared/format.js';
import type { Row } from '../../src/sources/types.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';
import { readProfileEntities } from '../helpers/profile-delivery.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { checkOneRosterSet } from '../helpers/oneroster-check.js';

const opened = closeAfterAll();
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/sis/rosariosis.sql');

const ROSARIOSIS_COUNTS = { schools: 2, terms: 8, courses: 4, classes: 5, students: 7, teachers: 4, guardians: 3, enrollments: 15 } as const;

async function loadRosario(): Promise<TestDatabase> {
  const db = await createPostgresDatabase('rs_rosario');
  opened.databases.push(db);
  await db.exec(fs.readFileSync(FIXTURE, 'utf8'));
  return db;
}

const byKey = (rows: readonly Row[], key: string): Map<string, Row> => new Map(rows.map((r) => [r[key] ?? '', r]));
const keys = (rows: readonly Row[] | undefined, key: string): string[] => (rows ?? []).map((r) => r[key] ?? '').sort();

describe('RosarioSIS profile on PostgreSQL', () => {
  let db: TestDatabase;
  let rows: Partial<Record<Entity, Row[]>>;
  beforeAll(async () => {
    db = await loadRosario();
    rows = await readProfileEntities(rosarioSis, 'postgres', db.settings);
  }, 60_000);

  it('reads the rows the fixture expects for every entity', () => {
    expect(Object.fromEntries(Object.entries(rows).map(([e, r]) => [e, r.length]))).toEqual(ROSARIOSIS_COUNTS);
  });

  it('reads the current year (the newest syear with enrollments) only, with school_number codes and their leading zeros', () => {
    const schools = byKey(rows.schools!, 'school_code');
    expect([...schools.keys()]).toEqual(['0042', '007']);
    expect(schools.get('0042')).toMatchObject({ name: 'Lincoln Elementary', low_grade: 'KG', high_grade: '02', phone: '217-555-0100' });
    expect(schools.get('007')).toMatchObject({ low_grade: '09', high_grade: '12', address: null });
    expect(keys(rows.terms, 'term_id')).toEqual(['10', '11', '12', '13', '14', '20', '21', '22']);
    const terms = byKey(rows.terms!, 'term_id');
    expect(terms.get('10')).toMatchObject({ type: 'schoolYear', school_year: '2026', parent_id: null, start_date: '2025-08-20' });
    expect(terms.get('13')).toMatchObject({ type: 'gradingPeriod', parent_id: '11' });
    expect(terms.get('21')).toMatchObject({ type: 'semester', title: 'Fall', parent_id: '20' });
    expect(keys(rows.courses, 'course_id')).toEqual(['101', '102', '103', '104']);
    expect(byKey(rows.courses!, 'course_id').get('102')).toMatchObject({ title: 'Reading 1', grades: '01', subjects: 'Reading', school_code: '0042', school_year_id: '10' });
    expect(byKey(rows.courses!, 'course_id').get('104')).toMatchObject({ grades: null, course_code: null, school_code: '007', school_year_id: '20' });
  });

  it('names classes, periods and rooms, and gives teachers the ID of their first year (rollover_id followed)', () => {
    const classes = byKey(rows.classes!, 'class_id');
    expect([...classes.keys()]).toEqual(['201', '202', '203', '204', '205']);
    expect(classes.get('201')).toMatchObject({ teacher_id: 'T2', term_ids: '10', periods: 'P1', room: '101', grades: 'KG', subjects: 'Math' });
    expect(classes.get('202')).toMatchObject({ title: 'Reading 1', teacher_id: 'T3', room: '102', term_ids: '11' });
    expect(classes.get('203')).toMatchObject({ periods: '1;Second', school_code: '007' });
    expect(classes.get('205')).toMatchObject({ teacher_id: 'T17', room: null });

    expect(keys(rows.teachers, 'teacher_id')).toEqual(['T15', 'T17', 'T2', 'T3']);
    const teachers = byKey(rows.teachers!, 'teacher_id');
    expect(teachers.get('T2')).toMatchObject({ first_name: 'Tom', school_codes: '0042', phone: '217-555-0111', username: 'thill' });
    expect(teachers.get('T3')).toMatchObject({ first_name: 'Ana', middle_name: 'Marie', school_codes: '0042;007', phone: null });
    expect(teachers.get('T17')).toMatchObject({ school_codes: '007' });
  });

  it('keeps actively enrolled students, reads the custom fields and links parents through students_join_users', () => {
    expect(keys(rows.students, 'student_id')).toEqual(['1', '2', '3', '4', '7', '8', '9']);
    const students = byKey(rows.students!, 'student_id');
    expect(students.get('1')).toMatchObject({ gender: 'Female', birth_date: '2019-03-07', preferred_name: 'Annie', grade: 'KG', school_codes: '0042', guardian_ids: 'P4', language: 'English' });
    expect(students.get('2')).toMatchObject({ middle_name: null, guardian_ids: 'P16', grade: '01' });
    expect(students.get('3')).toMatchObject({ gender: null, birth_date: null, preferred_name: null, language: null, username: null, guardian_ids: 'P16' });
    expect(students.get('8')).toMatchObject({ school_codes: '0042;007', guardian_ids: 'P19' });

    expect(keys(rows.guardians, 'guardian_id')).toEqual(['P16', 'P19', 'P4']);
    const guardians = byKey(rows.guardians!, 'guardian_id');
    expect(guardians.get('P4')).toMatchObject({ student_ids: '1', school_codes: '0042', phone: '217-555-0132', email: 'paula.lee@mail.test' });
    expect(guardians.get('P16')).toMatchObject({ student_ids: '2;3', email: null });
    expect(guardians.get('P19')).toMatchObject({ school_codes: '0042;007' });
  });

  it('enrolls students from open schedule rows once each, and primary and secondary teachers', () => {
    expect(keys(rows.enrollments, 'enrollment_id')).toEqual(
      ['S1-201', 'S2-202', 'S3-202', 'S4-203', 'S4-204', 'S7-205', 'S8-201', 'S8-203', 'S9-204', 'T201', 'T202', 'T203', 'T204', 'T205', 'T2-202'].sort(),
    );
    const enrollments = byKey(rows.enrollments!, 'enrollment_id');
    expect(enrollments.get('S7-205')).toMatchObject({ begin_date: '2025-08-20', role: 'student', school_code: '007' });
    expect(enrollments.get('T2-202')).toMatchObject({ user_id: 'T2', primary: 'false' });
    expect(enrollments.get('T202')).toMatchObject({ user_id: 'T3', primary: 'true' });
  });

  it('config import of a source with only type, profile and settings, then rostersync run, delivers a valid OneRoster 1.1 set', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-rosario-cli-'));
    opened.dirs.push(home);
    const outbox = path.join(home, 'outbox');
    const configFile = path.join(home, 'rosario.yaml');
    fs.writeFileSync(
      configFile,
      YAML.stringify({
        version: 1,
        sources: [{ name: 'rosario', type: 'postgres', profile: 'rosariosis', settings: db.settings }],
        destinations: [{ name: 'oneroster', source: 'rosario', format: 'oneroster-1.1', type: 'folder', unmappedSchool: 'use-sis-code', settings: { path: outbox } }],
      }),
    );
    const cli = cliInProcess(home);
    const imported = await cli('config', 'import', configFile);
    expect(imported.code, imported.err).toBe(0);
    const exported = await cli('config', 'export');
    expect(exported.out).toMatch(/profile: rosariosis/);
    expect((await cli('source', 'list')).out).toMatch(/rosario {2}\(PostgreSQL; profile rosariosis; entities: all from the profile\)/);
    const sample = await cli('source', 'sample', 'rosario', 'teachers', '--json');
    expect(sample.code, sample.err).toBe(0);
    expect((JSON.parse(sample.out) as { rows: { teacher_id: string }[] }).rows.map((r) => r.teacher_id)).toEqual(['T2', 'T3', 'T15', 'T17']);
    const run = await cli('run', 'oneroster');
    expect(run.code, `${run.out}\n${run.err}`).toBe(0);
    const check = checkOneRosterSet(outbox);
    expect(check.problems).toEqual([]);
    const c = ROSARIOSIS_COUNTS;
    expect(check.rows).toMatchObject({
      orgs: c.schools,
      academicSessions: c.terms,
      courses: c.courses,
      classes: c.classes,
      users: c.students + c.teachers + c.guardians,
      enrollments: c.enrollments,
      demographics: c.students,
    });
  }, 180_000);

  it('source detect names RosarioSIS with the evidence; an empty database says what was looked for', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-rosario-detect-'));
    opened.dirs.push(home);
    const empty = await createPostgresDatabase('rs_empty');
    opened.databases.push(empty);
    const configFile = path.join(home, 'sources.yaml');
    fs.writeFileSync(
      configFile,
      YAML.stringify({ version: 1, sources: [{ name: 'rosario', type: 'postgres', settings: db.settings }, { name: 'empty', type: 'postgres', settings: empty.settings }] }),
    );
    const cli = cliInProcess(home);
    expect((await cli('config', 'import', configFile)).code).toBe(0);
    const found = await cli('source', 'detect', 'rosario');
    expect(found.code, found.err).toBe(0);
    expect(found.out).toMatch(/tables students, student_enrollment, schools, school_marking_periods, courses, course_periods, schedule, staff, students_join_users found: RosarioSIS/);
    expect(found.out).toMatch(/profile: rosariosis/);
    const none = await cli('source', 'detect', 'empty');
    expect(none.code).toBe(1);
    expect(none.out).toMatch(/No SIS profile matches this database\. Looked for: RosarioSIS \(tables students, student_enrollment, .*; missing table students, table student_enrollment/);
  }, 120_000);

  it('a run stops before reading when a table or column the profile reads is missing, naming it and the profile', async () => {
    const broken = await loadRosario();
    await broken.exec('ALTER TABLE schedule DROP COLUMN end_date; DROP TABLE students_join_users');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-rosario-broken-'));
    opened.dirs.push(home);
    const configFile = path.join(home, 'rosario.yaml');
    fs.writeFileSync(
      configFile,
      YAML.stringify({
        version: 1,
        sources: [{ name: 'rosario', type: 'postgres', profile: 'rosariosis', settings: broken.settings }],
        destinations: [{ name: 'oneroster', source: 'rosario', format: 'oneroster-1.1', type: 'folder', unmappedSchool: 'use-sis-code', settings: { path: path.join(home, 'outbox') } }],
      }),
    );
    const cli = cliInProcess(home);
    expect((await cli('config', 'import', configFile)).code).toBe(0);
    const run = await cli('run', 'oneroster');
    expect(run.code).not.toBe(0);
    expect(`${run.out}${run.err}`).toMatch(
      /Source "rosario" lacks column schedule\.end_date; table students_join_users, which profile rosariosis \(RosarioSIS\) expects/,
    );
    expect(fs.existsSync(path.join(home, 'outbox'))).toBe(false);
  }, 120_000);

  it('profile list, show, clone and import: a clone is checked like any custom profile, and a write query is refused by name', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-rosario-profiles-'));
    opened.dirs.push(home);
    const cli = cliInProcess(home);
    const list = await cli('profile', 'list');
    expect(list.out).toMatch(/^rosariosis\s+built-in\s+RosarioSIS \[postgres\]\s+Tested in CI/m);
    const show = await cli('profile', 'show', 'rosariosis');
    expect(show.out).toMatch(/NULLIF\(TRIM\(s\.school_number\), ''\) AS school_code/);
    const file = path.join(home, 'my-rosario.yaml');
    expect((await cli('profile', 'clone', 'rosariosis', 'my-rosario', '--file', file)).code).toBe(0);
    const clone = YAML.parse(fs.readFileSync(file, 'utf8'));
    expect(clone).toMatchObject({ id: 'my-rosario', clonedFrom: 'rosariosis', verification: { testedInCi: false } });
    clone.entities.students.query = 'DELETE FROM students';
    fs.writeFileSync(file, YAML.stringify(clone));
    const refused = await cli('profile', 'import', file);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/entities\.students\.query: The query for students under profile my-rosario \(postgres\)/);
    clone.entities.students.query = rosarioSis.entities.students!.query!.replace("'Y' AS enabled", "'true' AS enabled");
    fs.writeFileSync(file, YAML.stringify(clone));
    const imported = await cli('profile', 'import', file);
    expect(imported.code, imported.err).toBe(0);
    expect((await cli('profile', 'list')).out).toMatch(/^my-rosario\s+custom\s+RosarioSIS \(custom\)/m);
  }, 120_000);
});
