import { describe, expect, it } from 'vitest';
import { assertReadOnlySelect, type SqlDialect } from '../../src/sources/sql-guard.js';
import { SourceError } from '../../src/sources/types.js';

function refusal(sql: string, dialect: SqlDialect = 'any'): SourceError {
  try {
    assertReadOnlySelect(sql, dialect);
  } catch (error) {
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).code).toBe('not-read-only');
    return error as SourceError;
  }
  throw new Error(`expected the guard to refuse: ${sql}`);
}

describe('assertReadOnlySelect', () => {
  it.each([
    'SELECT * FROM students',
    'select student_id, first_name from students where grade = \'09\';',
    'WITH s AS (SELECT * FROM students) SELECT * FROM s',
    '(SELECT 1) UNION (SELECT 2)',
    "SELECT 'DROP TABLE x; DELETE FROM y' AS note FROM t",
    'SELECT a -- ; DELETE FROM t\nFROM t',
    'SELECT /* UPDATE t SET a = 1; */ a FROM t',
    'SELECT "update", "delete" FROM t',
    'SELECT deleted_at, updated_by, created_on, into_count FROM t',
    "SELECT replace(phone, '-', '') FROM t",
    'SELECT * FROM t  ;  \n',
  ])('accepts %s', (sql) => {
    expect(() => assertReadOnlySelect(sql)).not.toThrow();
  });

  it('accepts dialect-specific quoting', () => {
    expect(() => assertReadOnlySelect('SELECT [Update Date], [Delete Flag] FROM dbo.Students WITH (NOLOCK)', 'mssql')).not.toThrow();
    expect(() => assertReadOnlySelect('SELECT `update` FROM t # trailing; comment', 'mysql')).not.toThrow();
    expect(() => assertReadOnlySelect("SELECT $$ ; DROP TABLE t $$ AS x", 'postgres')).not.toThrow();
    expect(() => assertReadOnlySelect("SELECT E'it\\'s; DELETE' FROM t", 'postgres')).not.toThrow();
    expect(() => assertReadOnlySelect("SELECT q'[it's; DELETE]' FROM dual", 'oracle')).not.toThrow();
  });

  it.each([
    [
      'mssql',
      `SELECT s.StudentNumber AS student_id,
         STUFF((SELECT ';' + CAST(c.ContactID AS varchar(20)) FROM dbo.StudentContact c WITH (NOLOCK)
                WHERE c.StudentID = s.StudentID FOR XML PATH('')), 1, 1, '') AS guardian_ids,
         CONVERT(varchar(10), s.BirthDate, 23) AS birth_date
       FROM dbo.Student s WITH (NOLOCK) CROSS APPLY (SELECT TOP 1 * FROM dbo.Enrollment e WHERE e.StudentID = s.StudentID) x
       WHERE s.Active = 1 -- only active`,
    ],
    ['oracle', "SELECT TO_CHAR(s.dob, 'MM/DD/YYYY') AS birth_date, s.student_number FROM students s WHERE s.enroll_status = 0 AND s.schoolid IN (SELECT school_number FROM schools) ORDER BY 2"],
    ['postgres', "SELECT string_agg(g.id::text, ';' ORDER BY g.id) AS ids, s.dob::date FROM students s JOIN guardians g ON g.sid = s.id WHERE s.updated_at > now() - interval '1 day' GROUP BY s.dob"],
    ['mysql', "SELECT GROUP_CONCAT(DISTINCT g.id ORDER BY g.id SEPARATOR ';') AS ids, DATE_FORMAT(s.dob, '%Y-%m-%d') FROM students s LEFT JOIN guardians g USING (sid) GROUP BY s.id"],
  ] as const)('accepts a typical %s SIS query', (dialect, sql) => {
    expect(() => assertReadOnlySelect(sql, dialect)).not.toThrow();
  });

  it.each([
    ['UPDATE students SET grade = 1', /starts with UPDATE/],
    ['DELETE FROM students', /starts with DELETE/],
    ['DROP TABLE students', /starts with DROP/],
    ['SELECT 1; DROP TABLE students', /more than one statement/],
    ['SELECT * INTO backup FROM students', /SELECT … INTO/],
    ["SELECT * FROM students INTO OUTFILE '/tmp/x'", /SELECT … INTO/],
    ['WITH d AS (DELETE FROM students RETURNING *) SELECT * FROM d', /DELETE/],
    ['WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM u', /UPDATE/],
    ['SELECT * FROM students FOR UPDATE', /UPDATE/],
    ['SELECT * FROM students FOR SHARE', /FOR SHARE/],
    ['SELECT * FROM students LOCK IN SHARE MODE', /LOCK/],
    ["SELECT nextval('seq')", /side effects/],
    ['EXEC sp_who', /starts with EXEC/],
    ['', /empty/],
    ['   ;  ', /empty/],
    ["SELECT 'unterminated", /unterminated/],
    ['SELECT 1 /* open comment', /unterminated/],
    ['INSERT INTO t VALUES (1)', /starts with INSERT/],
    ['TRUNCATE students', /starts with TRUNCATE/],
  ])('refuses %s', (sql, message) => {
    expect(refusal(sql).message).toMatch(message);
  });

  it('names the line where the offending word is', () => {
    expect(refusal('SELECT *\nFROM t\nFOR UPDATE').message).toMatch(/line 3/);
  });

  it('does not let MySQL backslash escapes hide a second statement', () => {
    // MySQL reads 'a\'' as the string a' and then runs the DROP.
    refusal("SELECT 'a\\''; DROP TABLE t; -- '", 'mysql');
    refusal("SELECT 'a\\''; DROP TABLE t; -- '");
  });

  it('treats MySQL executable comments as code', () => {
    expect(refusal('SELECT 1 /*!50000 ; DROP TABLE t */', 'mysql').message).toMatch(/more than one statement|DROP/);
  });

  it('does not take MySQL "--x" as a comment', () => {
    expect(refusal('SELECT 1 --1; DROP TABLE t', 'mysql').message).toMatch(/more than one statement/);
  });

  it('handles nested comments as PostgreSQL and SQL Server do', () => {
    expect(() => assertReadOnlySelect('SELECT 1 /* a /* b */ ; DROP */', 'postgres')).not.toThrow();
    refusal('SELECT 1 /* a /* b */ ; DROP */', 'sqlite');
  });
});
