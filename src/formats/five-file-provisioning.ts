/**
 * B. The five-file provisioning set (seed 001; the vendor's "CSV 1.0"): schools, teachers and
 * students (optionally with parent columns) provision accounts; classes and enrollments roster.
 *
 * Dialect rules from the vendor: no quotation marks in any field (quoting 'never': a value holding
 * a comma, a quote or a line break is an error, never silently quoted); all five files in every
 * upload, header-only when empty (alwaysPresent); a full snapshot every time (no delta); school_name
 * at most 60 characters (longer is a warning: the vendor truncates); IDs are text, case-sensitive and
 * unique; phone numbers normalised to E.164. Every free-text column (names, school_name, class_name)
 * has commas, double quotes and line breaks rewritten (noQuoteText: "Homeroom, Pre-K" → "Homeroom Pre-K")
 * rather than failing the night; IDs and emails are never rewritten, a comma there is reported.
 *
 * Inactive records: the vendor's files have no status column, so inactive students and teachers are left
 * out with everything that references them (their enrollments; an inactive teacher's classes and theirs).
 * The seed's column tables (images) did not survive: the columns are the vendor's published template
 * headers as recalled in shared/formats.md B (school_id, teacher_id, student_id, class_id, names, email,
 * phone, parent_*), a guess to check against the template files on the vendor's dashboard.
 *
 * Repeated rows, as the vendor asks: a teacher at several schools gets one teachers.csv row per
 * school (rowPer over school_codes; a row is teacher_id + school_id). Parent columns (includeParents):
 * one parent/guardian per students.csv row — map parent_first_name, parent_last_name, parent_email and
 * parent_phone from the students query; a query joined to every contact returns the student once per
 * guardian, and each of those rows is delivered (a row is student_id + the parent columns). Classes and
 * enrollments still name a teacher or student by its ID alone. The rows of one teacher or student must
 * agree on everything but the repeated columns (FileDef.repeats checks it).
 */
import type { FormatDef } from '../shared/format.js';
import { dropInactive, e164, email, first, from, noQuoteText, peopleByEntity, STUDENT_ROLES, trim } from './common.js';

