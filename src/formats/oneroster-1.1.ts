/**
 * F. OneRoster 1.1 CSV. Files, columns and required flags in spec order from
 * shared/formats.md; default mappings from the canonical SIS fields (src/shared/entities.ts).
 *
 * Bulk (syncMode full): status and dateLastModified blank, every referenced record in the set.
 * Delta (syncMode delta): only added and changed records, each with status `active` and
 * dateLastModified the run's start time (ISO 8601 UTC), and a `tobedeleted` row (sourcedId, status,
 * dateLastModified; the rest blank) per record delivered last time and gone now; the manifest says
 * `delta` for the files sent and `absent` for the others (a file without changes is not sent).
 * status and dateLastModified are not part of a record's fingerprint: a destination switched from
 * bulk to delta sends its real changes only.
 */
import type { ColumnDef, ColumnMapping, Entity, FormatDef } from '../shared/format.js';
import type { RaceCategory, TransformStep } from '../shared/transform.js';
import { ACTIVE_VALUES, AGENTS_OF, ENROLLED_AS, GUARDIAN_WORDS, PARENT_WORDS, peopleByEntity, RELATIVE_WORDS } from './common.js';

export const ONEROSTER_GRADES = ['IT', 'PR', 'PK', 'TK', 'KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', 'PS', 'UG', 'Other'];
export const ONEROSTER_ROLES = ['administrator', 'aide', 'guardian', 'parent', 'proctor', 'relative', 'student', 'teacher'];
export const ONEROSTER_ENROLLMENT_ROLES = ['administrator', 'proctor', 'student', 'teacher'];
export const ONEROSTER_ORG_TYPES = ['department', 'school', 'district', 'local', 'state', 'national'];
export const ONEROSTER_SESSION_TYPES = ['gradingPeriod', 'semester', 'schoolYear', 'term'];
export const ONEROSTER_FILES = [
  'academicSessions', 'categories', 'classes', 'classResources', 'courses', 'courseResources', 'demographics',
  'enrollments', 'lineItems', 'orgs', 'resources', 'results', 'users',
];

const site: TransformStep[] = [{ op: 'trim' }, { op: 'siteId' }];
const sites: TransformStep[] = [{ op: 'multi', split: ';', join: ',', each: [{ op: 'siteId' }] }];
const list: TransformStep[] = [{ op: 'multi', split: ';', join: ',' }];
const grades: TransformStep[] = [{ op: 'multi', split: ';', join: ',', each: [{ op: 'grade', style: 'oneroster' }] }];
const iso: TransformStep[] = [{ op: 'date', format: 'iso' }];
const email: TransformStep[] = [{ op: 'trim' }, { op: 'lower' }];
const phone: TransformStep[] = [{ op: 'phone', style: 'e164' }];
const trueFalse: TransformStep[] = [{ op: 'bool', style: 'truefalse' }];

const from = (field: string, transforms?: TransformStep[]): ColumnMapping => (transforms ? { from: field, transforms } : { from: field });
const constant = (value: string): ColumnMapping => ({ const: value });

const status: ColumnDef = { name: 'status', required: false, rule: { allowed: ['active', 'tobedeleted'] } };
const dateLastModified: ColumnDef = { name: 'dateLastModified', required: false, rule: { kind: 'datetime' } };

const multi = { separator: ',' };

/** Delta deliveries fill status and dateLastModified in every file (bulk leaves them blank). */
const DELTA_FILES: readonly { file: string; entities: readonly Entity[] }[] = [
  { file: 'orgs.csv', entities: ['schools'] },
  { file: 'academicSessions.csv', entities: ['terms'] },
  { file: 'courses.csv', entities: ['courses'] },
  { file: 'classes.csv', entities: ['classes'] },
  { file: 'users.csv', entities: ['students', 'teachers', 'guardians'] },
  { file: 'enrollments.csv', entities: ['enrollments'] },
  { file: 'demographics.csv', entities: ['students'] },
];
const deltaMappings = DELTA_FILES.flatMap(({ file, entities }) => [
  { file, column: 'status', mapping: Object.fromEntries(entities.map((e) => [e, constant('active')])) },
  { file, column: 'dateLastModified', mapping: Object.fromEntries(entities.map((e) => [e, from('$runStartedAt')])) },
]);
/**
 * enabledUser says what the inactive rule says: the same active words (blank = active) are `true`, the
 * usual inactive words `false`; anything else is an error naming the value.
 */
