/**
 * Export-folder SIS profiles (PowerSchool AutoSend, Infinite Campus ad hoc, Skyward) against
 * fixtures shaped like each SIS's standard export (test/fixtures/sis/<profile>/: quoted fields, BOM,
 * leading zeros, Y/N flags, the SIS's own header names): a folder source with only `profile:` and
 * `path` delivers a valid OneRoster 1.1 set with the expected row counts, no mapping touched; the
 * header map renames, translates codes and adds constants; a header the profile expects and the
 * export lacks stops the read naming file, header and profile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProfiles } from '../../src/profiles/detect.js';
import { BUILT_IN_PROFILES, getProfile } from '../../src/profiles/registry.js';
import { entityRequestOf, resolveSourceEntities } from '../../src/profiles/resolve.js';
import { sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { Entity } from '../../src/shared/format.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { Row } from '../../src/sources/types.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { deliverOneRoster, readProfileEntities } from '../helpers/profile-delivery.js';

const opened = closeAfterAll();
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/sis');

/** A private copy of a fixture export folder (a run may archive what it read). */
function exportFolder(profileId: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rs-${profileId}-`));
  opened.dirs.push(dir);
  fs.cpSync(path.join(FIXTURES, profileId), dir, { recursive: true });
  return dir;
}

const folderSettings = (dir: string) => ({ path: dir, quietPeriodSeconds: 0 });

interface Case {
  readonly id: string;
  readonly rows: Readonly<Partial<Record<Entity, number>>>;
  readonly oneRoster: Readonly<Record<string, number>>;
  readonly check: (rows: Partial<Record<Entity, Row[]>>) => void;
}

const first = (rows: Row[] | undefined, key: string, value: string): Row | undefined => rows?.find((r) => r[key] === value);

const CASES: readonly Case[] = [
  {
    id: 'powerschool-export',
    rows: { schools: 2, terms: 4, courses: 3, classes: 3, students: 4, teachers: 3, guardians: 2, enrollments: 4 },
    oneRoster: { orgs: 2, academicSessions: 4, courses: 3, classes: 3, users: 9, enrollments: 4, demographics: 4 },
    check: (rows) => {
      expect(first(rows.students, 'student_id', '000124')).toMatchObject({ first_name: 'Ben "BJ"', last_name: 'Cho, Jr.', enabled: 'Y', school_codes: '100' });
      expect(first(rows.students, 'student_id', '000789')).toMatchObject({ enabled: 'N' }); // Enroll_Status 2: transferred out
      expect(first(rows.students, 'student_id', '000123')).toMatchObject({ state_id: '0012345678', birth_date: '03/07/2014' });
      expect(first(rows.terms, 'term_id', '3501')).toMatchObject({ type: 'semester', school_year: '2026' });
      expect(first(rows.terms, 'term_id', '3503')).toMatchObject({ type: 'gradingPeriod' });
      expect(first(rows.classes, 'class_id', '5001')).toMatchObject({ title: 'Math, Grade 5', teacher_id: 'T0042', class_code: '01' });
      expect(first(rows.teachers, 'teacher_id', 'T0099')).toMatchObject({ enabled: 'N', role: 'teacher' });
      expect(first(rows.enrollments, 'enrollment_id', '90001')).toEqual({
        enrollment_id: '90001', class_id: '5001', user_id: '000123', school_code: '100', begin_date: '08/18/2025', end_date: '06/05/2026', role: 'student', primary: 'false',
      });
    },
  },
  {
    id: 'infinite-campus-export',
    rows: { schools: 2, terms: 2, courses: 3, classes: 3, students: 3, teachers: 3, guardians: 2, enrollments: 4 },
    oneRoster: { orgs: 2, academicSessions: 2, courses: 3, classes: 3, users: 8, enrollments: 4, demographics: 3 },
    check: (rows) => {
      expect(rows.schools?.map((r) => r.school_code)).toEqual(['0012', '0034']);
      expect(first(rows.students, 'student_id', '004412')).toMatchObject({ first_name: 'José', school_codes: '0012', grade: '10' });
      expect(first(rows.terms, 'term_id', '101')).toMatchObject({ type: 'term', school_year: '2026' });
      expect(first(rows.classes, 'class_id', '3002')).toMatchObject({ title: 'Algebra 1, Part A', teacher_id: '502' });
    },
  },
  {
    id: 'skyward-export',
    rows: { schools: 2, terms: 2, courses: 2, classes: 2, students: 3, teachers: 2, guardians: 2, enrollments: 3 },
    oneRoster: { orgs: 2, academicSessions: 2, courses: 2, classes: 2, users: 7, enrollments: 3, demographics: 3 },
    check: (rows) => {
      expect(rows.schools?.map((r) => r.school_code)).toEqual(['001', '002']);
      expect(first(rows.students, 'student_id', '000102')).toMatchObject({ last_name: "O'Brien", hispanic: 'Y', enabled: 'Y' });
      expect(first(rows.students, 'student_id', '000201')).toMatchObject({ enabled: 'N', grade: '07' });
      expect(first(rows.classes, 'class_id', '0401-01')).toMatchObject({ teacher_id: '00077', term_ids: 'S1' });
    },
  },
];

describe.each(CASES)('export-folder profile $id', ({ id, rows: expectedRows, oneRoster, check }) => {
  it('reads every entity under the canonical names, with codes translated and constants added', async () => {
    const rows = await readProfileEntities(getProfile(id), 'folder', folderSettings(exportFolder(id)));
    expect(Object.fromEntries(Object.entries(rows).map(([e, r]) => [e, r.length]))).toEqual(expectedRows);
    check(rows);
  });

  it('the export folder is recognised as this SIS only', async () => {
    const files = await getSourceDriver('folder').discover(folderSettings(exportFolder(id)), {});
    expect(detectProfiles(files, 'folder', BUILT_IN_PROFILES).matches.map((m) => m.id)).toEqual([id]);
  });

  it('a folder source with only profile and path delivers a valid OneRoster 1.1 set, no mapping touched', async () => {
    const delivery = await deliverOneRoster(opened, { type: 'folder', profile: id, settings: folderSettings(exportFolder(id)) });
    expect(delivery.status, delivery.message).toBe('success');
    expect(delivery.check.problems).toEqual([]);
    expect(delivery.check.rows).toMatchObject(oneRoster);
  }, 120_000);
});

describe('export-folder profile errors', () => {
  it('a header the profile expects and the export lacks names the file, the header and the profile', async () => {
    const dir = exportFolder('powerschool-export');
    const file = path.join(dir, 'students.csv');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Enroll_Status', 'EnrollStatusCode'));
    const source = sourceConfigSchema.parse({ name: 'ps', type: 'folder', profile: 'powerschool-export', settings: folderSettings(dir) });
    const request = entityRequestOf(resolveSourceEntities(source), 'students')!;
    const session = await getSourceDriver('folder').open(folderSettings(dir), {});
    try {
      const read = async () => {
        for await (const _ of session.read(request)) void _;
      };
      await expect(read()).rejects.toThrow(
        /students\.csv has no column "Enroll_Status" \(for enabled\)\. The PowerSchool \(AutoSend export folder\) profile expects it in the students export; the columns found are: Student_Number, .*enroll_status_code/,
      );
    } finally {
      await session.close();
    }
  });

  it('maps the headers of an .xlsx export too, and a workbook with only its header has nothing to map', async () => {
    const { default: excel } = await import('exceljs');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-xlsx-profile-'));
    opened.dirs.push(dir);
    const write = async (name: string, rows: string[][]) => {
      const book = new excel.Workbook();
      const sheet = book.addWorksheet('Students');
      for (const row of rows) sheet.addRow(row);
      await book.xlsx.writeFile(path.join(dir, name));
    };
    await write('students.xlsx', [['Student_Number', 'First_Name'], ['000123', 'Ann']]);
    await write('empty.xlsx', [['Student_Number', 'First_Name']]);
    const columns = { student_id: 'Student_Number', first_name: 'First_Name' };
    const session = await getSourceDriver('folder').open(folderSettings(dir), {});
    try {
      const rows: Row[] = [];
      for await (const { row } of session.read({ entity: 'students', file: 'students.xlsx', columns })) rows.push(row);
      expect(rows).toEqual([{ student_id: '000123', first_name: 'Ann' }]);
      const none: Row[] = [];
      for await (const { row } of session.read({ entity: 'students', file: 'empty.xlsx', columns })) none.push(row);
      expect(none).toEqual([]);
    } finally {
      await session.close();
    }
  });
});
