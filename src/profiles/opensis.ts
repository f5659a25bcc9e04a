/**
 * openSIS Classic (OS4ED) on MySQL/MariaDB. Table and column names follow openSIS's published
 * install schema (install/OpensisSchemaMysqlInc.sql in OS4ED/openSIS-Classic); the queries were
 * written from it, not copied from openSIS.
 *
 * openSIS quirks handled here:
 * - Students, staff and parents (`people`) each number their rows from 1, so the same number is a
 *   student, a teacher and a parent at once (openSIS itself tells them apart by profile_id in
 *   login_authentication). Student IDs are sent as they are; teachers get the prefix `T` and
 *   parents `P`, so every person is one sourcedId.
 * - The current school year is the newest `syear` in school_years for each school; it is never
 *   picked by today's date. Rolled-over rows of older years (courses, course_periods,
 *   student_enrollment, staff_school_relationship) are left out.
 * - An enrollment is active while its end_date is empty (a drop sets end_date and drop_code); a
 *   class drop is `schedule.dropped = 'Y'`.
 * - students.birthdate is free text (VARCHAR): `YYYY-MM-DD` and `MM/DD/YYYY` are read as dates,
 *   anything else is passed on so the run reports it.
 * - Terms are three tables (school_years, school_semesters, school_quarters) sharing one
 *   marking_period_id numbering; a course period with no marking period runs the whole year.
 * - Grade levels, subjects, periods and rooms are ids into school_gradelevels, course_subjects,
 *   school_periods and rooms.
 */
import type { SisProfile } from '../shared/sis-profile.js';

/** The newest school year of the school in `schoolIdColumn` (openSIS keeps the current year in PHP, not in a flag). */
const currentYear = (schoolIdColumn: string): string => `(SELECT MAX(cy.syear) FROM school_years cy WHERE cy.school_id = ${schoolIdColumn})`;

/** An open enrollment (end_date empty) in its school's current year, for `student_enrollment se`. */
const OPEN_ENROLLMENT = `se.syear = ${currentYear('se.school_id')} AND se.end_date IS NULL`;

/** students.birthdate is VARCHAR: ISO and US dates become YYYY-MM-DD, blanks NULL, anything else passes through to be reported. */
const BIRTH_DATE = `CASE
    WHEN TRIM(s.birthdate) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN TRIM(s.birthdate)
    WHEN TRIM(s.birthdate) REGEXP '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$' THEN DATE_FORMAT(STR_TO_DATE(TRIM(s.birthdate), '%m/%d/%Y'), '%Y-%m-%d')
    ELSE NULLIF(TRIM(s.birthdate), '')
  END`;

/** is_disable holds Y (or yes/1/true) for a disabled account; anything else is enabled. */
const isDisabled = (column: string): string => `UPPER(COALESCE(${column}, '')) IN ('Y', 'YES', '1', 'TRUE')`;

const enabled = (column: string): string => `CASE WHEN ${isDisabled(column)} THEN 'N' ELSE 'Y' END`;

