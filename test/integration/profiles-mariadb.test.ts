/**
 * The MariaDB SIS profiles (openSIS, Gibbon) against fixtures of their published schemas loaded into
 * the real MariaDB of this machine (test/fixtures/sis/*.sql): each entity's query yields the rows the
 * fixture says it should, with the SIS's quirks handled, and a source using the profile delivers a
 * valid OneRoster 1.1 set with those row counts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectProfiles } from '../../src/profiles/detect.js';
import { gibbon } from '../../src/profiles/gibbon.js';
import { BUILT_IN_PROFILES } from '../../src/profiles/registry.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import { openSis } from '../../src/profiles/opensis.js';
import type { Entity } from '../../src/shared/format.js';
import type { Row } from '../../src/sources/types.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { createMysqlDatabase, type TestDatabase } from '../helpers/databases.js';
import { deliverOneRoster, readProfileEntities } from '../helpers/profile-delivery.js';

const opened = closeAfterAll();
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/sis');

/** A fresh database with the fixture loaded; `sqlMode` is the loading session's sql_mode (Gibbon installs run with ''). */
async function loadFixture(name: string, sqlMode?: string): Promise<TestDatabase> {
  const db = await createMysqlDatabase(`rs_${name}`);
  opened.databases.push(db);
  const sql = fs.readFileSync(path.join(FIXTURES, `${name}.sql`), 'utf8');
  await db.exec(`${sqlMode === undefined ? '' : `SET SESSION sql_mode = '${sqlMode}';\n`}${sql}`);
  return db;
}

const byKey = (rows: readonly Row[], key: string): Map<string, Row> => new Map(rows.map((r) => [r[key] ?? '', r]));
const keys = (rows: readonly Row[] | undefined, key: string): string[] => (rows ?? []).map((r) => r[key] ?? '').sort();

/** Rows per OneRoster file for the profile's entity counts (users = students + teachers + guardians). */
function expectedOneRosterRows(counts: Readonly<Record<string, number>>): Record<string, number> {
  return {
    orgs: counts.schools!,
    academicSessions: counts.terms!,
    courses: counts.courses!,
    classes: counts.classes!,
    users: counts.students! + counts.teachers! + counts.guardians!,
    enrollments: counts.enrollments!,
    demographics: counts.students!,
  };
}

