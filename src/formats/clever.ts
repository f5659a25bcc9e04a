/**
 * G. Clever SFTP: schools.csv, students.csv, teachers.csv, sections.csv and enrollments.csv with
 * Clever's headers (School_id, Student_id, Last_name, First_name…). Clever reads headers by name
 * (column order is free) and wants active records only: inactive students and teachers are left out
 * with everything that references them (their enrollments; an inactive teacher's sections and their
 * enrollments) — FormatDef.inactive — so the reference checks never trip over a record Clever must not
 * get. Enrollments list students (teachers come with sections).
 * Home_language takes Clever's language words (CLEVER_LANGUAGES); a SIS language they do not cover is
 * an error naming the value, never sent raw.
 * Grades are Clever words (Kindergarten, PreKindergarten, 1…12); DOB MM/DD/YYYY; Gender M/F/X;
 * Race A/B/I/M/P/W; flags Y/N. Upload at most once an hour (set the destination's schedule
 * minIntervalMinutes to 60). Double quotes only where a value needs them (auto quoting).
 * A teacher at several schools is listed with the first school.
 */
import type { FormatDef } from '../shared/format.js';
import { dropInactive, e164, email, first, from, LANGUAGE_CODES, peopleByEntity, STUDENT_ROLES, trim } from './common.js';
import type { TransformStep } from '../shared/transform.js';

export const CLEVER_GRADES = [
  'InfantToddler', 'Preschool', 'PreKindergarten', 'TransitionalKindergarten', 'Kindergarten',
  '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', 'PostGraduate', 'Ungraded', 'Other',
];
export const CLEVER_SUBJECTS = [
  'english/language arts', 'math', 'science', 'social studies', 'language', 'homeroom/advisory', 'interventions/online learning',
  'technology and engineering', 'PE and health', 'arts and music', 'other',
];

/**
 * Clever's Home_language values. Source: Amplify's help article "Clever Enrollment: Demographics data"
 * quoting Clever's students.csv spec (English … Portuguese, read there); the rest of the list (Punjabi …
 * Vietnamese) is recalled from Clever's SFTP specification, where the article's copy was cut off — check
 * it against Clever's current spec before relying on the tail.
 */
export const CLEVER_LANGUAGES = [
  'English', 'Albanian', 'Amharic', 'Arabic', 'Bengali', 'Bosnian', 'Burmese', 'Cantonese', 'Chinese', 'Dutch', 'Farsi', 'French', 'German',
  'Hebrew', 'Hindi', 'Hmong', 'Ilocano', 'Japanese', 'Javanese', 'Karen', 'Khmer', 'Korean', 'Laotian', 'Latvian', 'Malay', 'Mandarin',
  'Nepali', 'Oromo', 'Polish', 'Portuguese', 'Punjabi', 'Romanian', 'Russian', 'Samoan', 'Serbian', 'Somali', 'Spanish', 'Swahili',
  'Tagalog', 'Tamil', 'Telugu', 'Thai', 'Tigrinya', 'Turkish', 'Ukrainian', 'Urdu', 'Vietnamese',
];

/** SIS language names, other spellings and ISO 639 codes → Clever's words. */
const cleverLanguage: Readonly<Record<string, string>> = (() => {
  const table: Record<string, string> = Object.fromEntries(CLEVER_LANGUAGES.map((l) => [l.toLowerCase(), l]));
  Object.assign(table, {
    'chinese (mandarin)': 'Mandarin', 'mandarin chinese': 'Mandarin', 'chinese (cantonese)': 'Cantonese', 'cantonese chinese': 'Cantonese',
    persian: 'Farsi', lao: 'Laotian', filipino: 'Tagalog', 'spanish; castilian': 'Spanish', panjabi: 'Punjabi', 'serbo-croatian': 'Serbian',
  });
  // A SIS that stores ISO codes (es, vi, hmn): through the same names.
  const byCode = new Map<string, string>();
  for (const [name, code] of Object.entries(LANGUAGE_CODES)) if (table[name] !== undefined && !byCode.has(code)) byCode.set(code, table[name]);
  byCode.set('zh', 'Chinese');
  for (const [code, word] of byCode) table[code] ??= word;
  return table;
})();

/** SIS race codes and federal category names → Clever's race letters; a value not listed is an error, never sent raw. */
const cleverRace: Readonly<Record<string, string>> = {
  a: 'A', asian: 'A',
  b: 'B', black: 'B', 'african american': 'B', 'black or african american': 'B',
  i: 'I', 'american indian': 'I', 'american indian or alaska native': 'I', 'native american': 'I', 'alaska native': 'I',
  p: 'P', 'pacific islander': 'P', 'native hawaiian': 'P', 'native hawaiian or other pacific islander': 'P', 'hawaiian or pacific islander': 'P',
  w: 'W', white: 'W', caucasian: 'W',
  m: 'M', multiracial: 'M', 'two or more races': 'M', 'two or more': 'M',
};

