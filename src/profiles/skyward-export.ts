/**
 * Skyward's standard exports (SMS 2.0 / Qmlativ export templates, CSV with display-label headers)
 * in an export folder. Written from Skyward's public export field labels.
 *
 * The export set this profile reads (file: headers):
 * - entities.csv: Entity ID, Entity Name, Street Address, City, State, Zip Code, Phone
 * - terms.csv: Term ID, Term Description, Start Date, End Date, School Year
 * - courses.csv: Course ID, Course Description, Entity ID, Department
 * - classes.csv: Class ID, Course ID, Course Description, Section, Entity ID, Term ID, Teacher ID, Room, Period
 * - students.csv: Other ID, Entity ID, State ID, First Name, Middle Name, Last Name, Grade, Birthdate, Gender, Student Email, Home Phone, Hispanic/Latino (Y/N), Active (Y/N)
 * - staff.csv: Staff ID, Entity ID, First Name, Last Name, Email, Login, Active (Y/N)
 * - guardians.csv: Guardian ID, Other ID, Entity ID, First Name, Last Name, Email, Phone, Relationship
 * - schedules.csv: Schedule ID, Class ID, Other ID, Entity ID, Start Date, End Date
 */
import type { SisProfile } from '../shared/sis-profile.js';

export const skywardExport: SisProfile = {
  id: 'skyward-export',
  name: 'Skyward (export folder)',
  engines: ['folder'],
  verification: {
    testedInCi: true,
    note: 'Tested in CI against export files shaped like Skyward export templates (display-label headers, Y/N flags, BOM, quoted fields, leading zeros); header names from public Skyward export descriptions.',
  },
  reference: 'Skyward SMS 2.0 / Qmlativ export templates (student, staff, course, class and schedule exports)',
  detect: {
    files: {
      'students.csv': ['Other ID', 'Entity ID', 'Grade'],
      'schedules.csv': ['Class ID', 'Other ID'],
    },
  },
  entities: {
    schools: {
      file: 'entities.csv',
      columns: { school_code: 'Entity ID', name: 'Entity Name', address: 'Street Address', city: 'City', state: 'State', zip: 'Zip Code', phone: 'Phone' },
      notes: ['Skyward calls a school an entity; its Entity ID keeps its leading zeros (001).'],
    },
    terms: {
      file: 'terms.csv',
      columns: { term_id: 'Term ID', title: 'Term Description', start_date: 'Start Date', end_date: 'End Date', school_year: 'School Year' },
      constants: { type: 'term' },
      notes: ['Skyward names a school year by the year it ends (2026 for 2025-2026), as OneRoster does.'],
    },
    courses: {
      file: 'courses.csv',
      columns: { course_id: 'Course ID', title: 'Course Description', course_code: 'Course ID', school_code: 'Entity ID', subjects: 'Department' },
    },
    classes: {
      file: 'classes.csv',
      columns: {
        class_id: 'Class ID', title: 'Course Description', course_id: 'Course ID', class_code: 'Section', school_code: 'Entity ID', term_ids: 'Term ID',
        teacher_id: 'Teacher ID', room: 'Room', periods: 'Period',
      },
    },
    students: {
      file: 'students.csv',
      columns: {
        student_id: 'Other ID', school_codes: 'Entity ID', state_id: 'State ID', first_name: 'First Name', middle_name: 'Middle Name', last_name: 'Last Name',
        grade: 'Grade', birth_date: 'Birthdate', gender: 'Gender', email: 'Student Email', phone: 'Home Phone', hispanic: 'Hispanic/Latino (Y/N)',
        enabled: 'Active (Y/N)',
      },
      notes: ['Students are identified by Skyward\'s Other ID (the district student number), leading zeros kept; Y/N flags are read as they are.'],
    },
    teachers: {
      file: 'staff.csv',
      columns: { teacher_id: 'Staff ID', school_codes: 'Entity ID', first_name: 'First Name', last_name: 'Last Name', email: 'Email', username: 'Login', enabled: 'Active (Y/N)' },
      constants: { role: 'teacher' },
    },
    guardians: {
      file: 'guardians.csv',
      columns: {
        guardian_id: 'Guardian ID', student_ids: 'Other ID', school_codes: 'Entity ID', first_name: 'First Name', last_name: 'Last Name',
        email: 'Email', phone: 'Phone', relationship: 'Relationship',
      },
      notes: ['One row per guardian: several students are listed in Other ID separated by ;, their entities likewise.'],
    },
    enrollments: {
      file: 'schedules.csv',
      columns: { enrollment_id: 'Schedule ID', class_id: 'Class ID', user_id: 'Other ID', school_code: 'Entity ID', begin_date: 'Start Date', end_date: 'End Date' },
      constants: { role: 'student', primary: 'false' },
    },
  },
};
