/**
 * PowerSchool SIS on Oracle, read directly (a read-only database login, e.g. PowerSchool's PSNAVIGATOR
 * account). Written from PowerSchool's public data dictionary (STUDENTS, SCHOOLS, TERMS, COURSES,
 * SECTIONS, CC, TEACHERS / SCHOOLSTAFF, PERSON and the contact tables); not verified against a live
 * server: the SQL is checked by the read-only guard for Oracle in CI, and no maintained JavaScript
 * parser knows Oracle's dialect (see test/unit/profiles-sql-dialects.test.ts).
 *
 * PowerSchool quirks handled here:
 * - Students are sent by STUDENT_NUMBER (what schools and vendors use); CC.STUDENTID points at
 *   STUDENTS.ID and contacts at STUDENTS.DCID, so both are joined back to the number.
 * - A negative CC.SECTIONID is a dropped enrollment: only positive ones are sent.
 * - Terms are numbered per school (3500 at every school for 2025-2026): term IDs are SCHOOLID-ID.
 *   YearID n is the school year ending in 1991 + n; the current year is the newest year term that has started.
 * - A teacher has one TEACHERS row (SCHOOLSTAFF) per school: teachers are sent once, by USERS_DCID, with their schools joined.
 * - Courses are district-wide: they are sent per school that has a section of them this year (SCHOOLID-COURSE_NUMBER).
 * - ENROLL_STATUS 0 is active; TEACHERS.STATUS 1 is active.
 */
import type { SisProfile } from '../shared/sis-profile.js';

const CURRENT_YEAR_ID = `(SELECT MAX(yt.YEARID) FROM TERMS yt WHERE yt.ISYEARREC = 1 AND yt.FIRSTDAY <= SYSDATE)`;
/** Term IDs of year y are y*100 … y*100+99 (3500–3599 for YearID 35). */
const inCurrentYear = (termId: string): string => `FLOOR(${termId} / 100) = ${CURRENT_YEAR_ID}`;
const day = (expr: string): string => `TO_CHAR(${expr}, 'YYYY-MM-DD')`;

