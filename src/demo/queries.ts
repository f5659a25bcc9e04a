/**
 * The demo district's entity queries: what a district admin would write against this SIS.
 * Each SELECT returns exactly the canonical field names (src/shared/entities.ts) as aliases, with
 * raw SIS values (grade 'K', phones as typed) — mapping them to vendor codes is the pipeline's job.
 * Multi-valued fields are joined with MULTI_SEPARATOR (`;`), in a stable order.
 *
 * SQLite (≥ 3.44, for ORDER BY inside group_concat) and PostgreSQL differ only in the aggregate
 * and in collation: PostgreSQL sorts text with `COLLATE "C"` so both engines order identically
 * (byte order). MySQL/MariaDB also differs in string concatenation (`||` is OR there: CONCAT),
 * casts (`AS CHAR`), quoted names (backticks) and the aggregate (`GROUP_CONCAT(… ORDER BY …
 * SEPARATOR ';')`), and sorts text as `CAST(… AS BINARY)` — byte order whatever the column's
 * collation (the usual `utf8mb4_general_ci` would sort `a` with `A`). Small entities are ordered by
 * their key; students, guardians, enrollments and roster are not sorted by the query (a sort would
 * delay the first row at district scale) and come out in table order on SQLite.
 */
import type { Entity } from '../shared/format.js';
import { MULTI_SEPARATOR } from '../shared/entities.js';
import { assertNever } from '../shared/transform.js';

export type DemoQueryDialect = 'sqlite' | 'postgres' | 'mysql';

interface Sql {
  /** `agg(expr, order…)`: a `;`-joined aggregate ordered by the given keys. */
  agg(expr: string, ...order: string[]): string;
  /** A text expression in ORDER BY. */
  text(expr: string): string;
  /** String concatenation (NULL if any part is NULL). */
  concat(...parts: string[]): string;
  /** An integer expression as text. */
  str(expr: string): string;
  /** A quoted name (for aliases that are reserved words). */
  name(identifier: string): string;
}

const SEP = `'${MULTI_SEPARATOR}'`;

const DIALECTS: Readonly<Record<DemoQueryDialect, Sql>> = {
  sqlite: {
    agg: (expr, ...order) => `group_concat(${expr}, ${SEP} ORDER BY ${order.join(', ')})`,
    text: (expr) => expr,
    concat: (...parts) => parts.join(' || '),
    str: (expr) => `CAST(${expr} AS TEXT)`,
    name: (identifier) => `"${identifier}"`,
  },
  postgres: {
    agg: (expr, ...order) => `string_agg(${expr}, ${SEP} ORDER BY ${order.join(', ')})`,
    text: (expr) => `${expr} COLLATE "C"`,
    concat: (...parts) => parts.join(' || '),
    str: (expr) => `CAST(${expr} AS TEXT)`,
    name: (identifier) => `"${identifier}"`,
  },
  mysql: {
    agg: (expr, ...order) => `GROUP_CONCAT(${expr} ORDER BY ${order.join(', ')} SEPARATOR ${SEP})`,
    text: (expr) => `CAST(${expr} AS BINARY)`,
    concat: (...parts) => `CONCAT(${parts.join(', ')})`,
    str: (expr) => `CAST(${expr} AS CHAR)`,
    name: (identifier) => `\`${identifier}\``,
  },
};