export const openSis: SisProfile = {
  id: 'opensis',
  name: 'openSIS',
  engines: ['mysql'],
  verification: {
    testedInCi: true,
    note: 'Tested in CI against a MariaDB fixture of the openSIS Classic schema (the tables and columns this profile reads, with messy data).',
  },
  reference: 'openSIS Classic install schema (OS4ED/openSIS-Classic, install/OpensisSchemaMysqlInc.sql)',
  detect: {
    tables: {
      students: ['student_id', 'first_name', 'last_name', 'birthdate', 'is_disable'],
      student_enrollment: ['student_id', 'school_id', 'syear', 'grade_id', 'end_date'],
      schools: ['id', 'title'],
      school_years: ['marking_period_id', 'syear', 'school_id'],
      course_periods: ['course_period_id', 'course_id', 'teacher_id', 'marking_period_id'],
      schedule: ['student_id', 'course_period_id', 'dropped'],
      staff: ['staff_id', 'profile', 'is_disable'],
      people: ['staff_id', 'first_name', 'last_name'],
      students_join_people: ['student_id', 'person_id', 'relationship'],
    },
  },
  entities: {
    schools: {
      query: `SELECT CAST(s.id AS CHAR) AS school_code, TRIM(s.title) AS name, NULL AS state_id, s.phone AS phone,
  s.address AS address, s.city AS city, s.state AS state, s.zipcode AS zip,
  (SELECT g.short_name FROM school_gradelevels g WHERE g.school_id = s.id ORDER BY g.sort_order, g.id LIMIT 1) AS low_grade,
  (SELECT g.short_name FROM school_gradelevels g WHERE g.school_id = s.id ORDER BY g.sort_order DESC, g.id DESC LIMIT 1) AS high_grade,
  NULL AS principal_email
FROM schools s
ORDER BY s.id`,
      notes: ['The school code is openSIS\'s school id.', 'Lowest and highest grade come from school_gradelevels in sort order.'],
    },
    terms: {
      query: `SELECT CAST(y.marking_period_id AS CHAR) AS term_id, y.title AS title, 'schoolYear' AS type,
  DATE_FORMAT(y.start_date, '%Y-%m-%d') AS start_date, DATE_FORMAT(y.end_date, '%Y-%m-%d') AS end_date,
  CAST(YEAR(y.end_date) AS CHAR) AS school_year, NULL AS parent_id
FROM school_years y
WHERE y.syear = ${currentYear('y.school_id')}
UNION ALL
SELECT CAST(m.marking_period_id AS CHAR), m.title, 'semester', DATE_FORMAT(m.start_date, '%Y-%m-%d'), DATE_FORMAT(m.end_date, '%Y-%m-%d'),
  CAST(YEAR(y.end_date) AS CHAR), CAST(m.year_id AS CHAR)
FROM school_semesters m
JOIN school_years y ON y.marking_period_id = m.year_id
WHERE m.syear = ${currentYear('m.school_id')}
UNION ALL
SELECT CAST(q.marking_period_id AS CHAR), q.title, 'gradingPeriod', DATE_FORMAT(q.start_date, '%Y-%m-%d'), DATE_FORMAT(q.end_date, '%Y-%m-%d'),
  CAST(YEAR(y.end_date) AS CHAR), CAST(q.semester_id AS CHAR)
FROM school_quarters q
JOIN school_semesters m ON m.marking_period_id = q.semester_id
JOIN school_years y ON y.marking_period_id = m.year_id
WHERE q.syear = ${currentYear('q.school_id')}`,
      notes: ['Years, semesters and quarters of each school\'s newest syear; school_year is the year the school year ends.'],
    },
    courses: {
      query: `SELECT CAST(c.course_id AS CHAR) AS course_id, TRIM(c.title) AS title, c.short_name AS course_code, g.short_name AS grades,
  CAST(c.school_id AS CHAR) AS school_code, sub.title AS subjects,
  (SELECT CAST(MIN(y.marking_period_id) AS CHAR) FROM school_years y WHERE y.school_id = c.school_id AND y.syear = c.syear) AS school_year_id
FROM courses c
LEFT JOIN school_gradelevels g ON g.id = c.grade_level
LEFT JOIN course_subjects sub ON sub.subject_id = c.subject_id
WHERE c.syear = ${currentYear('c.school_id')}
ORDER BY c.course_id`,
      notes: ['Courses of the newest syear only (rollover copies of older years are left out).'],
    },
    classes: {
      query: `SELECT CAST(cp.course_period_id AS CHAR) AS class_id, TRIM(COALESCE(NULLIF(cp.title, ''), c.title)) AS title,
  CAST(cp.course_id AS CHAR) AS course_id, cp.short_name AS class_code, 'scheduled' AS class_type,
  CAST(cp.school_id AS CHAR) AS school_code,
  CAST(COALESCE(cp.marking_period_id,
    (SELECT MIN(y.marking_period_id) FROM school_years y WHERE y.school_id = cp.school_id AND y.syear = cp.syear)) AS CHAR) AS term_ids,
  g.short_name AS grades, sub.title AS subjects,
  (SELECT GROUP_CONCAT(DISTINCT sp.short_name ORDER BY sp.sort_order, sp.short_name SEPARATOR ';')
    FROM course_period_var v JOIN school_periods sp ON sp.period_id = v.period_id
    WHERE v.course_period_id = cp.course_period_id) AS periods,
  (SELECT GROUP_CONCAT(DISTINCT r.title ORDER BY r.title SEPARATOR ';')
    FROM course_period_var v JOIN rooms r ON r.room_id = v.room_id
    WHERE v.course_period_id = cp.course_period_id) AS room,
  CASE WHEN cp.teacher_id IS NULL THEN NULL ELSE CONCAT('T', cp.teacher_id) END AS teacher_id
FROM course_periods cp
JOIN courses c ON c.course_id = cp.course_id
LEFT JOIN school_gradelevels g ON g.id = c.grade_level
LEFT JOIN course_subjects sub ON sub.subject_id = c.subject_id
WHERE cp.syear = ${currentYear('cp.school_id')}
ORDER BY cp.course_period_id`,
      notes: [
        'A course period without a marking period runs the whole school year.',
        'Periods and rooms come from course_period_var (one row per meeting day), without repeats.',
        'The teacher is the course period\'s primary teacher_id, prefixed T like every teacher.',
      ],
    },
    students: {
      query: `SELECT CAST(s.student_id AS CHAR) AS student_id, e.school_codes AS school_codes, NULLIF(TRIM(s.alt_id), '') AS state_id,
  TRIM(s.first_name) AS first_name, NULLIF(TRIM(s.middle_name), '') AS middle_name, TRIM(s.last_name) AS last_name,
  NULLIF(TRIM(s.common_name), '') AS preferred_name, NULLIF(TRIM(s.email), '') AS email, la.username AS username, NULL AS password,
  e.grade AS grade, ${BIRTH_DATE} AS birth_date, NULLIF(TRIM(s.gender), '') AS gender, NULLIF(TRIM(s.phone), '') AS phone, NULL AS sms,
  NULLIF(TRIM(s.language), '') AS language, gp.guardian_ids AS guardian_ids, NULLIF(TRIM(s.ethnicity), '') AS ethnicity,
  NULL AS race, NULL AS hispanic, NULL AS english_learner, NULL AS migrant, NULL AS gifted, NULL AS special_ed,
  NULL AS economically_disadvantaged, NULL AS homeless, NULL AS foster, ${enabled('s.is_disable')} AS enabled
FROM students s
JOIN (SELECT se.student_id AS student_id,
    GROUP_CONCAT(DISTINCT CAST(se.school_id AS CHAR) ORDER BY se.school_id SEPARATOR ';') AS school_codes,
    MIN(g.short_name) AS grade
  FROM student_enrollment se
  LEFT JOIN school_gradelevels g ON g.id = se.grade_id
  WHERE ${OPEN_ENROLLMENT}
  GROUP BY se.student_id) e ON e.student_id = s.student_id
LEFT JOIN login_authentication la ON la.user_id = s.student_id AND la.profile_id = 3
LEFT JOIN (SELECT j.student_id AS student_id,
    GROUP_CONCAT(DISTINCT CONCAT('P', CAST(j.person_id AS CHAR)) ORDER BY j.person_id SEPARATOR ';') AS guardian_ids
  FROM students_join_people j JOIN people p ON p.staff_id = j.person_id AND NOT ${isDisabled('p.is_disable')}
  GROUP BY j.student_id) gp ON gp.student_id = s.student_id`,
      notes: [
        'Students with an open enrollment (end_date empty) in their school\'s newest syear; several schools are joined with ;.',
        'The grade is the enrollment\'s grade level short name (school_gradelevels).',
        'birthdate is free text in openSIS: YYYY-MM-DD and MM/DD/YYYY are read, anything else is reported by the run.',
        'state_id is openSIS\'s Alternate ID (alt_id); is_disable = Y makes the student disabled.',
        'The login name comes from login_authentication (profile 3, students).',
      ],
    },
    teachers: {
      query: `SELECT CONCAT('T', st.staff_id) AS teacher_id, sr.school_codes AS school_codes, NULLIF(TRIM(st.alternate_id), '') AS state_id,
  TRIM(st.first_name) AS first_name, NULLIF(TRIM(st.middle_name), '') AS middle_name, TRIM(st.last_name) AS last_name,
  NULLIF(TRIM(st.email), '') AS email, la.username AS username, NULLIF(TRIM(st.phone), '') AS phone, st.title AS title,
  'teacher' AS role, ${enabled('st.is_disable')} AS enabled
FROM staff st
JOIN (SELECT r.staff_id AS staff_id, GROUP_CONCAT(DISTINCT CAST(r.school_id AS CHAR) ORDER BY r.school_id SEPARATOR ';') AS school_codes
  FROM staff_school_relationship r
  WHERE r.syear = ${currentYear('r.school_id')}
  GROUP BY r.staff_id) sr ON sr.staff_id = st.staff_id
LEFT JOIN login_authentication la ON la.user_id = st.staff_id AND la.profile_id = st.profile_id
WHERE LOWER(st.profile) = 'teacher'
ORDER BY st.staff_id`,
      notes: [
        'Staff with profile teacher and a school relationship in the newest syear; ids are T + staff_id (staff and students share numbers in openSIS).',
        'Administrators (profile admin) are not sent as teachers.',
      ],
    },
    guardians: {
      query: `SELECT CONCAT('P', p.staff_id) AS guardian_id, l.student_ids AS student_ids, l.school_codes AS school_codes,
  TRIM(p.first_name) AS first_name, TRIM(p.last_name) AS last_name, NULLIF(TRIM(p.email), '') AS email,
  COALESCE(NULLIF(TRIM(p.home_phone), ''), NULLIF(TRIM(p.work_phone), '')) AS phone, NULLIF(TRIM(p.cell_phone), '') AS sms,
  NULL AS language, l.relationship AS relationship
FROM people p
JOIN (SELECT j.person_id AS person_id,
    GROUP_CONCAT(DISTINCT CAST(j.student_id AS CHAR) ORDER BY j.student_id SEPARATOR ';') AS student_ids,
    GROUP_CONCAT(DISTINCT CAST(se.school_id AS CHAR) ORDER BY se.school_id SEPARATOR ';') AS school_codes,
    MIN(j.relationship) AS relationship
  FROM students_join_people j
  JOIN student_enrollment se ON se.student_id = j.student_id AND ${OPEN_ENROLLMENT}
  GROUP BY j.person_id) l ON l.person_id = p.staff_id
WHERE NOT ${isDisabled('p.is_disable')}`,
      notes: [
        'Contacts (people) linked to an actively enrolled student through students_join_people; ids are P + the person\'s id.',
        'Disabled contacts are left out; the home phone (or else the work phone) is the phone, the cell phone the SMS number.',
      ],
    },
    enrollments: {
      query: `SELECT CONCAT('S', sch.id) AS enrollment_id, CAST(sch.course_period_id AS CHAR) AS class_id, CAST(sch.student_id AS CHAR) AS user_id,
  'student' AS role, CAST(cp.school_id AS CHAR) AS school_code, 'false' AS \`primary\`,
  DATE_FORMAT(sch.start_date, '%Y-%m-%d') AS begin_date, DATE_FORMAT(sch.end_date, '%Y-%m-%d') AS end_date
FROM schedule sch
JOIN course_periods cp ON cp.course_period_id = sch.course_period_id
WHERE cp.syear = ${currentYear('cp.school_id')} AND COALESCE(UPPER(sch.dropped), 'N') <> 'Y'
  AND EXISTS (SELECT 1 FROM student_enrollment se WHERE se.student_id = sch.student_id AND ${OPEN_ENROLLMENT})
UNION ALL
SELECT CONCAT('T', cp.course_period_id), CAST(cp.course_period_id AS CHAR), CONCAT('T', cp.teacher_id), 'teacher', CAST(cp.school_id AS CHAR),
  'true', DATE_FORMAT(cp.begin_date, '%Y-%m-%d'), DATE_FORMAT(cp.end_date, '%Y-%m-%d')
FROM course_periods cp
WHERE cp.syear = ${currentYear('cp.school_id')} AND cp.teacher_id IS NOT NULL
UNION ALL
SELECT CONCAT('T2-', cp.course_period_id), CAST(cp.course_period_id AS CHAR), CONCAT('T', cp.secondary_teacher_id), 'teacher', CAST(cp.school_id AS CHAR),
  'false', DATE_FORMAT(cp.begin_date, '%Y-%m-%d'), DATE_FORMAT(cp.end_date, '%Y-%m-%d')
FROM course_periods cp
WHERE cp.syear = ${currentYear('cp.school_id')} AND cp.secondary_teacher_id IS NOT NULL`,
      notes: [
        'Student rows are schedule entries of the newest syear not marked dropped, for actively enrolled students.',
        'Each course period\'s teacher_id is the primary teacher, its secondary_teacher_id a second (non-primary) teacher.',
      ],
    },
  },
};
