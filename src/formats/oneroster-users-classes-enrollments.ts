/**
 * D. OneRoster-style users, classes and enrollments for a manual/SFTP upload (seed 003).
 *
 * - users.csv holds students, parents/guardians and teachers; orgSourcedIds lists every school of a
 *   person comma-separated inside one (quoted) cell; agentSourcedIds links a student to at most 6
 *   parents/guardians (a 7th is dropped with a warning); grades are OneRoster codes; language is the
 *   parent's preferred language as an ISO 639 code (two letters, three where no two-letter code
 *   exists), blank meaning English.
 * - School IDs must exist on the vendor side before users are uploaded: they come from the site map.
 * - Enrollments point at users and classes in the same batch; files are delivered users → classes →
 *   enrollments.
 * - Relationships: the vendor's roles are parent or guardian (no "relative"): mothers, fathers and
 *   step-parents are parents; every other relative, and a blank relationship, a guardian; a relationship
 *   the table does not know is sent as guardian with a warning.
 * - The seed links "the acceptable codes are listed here" for grades and languages; the links did not
 *   survive. Guess, from the OneRoster wording of the rest of the article: OneRoster 1.1 grade codes and
 *   ISO 639 language codes (two letters, three where none exists).
 * - Inactive records: the files have no status column, so inactive students and teachers are left out,
 *   with their enrollments (this is the seed's vendor, ClassTag).
 */
import type { FormatDef } from '../shared/format.js';
import { ONEROSTER_GRADES } from './oneroster-1.1.js';
import { AGENTS_OF, constant, dropInactive, e164, email, ENROLLED_AS, forEntities, from, GUARDIAN_WORDS, LANGUAGE_CODES, PARENT_WORDS, peopleByEntity, RELATIVE_WORDS, sites, trim } from './common.js';
import type { TransformStep } from '../shared/transform.js';

const people = ['students', 'teachers', 'guardians'] as const;
const grades: TransformStep[] = [{ op: 'multi', split: ';', join: ',', each: [{ op: 'grade', style: 'oneroster' }] }];

export const USER_ROLES = ['student', 'parent', 'guardian', 'teacher', 'administrator'];

const relationshipRoles: Readonly<Record<string, string>> = Object.fromEntries([
  ...PARENT_WORDS.map((w) => [w, 'parent']),
  ...[...RELATIVE_WORDS, ...GUARDIAN_WORDS].map((w) => [w, 'guardian']),
]);

export const oneRosterUsersClassesEnrollments: FormatDef = {
  id: 'oneroster-users-classes-enrollments',
  version: '1',
  displayName: 'OneRoster users, classes and enrollments (manual upload)',
  description:
    'users.csv (students, parents/guardians, teachers; several schools comma-separated in one cell; up to 6 guardians per student; grade codes; ISO 639 language codes, blank = English), classes.csv and enrollments.csv. School IDs come from the site map and must exist at the vendor first.',
  dialect: { delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: false, header: true },
  supportsDelta: false,
  inactive: dropInactive('no status column: inactive students and teachers are not sent, nor their enrollments'),
  files: [
    {
      name: 'users.csv',
      order: 10,
      entities: ['students', 'teachers', 'guardians'],
      key: ['sourcedId'],
      alwaysPresent: true,
      personRoles: peopleByEntity('students', 'teachers', 'guardians'),
      references: [{ column: 'agentSourcedIds', file: 'users.csv', targetColumn: 'sourcedId', expectRole: AGENTS_OF }],
      columns: [
        {
          name: 'sourcedId',
          required: true,
          description: 'One ID per person.',
          defaults: { students: from('student_id', trim), teachers: from('teacher_id', trim), guardians: from('guardian_id', trim) },
        },
        { name: 'orgSourcedIds', required: true, description: 'Site IDs of the person’s schools, comma-separated in one cell.', rule: { multi: { separator: ',' } }, defaults: forEntities(people, from('school_codes', sites(','))) },
        {
          name: 'role',
          required: true,
          rule: { allowed: USER_ROLES },
          defaults: {
            students: constant('student'),
            teachers: from('role', [{ op: 'default', value: 'teacher' }, { op: 'lower' }]),
            guardians: from('relationship', [
              { op: 'map', caseInsensitive: true, table: relationshipRoles, default: 'guardian' },
            ]),
          },
        },
        { name: 'givenName', required: true, personal: true, defaults: forEntities(people, from('first_name', trim)) },
        { name: 'familyName', required: true, personal: true, defaults: forEntities(people, from('last_name', trim)) },
        { name: 'email', required: false, personal: true, rule: { kind: 'email' }, defaults: forEntities(people, from('email', email)) },
        { name: 'sms', required: false, personal: true, description: 'Mobile number.', defaults: { students: from('sms', e164), guardians: from('sms', e164) } },
        { name: 'phone', required: false, personal: true, description: 'Home phone (kept confidential by the vendor).', defaults: forEntities(people, from('phone', e164)) },
        {
          name: 'agentSourcedIds',
          required: false,
          description: 'A student’s parents/guardians: at most 6.',
          rule: { multi: { separator: ',', maxCount: 6 } },
          defaults: { students: from('guardian_ids', [{ op: 'multi', split: ';', join: ',', max: 6 }]) },
        },
        { name: 'grades', required: false, personal: true, rule: { allowed: ONEROSTER_GRADES, multi: { separator: ',' } }, defaults: { students: from('grade', grades) } },
        {
          name: 'language',
          required: false,
          description: 'Preferred language of a parent/guardian as an ISO 639 code; blank means English.',
          rule: { pattern: '[a-z]{2,3}(-[A-Za-z0-9]{2,8})*', patternLabel: 'an ISO 639 language code such as es, vi or hmn' },
          defaults: { guardians: from('language', [{ op: 'trim' }, { op: 'map', table: LANGUAGE_CODES, caseInsensitive: true }]) },
        },
      ],
    },
    {
      name: 'classes.csv',
      order: 20,
      entities: ['classes'],
      key: ['sourcedId'],
      alwaysPresent: true,
      columns: [
        { name: 'sourcedId', required: true, defaults: { classes: from('class_id', trim) } },
        { name: 'title', required: true, defaults: { classes: from('title', trim) } },
        { name: 'grades', required: false, rule: { allowed: ONEROSTER_GRADES, multi: { separator: ',' } }, defaults: { classes: from('grades', grades) } },
        { name: 'location', required: false, defaults: { classes: from('room', trim) } },
        { name: 'schoolSourcedId', required: true, description: 'The same site IDs as in users.csv.', defaults: { classes: from('school_code', [{ op: 'trim' }, { op: 'siteId' }]) } },
      ],
    },
    {
      name: 'enrollments.csv',
      order: 30,
      entities: ['enrollments'],
      key: ['classSourcedId', 'userSourcedId'],
      alwaysPresent: true,
      references: [
        { column: 'classSourcedId', file: 'classes.csv', targetColumn: 'sourcedId' },
        { column: 'userSourcedId', file: 'users.csv', targetColumn: 'sourcedId', expectRole: ENROLLED_AS },
      ],
      columns: [
        { name: 'classSourcedId', required: true, defaults: { enrollments: from('class_id', trim) } },
        { name: 'schoolSourcedId', required: true, defaults: { enrollments: from('school_code', [{ op: 'trim' }, { op: 'siteId' }]) } },
        { name: 'userSourcedId', required: true, defaults: { enrollments: from('user_id', trim) } },
        { name: 'role', required: true, rule: { allowed: USER_ROLES }, defaults: { enrollments: from('role', [{ op: 'trim' }, { op: 'lower' }]) } },
      ],
    },
  ],
};
