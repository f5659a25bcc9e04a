/**
 * E. One flat roster file (seed 004): one row per student in a class, uploaded nightly under the
 * same name, from the SIS `roster` entity (a student-in-class query).
 *
 * Every student in the file counts against the district's licence, so the format requires the
 * destination to narrow the rows with `rowFilters` (a destination without one is refused at plan
 * time). Filter on any field of the roster query, e.g. only licensed schools:
 *   rowFilters: [{ field: school_code, values: ["005", "007"] }]
 * or only licensed courses ({ field: course_id, values: [...] }) or class sections
 * ({ field: class_id, values: [...] }); several filters must all match.
 *
 * Which fields "need to be unique" was shown in bold in the seed and did not survive; the guess (from
 * the column names) is every ID and email: school_id, teacher_email, class_id and student_email.
 * IDs and emails must stand for one record each: the same class_id always carries the same class
 * name, teacher and school; the same teacher_email the same teacher; the same student_email the
 * same student; the same school_id the same school (row rules `consistent`). The key is class +
 * student email: a student appears once per class.
 *
 * Inactive records: the file has no status column (and every row is a licence), so rows of inactive
 * students (roster field student_enabled) are not sent.
 */
import type { FormatDef } from '../shared/format.js';
import { ACTIVE_VALUES, email, from, trim } from './common.js';

export const flatRoster: FormatDef = {
  id: 'flat-roster',
  version: '1',
  displayName: 'Flat roster (one row per student in a class)',
  description:
    'roster.csv: school_id, school_name, teacher_email, teacher_first_name, teacher_last_name, class_id, class_name, student_first_name, student_last_name, student_email, student_grade_level — only licensed schools/courses/classes (a row filter is required); each ID and email stands for one record.',
  dialect: { delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: false, header: true },
  supportsDelta: false,
  requiresRowFilter: true,
  inactive: { rule: 'drop', fields: { roster: 'student_enabled' }, activeValues: ACTIVE_VALUES, how: 'no status column: rows of inactive students are not sent' },
  files: [
    {
      name: 'roster.csv',
      order: 10,
      entities: ['roster'],
      key: ['class_id', 'student_email'],
      rowRules: [
        { kind: 'consistent', key: ['school_id'], columns: ['school_name'] },
        { kind: 'consistent', key: ['teacher_email'], columns: ['teacher_first_name', 'teacher_last_name'] },
        { kind: 'consistent', key: ['class_id'], columns: ['class_name', 'teacher_email', 'school_id'] },
        { kind: 'consistent', key: ['student_email'], columns: ['student_first_name', 'student_last_name', 'student_grade_level'] },
      ],
      columns: [
        { name: 'school_id', required: true, defaults: { roster: from('school_code', trim) } },
        { name: 'school_name', required: true, defaults: { roster: from('school_name', trim) } },
        { name: 'teacher_email', required: true, personal: true, rule: { kind: 'email' }, defaults: { roster: from('teacher_email', email) } },
        { name: 'teacher_first_name', required: true, personal: true, defaults: { roster: from('teacher_first_name', trim) } },
        { name: 'teacher_last_name', required: true, personal: true, defaults: { roster: from('teacher_last_name', trim) } },
        { name: 'class_id', required: true, defaults: { roster: from('class_id', trim) } },
        { name: 'class_name', required: true, defaults: { roster: from('class_name', trim) } },
        { name: 'student_first_name', required: true, personal: true, defaults: { roster: from('student_first_name', trim) } },
        { name: 'student_last_name', required: true, personal: true, defaults: { roster: from('student_last_name', trim) } },
        {
          name: 'student_email',
          required: true,
          personal: true,
          description: 'Identifies the student at the vendor: a student without an email cannot be rostered.',
          rule: { kind: 'email' },
          defaults: { roster: from('student_email', email) },
        },
        {
          name: 'student_grade_level',
          required: false,
          personal: true,
          rule: { allowed: ['-1', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13'] },
          defaults: { roster: from('student_grade', [{ op: 'grade', style: 'number' }]) },
        },
      ],
    },
  ],
};
