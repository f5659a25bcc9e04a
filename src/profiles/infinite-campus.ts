/**
 * Infinite Campus on SQL Server, read directly (a read-only login on the Campus database). Written
 * from Infinite Campus's public data dictionary (School, SchoolYear, Calendar, Term, Course, Section,
 * SectionPlacement, Period, Room, Roster, Person, Identity, Enrollment, Contact, RelatedPair,
 * EmploymentAssignment, UserAccount); not verified against a live server: CI parses its SQL as
 * T-SQL and runs it through the read-only guard.
 *
 * Infinite Campus quirks handled here:
 * - The current school year is SchoolYear.active = 1; a calendar (one per school and year) links
 *   courses and enrollments to it; summer-school and excluded calendars are left out.
 * - A person's name and birth date live in their current Identity row (Person.currentIdentityID).
 * - Students are sent by studentNumber; staff by personID. Primary enrollments only (serviceType P),
 *   still open (endDate empty).
 * - A section meets in terms through SectionPlacement; its terms are joined with ;.
 * - Guardians are RelatedPair rows with guardian = 1.
 */
import type { SisProfile } from '../shared/sis-profile.js';

/** Calendars of the active school year that are regular (not summer school, not excluded). */
const CURRENT_CALENDARS = `SELECT cal.calendarID FROM dbo.Calendar cal
    JOIN dbo.SchoolYear sy ON sy.endYear = cal.endYear AND sy.active = 1
    WHERE ISNULL(cal.summerSchool, 0) = 0 AND ISNULL(cal.exclude, 0) = 0`;

/** Open primary enrollments in a current calendar. */
const ACTIVE_ENROLLMENT = `SELECT e.personID FROM dbo.Enrollment e
    WHERE e.calendarID IN (${CURRENT_CALENDARS}) AND e.serviceType = 'P' AND e.endDate IS NULL`;

const day = (expr: string): string => `CONVERT(varchar(10), ${expr}, 23)`;

