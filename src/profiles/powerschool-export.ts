/**
 * PowerSchool's standard exports (AutoSend, or Data Export Manager with field names as headers) in
 * an export folder: one file per table, headers the PowerSchool field names, related-table fields
 * written `[Table]Field`. Written from PowerSchool's public data dictionary field names.
 *
 * The AutoSend set this profile reads (file: fields):
 * - schools.csv: School_Number, Name, SchoolAddress, SchoolCity, SchoolState, SchoolZip, SchoolPhone, Low_Grade, High_Grade, PrincipalEmail
 * - terms.csv: ID, Name, FirstDay, LastDay, YearID, Portion
 * - courses.csv: Course_Number, Course_Name, CreditType, SchoolID
 * - sections.csv: ID, Course_Number, [Courses]Course_Name, Section_Number, SchoolID, TermID, [Teachers]TeacherNumber, Room, Expression, Grade_Level
 * - students.csv: Student_Number, SchoolID, State_StudentNumber, First_Name, Middle_Name, Last_Name, Grade_Level, DOB, Gender, Home_Phone, Student_Web_ID, Enroll_Status
 * - teachers.csv: TeacherNumber, SchoolID, First_Name, Middle_Name, Last_Name, Email_Addr, TeacherLoginID, Status
 * - contacts.csv: PersonID, [Students]Student_Number, [Students]SchoolID, FirstName, LastName, EmailAddress, PhoneNumber, Relationship
 * - cc.csv (selection `SectionID>0`: a negative SectionID is a dropped enrollment): ID, SectionID, [Students]Student_Number, SchoolID, DateEnrolled, DateLeft
 */
import type { SisProfile } from '../shared/sis-profile.js';

/** PowerSchool YearID n is the school year that starts in 1990 + n and ends in 1991 + n (YearID 35 = 2025-2026). */
const SCHOOL_YEAR_OF_YEAR_ID: Readonly<Record<string, string>> = Object.fromEntries(
  Array.from({ length: 80 }, (_, i) => [String(i + 10), String(2001 + i)]),
);

export const powerSchoolExport: SisProfile = {
  id: 'powerschool-export',
  name: 'PowerSchool (AutoSend export folder)',
  engines: ['folder'],
  verification: {
    testedInCi: true,
    note: 'Tested in CI against export files shaped like PowerSchool AutoSend output (field-name headers, quoted fields, BOM, leading zeros, MM/DD/YYYY dates); header names from the public data dictionary.',
  },
  reference: 'PowerSchool SIS data dictionary (Schools, Terms, Courses, Sections, Students, Teachers, CC tables); AutoSend / Data Export Manager',
  detect: {
    files: {
      'students.csv': ['Student_Number', 'Grade_Level', 'Enroll_Status'],
      'cc.csv': ['SectionID', 'DateEnrolled', 'DateLeft'],
      'sections.csv': ['Course_Number', 'Section_Number', 'TermID'],
    },
  },
  entities: {
    schools: {
      file: 'schools.csv',
      columns: {
        school_code: 'School_Number', name: 'Name', address: 'SchoolAddress', city: 'SchoolCity', state: 'SchoolState', zip: 'SchoolZip',
        phone: 'SchoolPhone', low_grade: 'Low_Grade', high_grade: 'High_Grade', principal_email: 'PrincipalEmail',
      },
      notes: ['Low_Grade and High_Grade are numbers: 0 is kindergarten, -1 pre-K.'],
    },
    terms: {
      file: 'terms.csv',
      columns: { term_id: 'ID', title: 'Name', type: 'Portion', start_date: 'FirstDay', end_date: 'LastDay', school_year: 'YearID' },
      values: {
        type: { '1': 'schoolYear', '2': 'semester', '3': 'term', '4': 'gradingPeriod', '6': 'gradingPeriod' },
        school_year: SCHOOL_YEAR_OF_YEAR_ID,
      },
      notes: [
        'Portion says how much of the year a term is: 1 year, 2 semester, 3 trimester, 4 quarter.',
        'YearID n is the school year ending in 1991 + n (YearID 35 = 2025-2026).',
        'PowerSchool numbers terms per school (3500 at every school): export the terms once, from one school or the district office.',
      ],
    },
    courses: {
      file: 'courses.csv',
      columns: { course_id: 'Course_Number', title: 'Course_Name', course_code: 'Course_Number', subjects: 'CreditType', school_code: 'SchoolID' },
    },
    classes: {
      file: 'sections.csv',
      columns: {
        class_id: 'ID', title: '[Courses]Course_Name', course_id: 'Course_Number', class_code: 'Section_Number', school_code: 'SchoolID',
        term_ids: 'TermID', teacher_id: '[Teachers]TeacherNumber', room: 'Room', periods: 'Expression', grades: 'Grade_Level',
      },
      notes: ['The lead teacher is the section\'s Teacher, exported by TeacherNumber so it matches teachers.csv.'],
    },
    students: {
      file: 'students.csv',
      columns: {
        student_id: 'Student_Number', school_codes: 'SchoolID', state_id: 'State_StudentNumber', first_name: 'First_Name', middle_name: 'Middle_Name',
        last_name: 'Last_Name', grade: 'Grade_Level', birth_date: 'DOB', gender: 'Gender', phone: 'Home_Phone', username: 'Student_Web_ID',
        enabled: 'Enroll_Status',
      },
      values: { enabled: { '0': 'Y', '-1': 'N', '1': 'N', '2': 'N', '3': 'N', '4': 'N' } },
      notes: [
        'Students are identified by Student_Number (what schools and vendors use), not the internal ID or DCID; cc.csv must export [Students]Student_Number.',
        'Enroll_Status 0 is active; -1 pre-registered, 2 transferred out, 3 graduated, 4 imported historical are sent disabled.',
      ],
    },
    teachers: {
      file: 'teachers.csv',
      columns: {
        teacher_id: 'TeacherNumber', school_codes: 'SchoolID', first_name: 'First_Name', middle_name: 'Middle_Name', last_name: 'Last_Name',
        email: 'Email_Addr', username: 'TeacherLoginID', enabled: 'Status',
      },
      values: { enabled: { '1': 'Y', '2': 'N' } },
      constants: { role: 'teacher' },
      notes: ['Status 1 is active, 2 inactive.'],
    },
    guardians: {
      file: 'contacts.csv',
      columns: {
        guardian_id: 'PersonID', student_ids: '[Students]Student_Number', school_codes: '[Students]SchoolID', first_name: 'FirstName',
        last_name: 'LastName', email: 'EmailAddress', phone: 'PhoneNumber', relationship: 'Relationship',
      },
      notes: [
        'One row per contact (Person): a contact of several students lists their Student_Numbers separated by ; and their schools likewise.',
        'Contacts are identified by their PersonID.',
      ],
    },
    enrollments: {
      file: 'cc.csv',
      columns: {
        enrollment_id: 'ID', class_id: 'SectionID', user_id: '[Students]Student_Number', school_code: 'SchoolID', begin_date: 'DateEnrolled', end_date: 'DateLeft',
      },
      constants: { role: 'student', primary: 'false' },
      notes: [
        'CC holds student enrollments only. A negative SectionID is a dropped enrollment: set the AutoSend selection to SectionID>0.',
        'Teachers reach their classes through sections.csv\'s teacher (classes), not through enrollment rows.',
      ],
    },
  },
};