function build(dialect: DemoQueryDialect): Readonly<Record<Entity, string>> {
  const { agg, text, concat, str, name } = DIALECTS[dialect];
  return {
    schools: `SELECT s.sch_code AS school_code, s.sch_name AS name, s.state_sch_id AS state_id, s.phone AS phone,
  s.address1 AS address, s.city AS city, s.state AS state, s.zip AS zip, s.low_grade AS low_grade, s.high_grade AS high_grade,
  p.email AS principal_email
FROM schools s
LEFT JOIN staff p ON p.staff_id = s.principal_id
ORDER BY ${text('s.sch_code')}`,

    terms: `SELECT t.term_id AS term_id, t.term_name AS title,
  CASE t.term_type WHEN 'Year' THEN 'schoolYear' WHEN 'Semester' THEN 'semester' ELSE 'term' END AS type,
  t.start_date AS start_date, t.end_date AS end_date, substr(t.school_year, 6, 4) AS school_year, t.parent_term_id AS parent_id
FROM terms t
ORDER BY ${text('t.term_id')}`,

    courses: `SELECT c.course_id AS course_id, c.course_name AS title, c.course_number AS course_code, c.grade_level AS grades,
  c.sch_code AS school_code, c.department AS subjects,
  (SELECT y.term_id FROM terms y WHERE y.term_type = 'Year') AS school_year_id
FROM courses c
ORDER BY ${text('c.course_id')}`,

    classes: `SELECT s.section_id AS class_id, ${concat('c.course_name', "' - '", 's.section_number')} AS title, s.course_id AS course_id,
  ${concat('c.course_number', "'.'", 's.section_number')} AS class_code,
  CASE WHEN s.is_homeroom IN ('Y', 'y', '1') THEN 'homeroom' ELSE 'scheduled' END AS class_type,
  s.sch_code AS school_code, st.term_ids AS term_ids, c.grade_level AS grades, c.department AS subjects,
  ${str('s.period')} AS periods, s.room AS room, lt.staff_id AS teacher_id
FROM sections s
JOIN courses c ON c.course_id = s.course_id
LEFT JOIN (SELECT section_id, ${agg('term_id', text('term_id'))} AS term_ids FROM section_terms GROUP BY section_id) st
  ON st.section_id = s.section_id
LEFT JOIN section_teachers lt ON lt.section_id = s.section_id AND lt.role = 'Lead'
ORDER BY ${text('s.section_id')}`,

    students: `SELECT st.stu_id AS student_id, st.sch_code AS school_codes, st.state_id AS state_id, st.first_name AS first_name,
  st.middle_name AS middle_name, st.last_name AS last_name, st.nickname AS preferred_name, st.email AS email,
  st.network_id AS username, st.grade_level AS grade, st.birthdate AS birth_date, st.gender AS gender,
  st.home_phone AS phone, st.cell_phone AS sms, st.lang AS language, g.guardian_ids AS guardian_ids,
  st.ethnicity AS ethnicity, st.race AS race, st.hispanic AS hispanic, st.ell AS english_learner, st.migrant AS migrant,
  st.gifted AS gifted, st.sped AS special_ed, st.frl AS economically_disadvantaged, st.homeless AS homeless,
  st.foster AS foster, st.active AS enabled
FROM students st
LEFT JOIN (SELECT stu_id, ${agg('contact_id', 'priority', text('contact_id'))} AS guardian_ids FROM student_contacts GROUP BY stu_id) g
  ON g.stu_id = st.stu_id`,

    teachers: `SELECT sf.staff_id AS teacher_id, ss.school_codes AS school_codes, sf.state_staff_id AS state_id,
  sf.first_name AS first_name, sf.middle_name AS middle_name, sf.last_name AS last_name, sf.email AS email,
  sf.login AS username, sf.phone AS phone, sf.title AS title, 'teacher' AS role, sf.active AS enabled
FROM staff sf
LEFT JOIN (SELECT staff_id, ${agg('sch_code', text('sch_code'))} AS school_codes FROM staff_schools GROUP BY staff_id) ss
  ON ss.staff_id = sf.staff_id
WHERE sf.staff_type = 'Teacher'
ORDER BY ${text('sf.staff_id')}`,

    guardians: `SELECT c.contact_id AS guardian_id, l.student_ids AS student_ids, sc.school_codes AS school_codes,
  c.first_name AS first_name, c.last_name AS last_name, c.email AS email, c.home_phone AS phone, c.cell_phone AS sms,
  c.lang AS language, l.relationship AS relationship
FROM contacts c
JOIN (SELECT contact_id, ${agg('stu_id', text('stu_id'))} AS student_ids, MIN(relationship) AS relationship
  FROM student_contacts GROUP BY contact_id) l ON l.contact_id = c.contact_id
LEFT JOIN (SELECT contact_id, ${agg('sch_code', text('sch_code'))} AS school_codes
  FROM (SELECT DISTINCT x.contact_id AS contact_id, y.sch_code AS sch_code
    FROM student_contacts x JOIN students y ON y.stu_id = x.stu_id) d
  GROUP BY contact_id) sc ON sc.contact_id = c.contact_id`,

    enrollments: `SELECT ${concat("'SE'", str('e.enr_id'))} AS enrollment_id, e.section_id AS class_id, e.stu_id AS user_id,
  'student' AS role, s.sch_code AS school_code, 'false' AS ${name('primary')}, e.entry_date AS begin_date, e.exit_date AS end_date
FROM section_enrollments e
JOIN sections s ON s.section_id = e.section_id
UNION ALL
SELECT ${concat("'TE'", str('t.st_id'))}, t.section_id, t.staff_id, 'teacher', s.sch_code,
  CASE WHEN t.role = 'Lead' THEN 'true' ELSE 'false' END, t.start_date, t.end_date
FROM section_teachers t
JOIN sections s ON s.section_id = t.section_id`,

    roster: `SELECT s.sch_code AS school_code, sc.sch_name AS school_name, tf.staff_id AS teacher_id, tf.email AS teacher_email,
  tf.first_name AS teacher_first_name, tf.last_name AS teacher_last_name, s.section_id AS class_id,
  ${concat('c.course_name', "' - '", 's.section_number')} AS class_name, s.course_id AS course_id, st.stu_id AS student_id,
  st.first_name AS student_first_name, st.last_name AS student_last_name, st.email AS student_email,
  st.grade_level AS student_grade, st.active AS student_enabled
FROM section_enrollments e
JOIN sections s ON s.section_id = e.section_id
JOIN schools sc ON sc.sch_code = s.sch_code
JOIN courses c ON c.course_id = s.course_id
JOIN students st ON st.stu_id = e.stu_id
LEFT JOIN section_teachers lt ON lt.section_id = s.section_id AND lt.role = 'Lead'
LEFT JOIN staff tf ON tf.staff_id = lt.staff_id`,
  };
}

/** The demo's entity queries for SQLite (the embedded demo district). */
export const DEMO_QUERIES: Readonly<Record<Entity, string>> = build('sqlite');

/** The same queries for the demo schema loaded into PostgreSQL (benchmark). */
export const DEMO_QUERIES_POSTGRES: Readonly<Record<Entity, string>> = build('postgres');

/** The same queries for the demo schema loaded into MySQL/MariaDB (mysql-loader.ts). */
export const DEMO_QUERIES_MYSQL: Readonly<Record<Entity, string>> = build('mysql');

export function demoQueries(dialect: DemoQueryDialect): Readonly<Record<Entity, string>> {
  switch (dialect) {
    case 'sqlite':
      return DEMO_QUERIES;
    case 'postgres':
      return DEMO_QUERIES_POSTGRES;
    case 'mysql':
      return DEMO_QUERIES_MYSQL;
    default:
      return assertNever(dialect, 'query dialect');
  }
}