describe('openSIS profile on MariaDB', () => {
  let db: TestDatabase;
  let rows: Partial<Record<Entity, Row[]>>;
  beforeAll(async () => {
    db = await loadFixture('opensis');
    rows = await readProfileEntities(openSis, 'mysql', db.settings);
  }, 60_000);

  it('reads the rows the fixture expects for every entity', () => {
    expect(Object.fromEntries(Object.entries(rows).map(([e, r]) => [e, r.length]))).toEqual({
      schools: 2, terms: 8, courses: 5, classes: 6, students: 6, teachers: 4, guardians: 3, enrollments: 14,
    });
  });

  it('keeps the current school year only and handles openSIS quirks', () => {
    expect(keys(rows.terms, 'term_id')).toEqual(['10', '11', '12', '13', '14', '20', '21', '22']);
    const terms = byKey(rows.terms!, 'term_id');
    expect(terms.get('13')).toMatchObject({ type: 'gradingPeriod', parent_id: '11', school_year: '2026', start_date: '2025-08-19' });
    expect(keys(rows.courses, 'course_id')).toEqual(['2', '3', '4', '5', '6']);
    const schools = byKey(rows.schools!, 'school_code');
    expect(schools.get('1')).toMatchObject({ name: 'Lincoln Elementary', low_grade: 'K', high_grade: '2' });
    expect(schools.get('2')).toMatchObject({ low_grade: '9', high_grade: '12' });

    const classes = byKey(rows.classes!, 'class_id');
    expect(classes.get('2')).toMatchObject({ term_ids: '10', periods: 'P1', room: 'Room 101', teacher_id: 'T2', grades: 'K', subjects: 'Math' });
    expect(classes.get('6')).toMatchObject({ title: 'English 10', teacher_id: 'T3' });
    expect(classes.get('7')).toMatchObject({ term_ids: '20', teacher_id: null });

    // dropped (5) and last year's (6) students are left out; Ivy (8) is at both schools
    expect(keys(rows.students, 'student_id')).toEqual(['1', '2', '3', '4', '7', '8']);
    const students = byKey(rows.students!, 'student_id');
    expect(students.get('1')).toMatchObject({ birth_date: '2019-03-07', username: 'annlee', guardian_ids: 'P1', grade: 'K', state_id: '1234567890', enabled: 'Y' });
    expect(students.get('2')).toMatchObject({ birth_date: '2018-04-15', username: 'bcho', guardian_ids: 'P2' });
    expect(students.get('3')).toMatchObject({ birth_date: null, first_name: 'Cara' });
    expect(students.get('4')).toMatchObject({ enabled: 'N', guardian_ids: null });
    expect(students.get('7')).toMatchObject({ birth_date: '2008-09-01' });
    expect(students.get('8')).toMatchObject({ school_codes: '1;2' });

    // teachers are T + staff_id: Tom is staff 2 while Ben is student 2
    expect(keys(rows.teachers, 'teacher_id')).toEqual(['T2', 'T3', 'T4', 'T6']);
    const teachers = byKey(rows.teachers!, 'teacher_id');
    expect(teachers.get('T2')).toMatchObject({ username: 'thill', school_codes: '1' });
    expect(teachers.get('T3')).toMatchObject({ school_codes: '1;2', last_name: 'Park' });
    expect(teachers.get('T4')).toMatchObject({ enabled: 'N' });

    expect(keys(rows.guardians, 'guardian_id')).toEqual(['P1', 'P2', 'P5']);
    const guardians = byKey(rows.guardians!, 'guardian_id');
    expect(guardians.get('P1')).toMatchObject({ student_ids: '1', relationship: 'Mother', sms: '217-555-0132' });
    expect(guardians.get('P2')).toMatchObject({ student_ids: '2;3', phone: '217 555 0141' });

    expect(keys(rows.enrollments, 'enrollment_id')).toEqual(['S1', 'S11', 'S2', 'S3', 'S5', 'S6', 'S7', 'S9', 'T2', 'T2-3', 'T3', 'T4', 'T5', 'T6'].sort());
  });

  it('a source with only type, profile and connection settings delivers a valid OneRoster 1.1 set', async () => {
    const delivery = await deliverOneRoster(opened, { type: 'mysql', profile: 'opensis', settings: db.settings });
    expect(delivery.status, delivery.message).toBe('success');
    expect(delivery.check.problems).toEqual([]);
    expect(delivery.check.rows).toMatchObject(expectedOneRosterRows({ schools: 2, terms: 8, courses: 5, classes: 6, students: 6, teachers: 4, guardians: 3, enrollments: 14 }));
  }, 120_000);
});

