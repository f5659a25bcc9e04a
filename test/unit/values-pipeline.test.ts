/**
 * The pure pieces behind "no silent defaults" and the inactive rule: aggregation of repeated value
 * findings, the missing-source-field messages, and the inactive records' bookkeeping and preview lines.
 */
import { describe, expect, it } from 'vitest';
import { RepeatedFindings, SAMPLES_PER_VALUE } from '../../src/pipeline/finding-repeats.js';
import { missingFields, sourceFieldsOf, type FieldNeed } from '../../src/pipeline/source-fields.js';
import { compileInactiveTest, InactiveRecords } from '../../src/pipeline/inactive.js';
import { getFormat } from '../../src/formats/registry.js';
import type { Finding } from '../../src/shared/run.js';

const finding = (row: number, value: string, rule = 'race', severity: 'error' | 'warning' = 'error'): Finding => ({
  severity,
  file: 'demographics.csv',
  row,
  column: 'white',
  value,
  rule,
  message: `race "${value}" is not recognised`,
  origin: `students row ${row}`,
});

describe('repeated value findings', () => {
  it('keeps the first rows of one unknown value, counts the rest, and sums them up in one finding', () => {
    const repeats = new RepeatedFindings();
    const admitted = Array.from({ length: 4000 }, (_, i) => repeats.admit(finding(i + 1, 'White, Non-Hispanic'))).filter(Boolean);
    expect(admitted).toHaveLength(SAMPLES_PER_VALUE);
    expect(repeats.summaries()).toEqual([
      {
        severity: 'error',
        file: 'demographics.csv',
        row: 0,
        column: 'white',
        value: 'White, Non-Hispanic',
        rule: 'race',
        message: '4000 rows have this value (the first 3 are listed separately): race "White, Non-Hispanic" is not recognised',
        origin: 'e.g. students row 1; students row 2; students row 3',
      },
    ]);
  });

  it('counts each value on its own, needs no summary for a value seen only a few times, and leaves row findings alone', () => {
    const repeats = new RepeatedFindings();
    for (let i = 1; i <= 3; i++) expect(repeats.admit(finding(i, 'Other'))).toBe(true);
    for (let i = 1; i <= 10; i++) expect(repeats.admit(finding(i, '', 'required'))).toBe(true);
    // A known gender sent blank is about a student: every one stays named.
    for (let i = 1; i <= 10; i++) expect(repeats.admit(finding(i, 'X', 'gender', 'warning'))).toBe(true);
    expect(repeats.summaries()).toEqual([]);
  });
});

describe('missing source fields', () => {
  const needs: FieldNeed[] = [
    { column: 'hispanicOrLatinoEthnicity', fields: ['hispanic'], required: false, whenMissing: 'false' },
    { column: 'middleName', fields: ['middle_name'], required: false, whenMissing: '' },
    { column: 'PASSWORD', fields: ['password'], required: true, whenMissing: '' },
    { column: 'username', fields: ['username', 'email'], required: true, whenMissing: '' },
  ];

  it('names the field, what every row will say, and how to declare it not collected; a required blank column blocks', () => {
    const has = (f: string): boolean => f === 'email';
    expect(missingFields(needs, has, { entity: 'students', file: 'users.csv' }).map((m) => m.message)).toEqual([
      'no source column for hispanic in the students rows: every row will say "false". Map a field, or list { file: users.csv, column: hispanicOrLatinoEthnicity } under notCollected to send it blank on purpose',
      'no source column for middle_name in the students rows: every row will be blank. Map a field, or list { file: users.csv, column: middleName } under notCollected to send it blank on purpose',
      'no source column for password in the students rows, and users.csv requires PASSWORD: map a field that holds it',
    ]);
  });

  it('reads the fields of alternatives and templates, not run variables or constants', () => {
    expect(sourceFieldsOf({ from: 'username|email|$runStartedAt' })).toEqual(['username', 'email']);
    expect(sourceFieldsOf({ template: '{last_name}, {first_name}' })).toEqual(['last_name', 'first_name']);
    expect(sourceFieldsOf({ const: 'student' })).toEqual([]);
    expect(sourceFieldsOf(undefined)).toEqual([]);
  });
});

describe('inactive records', () => {
  it('keeps only the dropped keys of files something refers to, and says per file what happened', () => {
    const format = getFormat('five-file-provisioning');
    const records = new InactiveRecords(format, new Set(['students.csv', 'classes.csv']));
    records.inactive('students.csv', 'students', 'S9', 'drop');
    records.inactive('enrollments.csv', 'enrollments', 'E1', 'drop');
    expect(records.isDropped('students.csv', 'S9')).toBe(true);
    expect(records.anyDropped('enrollments.csv')).toBe(false);
    records.dependant('enrollments.csv', 'C1\u001fS9', 'students.csv');
    expect(records.lines('students.csv')).toEqual([
      'students.csv: inactive students: 1 dropped (Five-file provisioning set (schools, teachers, students, classes, enrollments): no status column: inactive students and teachers are not sent, nor their enrollments and classes).',
    ]);
    expect(records.lines('enrollments.csv').at(-1)).toBe('enrollments.csv: 1 row(s) dropped because they reference inactive records left out of students.csv.');
    expect(records.lines('teachers.csv')).toEqual([]);
  });

  it('the active flag: blank and the format’s active words are active, anything else inactive; entities without a field have no test', () => {
    const test = compileInactiveTest(getFormat('clever').inactive, 'students')!;
    const get = (value: string | null) => (name: string) => (name === 'enabled' ? value : null);
    expect([null, '', 'Y', 'yes', 'ACTIVE', '1', 'true'].map((v) => test.isInactive(get(v)))).toEqual([false, false, false, false, false, false, false]);
    expect(['N', '0', 'false', 'Inactive', 'withdrawn'].map((v) => test.isInactive(get(v)))).toEqual([true, true, true, true, true]);
    expect(compileInactiveTest(getFormat('clever').inactive, 'enrollments')).toBeUndefined();
    expect(compileInactiveTest(undefined, 'students')).toBeUndefined();
  });
});
