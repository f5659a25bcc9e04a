import { describe, expect, it } from 'vitest';
import { assertReadOnlySelect, ReadOnlyQueryError, type SqlDialect } from '../../src/sources/sql-guard.js';
import { ENGINE_RULES, tokenize, UnterminatedSqlError } from '../../src/sources/sql-tokenizer.js';
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

describe('side effects hidden by quoting, case, comments and dialect lexing', () => {
  it.each([
    ['postgres', `SELECT * FROM "dblink"('host=127.0.0.1 dbname=sis', 'INSERT INTO t VALUES (1) RETURNING id::text') AS t(student_id text)`, /"dblink" at line 1:15/],
    ['postgres', `SELECT * FROM public."DBLINK_EXEC"('conn', 'DELETE FROM t')`, /DBLINK_EXEC.*side effects/],
    ['postgres', 'SELECT * FROM U&"\\0064blink"(\'c\', \'q\') AS t(x text)', /dblink.*side effects/],
    ['postgres', `SELECT * FROM U&"!0064blink" UESCAPE '!'('c', 'q') AS t(x text)`, /dblink/],
    ['postgres', "SELECT pg_catalog.pg_read_file('/etc/passwd')", /pg_read_file/],
    ['postgres', "SELECT \"pg_read_binary_file\"('/etc/hostname')", /pg_read_binary_file/],
    ['postgres', "SELECT pg_ls_dir('.')", /pg_ls_dir/],
    ['postgres', "SELECT lo_import('/etc/passwd')", /lo_import/],
    ['postgres', "SELECT lo_export(1, '/tmp/x')", /lo_export/],
    ['postgres', "SELECT query_to_xml('select 1', true, false, '')", /runs SQL given as text/],
    ['postgres', 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity', /pg_terminate_backend/],
    ['postgres', 'SELECT pg_advisory_lock(1)', /locks/],
    ['postgres', "SELECT set_config('search_path', 'x', false)", /set_config/],
    ['postgres', "SELECT setval('s', 1)", /sequence/],
    ['postgres', 'SELECT 1into t FROM s', /SELECT … INTO/],
    ['postgres', 'SELECT * FROM t FOR NO KEY UPDATE', /FOR UPDATE/],
    ['postgres', 'SELECT * FROM t FOR KEY SHARE', /FOR SHARE/],
    ['postgres', "COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'", /starts with COPY/],
    ['postgres', "SELECT 1 /* outer /* inner */ still comment */ ; SELECT pg_sleep(0)", /more than one statement/],
    ['mysql', "SELECT student_id FROM students /*M! INTO OUTFILE 'x.txt' */", /INTO.*executable comment/],
    ['mysql', "SELECT 1 /*M! , LOAD_FILE('/etc/hostname') */", /LOAD_FILE.*executable comment/],
    ['mysql', "SELECT 1 /*M!100000 , LOAD_FILE('/etc/hostname') */", /LOAD_FILE/],
    ['mysql', "SELECT 1 /*!50000 INTO DUMPFILE '/tmp/x' */", /INTO/],
    ['mysql', "SELECT 1 /*! INTO @x */", /INTO/],
    ['mysql', "SELECT `load_file`('/etc/hostname')", /load_file/],
    ['mysql', "SELECT \"LOAD_FILE\"('/etc/hostname')", /LOAD_FILE/],
    ['mysql', 'SELECT GET_LOCK(\'x\', 1)', /locks/],
    ['mysql', "SELECT sys_exec('id')", /runs a program/],
    ['mysql', 'SELECT NEXT VALUE FOR s', /NEXT VALUE FOR/],
    ['mysql', "SELECT 1 # comment\n; DROP TABLE t", /more than one statement/],
    ['mysql', 'SELECT * FROM t LOCK IN SHARE MODE', /LOCK/],
    ['mssql', "SELECT * FROM OPENROWSET('SQLNCLI', 'Server=x;', 'SELECT 1')", /OPENROWSET/],
    ['mssql', "SELECT * FROM [OPENQUERY](srv, 'SELECT 1')", /OPENQUERY/],
    ['mssql', "SELECT * FROM OPENDATASOURCE('SQLNCLI', 'x').db.dbo.t", /OPENDATASOURCE/],
    ['mssql', "SELECT [xp_cmdshell]('dir')", /xp_cmdshell/],
    ['mssql', 'SELECT * INTO #copy FROM dbo.Students', /SELECT … INTO/],
    ['mssql', 'SELECT * FROM dbo.Students WITH (UPDLOCK)', /locking table hint/],
    ['oracle', "SELECT UTL_HTTP.REQUEST('http://x') FROM dual", /UTL_HTTP/],
    ['oracle', "SELECT utl_file.fopen('D', 'f', 'w') FROM dual", /utl_file/],
    ['oracle', 'SELECT "DBMS_PIPE".send_message(\'x\') FROM dual', /DBMS_PIPE/],
    ['oracle', 'SELECT s.NEXTVAL FROM dual', /sequence/],
    ['sqlite', "SELECT load_extension('/tmp/evil.so')", /load_extension/],
    ['sqlite', "SELECT writefile('/tmp/x', 'data')", /writefile/],
    ['sqlite', "ATTACH DATABASE '/tmp/x.db' AS x", /starts with ATTACH/],
    ['sqlite', "SELECT 1 FROM t WHERE x = 1 AND [attach] = 1 UNION SELECT readfile('/etc/passwd')", /readfile/],
  ] as const)('%s refuses %s', (dialect, sql, message) => {
    expect(refusal(sql, dialect).message).toMatch(message);
    // The engine-neutral check refuses it too.
    refusal(sql);
  });

  it('names the statement, the token and its line:column', () => {
    const error = refusal(`SELECT s.id\n  FROM students s\n  WHERE "lo_unlink"(s.oid) = 1`, 'postgres');
    expect(error).toBeInstanceOf(ReadOnlyQueryError);
    expect(error.message).toMatch(/"lo_unlink" at line 3:9/);
    expect((error as ReadOnlyQueryError).token).toMatchObject({ line: 3, column: 9, value: 'lo_unlink', kind: 'identifier' });
    try {
      assertReadOnlySelect('SELECT 1 FROM t FOR UPDATE', 'postgres', 'students');
    } catch (err) {
      expect((err as Error).message).toMatch(/^The query for students contains FOR UPDATE \(row locks\) \("UPDATE" at line 1:21\)/);
    }
  });

  it('reads MySQL text under both sql_modes (backslash escapes on and off)', () => {
    // With NO_BACKSLASH_ESCAPES the string ends at the backslash and the rest is code.
    refusal("SELECT 'a\\' , load_file('/etc/hostname') -- '", 'mysql');
    // With ANSI_QUOTES "…" is a name.
    refusal('SELECT "a\\" , load_file(\'/etc/hostname\') -- "', 'mysql');
  });

  it('treats a MySQL executable comment as code only on MySQL/MariaDB', () => {
    expect(() => assertReadOnlySelect("SELECT 1 /*M! INTO OUTFILE 'x' */", 'postgres')).not.toThrow();
    refusal("SELECT 1 /*M! INTO OUTFILE 'x' */", 'mysql');
    refusal('SELECT 1 /*!', 'mysql');
  });

  it.each([
    ['postgres', "SELECT dob::date, 'dblink' AS note, $q$ pg_read_file('x') $q$ AS txt FROM students -- lo_import('x')"],
    ['postgres', 'SELECT lo_grade, sp_ed, "xp_points" FROM students'],
    ['mysql', "SELECT student_id /* INTO OUTFILE 'x' */ FROM students # LOAD_FILE('x')"],
    ['mysql', "SELECT /*+ MAX_EXECUTION_TIME(1000) */ student_id, 'it''s' FROM students"],
    ['mssql', 'SELECT [Into Date], sp_code FROM dbo.Students WITH (NOLOCK) FOR XML PATH(\'\')'],
    ['oracle', "SELECT q'{dbms_pipe}' AS x FROM dual"],
  ] as const)('%s accepts names and text that only look hostile: %s', (dialect, sql) => {
    expect(() => assertReadOnlySelect(sql, dialect)).not.toThrow();
  });
});

describe('tokenize', () => {
  it('gives each token its line and column, and decodes quoted names', () => {
    const tokens = tokenize('SELECT\n  "a""b", [c]]d], `e`, U&"\\0066"\n FROM t', ENGINE_RULES.sqlite[0]!);
    expect(tokens.map((t) => [t.kind, t.value, t.line, t.column])).toEqual([
      ['word', 'SELECT', 1, 1],
      ['identifier', 'a"b', 2, 3],
      ['symbol', ',', 2, 9],
      ['identifier', 'c]d', 2, 11],
      ['symbol', ',', 2, 17],
      ['identifier', 'e', 2, 19],
      ['symbol', ',', 2, 22],
      ['word', 'U', 2, 24],
      ['symbol', '&', 2, 25],
      ['identifier', '\\0066', 2, 26],
      ['word', 'FROM', 3, 2],
      ['word', 'T', 3, 7],
    ]);
    expect(tokenize('SELECT U&"\\0066\\+00006F" FROM t', ENGINE_RULES.postgres[0]!)[1]).toMatchObject({ kind: 'identifier', value: 'fo' });
  });

  it('reads dollar quotes, E-strings and nested comments as PostgreSQL does', () => {
    const tokens = tokenize("SELECT $a$ x $b$ $a$, E'\\'', /* /* */ */ $1", ENGINE_RULES.postgres[0]!);
    expect(tokens.map((t) => [t.kind, t.value])).toEqual([
      ['word', 'SELECT'],
      ['string', ' x $b$ '],
      ['symbol', ','],
      ['string', "'"],
      ['symbol', ','],
      ['parameter', '$1'],
    ]);
  });

  it('marks tokens from MySQL executable comments', () => {
    const tokens = tokenize('SELECT 1 /*M!100000 , 2 */ , 3', ENGINE_RULES.mysql[0]!);
    expect(tokens.map((t) => [t.value, t.executableComment])).toEqual([
      ['SELECT', false],
      ['1', false],
      [',', true],
      ['2', true],
      [',', false],
      ['3', false],
    ]);
  });

  it('refuses what it cannot read to the end, naming where it starts', () => {
    expect(() => tokenize("SELECT\n  $x$ abc", ENGINE_RULES.postgres[0]!)).toThrow(UnterminatedSqlError);
    expect(() => tokenize("SELECT\n  $x$ abc", ENGINE_RULES.postgres[0]!)).toThrow(/dollar-quoted string starting at line 2:3/);
  });
});