const grade: TransformStep[] = [...first, { op: 'grade', style: 'clever' }];
const yn: TransformStep[] = [{ op: 'bool', style: 'yn' }];

const subject: TransformStep[] = [
  { op: 'trim' },
  {
    op: 'map',
    caseInsensitive: true,
    default: 'other',
    table: {
      // A class without a subject stays without one (the default is for subjects Clever has no word for).
      '': '',
      'english language arts': 'english/language arts', english: 'english/language arts', ela: 'english/language arts', reading: 'english/language arts',
      mathematics: 'math', math: 'math',
      science: 'science',
      'social studies': 'social studies', history: 'social studies',
      'world languages': 'language', 'foreign language': 'language', language: 'language',
      homeroom: 'homeroom/advisory', advisory: 'homeroom/advisory',
      'career & technical education': 'technology and engineering', technology: 'technology and engineering', 'computer science': 'technology and engineering',
      'physical education': 'PE and health', health: 'PE and health', pe: 'PE and health',
      'fine arts': 'arts and music', art: 'arts and music', music: 'arts and music',
    },
  },
];

export const clever: FormatDef = {
  id: 'clever',
  version: '1',
  displayName: 'Clever SFTP (schools, students, teachers, sections, enrollments)',
  description:
    'Clever SFTP upload: schools.csv, students.csv, teachers.csv, sections.csv, enrollments.csv with Clever headers, active records only, Clever grade words, at most one upload an hour.',
  dialect: { delimiter: ',', quoting: 'auto', lineEnding: '\n', bom: false, header: true },
  supportsDelta: false,
  inactive: dropInactive('active records only: inactive students and teachers are not sent, nor their enrollments and sections'),
  files: [
    {
      name: 'schools.csv',
      order: 10,
      entities: ['schools'],
      key: ['School_id'],
      alwaysPresent: true,
      columns: [
        { name: 'School_id', required: true, defaults: { schools: from('school_code', trim) } },
        { name: 'School_name', required: true, defaults: { schools: from('name', trim) } },
        { name: 'School_number', required: true, defaults: { schools: from('school_code', trim) } },
        { name: 'State_id', required: false, defaults: { schools: from('state_id', trim) } },
        { name: 'Low_grade', required: false, rule: { allowed: CLEVER_GRADES }, defaults: { schools: from('low_grade', grade) } },
        { name: 'High_grade', required: false, rule: { allowed: CLEVER_GRADES }, defaults: { schools: from('high_grade', grade) } },
        { name: 'Principal_email', required: false, personal: true, rule: { kind: 'email' }, defaults: { schools: from('principal_email', email) } },
        { name: 'School_address', required: false, defaults: { schools: from('address', trim) } },
        { name: 'School_city', required: false, defaults: { schools: from('city', trim) } },
        { name: 'School_state', required: false, defaults: { schools: from('state', trim) } },
        { name: 'School_zip', required: false, defaults: { schools: from('zip', trim) } },
        { name: 'School_phone', required: false, defaults: { schools: from('phone', e164) } },
      ],
    },
    {
      name: 'students.csv',
      order: 20,
      entities: ['students'],
      key: ['Student_id'],
      personRoles: peopleByEntity('students'),
      alwaysPresent: true,
      references: [{ column: 'School_id', file: 'schools.csv', targetColumn: 'School_id' }],
      columns: [
        { name: 'School_id', required: true, defaults: { students: from('school_codes', first) } },
        { name: 'Student_id', required: true, defaults: { students: from('student_id', trim) } },
        { name: 'Student_number', required: false, defaults: { students: from('student_id', trim) } },
        { name: 'State_id', required: false, personal: true, defaults: { students: from('state_id', trim) } },
        { name: 'Last_name', required: true, personal: true, defaults: { students: from('last_name', trim) } },
        { name: 'Middle_name', required: false, personal: true, defaults: { students: from('middle_name', trim) } },
        { name: 'First_name', required: true, personal: true, defaults: { students: from('first_name', trim) } },
        { name: 'Grade', required: false, personal: true, rule: { allowed: CLEVER_GRADES }, defaults: { students: from('grade', grade) } },
        { name: 'Gender', required: false, personal: true, sensitive: true, rule: { allowed: ['M', 'F', 'X'] }, defaults: { students: from('gender', [{ op: 'gender', style: 'letter' }]) } },
        { name: 'DOB', required: false, personal: true, sensitive: true, rule: { pattern: '\\d{2}/\\d{2}/\\d{4}', patternLabel: 'a date as MM/DD/YYYY' }, defaults: { students: from('birth_date', [{ op: 'date', format: 'MM/DD/YYYY' }]) } },
        { name: 'Race', required: false, personal: true, sensitive: true, rule: { allowed: ['A', 'B', 'I', 'M', 'P', 'W'] }, defaults: { students: from('race', [{ op: 'trim' }, { op: 'map', caseInsensitive: true, table: cleverRace }]) } },
        { name: 'Hispanic_Latino', required: false, personal: true, sensitive: true, rule: { allowed: ['Y', 'N'] }, defaults: { students: from('hispanic', yn) } },
        {
          name: 'Home_language',
          required: false,
          personal: true,
          sensitive: true,
          rule: { allowed: CLEVER_LANGUAGES },
          defaults: { students: from('language', [{ op: 'trim' }, { op: 'map', caseInsensitive: true, table: cleverLanguage }]) },
        },
        { name: 'Ell_status', required: false, personal: true, sensitive: true, rule: { allowed: ['Y', 'N'] }, defaults: { students: from('english_learner', yn) } },
        { name: 'IEP_status', required: false, personal: true, sensitive: true, rule: { allowed: ['Y', 'N'] }, defaults: { students: from('special_ed', yn) } },
        { name: 'Student_email', required: false, personal: true, rule: { kind: 'email' }, defaults: { students: from('email', email) } },
        { name: 'Username', required: false, personal: true, defaults: { students: from('username', trim) } },
        { name: 'Password', required: false, personal: true, sensitive: true },
      ],
    },
    {
      name: 'teachers.csv',
      order: 30,
      entities: ['teachers'],
      key: ['Teacher_id'],
      personRoles: peopleByEntity('teachers'),
      alwaysPresent: true,
      references: [{ column: 'School_id', file: 'schools.csv', targetColumn: 'School_id' }],
      columns: [
        { name: 'School_id', required: true, defaults: { teachers: from('school_codes', first) } },
        { name: 'Teacher_id', required: true, defaults: { teachers: from('teacher_id', trim) } },
        { name: 'Teacher_number', required: false, defaults: { teachers: from('teacher_id', trim) } },
        { name: 'State_teacher_id', required: false, personal: true, defaults: { teachers: from('state_id', trim) } },
        { name: 'Teacher_email', required: false, personal: true, rule: { kind: 'email' }, defaults: { teachers: from('email', email) } },
        { name: 'First_name', required: true, personal: true, defaults: { teachers: from('first_name', trim) } },
        { name: 'Middle_name', required: false, personal: true, defaults: { teachers: from('middle_name', trim) } },
        { name: 'Last_name', required: true, personal: true, defaults: { teachers: from('last_name', trim) } },
        { name: 'Title', required: false, defaults: { teachers: from('title', trim) } },
        { name: 'Username', required: false, personal: true, defaults: { teachers: from('username', trim) } },
        { name: 'Password', required: false, personal: true, sensitive: true },
      ],
    },
    {
      name: 'sections.csv',
      order: 40,
      entities: ['classes'],
      key: ['Section_id'],
      alwaysPresent: true,
      references: [
        { column: 'School_id', file: 'schools.csv', targetColumn: 'School_id' },
        { column: 'Teacher_id', file: 'teachers.csv', targetColumn: 'Teacher_id', expectRole: 'teacher' },
      ],
      columns: [
        { name: 'School_id', required: true, defaults: { classes: from('school_code', trim) } },
        { name: 'Section_id', required: true, defaults: { classes: from('class_id', trim) } },
        { name: 'Teacher_id', required: true, defaults: { classes: from('teacher_id', trim) } },
        { name: 'Name', required: false, defaults: { classes: from('title', trim) } },
        { name: 'Section_number', required: false, defaults: { classes: from('class_code', trim) } },
        { name: 'Grade', required: false, rule: { allowed: CLEVER_GRADES }, defaults: { classes: from('grades', grade) } },
        { name: 'Course_number', required: false, defaults: { classes: from('course_id', trim) } },
        { name: 'Period', required: false, defaults: { classes: from('periods', first) } },
        { name: 'Subject', required: false, rule: { allowed: CLEVER_SUBJECTS }, defaults: { classes: from('subjects', [...first, ...subject]) } },
      ],
    },
    {
      name: 'enrollments.csv',
      order: 50,
      entities: ['enrollments'],
      key: ['Section_id', 'Student_id'],
      alwaysPresent: true,
      rowFilters: [{ field: 'role', values: STUDENT_ROLES }],
      references: [
        { column: 'School_id', file: 'schools.csv', targetColumn: 'School_id' },
        { column: 'Section_id', file: 'sections.csv', targetColumn: 'Section_id' },
        { column: 'Student_id', file: 'students.csv', targetColumn: 'Student_id', expectRole: 'student' },
      ],
      columns: [
        { name: 'School_id', required: true, defaults: { enrollments: from('school_code', trim) } },
        { name: 'Section_id', required: true, defaults: { enrollments: from('class_id', trim) } },
        { name: 'Student_id', required: true, defaults: { enrollments: from('user_id', trim) } },
      ],
    },
  ],
};
