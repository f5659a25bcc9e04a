/**
 * RosarioSIS on PostgreSQL. Table and column names follow RosarioSIS's published install schema
 * (rosariosis.sql in francoisjacquet/rosariosis); the queries were written from it, not copied.
 *
 * RosarioSIS quirks handled here:
 * - The current school year lives in RosarioSIS's PHP configuration, not in the database, so it is
 *   never picked by today's date: it is the newest `syear` in student_enrollment. Schools, marking
 *   periods, courses, course periods and staff have one row per syear (rollover copies them), so
 *   every entity reads that year's rows only.
 * - An enrollment is active while its end_date is empty; a class drop sets schedule.end_date.
 * - The school code is `school_number` (text, leading zeros kept); a school's numeric `id` is
 *   internal and repeats in every year's row.
 * - Rollover gives every user a new staff_id each year and points `rollover_id` at last year's
 *   row. Teacher and parent IDs are the first year's staff_id (followed through rollover_id), so
 *   they stay the same from year to year. Students and staff are numbered separately from 1, so
 *   teachers are sent as T + that id and parents as P + that id.
 * - staff.schools is a comma-joined list of school ids (`,1,2,`); empty means the staff member's
 *   current_school_id.
 * - Parents are staff with profile `parent`, linked to students through students_join_users.
 * - Gender, birth date, common name, ethnicity and language are the custom fields RosarioSIS
 *   installs as students.custom_200000000 (Gender), custom_200000004 (Birthdate, a date),
 *   custom_200000002 (Common Name), custom_200000001 (Ethnicity) and custom_200000005 (Language);
 *   blank values are sent blank. The teacher's phone is staff.custom_200000001.
 * - Marking periods are one table (mp = FY, SEM, QTR, PRO); progress periods (PRO) are not terms.
 */
import type { SisProfile } from '../shared/sis-profile.js';

/** The current school year: the newest syear that has enrollments. */
const CURRENT_YEAR = `cy AS (SELECT MAX(e.syear) AS syear FROM student_enrollment e)`;

/** Every staff row with the staff_id of its first year (rollover_id points at last year's row). */
const LINEAGE = `lineage (staff_id, root_id) AS (
  SELECT f.staff_id, f.staff_id FROM staff f
  WHERE f.rollover_id IS NULL OR NOT EXISTS (SELECT 1 FROM staff p WHERE p.staff_id = f.rollover_id)
  UNION ALL
  SELECT n.staff_id, l.root_id FROM staff n JOIN lineage l ON n.rollover_id = l.staff_id
)`;

/** Students with an open enrollment (end_date empty) in the current year, one row per school. */
const ACTIVE = `active AS (
  SELECT se.student_id, se.school_id, se.grade_id FROM student_enrollment se JOIN cy ON se.syear = cy.syear WHERE se.end_date IS NULL
)`;

/** This year's school codes by school id. */
const CODES = `codes AS (SELECT sc.id AS school_id, NULLIF(TRIM(sc.school_number), '') AS code FROM schools sc JOIN cy ON sc.syear = cy.syear)`;

/** A staff row's school ids: the comma-joined `schools` list, or else current_school_id. */
const staffSchoolIds = (alias: string): string =>
  `unnest(COALESCE(NULLIF(string_to_array(TRIM(BOTH ',' FROM COALESCE(${alias}.schools, '')), ','), '{}'), ARRAY[CAST(${alias}.current_school_id AS text)]))`;

