/**
 * Gibbon (GibbonEdu/core) on MySQL/MariaDB. Table and column names follow Gibbon's published
 * schema (gibbon.sql in GibbonEdu/core); the queries were written from it, not copied from Gibbon.
 *
 * Gibbon quirks handled here:
 * - IDs are ZEROFILL integers (`0000000012`): they are sent with their zeros, also inside `;` lists.
 * - Gibbon runs with `sql_mode=''`, so dates may be zero dates (`0000-00-00`): they become empty.
 * - One install is one school: its code and name are the `organisationNameShort` and
 *   `organisationName` system settings.
 * - The current school year is the one Gibbon marks `status = 'Current'`.
 * - People have one ID whatever their roles: a teacher who is also a parent is one gibbonPerson.
 *   OneRoster 1.1 gives each user one role, so guardians are sent as `P` + their person ID and a
 *   teacher-parent is a teacher (plain ID) and a guardian (P + ID); a parent who later joins the staff
 *   keeps the same guardian ID.
 * - Year groups are `Y07`-style short names: a `Y` before the number is dropped so grades read 07.
 * - A course's year groups are a comma-joined list of IDs (`001,002`, sometimes unpadded or with spaces).
 * - Class membership roles `Student - Left` / `Teacher - Left` are former members and are left out.
 */
import type { SisProfile } from '../shared/sis-profile.js';

const CURRENT_YEAR = `(SELECT sy.gibbonSchoolYearID FROM gibbonSchoolYear sy WHERE sy.status = 'Current')`;

const systemSetting = (name: string): string => `(SELECT gs.value FROM gibbonSetting gs WHERE gs.scope = 'System' AND gs.name = '${name}')`;
const SCHOOL_CODE = systemSetting('organisationNameShort');

/** A ZEROFILL person ID as text with its zeros, whatever the expression (aggregates drop ZEROFILL). */
const personId = (expr: string): string => `LPAD(${expr}, 10, '0')`;

/** School year and term IDs with their ZEROFILL zeros (a UNION of differently padded columns would not keep them). */
const yearId = (expr: string): string => `LPAD(${expr}, 3, '0')`;
const termId = (expr: string): string => `LPAD(${expr}, 5, '0')`;

/** `Y07` → `07`; other year-group short names (K, 10, Reception) as they are. */
const grade = (expr: string): string => `CASE WHEN ${expr} REGEXP '^Y[0-9]+$' THEN SUBSTRING(${expr}, 2) ELSE ${expr} END`;

/** A zero date (sql_mode='') or NULL becomes NULL; other dates YYYY-MM-DD. */
const date = (expr: string): string => `NULLIF(NULLIF(CAST(${expr} AS CHAR), '0000-00-00'), '')`;

/** The year groups of a course, from its comma-joined ID list (padded or not, with stray spaces). */
const courseGrades = (course: string): string => `(SELECT GROUP_CONCAT(${grade('yg.nameShort')} ORDER BY yg.sequenceNumber SEPARATOR ';')
    FROM gibbonYearGroup yg
    WHERE CONCAT(',', REPLACE(${course}.gibbonYearGroupIDList, ' ', ''), ',') REGEXP CONCAT(',0*', CAST(yg.gibbonYearGroupID + 0 AS CHAR), ','))`;

/** Students: full-status people enrolled in the current year. */
const ACTIVE_STUDENTS = `SELECT se.gibbonPersonID FROM gibbonStudentEnrolment se
    JOIN gibbonPerson sp ON sp.gibbonPersonID = se.gibbonPersonID
    WHERE se.gibbonSchoolYearID IN ${CURRENT_YEAR} AND sp.status = 'Full'`;

/** Teachers: full-status people whose staff record is of type Teaching. */
const ACTIVE_TEACHERS = `SELECT st.gibbonPersonID FROM gibbonStaff st
    JOIN gibbonPerson tp ON tp.gibbonPersonID = st.gibbonPersonID
    WHERE tp.status = 'Full' AND LOWER(st.type) = 'teaching'`;

