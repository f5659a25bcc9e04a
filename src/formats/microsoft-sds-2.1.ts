/**
 * G. Microsoft School Data Sync, CSV v2.1: orgs.csv, users.csv and roles.csv are required;
 * classes.csv and enrollments.csv when classes are managed; academicSessions.csv because roles and
 * classes name sessions. Bulk only (no delta). Every upload must carry the same set of files or SDS
 * marks the missing records inactive, so every file is always present (header-only when empty).
 * UTF-8, RFC 4180 (CRLF), case-sensitive headers; no line breaks inside values (a value with one is
 * an error, see the `\n`-free pattern on free-text columns).
 *
 * roles.csv has one row per user and school (FileDef.rowPer over `school_codes`).
 *
 * username is the user's sign-in name (UPN), which SDS needs with a domain: the email when there is one,
 * else the SIS username with `@` + the destination's option usernameDomain; a username that still has no
 * domain is an error naming the row (SDS would reject it).
 *
 * Inactive records: v2.1 files have no status column (SDS deactivates users missing from the upload), so
 * inactive students and teachers are left out, with their roles and enrollments.
 */
import type { FormatDef } from '../shared/format.js';
import { ONEROSTER_GRADES } from './oneroster-1.1.js';
import { dropInactive, e164, email, ENROLLED_AS, first, from, list, peopleByEntity, trim } from './common.js';
import type { TransformStep } from '../shared/transform.js';

export const SDS_ROLES = [
  'principal', 'chair', 'professor', 'researcher', 'adjunct', 'affiliate', 'occupationalTherapist', 'physicalTherapist', 'speechTherapist',
  'visionTherapist', 'paraprofessional', 'specialServices', 'advisor', 'proctor', 'nurse', 'officeStaff', 'lecturer', 'itAdmin',
  'administrator', 'teacher', 'faculty', 'staff', 'teacherAssistant', 'assistant', 'instructor', 'substitute', 'coach', 'alumni', 'student', 'other',
];
export const SDS_ORG_TYPES = ['school', 'department', 'district', 'local', 'state', 'national'];
export const SDS_SESSION_TYPES = ['gradingPeriod', 'semester', 'schoolYear', 'term'];

/** The sign-in name, lower case, with the district's domain added where the SIS has none. */
const upn: readonly TransformStep[] = [...email, { op: 'domain', option: 'usernameDomain' }];

/** Free text without line breaks (SDS refuses them). */
const oneLine = { pattern: '[^\\r\\n]*', patternLabel: 'text on one line (no line breaks)' };