export const powerSchool: SisProfile = {
  id: 'powerschool',
  name: 'PowerSchool (Oracle)',
  engines: ['oracle'],
  verification: {
    testedInCi: false,
    note: 'Not verified against a live server: written from the public PowerSchool data dictionary; its SQL passes the read-only guard for Oracle in CI (no maintained parser knows Oracle SQL to check its syntax further).',
  },
  reference: 'PowerSchool SIS data dictionary (STUDENTS, SCHOOLS, TERMS, COURSES, SECTIONS, CC, TEACHERS, SCHOOLSTAFF, PERSON, STUDENTCONTACTASSOC)',
  detect: {
    tables: {
      STUDENTS: ['ID', 'DCID', 'STUDENT_NUMBER', 'ENROLL_STATUS', 'SCHOOLID'],
      CC: ['STUDENTID', 'SECTIONID', 'TERMID'],
      SECTIONS: ['ID', 'COURSE_NUMBER', 'SECTION_NUMBER', 'TEACHER'],
      TERMS: ['ID', 'YEARID', 'SCHOOLID', 'PORTION'],
    },
  },
  entities: {
    schools: {
      query: `SELECT TO_CHAR(s.SCHOOL_NUMBER) AS school_code, s.NAME AS name, NULL AS state_id, s.SCHOOLPHONE AS phone, s.SCHOOLADDRESS AS address,
  s.SCHOOLCITY AS city, s.SCHOOLSTATE AS state, s.SCHOOLZIP AS zip, TO_CHAR(s.LOW_GRADE) AS low_grade, TO_CHAR(s.HIGH_GRADE) AS high_grade,
  s.PRINCIPALEMAIL AS principal_email
FROM SCHOOLS s
ORDER BY s.SCHOOL_NUMBER`,
    },
    terms: {
      query: `SELECT TO_CHAR(t.SCHOOLID) || '-' || TO_CHAR(t.ID) AS term_id, t.NAME AS title,
  CASE t.PORTION WHEN 1 THEN 'schoolYear' WHEN 2 THEN 'semester' WHEN 4 THEN 'gradingPeriod' ELSE 'term' END AS type,
  ${day('t.FIRSTDAY')} AS start_date, ${day('t.LASTDAY')} AS end_date, TO_CHAR(t.YEARID + 1991) AS school_year,
  CASE WHEN t.ISYEARREC = 1 THEN NULL ELSE TO_CHAR(t.SCHOOLID) || '-' || TO_CHAR(t.YEARID * 100) END AS parent_id
FROM TERMS t
WHERE t.YEARID = ${CURRENT_YEAR_ID}
ORDER BY t.SCHOOLID, t.ID`,
      notes: ['Terms of the current YearID at every school, as SCHOOLID-ID; Portion 1 year, 2 semester, 4 quarter, else term.'],
    },
    courses: {
      query: `SELECT TO_CHAR(x.SCHOOLID) || '-' || c.COURSE_NUMBER AS course_id, c.COURSE_NAME AS title, c.COURSE_NUMBER AS course_code, NULL AS grades,
  TO_CHAR(x.SCHOOLID) AS school_code, c.CREDITTYPE AS subjects, TO_CHAR(x.SCHOOLID) || '-' || TO_CHAR(${CURRENT_YEAR_ID} * 100) AS school_year_id
FROM COURSES c
JOIN (SELECT DISTINCT sec.SCHOOLID, sec.COURSE_NUMBER FROM SECTIONS sec WHERE ${inCurrentYear('ABS(sec.TERMID)')}) x ON x.COURSE_NUMBER = c.COURSE_NUMBER
ORDER BY x.SCHOOLID, c.COURSE_NUMBER`,
      notes: ['A district course is sent once per school with a section of it this year.'],
    },
    classes: {
      query: `SELECT TO_CHAR(sec.ID) AS class_id, c.COURSE_NAME AS title, TO_CHAR(sec.SCHOOLID) || '-' || sec.COURSE_NUMBER AS course_id,
  sec.COURSE_NUMBER || '.' || sec.SECTION_NUMBER AS class_code, 'scheduled' AS class_type, TO_CHAR(sec.SCHOOLID) AS school_code,
  TO_CHAR(sec.SCHOOLID) || '-' || TO_CHAR(ABS(sec.TERMID)) AS term_ids, TO_CHAR(sec.GRADE_LEVEL) AS grades, c.CREDITTYPE AS subjects,
  sec.EXPRESSION AS periods, sec.ROOM AS room, TO_CHAR(t.USERS_DCID) AS teacher_id
FROM SECTIONS sec
JOIN COURSES c ON c.COURSE_NUMBER = sec.COURSE_NUMBER
LEFT JOIN TEACHERS t ON t.ID = sec.TEACHER
WHERE ${inCurrentYear('ABS(sec.TERMID)')}
ORDER BY sec.ID`,
      notes: ['The lead teacher is SECTIONS.TEACHER (a TEACHERS row), sent by its USERS_DCID.'],
    },
    students: {
      query: `SELECT TO_CHAR(s.STUDENT_NUMBER) AS student_id, TO_CHAR(s.SCHOOLID) AS school_codes, s.STATE_STUDENTNUMBER AS state_id, s.FIRST_NAME AS first_name,
  s.MIDDLE_NAME AS middle_name, s.LAST_NAME AS last_name, NULL AS preferred_name, NULL AS email, s.STUDENT_WEB_ID AS username, NULL AS password,
  TO_CHAR(s.GRADE_LEVEL) AS grade, ${day('s.DOB')} AS birth_date, s.GENDER AS gender, s.HOME_PHONE AS phone, NULL AS sms, NULL AS language,
  g.guardian_ids AS guardian_ids, s.ETHNICITY AS ethnicity, NULL AS race, TO_CHAR(s.FEDETHNICITY) AS hispanic, NULL AS english_learner,
  NULL AS migrant, NULL AS gifted, NULL AS special_ed, NULL AS economically_disadvantaged, NULL AS homeless, NULL AS foster, 'Y' AS enabled
FROM STUDENTS s
LEFT JOIN (SELECT a.STUDENTDCID, LISTAGG(TO_CHAR(a.PERSONID), ';') WITHIN GROUP (ORDER BY a.CONTACTPRIORITYORDER, a.PERSONID) AS guardian_ids
  FROM STUDENTCONTACTASSOC a GROUP BY a.STUDENTDCID) g ON g.STUDENTDCID = s.DCID
WHERE s.ENROLL_STATUS = 0`,
      notes: [
        'Active students (ENROLL_STATUS 0), by STUDENT_NUMBER; FEDETHNICITY 1 is Hispanic or Latino.',
        'Guardians are the contacts in STUDENTCONTACTASSOC, in contact priority order.',
      ],
    },
    teachers: {
      query: `SELECT TO_CHAR(t.USERS_DCID) AS teacher_id, LISTAGG(DISTINCT TO_CHAR(t.SCHOOLID), ';') WITHIN GROUP (ORDER BY TO_CHAR(t.SCHOOLID)) AS school_codes,
  MAX(t.SIF_STATEPRID) AS state_id, MAX(t.FIRST_NAME) AS first_name, MAX(t.MIDDLE_NAME) AS middle_name, MAX(t.LAST_NAME) AS last_name,
  MAX(t.EMAIL_ADDR) AS email, MAX(t.TEACHERLOGINID) AS username, MAX(t.HOME_PHONE) AS phone, NULL AS title, 'teacher' AS role, 'Y' AS enabled
FROM TEACHERS t
WHERE t.STATUS = 1
GROUP BY t.USERS_DCID`,
      notes: ['Active TEACHERS rows (STATUS 1), one per person (USERS_DCID) with every school joined.'],
    },
    guardians: {
      query: `SELECT TO_CHAR(p.ID) AS guardian_id, LISTAGG(TO_CHAR(s.STUDENT_NUMBER), ';') WITHIN GROUP (ORDER BY s.STUDENT_NUMBER) AS student_ids,
  LISTAGG(DISTINCT TO_CHAR(s.SCHOOLID), ';') WITHIN GROUP (ORDER BY TO_CHAR(s.SCHOOLID)) AS school_codes, MAX(p.FIRSTNAME) AS first_name,
  MAX(p.LASTNAME) AS last_name, MAX(e.EMAILADDRESS) AS email, NULL AS phone, NULL AS sms, NULL AS language, NULL AS relationship
FROM PERSON p
JOIN STUDENTCONTACTASSOC a ON a.PERSONID = p.ID
JOIN STUDENTS s ON s.DCID = a.STUDENTDCID AND s.ENROLL_STATUS = 0
LEFT JOIN PERSONEMAILADDRESSASSOC pe ON pe.PERSONID = p.ID AND pe.ISPRIMARYEMAILADDRESS = 1
LEFT JOIN EMAILADDRESS e ON e.EMAILADDRESSID = pe.EMAILADDRESSID
GROUP BY p.ID`,
      notes: ['Contacts (PERSON) of active students, with their primary e-mail address.'],
    },
    enrollments: {
      query: `SELECT 'CC' || TO_CHAR(cc.ID) AS enrollment_id, TO_CHAR(cc.SECTIONID) AS class_id, TO_CHAR(s.STUDENT_NUMBER) AS user_id, 'student' AS role,
  TO_CHAR(cc.SCHOOLID) AS school_code, 'false' AS "primary", ${day('cc.DATEENROLLED')} AS begin_date, ${day('cc.DATELEFT')} AS end_date
FROM CC cc
JOIN STUDENTS s ON s.ID = cc.STUDENTID AND s.ENROLL_STATUS = 0
WHERE cc.SECTIONID > 0 AND ${inCurrentYear('cc.TERMID')}
UNION ALL
SELECT 'SEC' || TO_CHAR(sec.ID), TO_CHAR(sec.ID), TO_CHAR(t.USERS_DCID), 'teacher', TO_CHAR(sec.SCHOOLID), 'true', NULL, NULL
FROM SECTIONS sec
JOIN TEACHERS t ON t.ID = sec.TEACHER AND t.STATUS = 1
WHERE ${inCurrentYear('ABS(sec.TERMID)')}`,
      notes: ['CC rows with a positive SECTIONID (negative ones are drops) of the current year; each section\'s teacher as its primary teacher.'],
    },
  },
};
