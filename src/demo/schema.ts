/**
 * The synthetic SIS's tables: what a real (slightly messy) student information system looks like,
 * not what a vendor wants. Shared by the generator (row order = column order here) and by the
 * SQLite and PostgreSQL loaders. Described for humans in README-demo.md.
 */

export type SisColumnType = 'text' | 'integer';

export interface SisColumn {
  readonly name: string;
  readonly type: SisColumnType;
  /** NOT NULL in the database. */
  readonly required?: boolean;
}

export interface SisTableDef {
  readonly name: SisTableName;
  readonly columns: readonly SisColumn[];
  readonly primaryKey?: readonly string[];
  /** Secondary indexes, created after the rows are loaded. */
  readonly indexes?: readonly (readonly string[])[];
}

export const SIS_TABLE_NAMES = [
  'schools',
  'terms',
  'staff',
  'staff_schools',
  'courses',
  'sections',
  'section_terms',
  'section_teachers',
  'students',
  'contacts',
  'student_contacts',
  'section_enrollments',
] as const;
export type SisTableName = (typeof SIS_TABLE_NAMES)[number];

/** One row, values in the column order of its table. */
export type SisValue = string | number | null;
export type SisRow = readonly SisValue[];

const t = (name: string, required = false): SisColumn => ({ name, type: 'text', required });
const i = (name: string, required = false): SisColumn => ({ name, type: 'integer', required });

export const SIS_TABLES: readonly SisTableDef[] = [
  {
    name: 'schools',
    columns: [
      t('sch_code', true), t('sch_name', true), t('state_sch_id'), t('sch_type'), t('low_grade'), t('high_grade'),
      t('address1'), t('city'), t('state'), t('zip'), t('phone'), t('principal_id'),
    ],
    primaryKey: ['sch_code'],
  },
  {
    name: 'terms',
    columns: [
      t('term_id', true), t('school_year', true), i('year_id', true), t('term_code', true), t('term_name', true), t('term_type', true),
      t('start_date', true), t('end_date', true), t('parent_term_id'),
    ],
    primaryKey: ['term_id'],
  },
  {
    name: 'staff',
    columns: [
      t('staff_id', true), t('staff_type', true), t('first_name', true), t('middle_name'), t('last_name', true), t('title'), t('email'),
      t('login'), t('phone'), t('state_staff_id'), t('home_sch'), t('active'),
    ],
    primaryKey: ['staff_id'],
  },
  {
    name: 'staff_schools',
    columns: [t('staff_id', true), t('sch_code', true), t('is_home')],
    primaryKey: ['staff_id', 'sch_code'],
  },
  {
    name: 'courses',
    columns: [t('course_id', true), t('sch_code', true), t('course_number', true), t('course_name', true), t('department'), t('grade_level'), t('credits')],
    primaryKey: ['course_id'],
  },
  {
    name: 'sections',
    columns: [
      t('section_id', true), t('sch_code', true), t('course_id', true), t('section_number', true), i('period'), t('room'), t('is_homeroom'),
      i('max_enrollment'),
    ],
    primaryKey: ['section_id'],
  },
  {
    name: 'section_terms',
    columns: [t('section_id', true), t('term_id', true)],
    primaryKey: ['section_id', 'term_id'],
  },
  {
    name: 'section_teachers',
    columns: [i('st_id', true), t('section_id', true), t('staff_id', true), t('role', true), t('start_date'), t('end_date')],
    primaryKey: ['st_id'],
    indexes: [['section_id']],
  },
  {
    name: 'students',
    columns: [
      t('stu_id', true), t('sch_code', true), t('state_id'), t('first_name', true), t('middle_name'), t('last_name', true), t('nickname'),
      t('grade_level', true), t('birthdate'), t('gender'), t('email'), t('network_id'), t('home_phone'), t('cell_phone'), t('lang'),
      t('ethnicity'), t('race'), t('hispanic'), t('ell'), t('migrant'), t('gifted'), t('sped'), t('frl'), t('homeless'), t('foster'),
      t('active'),
    ],
    primaryKey: ['stu_id'],
  },
  {
    name: 'contacts',
    columns: [
      t('contact_id', true), t('first_name', true), t('last_name', true), t('email'), t('home_phone'), t('cell_phone'), t('work_phone'),
      t('lang'), t('employer'),
    ],
    primaryKey: ['contact_id'],
  },
  {
    name: 'student_contacts',
    columns: [t('stu_id', true), t('contact_id', true), t('relationship'), i('priority'), t('lives_with'), t('legal_guardian'), t('emergency')],
    primaryKey: ['stu_id', 'contact_id'],
    indexes: [['contact_id']],
  },
  {
    name: 'section_enrollments',
    columns: [i('enr_id', true), t('section_id', true), t('stu_id', true), t('entry_date'), t('exit_date')],
    primaryKey: ['enr_id'],
    indexes: [['section_id'], ['stu_id']],
  },
];

export function sisTable(name: SisTableName): SisTableDef {
  const def = SIS_TABLES.find((table) => table.name === name);
  if (!def) throw new Error(`Unknown SIS table ${name}: expected one of ${SIS_TABLE_NAMES.join(', ')} (src/demo/schema.ts)`);
  return def;
}

/** Connections a database loader fills tables over in parallel. */
export const LOAD_CONNECTIONS = 3;

/** Rough relative size of a table, to start the big ones first. */
function loadWeight(table: SisTableName, students: number): number {
  switch (table) {
    case 'section_enrollments':
      return students * 6 * 5;
    case 'students':
      return students * 26;
    case 'contacts':
      return students * 1.5 * 9;
    case 'student_contacts':
      return students * 1.65 * 7;
    default:
      return students / 5;
  }
}

/** The SIS tables, biggest first, so parallel loaders finish together. */
export function tablesBiggestFirst(students: number): SisTableDef[] {
  return [...SIS_TABLES].sort((a, b) => loadWeight(b.name, students) - loadWeight(a.name, students));
}
