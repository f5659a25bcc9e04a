/**
 * The one name matcher (src/shared/field-names.ts) on SIS-style names, and the mapping wizard using
 * it: a source whose query returns the SIS's raw names gets the right candidate for the vendor
 * columns the format's default mapping reads through canonical fields.
 */
import { describe, expect, it } from 'vitest';
import { suggestColumns } from '../../src/api/mapping-suggest.js';
import { oneRoster11 } from '../../src/formats/oneroster-1.1.js';
import { fieldScore, nameTokens, suggestCanonicalFields } from '../../src/shared/field-names.js';

const cols = (names: readonly string[]) => names.map((name) => ({ key: name, name }));

describe('SIS-style names', () => {
  it('splits camelCase, snake_case, digits and abbreviations into the same words', () => {
    expect(nameTokens('StudentNumber')).toEqual(['student', 'id']);
    expect(nameTokens('stu_id')).toEqual(['student', 'id']);
    expect(nameTokens('sch_code')).toEqual(['school', 'id']);
    expect(nameTokens('SchoolID')).toEqual(['school', 'id']);
    expect(nameTokens('Grade_Level')).toEqual(['grade']);
    expect(nameTokens('Home_Room')).toEqual(['homeroom']);
    expect(nameTokens('DOB')).toEqual(['birth', 'date']);
    expect(nameTokens('Sex')).toEqual(['gender']);
    expect(nameTokens('EntryDate')).toEqual(['begin', 'date']);
    expect(nameTokens('FirstDay')).toEqual(['begin', 'date']);
    // "Last, First" in one column is neither the first nor the last name.
    expect(nameTokens('LastFirst')).toEqual(['full', 'name']);
    expect(fieldScore('last_name', 'LastFirst', 'students')).toBeLessThan(0.5);
  });

  it('maps a PowerSchool-like students table, preferring Student_Number to the internal ID', () => {
    const got = Object.fromEntries(
      suggestCanonicalFields('students', cols(['ID', 'Student_Number', 'SchoolID', 'State_StudentNumber', 'First_Name', 'Last_Name', 'LastFirst', 'Grade_Level', 'DOB', 'Sex', 'Home_Room', 'Enroll_Status'])).map((s) => [s.field, s.key]),
    );
    expect(got).toMatchObject({
      student_id: 'Student_Number',
      school_codes: 'SchoolID',
      state_id: 'State_StudentNumber',
      first_name: 'First_Name',
      last_name: 'Last_Name',
      grade: 'Grade_Level',
      birth_date: 'DOB',
      gender: 'Sex',
      enabled: 'Enroll_Status',
    });
    expect(Object.values(got)).not.toContain('LastFirst');
    expect(Object.values(got)).not.toContain('Home_Room');
  });

  it('does not take a column about something else: RoleType is not class_type, ParentTermID is not term_id', () => {
    const classes = suggestCanonicalFields('classes', cols(['SectionID', 'RoleType']));
    expect(classes).toEqual([{ field: 'class_id', key: 'SectionID', score: expect.any(Number) }]);
    const terms = Object.fromEntries(suggestCanonicalFields('terms', cols(['ParentTermID', 'TermID'])).map((s) => [s.field, s.key]));
    expect(terms).toEqual({ term_id: 'TermID', parent_id: 'ParentTermID' });
  });

  it('mapping wizard: raw SIS names get the right candidate through the canonical field of the default mapping', () => {
    const suggestions = suggestColumns(oneRoster11, { students: ['Student_Number', 'SchoolID', 'First_Name', 'Last_Name', 'Grade_Level', 'DOB', 'Gender', 'Network_ID'] });
    const best = (file: string, column: string): string | undefined =>
      suggestions.find((s) => s.file === file && s.entity === 'students' && s.column === column)?.candidates[0]?.field;
    expect(best('users.csv', 'sourcedId')).toBe('Student_Number');
    expect(best('users.csv', 'orgSourcedIds')).toBe('SchoolID');
    expect(best('users.csv', 'givenName')).toBe('First_Name');
    expect(best('users.csv', 'familyName')).toBe('Last_Name');
    expect(best('users.csv', 'grades')).toBe('Grade_Level');
    expect(best('users.csv', 'username')).toBe('Network_ID');
    expect(best('demographics.csv', 'birthDate')).toBe('DOB');
  });
});
