/**
 * The demo district with a real SIS's raw column names: the demo tables (schema.ts) renamed the
 * way student information systems name things — PowerSchool-like `Student_Number`, `SchoolID`,
 * `Grade_Level`, `DOB`, `FirstDay`/`LastDay`, `DateEnrolled`; CamelCase `ContactID`, `TermType`;
 * snake abbreviations `fname`, `lname`, `stu_id` — and the students' demographic flags moved to a
 * 1:1 side table (`student_demographics`), as SISes keep them. No aliases anywhere: this is what an
 * admin meets in an unknown SIS, and what the entity builder and its suggestions are measured on.
 * Applied to a district loaded by postgres-loader.ts or mysql-loader.ts (same rows, other names).
 */
import type { SisTableName } from './schema.js';

/** Demo column → SIS-style column, per table (columns not listed keep their name). */
export const SIS_STYLE_COLUMNS: Readonly<Record<SisTableName, Readonly<Record<string, string>>>> = {
  schools: {
    sch_code: 'SchoolID', sch_name: 'SchoolName', state_sch_id: 'State_School_ID', sch_type: 'SchoolType', low_grade: 'Low_Grade',
    high_grade: 'High_Grade', address1: 'Address', city: 'City', state: 'State', zip: 'Zip', phone: 'Phone', principal_id: 'Principal_ID',
  },
  terms: {
    term_id: 'TermID', school_year: 'SchoolYear', year_id: 'YearID', term_code: 'Abbreviation', term_name: 'Name', term_type: 'TermType',
    start_date: 'FirstDay', end_date: 'LastDay', parent_term_id: 'ParentTermID',
  },
  staff: { first_name: 'fname', middle_name: 'mname', last_name: 'lname', email: 'email_addr', login: 'login_id' },
  staff_schools: { sch_code: 'school_id' },
  courses: {
    course_id: 'CourseID', sch_code: 'SchoolID', course_number: 'Course_Number', course_name: 'Course_Name', department: 'Department',
    grade_level: 'GradeLevel', credits: 'Credit_Hours',
  },
  sections: {
    section_id: 'SectionID', sch_code: 'SchoolID', course_id: 'CourseID', section_number: 'Section_Number', period: 'Expression', room: 'Room',
    is_homeroom: 'Home_Room', max_enrollment: 'MaxEnrollment',
  },
  section_terms: { section_id: 'SectionID', term_id: 'TermID' },
  section_teachers: { section_id: 'SectionID', staff_id: 'TeacherID', role: 'RoleType', start_date: 'Start_Date', end_date: 'End_Date' },
  students: {
    stu_id: 'Student_Number', sch_code: 'SchoolID', state_id: 'State_StudentNumber', first_name: 'First_Name', middle_name: 'Middle_Name',
    last_name: 'Last_Name', nickname: 'Nickname', grade_level: 'Grade_Level', birthdate: 'DOB', gender: 'Gender', email: 'Student_Email',
    network_id: 'Network_ID', home_phone: 'Home_Phone', cell_phone: 'Mobile', lang: 'Home_Language', active: 'Active',
  },
  contacts: {
    contact_id: 'ContactID', first_name: 'FirstName', last_name: 'LastName', email: 'Email', home_phone: 'HomePhone', cell_phone: 'CellPhone',
    work_phone: 'WorkPhone', lang: 'Language', employer: 'Employer',
  },
  student_contacts: { contact_id: 'ContactID', relationship: 'Relationship', priority: 'Priority' },
  section_enrollments: { enr_id: 'DCID', section_id: 'SectionID', stu_id: 'StudentID', entry_date: 'DateEnrolled', exit_date: 'DateLeft' },
};

/** The students' demographic flags, moved to `student_demographics` keyed by `Student_Number` (demo column → SIS-style column). */
export const SIS_STYLE_DEMOGRAPHICS: Readonly<Record<string, string>> = {
  ethnicity: 'FedEthnicity', race: 'FedRace', hispanic: 'Hispanic', ell: 'ELL', migrant: 'Migrant', gifted: 'Gifted', sped: 'SPED',
  frl: 'FRL', homeless: 'Homeless', foster: 'Foster',
};

export const SIS_STYLE_DEMOGRAPHICS_TABLE = 'student_demographics';

export type SisStyleEngine = 'postgres' | 'mysql';

const quote = (name: string, engine: SisStyleEngine): string => (engine === 'mysql' ? `\`${name}\`` : `"${name}"`);

/**
 * The statements that turn a freshly loaded demo district into the SIS-style one: the side table
 * first (copied from the demo's columns), then the demographic columns dropped from students,
 * then every rename. One statement per entry, for the engine's own client.
 */
export function sisStyleStatements(engine: SisStyleEngine): string[] {
  const q = (name: string): string => quote(name, engine);
  const demographic = Object.entries(SIS_STYLE_DEMOGRAPHICS);
  const statements = [
    `CREATE TABLE ${q(SIS_STYLE_DEMOGRAPHICS_TABLE)} AS SELECT ${q('stu_id')} AS ${q('Student_Number')}, ${demographic.map(([from, to]) => `${q(from)} AS ${q(to)}`).join(', ')} FROM ${q('students')}`,
    `ALTER TABLE ${q(SIS_STYLE_DEMOGRAPHICS_TABLE)} ADD PRIMARY KEY (${q('Student_Number')})`,
    ...demographic.map(([from]) => `ALTER TABLE ${q('students')} DROP COLUMN ${q(from)}`),
  ];
  for (const [table, columns] of Object.entries(SIS_STYLE_COLUMNS)) {
    for (const [from, to] of Object.entries(columns)) statements.push(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`);
  }
  return statements;
}