describe('Gibbon profile on MariaDB (sql_mode=\'\', zero dates)', () => {
  let db: TestDatabase;
  let rows: Partial<Record<Entity, Row[]>>;
  const id = (n: number): string => String(n).padStart(10, '0');
  beforeAll(async () => {
    db = await loadFixture('gibbon', '');
    rows = await readProfileEntities(gibbon, 'mysql', db.settings);
  }, 60_000);

  it('reads the rows the fixture expects for every entity', () => {
    expect(Object.fromEntries(Object.entries(rows).map(([e, r]) => [e, r.length]))).toEqual({
      schools: 1, terms: 3, courses: 3, classes: 4, students: 3, teachers: 2, guardians: 3, enrollments: 7,
    });
  });

  it('keeps ZEROFILL IDs, empties zero dates and sends a teacher who is a parent in both roles', () => {
    expect(rows.schools![0]).toMatchObject({ school_code: 'GIS', name: 'Gibbon International School', low_grade: '07', high_grade: '09' });
    expect(keys(rows.terms, 'term_id')).toEqual(['00050', '00051', '025']);
    expect(byKey(rows.terms!, 'term_id').get('00051')).toMatchObject({ parent_id: '025', school_year: '2026', type: 'term' });

    const courses = byKey(rows.courses!, 'course_id');
    expect([...courses.keys()].sort()).toEqual(['00000200', '00000201', '00000202']);
    expect(courses.get('00000200')).toMatchObject({ title: 'English 7', grades: '07', school_year_id: '025', subjects: 'English' });
    expect(courses.get('00000201')).toMatchObject({ grades: '08;09' });
    expect(courses.get('00000202')).toMatchObject({ grades: '07;08;09' });

    const classes = byKey(rows.classes!, 'class_id');
    expect(classes.get('00002000')).toMatchObject({ title: 'ENG7.1', teacher_id: id(2), term_ids: '025' });
    expect(classes.get('00002001')).toMatchObject({ teacher_id: null }); // its only teacher left
    expect(classes.get('00002010')).toMatchObject({ teacher_id: id(2) });

    expect(keys(rows.students, 'student_id')).toEqual([id(10), id(11), id(14)]);
    const students = byKey(rows.students!, 'student_id');
    expect(students.get(id(10))).toMatchObject({ birth_date: null, first_name: 'Sara', grade: '07', state_id: '007001', guardian_ids: `P${id(2)}`, gender: 'F' });
    expect(students.get(id(11))).toMatchObject({ birth_date: '2012-02-29', gender: null, phone: '+81 3 5555 0101', guardian_ids: `P${id(20)};P${id(21)}` });
    expect(students.get(id(14))).toMatchObject({ gender: null, guardian_ids: null, grade: '09' });

    expect(keys(rows.teachers, 'teacher_id')).toEqual([id(2), id(3)]);
    expect(keys(rows.guardians, 'guardian_id')).toEqual([`P${id(2)}`, `P${id(20)}`, `P${id(21)}`]);
    const guardians = byKey(rows.guardians!, 'guardian_id');
    expect(guardians.get(`P${id(2)}`)).toMatchObject({ student_ids: id(10), relationship: 'Mother', sms: '+1 555 201 0002', email: 'TESS.GRAY@gibbon.example.org' });
    expect(guardians.get(`P${id(21)}`)).toMatchObject({ email: null, phone: '555-0103', sms: '555-0105', relationship: 'Father' });

    const enrollments = byKey(rows.enrollments!, 'enrollment_id');
    expect([...enrollments.keys()].sort()).toEqual([1, 2, 5, 6, 7, 8, 10].map(id));
    expect(enrollments.get(id(1))).toMatchObject({ begin_date: null, role: 'student', user_id: id(10) });
    expect(enrollments.get(id(6))).toMatchObject({ end_date: null });
    expect(enrollments.get(id(8))).toMatchObject({ role: 'teacher', primary: 'true' });
    expect(enrollments.get(id(7))).toMatchObject({ role: 'teacher', primary: 'false' });
  });

  it('a source with only type, profile and connection settings delivers a valid OneRoster 1.1 set', async () => {
    const delivery = await deliverOneRoster(opened, { type: 'mysql', profile: 'gibbon', settings: db.settings });
    expect(delivery.status, delivery.message).toBe('success');
    expect(delivery.check.problems).toEqual([]);
    expect(delivery.check.rows).toMatchObject(expectedOneRosterRows({ schools: 1, terms: 3, courses: 3, classes: 4, students: 3, teachers: 2, guardians: 3, enrollments: 7 }));
  }, 120_000);
});

describe('detection and missing columns on MariaDB', () => {
  it('each fixture is recognised as its own SIS only, with the evidence', async () => {
    for (const [name, sqlMode, id] of [['opensis', undefined, 'opensis'], ['gibbon', '', 'gibbon']] as const) {
      const db = await loadFixture(name, sqlMode);
      const tables = await getSourceDriver('mysql').discover(db.settings, {});
      const result = detectProfiles(tables, 'mysql', BUILT_IN_PROFILES);
      expect(result.matches.map((m) => m.id)).toEqual([id]);
      expect(result.message).toMatch(/^tables .* found: (openSIS|Gibbon)$/);
    }
  }, 120_000);

  it('a column the profile reads and the database lacks stops the run before a row is read, naming it and the profile', async () => {
    const db = await loadFixture('opensis');
    await db.exec('ALTER TABLE schedule DROP COLUMN dropped');
    const delivery = await deliverOneRoster(opened, { type: 'mysql', profile: 'opensis', settings: db.settings });
    expect(delivery.status).toBe('failed');
    expect(delivery.message).toMatch(/schedule\.dropped.*profile opensis \(openSIS\)/);
  }, 120_000);
});
