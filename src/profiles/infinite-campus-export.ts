/**
 * Infinite Campus ad hoc exports (Data Extract Utility / Ad Hoc Reporting, CSV with the data
 * dictionary's field names as headers) in an export folder. Written from Infinite Campus's public
 * data dictionary names (School, Calendar, Term, Course, Section, Roster, Person/Identity, Enrollment).
 *
 * The export set this profile reads (file: fields):
 * - schools.csv: schoolNumber, name, address, city, state, zip, phone
 * - terms.csv: termID, name, startDate, endDate, endYear (the calendar's)
 * - courses.csv: courseID, number, name, schoolNumber, departmentName
 * - sections.csv: sectionID, courseID, courseName, sectionNumber, schoolNumber, termID, teacherPersonID, roomName, periodName
 * - students.csv: studentNumber, schoolNumber, stateID, firstName, middleName, lastName, grade, birthdate, gender, email, homePhone, username
 * - teachers.csv: personID, schoolNumber, staffStateID, firstName, lastName, email, username
 * - guardians.csv: personID, studentNumber, schoolNumber, firstName, lastName, email, homePhone, cellPhone, relationship
 * - roster.csv: rosterID, sectionID, studentNumber, schoolNumber, startDate, endDate
 */
import type { SisProfile } from '../shared/sis-profile.js';

export const infiniteCampusExport: SisProfile = {
  id: 'infinite-campus-export',
  name: 'Infinite Campus (ad hoc export folder)',
  engines: ['folder'],
  verification: {
    testedInCi: true,
    note: 'Tested in CI against export files shaped like Infinite Campus ad hoc CSV exports (camelCase field names, quoted fields, leading zeros); header names from the public data dictionary.',
  },
  reference: 'Infinite Campus data dictionary (School, Calendar, Term, Course, Section, Roster, Person, Identity, Enrollment)',
  detect: {
    files: {
      'students.csv': ['studentNumber', 'firstName', 'lastName', 'grade'],
      'roster.csv': ['rosterID', 'sectionID', 'studentNumber'],
    },
  },
  entities: {
    schools: {
      file: 'schools.csv',
      columns: { school_code: 'schoolNumber', name: 'name', address: 'address', city: 'city', state: 'state', zip: 'zip', phone: 'phone' },
    },
    terms: {
      file: 'terms.csv',
      columns: { term_id: 'termID', title: 'name', start_date: 'startDate', end_date: 'endDate', school_year: 'endYear' },
      constants: { type: 'term' },
      notes: ["A term's school year is its calendar's endYear."],
    },
    courses: {
      file: 'courses.csv',
      columns: { course_id: 'courseID', title: 'name', course_code: 'number', school_code: 'schoolNumber', subjects: 'departmentName' },
    },
    classes: {
      file: 'sections.csv',
      columns: {
        class_id: 'sectionID', title: 'courseName', course_id: 'courseID', class_code: 'sectionNumber', school_code: 'schoolNumber', term_ids: 'termID',
        teacher_id: 'teacherPersonID', room: 'roomName', periods: 'periodName',
      },
    },
    students: {
      file: 'students.csv',
      columns: {
        student_id: 'studentNumber', school_codes: 'schoolNumber', state_id: 'stateID', first_name: 'firstName', middle_name: 'middleName',
        last_name: 'lastName', grade: 'grade', birth_date: 'birthdate', gender: 'gender', email: 'email', phone: 'homePhone', username: 'username',
      },
      notes: ['Export active primary enrollments only (the ad hoc filter on enrollment end date and service type P).'],
    },
    teachers: {
      file: 'teachers.csv',
      columns: { teacher_id: 'personID', school_codes: 'schoolNumber', state_id: 'staffStateID', first_name: 'firstName', last_name: 'lastName', email: 'email', username: 'username' },
      constants: { role: 'teacher' },
    },
    guardians: {
      file: 'guardians.csv',
      columns: {
        guardian_id: 'personID', student_ids: 'studentNumber', school_codes: 'schoolNumber', first_name: 'firstName', last_name: 'lastName',
        email: 'email', phone: 'homePhone', sms: 'cellPhone', relationship: 'relationship',
      },
      notes: ['One row per guardian: several students are listed in studentNumber separated by ;, their schools likewise in schoolNumber.'],
    },
    enrollments: {
      file: 'roster.csv',
      columns: { enrollment_id: 'rosterID', class_id: 'sectionID', user_id: 'studentNumber', school_code: 'schoolNumber', begin_date: 'startDate', end_date: 'endDate' },
      constants: { role: 'student', primary: 'false' },
      notes: ['Roster rows are student enrollments; teachers reach their sections through sections.csv (teacherPersonID).'],
    },
  },
};