const enabled: TransformStep[] = [
  {
    op: 'map',
    caseInsensitive: true,
    table: Object.fromEntries([
      ...ACTIVE_VALUES.map((v) => [v, 'true']),
      ...['N', 'No', '0', 'false', 'F', 'I', 'Inactive', 'Withdrawn', 'Disabled'].map((v) => [v, 'false']),
    ]),
  },
];

/** One race flag; a race value no rule recognises is reported and sent blank, never a quiet `false` (transforms.ts). */
const race = (category: RaceCategory): ColumnMapping => ({ from: 'race', transforms: [{ op: 'race', category }] });

/** SIS relationship words → OneRoster roles; a blank or unknown relationship is a guardian (unknown ones reported). */
const relationshipRoles: Readonly<Record<string, string>> = Object.fromEntries([
  ...PARENT_WORDS.map((w) => [w, 'parent']),
  ...RELATIVE_WORDS.map((w) => [w, 'relative']),
  ...GUARDIAN_WORDS.map((w) => [w, 'guardian']),
]);

export const oneRoster11: FormatDef = {
  id: 'oneroster-1.1',
  version: '1.1',
  displayName: 'OneRoster 1.1 CSV (bulk)',
  description:
    'The IMS OneRoster 1.1 CSV binding: manifest, orgs, academicSessions, courses, classes, users, enrollments and demographics, UTF-8, spec column order, optionally zipped flat.',
  dialect: { delimiter: ',', quoting: 'auto', lineEnding: '\r\n', bom: false, header: true },
  packaging: { zip: 'oneroster.zip', oneRosterManifest: true },
  options: [
    { id: 'zip', label: 'Deliver as one zip file', type: 'boolean', default: false, description: 'Packs every CSV flat into oneroster.zip.' },
    { id: 'systemName', label: 'Source system name (manifest)', type: 'string', default: 'RosterSync' },
    { id: 'includeDemographics', label: 'Send demographics.csv', type: 'boolean', default: true },
  ],
  optionEffects: [
    { option: 'includeDemographics', equals: false, omitFiles: ['demographics.csv'] },
    { option: 'syncMode', equals: 'delta', columnMappings: deltaMappings },
  ],
  supportsDelta: true,
  deltaDeletions: { statusColumn: 'status', status: 'tobedeleted', modifiedColumn: 'dateLastModified' },
  // Inactive students and staff are sent, marked enabledUser=false (users.csv); removals since the last delivery are delta's tobedeleted.
  inactive: {
    rule: 'mark',
    fields: { students: 'enabled', teachers: 'enabled' },
    activeValues: ACTIVE_VALUES,
    how: 'sent with enabledUser=false in users.csv',
  },
  files: [
    {
      name: 'orgs.csv',
      order: 10,
      entities: ['schools'],
      key: ['sourcedId'],
      columns: [
        { name: 'sourcedId', required: true, defaults: { schools: from('school_code', site) } },
        status,
        dateLastModified,
        { name: 'name', required: true, defaults: { schools: from('name', [{ op: 'trim' }]) } },
        { name: 'type', required: true, rule: { allowed: ONEROSTER_ORG_TYPES }, defaults: { schools: constant('school') } },
        { name: 'identifier', required: false, defaults: { schools: from('state_id') } },
        { name: 'parentSourcedId', required: false },
      ],
    },
    {
      name: 'academicSessions.csv',
      order: 20,
      entities: ['terms'],
      key: ['sourcedId'],
      columns: [
        { name: 'sourcedId', required: true, defaults: { terms: from('term_id') } },
        status,
        dateLastModified,
        { name: 'title', required: true, defaults: { terms: from('title') } },
        {
          name: 'type',
          required: true,
          rule: { allowed: ONEROSTER_SESSION_TYPES },
          defaults: {
            terms: from('type', [
              {
                op: 'map',
                caseInsensitive: true,
                table: { semester: 'semester', sem: 'semester', year: 'schoolYear', schoolyear: 'schoolYear', 'school year': 'schoolYear', term: 'term', quarter: 'gradingPeriod', 'grading period': 'gradingPeriod', gradingperiod: 'gradingPeriod', trimester: 'term' },
              },
            ]),
          },
        },
        { name: 'startDate', required: true, rule: { kind: 'date' }, defaults: { terms: from('start_date', iso) } },
        { name: 'endDate', required: true, rule: { kind: 'date' }, defaults: { terms: from('end_date', iso) } },
        { name: 'parentSourcedId', required: false, defaults: { terms: from('parent_id') } },
        { name: 'schoolYear', required: true, rule: { kind: 'year' }, defaults: { terms: from('school_year') } },
      ],
    },
    {
      name: 'courses.csv',
      order: 30,
      entities: ['courses'],
      key: ['sourcedId'],
      references: [
        { column: 'orgSourcedId', file: 'orgs.csv', targetColumn: 'sourcedId' },
        { column: 'schoolYearSourcedId', file: 'academicSessions.csv', targetColumn: 'sourcedId' },
      ],
      columns: [
        { name: 'sourcedId', required: true, defaults: { courses: from('course_id') } },
        status,
        dateLastModified,
        { name: 'schoolYearSourcedId', required: false, defaults: { courses: from('school_year_id') } },
        { name: 'title', required: true, defaults: { courses: from('title') } },
        { name: 'courseCode', required: false, defaults: { courses: from('course_code') } },
        { name: 'grades', required: false, rule: { allowed: ONEROSTER_GRADES, multi }, defaults: { courses: from('grades', grades) } },
        { name: 'orgSourcedId', required: true, defaults: { courses: from('school_code', site) } },
        { name: 'subjects', required: false, rule: { multi }, defaults: { courses: from('subjects', list) } },
        { name: 'subjectCodes', required: false, rule: { multi } },
      ],
    },
    {
      name: 'users.csv',
      order: 40,
      entities: ['students', 'teachers', 'guardians'],
      key: ['sourcedId'],
      personRoles: peopleByEntity('students', 'teachers', 'guardians'),
      references: [
        { column: 'orgSourcedIds', file: 'orgs.csv', targetColumn: 'sourcedId' },
        { column: 'agentSourcedIds', file: 'users.csv', targetColumn: 'sourcedId', expectRole: AGENTS_OF },
      ],
      columns: [
        {
          name: 'sourcedId',
          required: true,
          defaults: { students: from('student_id'), teachers: from('teacher_id'), guardians: from('guardian_id') },
        },
        status,
        dateLastModified,
        {
          name: 'enabledUser',
          required: true,
          rule: { kind: 'boolean' },
          defaults: {
            students: from('enabled', enabled),
            teachers: from('enabled', enabled),
            guardians: constant('true'),
          },
        },
        {
          name: 'orgSourcedIds',
          required: true,
          rule: { multi },
          defaults: { students: from('school_codes', sites), teachers: from('school_codes', sites), guardians: from('school_codes', sites) },
        },
        {
          name: 'role',
          required: true,
          rule: { allowed: ONEROSTER_ROLES },
          defaults: {
            students: constant('student'),
            teachers: from('role', [{ op: 'default', value: 'teacher' }, { op: 'lower' }]),
            guardians: from('relationship', [{ op: 'map', caseInsensitive: true, table: relationshipRoles, default: 'guardian' }]),
          },
        },
        {
          name: 'username',
          required: true,
          personal: true,
          defaults: { students: from('username|email|student_id'), teachers: from('username|email|teacher_id'), guardians: from('email|guardian_id') },
        },
        { name: 'userIds', required: false },
        {
          name: 'givenName',
          required: true,
          personal: true,
          defaults: { students: from('first_name', [{ op: 'trim' }]), teachers: from('first_name', [{ op: 'trim' }]), guardians: from('first_name', [{ op: 'trim' }]) },
        },
        {
          name: 'familyName',
          required: true,
          personal: true,
          defaults: { students: from('last_name', [{ op: 'trim' }]), teachers: from('last_name', [{ op: 'trim' }]), guardians: from('last_name', [{ op: 'trim' }]) },
        },
        { name: 'middleName', required: false, personal: true, defaults: { students: from('middle_name'), teachers: from('middle_name') } },
        { name: 'identifier', required: false, personal: true, defaults: { students: from('state_id'), teachers: from('state_id') } },
        {
          name: 'email',
          required: false,
          personal: true,
          rule: { kind: 'email' },
          defaults: { students: from('email', email), teachers: from('email', email), guardians: from('email', email) },
        },
        { name: 'sms', required: false, personal: true, defaults: { students: from('sms', phone), guardians: from('sms', phone) } },
        { name: 'phone', required: false, personal: true, defaults: { students: from('phone', phone), teachers: from('phone', phone), guardians: from('phone', phone) } },
        { name: 'agentSourcedIds', required: false, rule: { multi }, defaults: { students: from('guardian_ids', list), guardians: from('student_ids', list) } },
        { name: 'grades', required: false, personal: true, rule: { allowed: ONEROSTER_GRADES, multi }, defaults: { students: from('grade', grades) } },
        { name: 'password', required: false, personal: true, sensitive: true },
      ],
    },
    {
      name: 'classes.csv',
      order: 50,
      entities: ['classes'],
      key: ['sourcedId'],
      references: [
        { column: 'courseSourcedId', file: 'courses.csv', targetColumn: 'sourcedId' },
        { column: 'schoolSourcedId', file: 'orgs.csv', targetColumn: 'sourcedId' },
        { column: 'termSourcedIds', file: 'academicSessions.csv', targetColumn: 'sourcedId' },
      ],
      columns: [
        { name: 'sourcedId', required: true, defaults: { classes: from('class_id') } },
        status,
        dateLastModified,
        { name: 'title', required: true, defaults: { classes: from('title', [{ op: 'trim' }]) } },
        { name: 'grades', required: false, rule: { allowed: ONEROSTER_GRADES, multi }, defaults: { classes: from('grades', grades) } },
        { name: 'courseSourcedId', required: true, defaults: { classes: from('course_id') } },
        { name: 'classCode', required: false, defaults: { classes: from('class_code') } },
        {
          name: 'classType',
          required: true,
          rule: { allowed: ['homeroom', 'scheduled'] },
          defaults: { classes: from('class_type', [{ op: 'default', value: 'scheduled' }, { op: 'lower' }]) },
        },
        { name: 'location', required: false, defaults: { classes: from('room') } },
        { name: 'schoolSourcedId', required: true, defaults: { classes: from('school_code', site) } },
        { name: 'termSourcedIds', required: true, rule: { multi }, defaults: { classes: from('term_ids', list) } },
        { name: 'subjects', required: false, rule: { multi }, defaults: { classes: from('subjects', list) } },
        { name: 'subjectCodes', required: false, rule: { multi } },
        { name: 'periods', required: false, rule: { multi }, defaults: { classes: from('periods', list) } },
      ],
    },
    {
      name: 'enrollments.csv',
      order: 60,
      entities: ['enrollments'],
      key: ['sourcedId'],
      references: [
        { column: 'classSourcedId', file: 'classes.csv', targetColumn: 'sourcedId' },
        { column: 'schoolSourcedId', file: 'orgs.csv', targetColumn: 'sourcedId' },
        { column: 'userSourcedId', file: 'users.csv', targetColumn: 'sourcedId', expectRole: ENROLLED_AS },
      ],
      columns: [
        { name: 'sourcedId', required: true, defaults: { enrollments: from('enrollment_id') } },
        status,
        dateLastModified,
        { name: 'classSourcedId', required: true, defaults: { enrollments: from('class_id') } },
        { name: 'schoolSourcedId', required: true, defaults: { enrollments: from('school_code', site) } },
        { name: 'userSourcedId', required: true, defaults: { enrollments: from('user_id') } },
        { name: 'role', required: true, rule: { allowed: ONEROSTER_ENROLLMENT_ROLES }, defaults: { enrollments: from('role', [{ op: 'lower' }]) } },
        { name: 'primary', required: false, rule: { kind: 'boolean' }, defaults: { enrollments: from('primary', trueFalse) } },
        { name: 'beginDate', required: false, rule: { kind: 'date' }, defaults: { enrollments: from('begin_date', iso) } },
        { name: 'endDate', required: false, rule: { kind: 'date' }, defaults: { enrollments: from('end_date', iso) } },
      ],
    },
    {
      name: 'demographics.csv',
      order: 70,
      entities: ['students'],
      key: ['sourcedId'],
      references: [{ column: 'sourcedId', file: 'users.csv', targetColumn: 'sourcedId', expectRole: 'student' }],
      columns: [
        { name: 'sourcedId', required: true, defaults: { students: from('student_id') } },
        status,
        dateLastModified,
        { name: 'birthDate', required: false, personal: true, sensitive: true, rule: { kind: 'date' }, defaults: { students: from('birth_date', iso) } },
        {
          name: 'sex',
          required: false,
          personal: true,
          sensitive: true,
          // OneRoster 1.1's sex vocabulary is male/female only (other and unspecified came with 1.2).
          rule: { allowed: ['male', 'female'] },
          defaults: { students: from('gender', [{ op: 'gender', style: 'word', binary: true }]) },
        },
        { name: 'americanIndianOrAlaskaNative', required: false, personal: true, sensitive: true, rule: { kind: 'boolean' }, defaults: { students: race('americanIndianOrAlaskaNative') } },
        { name: 'asian', required: false, personal: true, sensitive: true, rule: { kind: 'boolean' }, defaults: { students: race('asian') } },
        { name: 'blackOrAfricanAmerican', required: false, personal: true, sensitive: true, rule: { kind: 'boolean' }, defaults: { students: race('blackOrAfricanAmerican') } },
        { name: 'nativeHawaiianOrOtherPacificIslander', required: false, personal: true, sensitive: true, rule: { kind: 'boolean' }, defaults: { students: race('nativeHawaiianOrOtherPacificIslander') } },
        { name: 'white', required: false, personal: true, sensitive: true, rule: { kind: 'boolean' }, defaults: { students: race('white') } },
        { name: 'demographicRaceTwoOrMoreRaces', required: false, personal: true, sensitive: true, rule: { kind: 'boolean' }, defaults: { students: race('twoOrMore') } },
        { name: 'hispanicOrLatinoEthnicity', required: false, personal: true, sensitive: true, rule: { kind: 'boolean' }, defaults: { students: from('hispanic', trueFalse) } },
        { name: 'countryOfBirthCode', required: false, personal: true, sensitive: true },
        { name: 'stateOfBirthAbbreviation', required: false, personal: true, sensitive: true },
        { name: 'cityOfBirth', required: false, personal: true, sensitive: true },
        { name: 'publicSchoolResidenceStatus', required: false, personal: true, sensitive: true },
      ],
    },
  ],
};