export const rosarioSis: SisProfile = {
  id: 'rosariosis',
  name: 'RosarioSIS',
  engines: ['postgres'],
  verification: {
    testedInCi: true,
    note: 'Tested in CI against a PostgreSQL fixture of the RosarioSIS schema (the tables and columns this profile reads, with messy data).',
  },
  reference: 'RosarioSIS install schema (francoisjacquet/rosariosis, rosariosis.sql)',
  detect: {
    tables: {
      students: ['student_id', 'first_name', 'last_name', 'custom_200000000', 'custom_200000004'],
      student_enrollment: ['student_id', 'school_id', 'syear', 'grade_id', 'end_date'],
      schools: ['id', 'syear', 'school_number'],
      school_marking_periods: ['marking_period_id', 'mp', 'parent_id'],
      courses: ['course_id', 'subject_id', 'school_id', 'syear'],
      course_periods: ['course_period_id', 'course_id', 'teacher_id', 'marking_period_id'],
      schedule: ['student_id', 'course_period_id', 'end_date'],
      staff: ['staff_id', 'profile', 'schools', 'rollover_id'],
      students_join_users: ['student_id', 'staff_id'],
    },
  },
  entities: {
    schools: {
      query: `WITH ${CURRENT_YEAR}
SELECT NULLIF(TRIM(s.school_number), '') AS school_code, TRIM(s.title) AS name, NULL AS state_id, NULLIF(TRIM(s.phone), '') AS phone,
  NULLIF(TRIM(s.address), '') AS address, s.city AS city, s.state AS state, s.zipcode AS zip,
  (SELECT g.short_name FROM school_gradelevels g WHERE g.school_id = s.id ORDER BY g.sort_order, g.id LIMIT 1) AS low_grade,
  (SELECT g.short_name FROM school_gradelevels g WHERE g.school_id = s.id ORDER BY g.sort_order DESC, g.id DESC LIMIT 1) AS high_grade,
  NULL AS principal_email
FROM schools s JOIN cy ON s.syear = cy.syear
ORDER BY s.id`,
      notes: [
        "The school code is school_number, leading zeros kept; a school without one is reported by the run.",
        'Schools of the current year (the newest syear with enrollments); lowest and highest grade from school_gradelevels in sort order.',
      ],
    },
    terms: {
      query: `WITH ${CURRENT_YEAR}
SELECT CAST(m.marking_period_id AS text) AS term_id, TRIM(m.title) AS title,
  CASE m.mp WHEN 'FY' THEN 'schoolYear' WHEN 'SEM' THEN 'semester' ELSE 'gradingPeriod' END AS type,
  to_char(m.start_date, 'YYYY-MM-DD') AS start_date, to_char(m.end_date, 'YYYY-MM-DD') AS end_date,
  COALESCE((SELECT to_char(MAX(y.end_date), 'YYYY') FROM school_marking_periods y WHERE y.school_id = m.school_id AND y.syear = m.syear AND y.mp = 'FY'),
    CAST(m.syear + 1 AS text)) AS school_year,
  CAST(m.parent_id AS text) AS parent_id
FROM school_marking_periods m JOIN cy ON m.syear = cy.syear
WHERE m.mp IN ('FY', 'SEM', 'QTR')
ORDER BY m.marking_period_id`,
      notes: [
        'Full years, semesters and quarters of the current year (progress periods, PRO, are left out); parent_id links quarters to semesters to the year.',
        'school_year is the year the full year ends (RosarioSIS numbers a school year by the year it starts).',
      ],
    },
    courses: {
      query: `WITH ${CURRENT_YEAR}
SELECT CAST(c.course_id AS text) AS course_id, TRIM(c.title) AS title, NULLIF(TRIM(c.short_name), '') AS course_code, g.short_name AS grades,
  NULLIF(TRIM(s.school_number), '') AS school_code, sub.title AS subjects,
  (SELECT CAST(MIN(y.marking_period_id) AS text) FROM school_marking_periods y WHERE y.school_id = c.school_id AND y.syear = c.syear AND y.mp = 'FY') AS school_year_id
FROM courses c
JOIN cy ON c.syear = cy.syear
JOIN schools s ON s.id = c.school_id AND s.syear = c.syear
LEFT JOIN school_gradelevels g ON g.id = c.grade_level
LEFT JOIN course_subjects sub ON sub.subject_id = c.subject_id
ORDER BY c.course_id`,
      notes: ['Courses of the current year only (rollover copies of older years are left out); the subject is course_subjects.title.'],
    },
    classes: {
      query: `WITH RECURSIVE ${LINEAGE}, ${CURRENT_YEAR}
SELECT CAST(cp.course_period_id AS text) AS class_id, COALESCE(NULLIF(TRIM(cp.title), ''), TRIM(c.title)) AS title,
  CAST(cp.course_id AS text) AS course_id, NULLIF(TRIM(cp.short_name), '') AS class_code, 'scheduled' AS class_type,
  NULLIF(TRIM(s.school_number), '') AS school_code, CAST(cp.marking_period_id AS text) AS term_ids,
  g.short_name AS grades, sub.title AS subjects,
  (SELECT string_agg(COALESCE(sp.short_name, sp.title), ';' ORDER BY sp.sort_order, sp.period_id)
    FROM course_period_school_periods cpsp JOIN school_periods sp ON sp.period_id = cpsp.period_id
    WHERE cpsp.course_period_id = cp.course_period_id) AS periods,
  NULLIF(TRIM(cp.room), '') AS room,
  'T' || CAST(lt.root_id AS text) AS teacher_id
FROM course_periods cp
JOIN cy ON cp.syear = cy.syear
JOIN courses c ON c.course_id = cp.course_id
JOIN schools s ON s.id = cp.school_id AND s.syear = cp.syear
LEFT JOIN school_gradelevels g ON g.id = c.grade_level
LEFT JOIN course_subjects sub ON sub.subject_id = c.subject_id
LEFT JOIN lineage lt ON lt.staff_id = cp.teacher_id
ORDER BY cp.course_period_id`,
      notes: [
        "A class is a course period of the current year; its term is the course period's marking period.",
        'Periods come from course_period_school_periods (joined with ;); the teacher is teacher_id, sent as T + the first-year staff id.',
      ],
    },
    students: {
      query: `WITH RECURSIVE ${LINEAGE}, ${CURRENT_YEAR}, ${ACTIVE}, ${CODES}
SELECT CAST(s.student_id AS text) AS student_id, e.school_codes AS school_codes, NULL AS state_id,
  TRIM(s.first_name) AS first_name, NULLIF(TRIM(s.middle_name), '') AS middle_name, TRIM(s.last_name) AS last_name,
  NULLIF(TRIM(s.custom_200000002), '') AS preferred_name, NULL AS email, NULLIF(TRIM(s.username), '') AS username, NULL AS password,
  e.grade AS grade, to_char(s.custom_200000004, 'YYYY-MM-DD') AS birth_date, NULLIF(TRIM(s.custom_200000000), '') AS gender,
  NULL AS phone, NULL AS sms, NULLIF(TRIM(s.custom_200000005), '') AS language, gp.guardian_ids AS guardian_ids,
  NULLIF(TRIM(s.custom_200000001), '') AS ethnicity, NULL AS race, NULL AS hispanic, NULL AS english_learner, NULL AS migrant,
  NULL AS gifted, NULL AS special_ed, NULL AS economically_disadvantaged, NULL AS homeless, NULL AS foster, 'Y' AS enabled
FROM students s
JOIN (SELECT a.student_id, string_agg(DISTINCT k.code, ';' ORDER BY k.code) AS school_codes, MIN(g.short_name) AS grade
  FROM active a
  LEFT JOIN codes k ON k.school_id = a.school_id
  LEFT JOIN school_gradelevels g ON g.id = a.grade_id
  GROUP BY a.student_id) e ON e.student_id = s.student_id
LEFT JOIN (SELECT j.student_id, string_agg(DISTINCT 'P' || CAST(l.root_id AS text), ';' ORDER BY 'P' || CAST(l.root_id AS text)) AS guardian_ids
  FROM students_join_users j
  JOIN staff p ON p.staff_id = j.staff_id AND p.profile = 'parent'
  JOIN cy ON p.syear = cy.syear
  JOIN lineage l ON l.staff_id = p.staff_id
  GROUP BY j.student_id) gp ON gp.student_id = s.student_id
ORDER BY s.student_id`,
      notes: [
        'Students with an open enrollment (end_date empty) in the current year; several schools are joined with ;.',
        "The grade is the enrollment's grade level short name (school_gradelevels: KG, 01, 02 …).",
        'Gender is custom_200000000, birth date custom_200000004, preferred name custom_200000002 (Common Name), ethnicity custom_200000001, language custom_200000005; blank custom fields are sent blank.',
        'RosarioSIS has no student e-mail column (a custom field named in its configuration holds it): override students to send one.',
      ],
    },
    teachers: {
      query: `WITH RECURSIVE ${LINEAGE}, ${CURRENT_YEAR}, ${CODES}
SELECT 'T' || CAST(l.root_id AS text) AS teacher_id,
  (SELECT string_agg(DISTINCT k.code, ';' ORDER BY k.code) FROM ${staffSchoolIds('st')} AS x(school_id)
    JOIN codes k ON CAST(k.school_id AS text) = TRIM(x.school_id)) AS school_codes,
  NULL AS state_id, TRIM(st.first_name) AS first_name, NULLIF(TRIM(st.middle_name), '') AS middle_name, TRIM(st.last_name) AS last_name,
  NULLIF(TRIM(st.email), '') AS email, NULLIF(TRIM(st.username), '') AS username, NULLIF(TRIM(st.custom_200000001), '') AS phone,
  NULLIF(TRIM(st.title), '') AS title, 'teacher' AS role, 'Y' AS enabled
FROM staff st
JOIN cy ON st.syear = cy.syear
JOIN lineage l ON l.staff_id = st.staff_id
WHERE st.profile = 'teacher'
ORDER BY l.root_id`,
      notes: [
        "Staff with profile teacher in the current year; the id is T + the first-year staff_id, so it survives the yearly rollover.",
        "School codes from the comma-joined schools list (',1,2,'), or the current school when the list is empty.",
      ],
    },
    guardians: {
      query: `WITH RECURSIVE ${LINEAGE}, ${CURRENT_YEAR}, ${ACTIVE}, ${CODES}
SELECT 'P' || CAST(l.root_id AS text) AS guardian_id, k.student_ids AS student_ids, k.school_codes AS school_codes,
  TRIM(p.first_name) AS first_name, TRIM(p.last_name) AS last_name, NULLIF(TRIM(p.email), '') AS email,
  NULLIF(TRIM(p.custom_200000001), '') AS phone, NULL AS sms, NULL AS language, NULL AS relationship
FROM staff p
JOIN cy ON p.syear = cy.syear
JOIN lineage l ON l.staff_id = p.staff_id
JOIN (SELECT j.staff_id,
    string_agg(DISTINCT CAST(j.student_id AS text), ';' ORDER BY CAST(j.student_id AS text)) AS student_ids,
    string_agg(DISTINCT c.code, ';' ORDER BY c.code) AS school_codes
  FROM students_join_users j
  JOIN active a ON a.student_id = j.student_id
  LEFT JOIN codes c ON c.school_id = a.school_id
  GROUP BY j.staff_id) k ON k.staff_id = p.staff_id
WHERE p.profile = 'parent'
ORDER BY l.root_id`,
      notes: [
        'Parents are staff with profile parent linked to an actively enrolled student through students_join_users; the id is P + the first-year staff_id.',
        'RosarioSIS records no relationship on that link; the phone is custom_200000001.',
      ],
    },
    enrollments: {
      query: `WITH RECURSIVE ${LINEAGE}, ${CURRENT_YEAR}
SELECT 'S' || CAST(sch.student_id AS text) || '-' || CAST(sch.course_period_id AS text) AS enrollment_id,
  CAST(sch.course_period_id AS text) AS class_id, CAST(sch.student_id AS text) AS user_id, 'student' AS role,
  NULLIF(TRIM(s.school_number), '') AS school_code, 'false' AS "primary",
  to_char(MIN(sch.start_date), 'YYYY-MM-DD') AS begin_date, NULL AS end_date
FROM schedule sch
JOIN course_periods cp ON cp.course_period_id = sch.course_period_id
JOIN cy ON cp.syear = cy.syear
JOIN schools s ON s.id = cp.school_id AND s.syear = cp.syear
WHERE sch.end_date IS NULL
  AND EXISTS (SELECT 1 FROM student_enrollment se WHERE se.student_id = sch.student_id AND se.syear = cy.syear AND se.end_date IS NULL)
GROUP BY sch.student_id, sch.course_period_id, s.school_number
UNION ALL
SELECT 'T' || CAST(cp.course_period_id AS text), CAST(cp.course_period_id AS text), 'T' || CAST(l.root_id AS text), 'teacher',
  NULLIF(TRIM(s.school_number), ''), 'true', NULL, NULL
FROM course_periods cp
JOIN cy ON cp.syear = cy.syear
JOIN schools s ON s.id = cp.school_id AND s.syear = cp.syear
JOIN lineage l ON l.staff_id = cp.teacher_id
UNION ALL
SELECT 'T2-' || CAST(cp.course_period_id AS text), CAST(cp.course_period_id AS text), 'T' || CAST(l.root_id AS text), 'teacher',
  NULLIF(TRIM(s.school_number), ''), 'false', NULL, NULL
FROM course_periods cp
JOIN cy ON cp.syear = cy.syear
JOIN schools s ON s.id = cp.school_id AND s.syear = cp.syear
JOIN lineage l ON l.staff_id = cp.secondary_teacher_id`,
      notes: [
        'Student rows are schedule entries of the current year with no end_date (a drop sets it), for actively enrolled students; schedule has no key of its own, so the id is S + student + course period.',
        "Each course period's teacher_id is the primary teacher, its secondary_teacher_id a second (non-primary) teacher.",
      ],
    },
  },
};