export const fiveFileProvisioning: FormatDef = {
  id: 'five-file-provisioning',
  version: '1.0',
  displayName: 'Five-file provisioning set (schools, teachers, students, classes, enrollments)',
  description:
    'schools.csv, teachers.csv, students.csv (optionally with parent columns), classes.csv and enrollments.csv, every file in every upload (header only when empty), no quotation marks in any field, full snapshot each time, phones normalised.',
  dialect: { delimiter: ',', quoting: 'never', lineEnding: '\r\n', bom: false, header: true },
  supportsDelta: false,
  inactive: dropInactive('no status column: inactive students and teachers are not sent, nor their enrollments and classes'),
  options: [{ id: 'includeParents', label: 'students.csv with parent columns', description: 'One row per student and parent; map the parent_* fields in the students query.', type: 'boolean', default: false }],
  optionEffects: [
    {
      option: 'includeParents',
      equals: false,
      omitColumns: ['parent_first_name', 'parent_last_name', 'parent_email', 'parent_phone'].map((column) => ({ file: 'students.csv', column })),
    },
  ],
  files: [
    {
      name: 'schools.csv',
      order: 10,
      entities: ['schools'],
      key: ['school_id'],
      alwaysPresent: true,
      columns: [
        { name: 'school_id', required: true, description: 'Unique across the district; any letters and digits.', defaults: { schools: from('school_code', trim) } },
        { name: 'school_name', required: true, rule: { maxLength: 60 }, defaults: { schools: from('name', noQuoteText) } },
      ],
    },
    {
      name: 'teachers.csv',
      order: 20,
      entities: ['teachers'],
      key: ['teacher_id'],
      repeats: ['school_id'],
      rowPer: { teachers: 'school_codes' },
      personRoles: peopleByEntity('teachers'),
      alwaysPresent: true,
      references: [{ column: 'school_id', file: 'schools.csv', targetColumn: 'school_id' }],
      columns: [
        { name: 'school_id', required: true, defaults: { teachers: from('school_codes', first) } },
        { name: 'teacher_id', required: true, defaults: { teachers: from('teacher_id', trim) } },
        { name: 'first_name', required: true, personal: true, defaults: { teachers: from('first_name', noQuoteText) } },
        { name: 'last_name', required: true, personal: true, defaults: { teachers: from('last_name', noQuoteText) } },
        { name: 'email', required: true, personal: true, description: 'Every teacher needs a valid email address.', rule: { kind: 'email' }, defaults: { teachers: from('email', email) } },
        { name: 'phone', required: false, personal: true, defaults: { teachers: from('phone', e164) } },
      ],
    },
    {
      name: 'students.csv',
      order: 30,
      entities: ['students'],
      key: ['student_id'],
      repeats: ['parent_first_name', 'parent_last_name', 'parent_email', 'parent_phone'],
      personRoles: peopleByEntity('students'),
      alwaysPresent: true,
      references: [{ column: 'school_id', file: 'schools.csv', targetColumn: 'school_id' }],
      columns: [
        { name: 'school_id', required: true, defaults: { students: from('school_codes', first) } },
        { name: 'student_id', required: true, defaults: { students: from('student_id', trim) } },
        { name: 'first_name', required: true, personal: true, defaults: { students: from('first_name', noQuoteText) } },
        { name: 'last_name', required: true, personal: true, defaults: { students: from('last_name', noQuoteText) } },
        { name: 'email', required: false, personal: true, rule: { kind: 'email' }, defaults: { students: from('email', email) } },
        { name: 'phone', required: false, personal: true, description: 'Mobile first, else home phone.', defaults: { students: from('sms|phone', e164) } },
        { name: 'parent_first_name', required: false, personal: true, defaults: { students: from('parent_first_name', noQuoteText) } },
        { name: 'parent_last_name', required: false, personal: true, defaults: { students: from('parent_last_name', noQuoteText) } },
        { name: 'parent_email', required: false, personal: true, rule: { kind: 'email' }, defaults: { students: from('parent_email', email) } },
        { name: 'parent_phone', required: false, personal: true, defaults: { students: from('parent_phone', e164) } },
      ],
    },
    {
      name: 'classes.csv',
      order: 40,
      entities: ['classes'],
      key: ['class_id'],
      alwaysPresent: true,
      references: [
        { column: 'school_id', file: 'schools.csv', targetColumn: 'school_id' },
        { column: 'teacher_id', file: 'teachers.csv', targetColumn: 'teacher_id', expectRole: 'teacher' },
      ],
      columns: [
        { name: 'school_id', required: true, defaults: { classes: from('school_code', trim) } },
        { name: 'class_id', required: true, defaults: { classes: from('class_id', trim) } },
        { name: 'class_name', required: true, defaults: { classes: from('title', noQuoteText) } },
        { name: 'teacher_id', required: true, description: 'The class owner (lead teacher).', defaults: { classes: from('teacher_id', trim) } },
      ],
    },
    {
      name: 'enrollments.csv',
      order: 50,
      entities: ['enrollments'],
      key: ['class_id', 'student_id'],
      alwaysPresent: true,
      rowFilters: [{ field: 'role', values: STUDENT_ROLES }],
      references: [
        { column: 'school_id', file: 'schools.csv', targetColumn: 'school_id' },
        { column: 'class_id', file: 'classes.csv', targetColumn: 'class_id' },
        { column: 'student_id', file: 'students.csv', targetColumn: 'student_id', expectRole: 'student' },
      ],
      columns: [
        { name: 'school_id', required: true, defaults: { enrollments: from('school_code', trim) } },
        { name: 'class_id', required: true, defaults: { enrollments: from('class_id', trim) } },
        { name: 'student_id', required: true, defaults: { enrollments: from('user_id', trim) } },
      ],
    },
  ],
};
