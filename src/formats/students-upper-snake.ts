/**
 * A. The nightly `students.csv` with UPPER_SNAKE headers (seed 000), pushed into the account's
 * `Upload` folder, with the vendor's set-up questions as destination options:
 *   - googleSso: students sign in with Google → PASSWORD is not required. Without Google sign-in the
 *     vendor needs a password for every student: PASSWORD is always sent and required, and a source
 *     without a password field (nor birth-date passwords) stops the run before anything is written;
 *   - overwriteEmails / overwritePasswords: whether EMAIL is sent; whether PASSWORD is sent when students
 *     sign in with Google (without Google it is always sent);
 *   - passwordsAreDates: the password is the birth date written m/d/yyyy (3/7/2012, no leading zeros);
 *   - wipeAndReload: the vendor deletes students missing from the file → every delivery must be a
 *     full snapshot (syncMode full); without it, additions-and-changes deliveries are allowed;
 *   - includeParents: the newer `parents.csv` (one row per parent and student).
 * SITE_ID comes from the destination's site-ID map (import/export it as CSV or Excel).
 * The vendor's own column table is an image that did not survive: the columns below are a guess — the
 * documented examples (STUDENT_ID, FIRST_NAME) plus the ones its set-up questions name (EMAIL, PASSWORD,
 * site IDs) and a grade, the minimum any student roster needs (source: seed 000 and shared/formats.md A);
 * clone the format to add, drop or reorder columns.
 *
 * Inactive records: the file has no status column and the vendor wipes and reloads from it, so inactive
 * students are left out, and their parents.csv rows with them.
 */
import type { FormatDef } from '../shared/format.js';
import { dropInactive, email, first, firstSite, from, peopleByEntity, trim } from './common.js';

const FILE = 'students.csv';
const PARENTS = 'parents.csv';

export const studentsUpperSnake: FormatDef = {
  id: 'students-upper-snake',
  version: '1',
  displayName: 'Nightly students.csv (UPPER_SNAKE headers)',
  description:
    'One students.csv uploaded nightly to the Upload folder: header row in a fixed order, titles in capitals with underscores (STUDENT_ID, FIRST_NAME…), site IDs from the site map; options for Google sign-in, overwriting emails and passwords, birth-date passwords (m/d/yyyy) and wipe-and-reload. Optional parents.csv.',
  headerCase: 'upper-snake',
  dialect: { delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: false, header: true },
  supportsDelta: true,
  inactive: dropInactive('no status column: inactive students are not sent, nor their parents.csv rows'),
  options: [
    { id: 'googleSso', label: 'Students sign in with Google', description: 'The password column is not required.', type: 'boolean', default: true },
    { id: 'wipeAndReload', label: 'Wipe and reload students nightly', description: 'The vendor deletes students missing from the file: every delivery must be a full snapshot.', type: 'boolean', default: true },
    { id: 'overwriteEmails', label: 'Overwrite emails each night', description: 'Send EMAIL; the vendor resets each student to the district email.', type: 'boolean', default: true },
    { id: 'overwritePasswords', label: 'Overwrite passwords each night', description: 'Send PASSWORD; the vendor resets each student to the district password.', type: 'boolean', default: false },
    { id: 'passwordsAreDates', label: 'Passwords are dates (birthdays)', description: 'PASSWORD is the birth date written m/d/yyyy (3/7/2012).', type: 'boolean', default: false },
    { id: 'includeParents', label: 'Send parents.csv', type: 'boolean', default: false },
  ],
  optionEffects: [
    { option: 'googleSso', equals: true, optionalColumns: [{ file: FILE, column: 'PASSWORD' }] },
    {
      // Only with Google sign-in may PASSWORD be left out: without it the vendor needs every password.
      option: 'overwritePasswords',
      equals: false,
      and: [{ option: 'googleSso', equals: true }],
      omitColumns: [{ file: FILE, column: 'PASSWORD' }],
    },
    { option: 'overwriteEmails', equals: false, omitColumns: [{ file: FILE, column: 'EMAIL' }] },
    {
      option: 'passwordsAreDates',
      equals: true,
      columnMappings: [{ file: FILE, column: 'PASSWORD', mapping: { students: from('birth_date', [{ op: 'date', format: 'm/d/yyyy' }]) } }],
    },
    { option: 'wipeAndReload', equals: true, requireSyncMode: 'full' },
    { option: 'includeParents', equals: false, omitFiles: [PARENTS] },
  ],
  files: [
    {
      name: FILE,
      description: 'Every active student, one row each.',
      order: 10,
      entities: ['students'],
      key: ['STUDENT_ID'],
      personRoles: peopleByEntity('students'),
      alwaysPresent: true,
      columns: [
        { name: 'STUDENT_ID', required: true, description: 'The SIS student ID, as text (leading zeros kept).', defaults: { students: from('student_id', trim) } },
        { name: 'FIRST_NAME', required: true, personal: true, defaults: { students: from('first_name', trim) } },
        { name: 'LAST_NAME', required: true, personal: true, defaults: { students: from('last_name', trim) } },
        {
          name: 'GRADE',
          required: true,
          personal: true,
          description: 'Grade as a number: pre-K -1, kindergarten 0, then 1–12.',
          rule: { allowed: ['-1', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13'] },
          defaults: { students: from('grade', [{ op: 'grade', style: 'number' }]) },
        },
        { name: 'SITE_ID', required: true, description: 'The vendor site ID of the student’s school, from the site map.', defaults: { students: from('school_codes', firstSite) } },
        { name: 'SCHOOL_NAME', required: false, description: 'The school label from the site map.', defaults: { students: from('school_codes', [...first, { op: 'siteLabel' }]) } },
        { name: 'EMAIL', required: false, personal: true, rule: { kind: 'email' }, defaults: { students: from('email', email) } },
        { name: 'PASSWORD', required: true, personal: true, sensitive: true, description: 'Not required when students sign in with Google.', defaults: { students: from('password') } },
      ],
    },
    {
      name: PARENTS,
      description: 'One row per parent/guardian and student.',
      order: 20,
      entities: ['guardians'],
      key: ['PARENT_ID', 'STUDENT_ID'],
      rowPer: { guardians: 'student_ids' },
      references: [{ column: 'STUDENT_ID', file: FILE, targetColumn: 'STUDENT_ID', expectRole: 'student' }],
      columns: [
        { name: 'PARENT_ID', required: true, defaults: { guardians: from('guardian_id', trim) } },
        { name: 'STUDENT_ID', required: true, defaults: { guardians: from('student_ids', trim) } },
        { name: 'FIRST_NAME', required: true, personal: true, defaults: { guardians: from('first_name', trim) } },
        { name: 'LAST_NAME', required: true, personal: true, defaults: { guardians: from('last_name', trim) } },
        { name: 'EMAIL', required: false, personal: true, rule: { kind: 'email' }, defaults: { guardians: from('email', email) } },
        { name: 'PHONE', required: false, personal: true, defaults: { guardians: from('sms|phone', [{ op: 'phone', style: 'digits' }]) } },
        { name: 'RELATIONSHIP', required: false, defaults: { guardians: from('relationship', [{ op: 'trim' }, { op: 'title' }]) } },
      ],
    },
  ],
};
