/**
 * Aeries SIS on SQL Server, read directly (a read-only login on the school year's Aeries database).
 * Written from Aeries's public data dictionary table codes (STU, SCL, TCH, STF, CRS, MST, SEC, CON,
 * TRM); not verified against a live server: CI parses its SQL as T-SQL and runs it through the
 * read-only guard.
 *
 * Aeries quirks handled here:
 * - One Aeries database holds one school year: the current year is the database the source points at.
 * - Deleted rows stay in every table with DEL = 1, and an inactive student keeps a tag (TG not blank):
 *   both are left out.
 * - Student numbers (SN) are per school; the permanent ID (ID) is district-wide and is the student ID.
 * - Teachers are numbered per school (TN) and linked to a district staff record (TCH.ID → STF.ID),
 *   which is the teacher ID; a teacher at several schools is sent once.
 * - Student schedules (SEC) name a section by school and section number (SC, SE) of the master schedule (MST).
 */
import type { SisProfile } from '../shared/sis-profile.js';

const day = (expr: string): string => `CONVERT(varchar(10), ${expr}, 23)`;
const ACTIVE_STUDENT = `s.DEL = 0 AND ISNULL(s.TG, '') = ''`;

export const aeries: SisProfile = {
  id: 'aeries',
  name: 'Aeries (SQL Server)',
  engines: ['mssql'],
  verification: {
    testedInCi: false,
    note: 'Not verified against a live server: written from the public Aeries data dictionary table codes; CI parses its SQL as T-SQL and runs it through the read-only guard.',
  },
  reference: 'Aeries SIS data dictionary (STU, SCL, TCH, STF, CRS, MST, SEC, CON, TRM)',
  detect: {
    tables: {
      STU: ['SC', 'SN', 'ID', 'GR', 'TG', 'DEL'],
      MST: ['SC', 'SE', 'CN', 'TN'],
      SEC: ['SC', 'SN', 'SE'],
      TCH: ['SC', 'TN', 'ID'],
    },
  },
  entities: {
    schools: {
      query: `SELECT CAST(c.CD AS varchar(10)) AS school_code, c.NM AS name, NULL AS state_id, c.TL AS phone, c.AD AS address, c.CY AS city, c.ST AS state,
  c.ZC AS zip, CAST(c.LO AS varchar(4)) AS low_grade, CAST(c.HI AS varchar(4)) AS high_grade, NULL AS principal_email
FROM SCL c
WHERE c.DEL = 0
ORDER BY c.CD`,
    },
    terms: {
      query: `SELECT CAST(t.SC AS varchar(10)) + '-' + t.TM AS term_id, t.TD AS title, CASE WHEN t.TM = 'Y' THEN 'schoolYear' ELSE 'semester' END AS type,
  ${day('t.BD')} AS start_date, ${day('t.ED')} AS end_date, CAST(YEAR(t.ED) AS varchar(4)) AS school_year, NULL AS parent_id
FROM TRM t
WHERE t.DEL = 0
ORDER BY t.SC, t.TM`,
      notes: ['Terms per school (SC-TM): Y is the whole year, other codes semesters or terms.'],
    },
    courses: {
      query: `SELECT CAST(m.SC AS varchar(10)) + '-' + cr.CN AS course_id, cr.CO AS title, cr.CN AS course_code, NULL AS grades, CAST(m.SC AS varchar(10)) AS school_code,
  cr.DE AS subjects, NULL AS school_year_id
FROM CRS cr
JOIN (SELECT DISTINCT x.SC, x.CN FROM MST x WHERE x.DEL = 0) m ON m.CN = cr.CN
WHERE cr.DEL = 0`,
      notes: ['District courses, once per school whose master schedule offers them.'],
    },
    classes: {
      query: `SELECT CAST(m.SC AS varchar(10)) + '-' + CAST(m.SE AS varchar(10)) AS class_id, cr.CO AS title, CAST(m.SC AS varchar(10)) + '-' + m.CN AS course_id,
  m.CN + '-' + CAST(m.SE AS varchar(10)) AS class_code, 'scheduled' AS class_type, CAST(m.SC AS varchar(10)) AS school_code,
  CAST(m.SC AS varchar(10)) + '-' + m.SM AS term_ids, NULL AS grades, cr.DE AS subjects, CAST(m.PD AS varchar(10)) AS periods, m.RM AS room,
  CAST(t.ID AS varchar(20)) AS teacher_id
FROM MST m
JOIN CRS cr ON cr.CN = m.CN
LEFT JOIN TCH t ON t.SC = m.SC AND t.TN = m.TN AND t.DEL = 0
WHERE m.DEL = 0`,
      notes: ['A section is identified by school and section number (SC-SE); its teacher is the district staff ID of TCH.'],
    },
    students: {
      query: `SELECT CAST(s.ID AS varchar(20)) AS student_id, CAST(s.SC AS varchar(10)) AS school_codes, s.CID AS state_id, s.FN AS first_name, s.MN AS middle_name,
  s.LN AS last_name, NULL AS preferred_name, s.SEM AS email, NULL AS username, NULL AS password, CAST(s.GR AS varchar(4)) AS grade,
  ${day('s.BD')} AS birth_date, s.SX AS gender, s.TL AS phone, NULL AS sms, s.HL AS language,
  (SELECT STRING_AGG(CAST(c.PID AS varchar(20)) + '-' + CAST(c.SQ AS varchar(5)), ';') WITHIN GROUP (ORDER BY c.SQ)
    FROM CON c WHERE c.PID = s.ID AND c.DEL = 0) AS guardian_ids,
  s.ETH AS ethnicity, s.RC1 AS race, s.ETH AS hispanic, NULL AS english_learner, NULL AS migrant, NULL AS gifted, NULL AS special_ed,
  NULL AS economically_disadvantaged, NULL AS homeless, NULL AS foster, 'Y' AS enabled
FROM STU s
WHERE ${ACTIVE_STUDENT}`,
      notes: ['Active students (not deleted, no inactive tag) by permanent ID; contacts are CON rows, identified as PID-SQ.'],
    },
    teachers: {
      query: `SELECT CAST(f.ID AS varchar(20)) AS teacher_id,
  (SELECT STRING_AGG(CAST(x.SC AS varchar(10)), ';') WITHIN GROUP (ORDER BY x.SC) FROM (SELECT DISTINCT t.SC FROM TCH t WHERE t.ID = f.ID AND t.DEL = 0) x) AS school_codes,
  NULL AS state_id, f.FN AS first_name, NULL AS middle_name, f.LN AS last_name, f.EM AS email, NULL AS username, NULL AS phone, NULL AS title,
  'teacher' AS role, 'Y' AS enabled
FROM STF f
WHERE f.DEL = 0 AND ISNULL(f.TG, '') = '' AND EXISTS (SELECT 1 FROM TCH t WHERE t.ID = f.ID AND t.DEL = 0)`,
    },
    guardians: {
      query: `SELECT CAST(c.PID AS varchar(20)) + '-' + CAST(c.SQ AS varchar(5)) AS guardian_id, CAST(s.ID AS varchar(20)) AS student_ids,
  CAST(s.SC AS varchar(10)) AS school_codes, c.FN AS first_name, c.LN AS last_name, c.EM AS email, c.TL AS phone, c.CP AS sms, NULL AS language,
  c.RL AS relationship
FROM CON c
JOIN STU s ON s.ID = c.PID
WHERE c.DEL = 0 AND ${ACTIVE_STUDENT}`,
      notes: ['Aeries keeps contacts per student (CON.PID, sequence SQ): a parent of two students is two contacts.'],
    },
    enrollments: {
      query: `SELECT CAST(e.SC AS varchar(10)) + '-' + CAST(e.SN AS varchar(10)) + '-' + CAST(e.SE AS varchar(10)) AS enrollment_id,
  CAST(e.SC AS varchar(10)) + '-' + CAST(e.SE AS varchar(10)) AS class_id, CAST(s.ID AS varchar(20)) AS user_id, 'student' AS role,
  CAST(e.SC AS varchar(10)) AS school_code, 'false' AS [primary], NULL AS begin_date, NULL AS end_date
FROM SEC e
JOIN STU s ON s.SC = e.SC AND s.SN = e.SN
WHERE e.DEL = 0 AND ${ACTIVE_STUDENT}
UNION ALL
SELECT 'T' + CAST(m.SC AS varchar(10)) + '-' + CAST(m.SE AS varchar(10)), CAST(m.SC AS varchar(10)) + '-' + CAST(m.SE AS varchar(10)), CAST(t.ID AS varchar(20)),
  'teacher', CAST(m.SC AS varchar(10)), 'true', NULL, NULL
FROM MST m
JOIN TCH t ON t.SC = m.SC AND t.TN = m.TN AND t.DEL = 0
WHERE m.DEL = 0`,
    },
  },
};