/** Phone number n of person `p`, with its country code when one is set. */
const phone = (p: string, n: number): string =>
  `CASE WHEN TRIM(${p}.phone${n}) = '' THEN NULL WHEN TRIM(${p}.phone${n}CountryCode) = '' THEN TRIM(${p}.phone${n}) ELSE CONCAT('+', TRIM(${p}.phone${n}CountryCode), ' ', TRIM(${p}.phone${n})) END`;

/** The first phone of the person whose type is Mobile, with its country code. */
const mobile = (p: string): string =>
  `COALESCE(${[1, 2, 3, 4].map((n) => `CASE WHEN ${p}.phone${n}Type = 'Mobile' AND TRIM(${p}.phone${n}) <> '' THEN ${phone(p, n)} END`).join(', ')})`;

/** The lead teacher of class `cc`: the lowest person ID among its active teachers. */
const leadTeacher = (cc: string): string => `(SELECT ${personId('MIN(lt.gibbonPersonID)')} FROM gibbonCourseClassPerson lt
    WHERE lt.gibbonCourseClassID = ${cc}.gibbonCourseClassID AND lt.role = 'Teacher' AND lt.gibbonPersonID IN (${ACTIVE_TEACHERS}))`;

export const gibbon: SisProfile = {
  id: 'gibbon',
  name: 'Gibbon',
  engines: ['mysql'],
  verification: {
    testedInCi: true,
    note: "Tested in CI against a MariaDB fixture of Gibbon's schema (the tables and columns this profile reads, loaded with sql_mode='', zero dates and messy data).",
  },
  reference: "Gibbon's published database schema (GibbonEdu/core, gibbon.sql)",
  detect: {
    tables: {
      gibbonPerson: ['gibbonPersonID', 'surname', 'firstName', 'status', 'dob'],
      gibbonStudentEnrolment: ['gibbonPersonID', 'gibbonSchoolYearID', 'gibbonYearGroupID'],
      gibbonSchoolYear: ['gibbonSchoolYearID', 'status'],
      gibbonCourseClassPerson: ['gibbonCourseClassID', 'gibbonPersonID', 'role'],
      gibbonStaff: ['gibbonPersonID', 'type'],
      gibbonFamilyAdult: ['gibbonFamilyID', 'gibbonPersonID'],
    },
  },
  entities: {
    schools: {
      query: `SELECT ${SCHOOL_CODE} AS school_code, ${systemSetting('organisationName')} AS name, NULL AS state_id, NULL AS phone,
  NULL AS address, NULL AS city, NULL AS state, NULL AS zip,
  (SELECT ${grade('yg.nameShort')} FROM gibbonYearGroup yg ORDER BY yg.sequenceNumber LIMIT 1) AS low_grade,
  (SELECT ${grade('yg.nameShort')} FROM gibbonYearGroup yg ORDER BY yg.sequenceNumber DESC LIMIT 1) AS high_grade,
  NULL AS principal_email`,
      notes: ['One Gibbon install is one school: code organisationNameShort, name organisationName (System settings).'],
    },
    terms: {
      query: `SELECT ${yearId('sy.gibbonSchoolYearID')} AS term_id, sy.name AS title, 'schoolYear' AS type, ${date('sy.firstDay')} AS start_date,
  ${date('sy.lastDay')} AS end_date, CAST(YEAR(sy.lastDay) AS CHAR) AS school_year, NULL AS parent_id
FROM gibbonSchoolYear sy
WHERE sy.status = 'Current'
UNION ALL
SELECT ${termId('t.gibbonSchoolYearTermID')}, t.name, 'term', ${date('t.firstDay')}, ${date('t.lastDay')}, CAST(YEAR(sy.lastDay) AS CHAR), ${yearId('sy.gibbonSchoolYearID')}
FROM gibbonSchoolYearTerm t
JOIN gibbonSchoolYear sy ON sy.gibbonSchoolYearID = t.gibbonSchoolYearID
WHERE sy.status = 'Current'`,
      notes: ["The school year marked Current and its terms; school_year is the year it ends."],
    },
    courses: {
      query: `SELECT c.gibbonCourseID AS course_id, TRIM(c.name) AS title, c.nameShort AS course_code, ${courseGrades('c')} AS grades,
  ${SCHOOL_CODE} AS school_code, d.name AS subjects, ${yearId('c.gibbonSchoolYearID')} AS school_year_id
FROM gibbonCourse c
LEFT JOIN gibbonDepartment d ON d.gibbonDepartmentID = c.gibbonDepartmentID
WHERE c.gibbonSchoolYearID IN ${CURRENT_YEAR}
ORDER BY c.gibbonCourseID`,
      notes: ['Courses of the current year; grades from the comma-joined gibbonYearGroupIDList; the department is the subject.'],
    },
    classes: {
      query: `SELECT cc.gibbonCourseClassID AS class_id, CONCAT(c.nameShort, '.', cc.nameShort) AS title, cc.gibbonCourseID AS course_id,
  CONCAT(c.nameShort, '.', cc.nameShort) AS class_code, 'scheduled' AS class_type, ${SCHOOL_CODE} AS school_code,
  ${yearId('c.gibbonSchoolYearID')} AS term_ids, ${courseGrades('c')} AS grades, d.name AS subjects, NULL AS periods, NULL AS room,
  ${leadTeacher('cc')} AS teacher_id
FROM gibbonCourseClass cc
JOIN gibbonCourse c ON c.gibbonCourseID = cc.gibbonCourseID
LEFT JOIN gibbonDepartment d ON d.gibbonDepartmentID = c.gibbonDepartmentID
WHERE c.gibbonSchoolYearID IN ${CURRENT_YEAR}
ORDER BY cc.gibbonCourseClassID`,
      notes: [
        'Titled as Gibbon shows them (course short name . class short name); classes run the whole school year.',
        'The teacher is the lowest-numbered current teacher of the class; former teachers (Teacher - Left, or staff who left) are not.',
      ],
    },
    students: {
      query: `SELECT p.gibbonPersonID AS student_id, ${SCHOOL_CODE} AS school_codes, NULLIF(TRIM(p.studentID), '') AS state_id,
  TRIM(p.firstName) AS first_name, NULL AS middle_name, TRIM(p.surname) AS last_name, NULLIF(TRIM(p.preferredName), '') AS preferred_name,
  NULLIF(TRIM(p.email), '') AS email, NULLIF(TRIM(p.username), '') AS username, NULL AS password, ${grade('yg.nameShort')} AS grade,
  ${date('p.dob')} AS birth_date, CASE p.gender WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' ELSE NULL END AS gender,
  ${phone('p', 1)} AS phone, ${mobile('p')} AS sms, NULLIF(TRIM(p.languageFirst), '') AS language, fam.guardian_ids AS guardian_ids,
  NULLIF(TRIM(p.ethnicity), '') AS ethnicity, NULL AS race, NULL AS hispanic, NULL AS english_learner, NULL AS migrant, NULL AS gifted,
  NULL AS special_ed, NULL AS economically_disadvantaged, NULL AS homeless, NULL AS foster, 'Y' AS enabled
FROM gibbonPerson p
JOIN gibbonStudentEnrolment se ON se.gibbonPersonID = p.gibbonPersonID AND se.gibbonSchoolYearID IN ${CURRENT_YEAR}
LEFT JOIN gibbonYearGroup yg ON yg.gibbonYearGroupID = se.gibbonYearGroupID
LEFT JOIN (SELECT fc.gibbonPersonID AS child_id,
    GROUP_CONCAT(DISTINCT CONCAT('P', ${personId('fa.gibbonPersonID')}) ORDER BY CONCAT('P', ${personId('fa.gibbonPersonID')}) SEPARATOR ';') AS guardian_ids
  FROM gibbonFamilyChild fc
  JOIN gibbonFamilyAdult fa ON fa.gibbonFamilyID = fc.gibbonFamilyID
  JOIN gibbonPerson ap ON ap.gibbonPersonID = fa.gibbonPersonID AND ap.status = 'Full'
  GROUP BY fc.gibbonPersonID) fam ON fam.child_id = p.gibbonPersonID
WHERE p.status = 'Full'`,
      notes: [
        "Full-status people enrolled in the current year (Left, Expected and Pending Approval are not sent).",
        'A zero date of birth (0000-00-00) is sent empty; gender Other and Unspecified are sent empty (OneRoster has male and female only).',
        'Guardians are the full-status adults of the student\'s families, as P + person ID.',
      ],
    },
    teachers: {
      query: `SELECT p.gibbonPersonID AS teacher_id, ${SCHOOL_CODE} AS school_codes, NULL AS state_id, TRIM(p.firstName) AS first_name,
  NULL AS middle_name, TRIM(p.surname) AS last_name, NULLIF(TRIM(p.email), '') AS email, NULLIF(TRIM(p.username), '') AS username,
  ${phone('p', 1)} AS phone, NULLIF(TRIM(s.jobTitle), '') AS title, 'teacher' AS role, 'Y' AS enabled
FROM gibbonStaff s
JOIN gibbonPerson p ON p.gibbonPersonID = s.gibbonPersonID
WHERE p.status = 'Full' AND LOWER(s.type) = 'teaching'
ORDER BY p.gibbonPersonID`,
      notes: ['Full-status staff of type Teaching; support staff are not sent.'],
    },
    guardians: {
      query: `SELECT CONCAT('P', ${personId('a.gibbonPersonID')}) AS guardian_id, l.student_ids AS student_ids, ${SCHOOL_CODE} AS school_codes,
  TRIM(a.firstName) AS first_name, TRIM(a.surname) AS last_name, NULLIF(TRIM(a.email), '') AS email, ${phone('a', 1)} AS phone,
  ${mobile('a')} AS sms, NULLIF(TRIM(a.languageFirst), '') AS language, l.relationship AS relationship
FROM gibbonPerson a
JOIN (SELECT fa.gibbonPersonID AS adult_id,
    GROUP_CONCAT(DISTINCT ${personId('fc.gibbonPersonID')} ORDER BY ${personId('fc.gibbonPersonID')} SEPARATOR ';') AS student_ids,
    MIN(NULLIF(fr.relationship, '')) AS relationship
  FROM gibbonFamilyAdult fa
  JOIN gibbonFamilyChild fc ON fc.gibbonFamilyID = fa.gibbonFamilyID
  LEFT JOIN gibbonFamilyRelationship fr ON fr.gibbonFamilyID = fa.gibbonFamilyID
    AND fr.gibbonPersonID1 = fa.gibbonPersonID AND fr.gibbonPersonID2 = fc.gibbonPersonID
  WHERE fc.gibbonPersonID IN (${ACTIVE_STUDENTS})
  GROUP BY fa.gibbonPersonID) l ON l.adult_id = a.gibbonPersonID
WHERE a.status = 'Full'`,
      notes: [
        'Full-status adults of a family with a current student; IDs are P + person ID, so a teacher who is also a parent is sent once as each.',
        'The relationship comes from gibbonFamilyRelationship (adult to child).',
      ],
    },
    enrollments: {
      query: `SELECT ccp.gibbonCourseClassPersonID AS enrollment_id, ccp.gibbonCourseClassID AS class_id, ccp.gibbonPersonID AS user_id,
  LOWER(ccp.role) AS role, ${SCHOOL_CODE} AS school_code,
  CASE WHEN ccp.role = 'Teacher' AND ${personId('ccp.gibbonPersonID')} = ${leadTeacher('cc')} THEN 'true' ELSE 'false' END AS \`primary\`,
  ${date('ccp.dateEnrolled')} AS begin_date, ${date('ccp.dateUnenrolled')} AS end_date
FROM gibbonCourseClassPerson ccp
JOIN gibbonCourseClass cc ON cc.gibbonCourseClassID = ccp.gibbonCourseClassID
JOIN gibbonCourse c ON c.gibbonCourseID = cc.gibbonCourseID
WHERE c.gibbonSchoolYearID IN ${CURRENT_YEAR}
  AND ((ccp.role = 'Student' AND ccp.gibbonPersonID IN (${ACTIVE_STUDENTS}))
    OR (ccp.role = 'Teacher' AND ccp.gibbonPersonID IN (${ACTIVE_TEACHERS})))`,
      notes: [
        'Current members of current-year classes: Student and Teacher roles; Student - Left, Teacher - Left, Parent and Assistant rows are not sent.',
        'Zero enrolment dates are sent empty.',
      ],
    },
  },
};