export const infiniteCampus: SisProfile = {
  id: 'infinite-campus',
  name: 'Infinite Campus (SQL Server)',
  engines: ['mssql'],
  verification: {
    testedInCi: false,
    note: 'Not verified against a live server: written from the public Infinite Campus data dictionary; CI parses its SQL as T-SQL and runs it through the read-only guard.',
  },
  reference: 'Infinite Campus data dictionary (Campus schema: School, SchoolYear, Calendar, Term, Course, Section, Roster, Person, Identity, Enrollment, RelatedPair)',
  detect: {
    tables: {
      Person: ['personID', 'studentNumber', 'currentIdentityID'],
      Enrollment: ['personID', 'calendarID', 'serviceType', 'grade'],
      Roster: ['personID', 'sectionID'],
      Calendar: ['calendarID', 'schoolID', 'endYear'],
    },
  },
  entities: {
    schools: {
      query: `SELECT s.number AS school_code, s.name AS name, s.stateNumber AS state_id, s.phone AS phone, s.address AS address, s.city AS city,
  s.state AS state, s.zip AS zip, NULL AS low_grade, NULL AS high_grade, NULL AS principal_email
FROM dbo.School s
WHERE s.schoolID IN (SELECT c.schoolID FROM dbo.Calendar c WHERE c.calendarID IN (${CURRENT_CALENDARS}))
ORDER BY s.number`,
      notes: ['Schools with a regular calendar in the active school year; the code is the school number.'],
    },
    terms: {
      query: `SELECT CAST(t.termID AS varchar(20)) AS term_id, t.name AS title, 'term' AS type, ${day('t.startDate')} AS start_date, ${day('t.endDate')} AS end_date,
  CAST(cal.endYear AS varchar(4)) AS school_year, NULL AS parent_id
FROM dbo.Term t
JOIN dbo.TermSchedule ts ON ts.termScheduleID = t.termScheduleID
JOIN dbo.ScheduleStructure ss ON ss.structureID = ts.structureID
JOIN dbo.Calendar cal ON cal.calendarID = ss.calendarID
WHERE cal.calendarID IN (${CURRENT_CALENDARS})
ORDER BY t.termID`,
    },
    courses: {
      query: `SELECT CAST(c.courseID AS varchar(20)) AS course_id, c.name AS title, c.number AS course_code, NULL AS grades, sch.number AS school_code,
  d.name AS subjects, NULL AS school_year_id
FROM dbo.Course c
JOIN dbo.Calendar cal ON cal.calendarID = c.calendarID
JOIN dbo.School sch ON sch.schoolID = cal.schoolID
LEFT JOIN dbo.Department d ON d.departmentID = c.departmentID
WHERE c.calendarID IN (${CURRENT_CALENDARS}) AND ISNULL(c.active, 1) = 1
ORDER BY c.courseID`,
    },
    classes: {
      query: `SELECT CAST(sec.sectionID AS varchar(20)) AS class_id, c.name AS title, CAST(c.courseID AS varchar(20)) AS course_id,
  c.number + '-' + CAST(sec.number AS varchar(10)) AS class_code, CASE WHEN ISNULL(sec.homeroomSection, 0) = 1 THEN 'homeroom' ELSE 'scheduled' END AS class_type,
  sch.number AS school_code,
  (SELECT STRING_AGG(CAST(x.termID AS varchar(20)), ';') WITHIN GROUP (ORDER BY x.termID)
    FROM (SELECT DISTINCT sp.termID FROM dbo.SectionPlacement sp WHERE sp.sectionID = sec.sectionID) x) AS term_ids,
  NULL AS grades, NULL AS subjects,
  (SELECT STRING_AGG(y.name, ';') WITHIN GROUP (ORDER BY y.name)
    FROM (SELECT DISTINCT p.name FROM dbo.SectionPlacement sp JOIN dbo.Period p ON p.periodID = sp.periodID WHERE sp.sectionID = sec.sectionID) y) AS periods,
  r.name AS room, CAST(sec.teacherPersonID AS varchar(20)) AS teacher_id
FROM dbo.Section sec
JOIN dbo.Course c ON c.courseID = sec.courseID
JOIN dbo.Calendar cal ON cal.calendarID = c.calendarID
JOIN dbo.School sch ON sch.schoolID = cal.schoolID
LEFT JOIN dbo.Room r ON r.roomID = sec.roomID
WHERE c.calendarID IN (${CURRENT_CALENDARS})
ORDER BY sec.sectionID`,
      notes: ['Terms and periods come from SectionPlacement; the teacher is the section\'s teacherPersonID.'],
    },
    students: {
      query: `SELECT p.studentNumber AS student_id, STRING_AGG(sch.number, ';') WITHIN GROUP (ORDER BY sch.number) AS school_codes, MAX(p.stateID) AS state_id,
  MAX(i.firstName) AS first_name, MAX(i.middleName) AS middle_name, MAX(i.lastName) AS last_name, MAX(i.alias) AS preferred_name,
  MAX(ct.email) AS email, MAX(ua.username) AS username, NULL AS password, MAX(e.grade) AS grade, MAX(${day('i.birthdate')}) AS birth_date,
  MAX(i.gender) AS gender, MAX(ct.homePhone) AS phone, MAX(ct.cellPhone) AS sms, NULL AS language,
  (SELECT STRING_AGG(CAST(rp.personID2 AS varchar(20)), ';') WITHIN GROUP (ORDER BY rp.personID2)
    FROM dbo.RelatedPair rp WHERE rp.personID1 = p.personID AND rp.guardian = 1) AS guardian_ids,
  NULL AS ethnicity, NULL AS race, MAX(i.hispanicEthnicity) AS hispanic, NULL AS english_learner, NULL AS migrant, NULL AS gifted,
  NULL AS special_ed, NULL AS economically_disadvantaged, NULL AS homeless, NULL AS foster, 'Y' AS enabled
FROM dbo.Person p
JOIN dbo.[Identity] i ON i.identityID = p.currentIdentityID
JOIN dbo.Enrollment e ON e.personID = p.personID AND e.calendarID IN (${CURRENT_CALENDARS}) AND e.serviceType = 'P' AND e.endDate IS NULL
JOIN dbo.Calendar cal ON cal.calendarID = e.calendarID
JOIN dbo.School sch ON sch.schoolID = cal.schoolID
LEFT JOIN dbo.Contact ct ON ct.personID = p.personID
LEFT JOIN dbo.UserAccount ua ON ua.personID = p.personID
GROUP BY p.personID, p.studentNumber`,
      notes: ['Open primary enrollments (serviceType P) in the active year; names from the current Identity.'],
    },
    teachers: {
      query: `SELECT CAST(p.personID AS varchar(20)) AS teacher_id, STRING_AGG(sch.number, ';') WITHIN GROUP (ORDER BY sch.number) AS school_codes,
  MAX(p.staffStateID) AS state_id, MAX(i.firstName) AS first_name, MAX(i.middleName) AS middle_name, MAX(i.lastName) AS last_name,
  MAX(ct.email) AS email, MAX(ua.username) AS username, MAX(ct.workPhone) AS phone, NULL AS title, 'teacher' AS role, 'Y' AS enabled
FROM dbo.Person p
JOIN dbo.[Identity] i ON i.identityID = p.currentIdentityID
JOIN dbo.EmploymentAssignment ea ON ea.personID = p.personID AND ea.teacher = 1 AND ea.endDate IS NULL
JOIN dbo.School sch ON sch.schoolID = ea.schoolID
LEFT JOIN dbo.Contact ct ON ct.personID = p.personID
LEFT JOIN dbo.UserAccount ua ON ua.personID = p.personID
GROUP BY p.personID`,
      notes: ['Open teaching assignments (EmploymentAssignment.teacher = 1).'],
    },
    guardians: {
      query: `SELECT CAST(g.personID AS varchar(20)) AS guardian_id, STRING_AGG(s.studentNumber, ';') WITHIN GROUP (ORDER BY s.studentNumber) AS student_ids,
  NULL AS school_codes, MAX(i.firstName) AS first_name, MAX(i.lastName) AS last_name, MAX(ct.email) AS email, MAX(ct.homePhone) AS phone,
  MAX(ct.cellPhone) AS sms, NULL AS language, MAX(rp.name) AS relationship
FROM dbo.RelatedPair rp
JOIN dbo.Person g ON g.personID = rp.personID2
JOIN dbo.Person s ON s.personID = rp.personID1
JOIN dbo.[Identity] i ON i.identityID = g.currentIdentityID
LEFT JOIN dbo.Contact ct ON ct.personID = g.personID
WHERE rp.guardian = 1 AND rp.personID1 IN (${ACTIVE_ENROLLMENT})
GROUP BY g.personID`,
    },
    enrollments: {
      query: `SELECT 'R' + CAST(r.rosterID AS varchar(20)) AS enrollment_id, CAST(r.sectionID AS varchar(20)) AS class_id, p.studentNumber AS user_id,
  'student' AS role, sch.number AS school_code, 'false' AS [primary], ${day('r.startDate')} AS begin_date, ${day('r.endDate')} AS end_date
FROM dbo.Roster r
JOIN dbo.Person p ON p.personID = r.personID
JOIN dbo.Section sec ON sec.sectionID = r.sectionID
JOIN dbo.Course c ON c.courseID = sec.courseID
JOIN dbo.Calendar cal ON cal.calendarID = c.calendarID
JOIN dbo.School sch ON sch.schoolID = cal.schoolID
WHERE c.calendarID IN (${CURRENT_CALENDARS}) AND r.personID IN (${ACTIVE_ENROLLMENT})
UNION ALL
SELECT 'T' + CAST(sec.sectionID AS varchar(20)), CAST(sec.sectionID AS varchar(20)), CAST(sec.teacherPersonID AS varchar(20)), 'teacher', sch.number, 'true', NULL, NULL
FROM dbo.Section sec
JOIN dbo.Course c ON c.courseID = sec.courseID
JOIN dbo.Calendar cal ON cal.calendarID = c.calendarID
JOIN dbo.School sch ON sch.schoolID = cal.schoolID
WHERE c.calendarID IN (${CURRENT_CALENDARS}) AND sec.teacherPersonID IS NOT NULL`,
    },
  },
};