export const microsoftSds21: FormatDef = {
  id: 'microsoft-sds-2.1',
  version: '2.1',
  displayName: 'Microsoft School Data Sync v2.1 CSV',
  description:
    'SDS v2.1: orgs.csv, users.csv, roles.csv (required), classes.csv, enrollments.csv and academicSessions.csv; bulk only; the same set of files in every upload.',
  dialect: { delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: false, header: true },
  supportsDelta: false,
  inactive: dropInactive('no status column (SDS deactivates users missing from the upload): inactive students and teachers are not sent, nor their roles and enrollments'),
  options: [
    {
      id: 'usernameDomain',
      label: 'Sign-in domain for usernames',
      description: 'Added to a username without a domain (pbaker000107 → pbaker000107@district.org). SDS rejects usernames without one.',
      type: 'string',
      default: '',
    },
  ],
  files: [
    {
      name: 'orgs.csv',
      order: 10,
      entities: ['schools'],
      key: ['sourcedId'],
      alwaysPresent: true,
      columns: [
        { name: 'sourcedId', required: true, defaults: { schools: from('school_code', trim) } },
        { name: 'name', required: true, rule: oneLine, defaults: { schools: from('name', trim) } },
        { name: 'type', required: true, rule: { allowed: SDS_ORG_TYPES }, defaults: { schools: { const: 'school' } } },
        { name: 'parentSourcedId', required: false },
      ],
    },
    {
      name: 'academicSessions.csv',
      order: 20,
      entities: ['terms'],
      key: ['sourcedId'],
      alwaysPresent: true,
      columns: [
        { name: 'sourcedId', required: true, defaults: { terms: from('term_id', trim) } },
        { name: 'title', required: true, rule: oneLine, defaults: { terms: from('title', trim) } },
        {
          name: 'type',
          required: true,
          rule: { allowed: SDS_SESSION_TYPES },
          defaults: {
            terms: from('type', [
              { op: 'map', caseInsensitive: true, table: { semester: 'semester', year: 'schoolYear', schoolyear: 'schoolYear', 'school year': 'schoolYear', term: 'term', quarter: 'gradingPeriod', gradingperiod: 'gradingPeriod', 'grading period': 'gradingPeriod', trimester: 'term' } },
            ]),
          },
        },
        { name: 'schoolYear', required: true, rule: { kind: 'year' }, defaults: { terms: from('school_year', trim) } },
        { name: 'startDate', required: true, rule: { kind: 'date' }, defaults: { terms: from('start_date', [{ op: 'date', format: 'iso' }]) } },
        { name: 'endDate', required: true, rule: { kind: 'date' }, defaults: { terms: from('end_date', [{ op: 'date', format: 'iso' }]) } },
      ],
    },
    {
      name: 'users.csv',
      order: 30,
      entities: ['students', 'teachers'],
      key: ['sourcedId'],
      personRoles: peopleByEntity('students', 'teachers'),
      alwaysPresent: true,
      columns: [
        { name: 'sourcedId', required: true, defaults: { students: from('student_id', trim), teachers: from('teacher_id', trim) } },
        {
          name: 'username',
          required: true,
          personal: true,
          description: 'The sign-in name (UPN): the email, or the SIS username with the usernameDomain option added.',
          rule: { pattern: '[^@\\s]+@[^@\\s]+\\.[^@\\s]+', patternLabel: 'a sign-in name with a domain, such as name@district.org (set the format option usernameDomain to add one)' },
          defaults: { students: from('email|username|student_id', upn), teachers: from('email|username|teacher_id', upn) },
        },
        { name: 'familyName', required: true, personal: true, rule: oneLine, defaults: { students: from('last_name', trim), teachers: from('last_name', trim) } },
        { name: 'givenName', required: true, personal: true, rule: oneLine, defaults: { students: from('first_name', trim), teachers: from('first_name', trim) } },
        { name: 'password', required: false, personal: true, sensitive: true },
        { name: 'activeDirectoryMatchId', required: false, personal: true },
        { name: 'email', required: false, personal: true, rule: { kind: 'email' }, defaults: { students: from('email', email), teachers: from('email', email) } },
        { name: 'phone', required: false, personal: true, defaults: { students: from('phone', e164), teachers: from('phone', e164) } },
        { name: 'sms', required: false, personal: true, defaults: { students: from('sms', e164) } },
      ],
    },
    {
      name: 'roles.csv',
      order: 40,
      entities: ['students', 'teachers'],
      key: ['userSourcedId', 'orgSourcedId', 'role'],
      alwaysPresent: true,
      rowPer: { students: 'school_codes', teachers: 'school_codes' },
      references: [
        { column: 'userSourcedId', file: 'users.csv', targetColumn: 'sourcedId', expectRole: { byEntity: { students: 'student', teachers: 'teacher' } } },
        { column: 'orgSourcedId', file: 'orgs.csv', targetColumn: 'sourcedId' },
      ],
      columns: [
        { name: 'userSourcedId', required: true, defaults: { students: from('student_id', trim), teachers: from('teacher_id', trim) } },
        { name: 'orgSourcedId', required: true, defaults: { students: from('school_codes', trim), teachers: from('school_codes', trim) } },
        { name: 'role', required: true, rule: { allowed: SDS_ROLES }, defaults: { students: { const: 'student' }, teachers: from('role', [{ op: 'default', value: 'teacher' }, { op: 'lower' }]) } },
        { name: 'sessionSourcedId', required: false },
        { name: 'grade', required: false, personal: true, rule: { allowed: ONEROSTER_GRADES }, defaults: { students: from('grade', [{ op: 'grade', style: 'oneroster' }]) } },
        { name: 'isPrimary', required: false, rule: { kind: 'boolean' } },
        { name: 'roleStartDate', required: false, rule: { kind: 'date' } },
        { name: 'roleEndDate', required: false, rule: { kind: 'date' } },
      ],
    },
    {
      name: 'classes.csv',
      order: 50,
      entities: ['classes'],
      key: ['sourcedId'],
      alwaysPresent: true,
      references: [
        { column: 'orgSourcedId', file: 'orgs.csv', targetColumn: 'sourcedId' },
        { column: 'sessionSourcedIds', file: 'academicSessions.csv', targetColumn: 'sourcedId' },
      ],
      columns: [
        { name: 'sourcedId', required: true, defaults: { classes: from('class_id', trim) } },
        { name: 'orgSourcedId', required: true, defaults: { classes: from('school_code', trim) } },
        { name: 'title', required: true, rule: oneLine, defaults: { classes: from('title', trim) } },
        { name: 'sessionSourcedIds', required: false, rule: { multi: { separator: ',' } }, defaults: { classes: from('term_ids', list(',')) } },
        { name: 'courseSourcedId', required: false },
        { name: 'code', required: false, defaults: { classes: from('class_code', first) } },
      ],
    },
    {
      name: 'enrollments.csv',
      order: 60,
      entities: ['enrollments'],
      key: ['classSourcedId', 'userSourcedId'],
      alwaysPresent: true,
      references: [
        { column: 'classSourcedId', file: 'classes.csv', targetColumn: 'sourcedId' },
        { column: 'userSourcedId', file: 'users.csv', targetColumn: 'sourcedId', expectRole: ENROLLED_AS },
      ],
      columns: [
        { name: 'classSourcedId', required: true, defaults: { enrollments: from('class_id', trim) } },
        { name: 'userSourcedId', required: true, defaults: { enrollments: from('user_id', trim) } },
        { name: 'role', required: true, rule: { allowed: ['student', 'teacher'] }, defaults: { enrollments: from('role', [{ op: 'trim' }, { op: 'lower' }]) } },
      ],
    },
  ],
};
