/**
 * The hostile-query corpus: every query an adversarial review used to write through a source query
 * (issue 14: `"dblink"(…)`, `/*M! INTO OUTFILE … *\/`, `/*M! LOAD_FILE(…) *\/`) and many more, run
 * against the real PostgreSQL and MariaDB through the real source driver's read path — the session's
 * preflight and its batch reader, as a run uses them — with the servers' administrator, a login that
 * CAN write (superuser / root with FILE), so only the SQL guard stands between the query and the data.
 *
 * Each query must be refused with a message naming the token and its line:column, and after each one
 * the test proves that no row changed (checksums of every table, sequence and large object) and no
 * file was written (the target folder stays empty, MariaDB's database folder has no new file). Positive
 * controls first prove that the same login really can write those files and reach dblink, so the
 * checks are not vacuous.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBatches } from '../../src/sources/common.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import { SourceError, type SourceSession } from '../../src/sources/types.js';
import { createMysqlDatabase, createPostgresDatabase, PG_ADMIN_USER, PG_HOST, PG_PORT, type TestDatabase } from '../helpers/databases.js';

/** World-writable, so the database servers' own accounts could write here if a query got through. */
const TARGET = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-corpus-'));
fs.chmodSync(TARGET, 0o777);
const target = (name: string): string => path.join(TARGET, name);

afterAll(() => {
  fs.rmSync(TARGET, { recursive: true, force: true });
});

async function expectRefused(session: SourceSession, query: string): Promise<SourceError> {
  const request = { entity: 'students', query };
  const attempts: Array<() => Promise<unknown>> = [
    async () => session.preflight?.([request]),
    async () => {
      for await (const batch of readBatches(session, request)) void batch;
    },
  ];
  let last: SourceError | undefined;
  for (const attempt of attempts) {
    const error = await attempt().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error, `not refused: ${query}`).toBeInstanceOf(SourceError);
    expect((error as SourceError).code, (error as Error).message).toBe('not-read-only');
    expect((error as Error).message).toMatch(/line \d+:\d+/);
    last = error as SourceError;
  }
  return last!;
}

// ---- PostgreSQL ------------------------------------------------------------------------------

function postgresCorpus(database: string): ReadonlyArray<readonly [string, string]> {
  const conn = `host=${PG_HOST} port=${PG_PORT} dbname=${database} user=${PG_ADMIN_USER}`;
  return [
    ['issue 14: quoted "dblink" inserting over a second connection', `SELECT * FROM "dblink"('${conn}', 'INSERT INTO students VALUES (''666'', ''Eve'', ''12'') RETURNING student_id::text') AS t(student_id text)`],
    ['dblink updating rows', `SELECT * FROM dblink('${conn}', 'UPDATE students SET grade = ''12'' RETURNING student_id') AS t(student_id text)`],
    ['dblink_exec', `SELECT dblink_exec('${conn}', 'DELETE FROM students')`],
    ['schema-qualified quoted dblink_exec', `SELECT "public"."dblink_exec"('${conn}', 'TRUNCATE students')`],
    ['dblink in a subquery on line 3', `SELECT s.student_id\nFROM students s\nWHERE s.student_id IN (SELECT x FROM dblink('${conn}', 'DELETE FROM students RETURNING student_id') AS t(x text))`],
    ['dblink named with Unicode escapes', `SELECT * FROM U&"\\0064blink"('${conn}', 'DELETE FROM students RETURNING student_id') AS t(x text)`],
    ['dblink named with UESCAPE', `SELECT * FROM U&"!0064blink" UESCAPE '!'('${conn}', 'DELETE FROM students RETURNING student_id') AS t(x text)`],
    ['dblink_connect then exec', `SELECT dblink_connect('c1', '${conn}'), dblink_exec('c1', 'DELETE FROM students')`],
    ['dblink hidden in query_to_xml text', `SELECT query_to_xml('SELECT dblink_exec(''${conn}'', ''DELETE FROM students'')', true, false, '')`],
    ['pg_read_file', "SELECT pg_read_file('/etc/hostname')"],
    ['quoted pg_read_binary_file', `SELECT pg_catalog."pg_read_binary_file"('/etc/hostname')`],
    ['pg_stat_file', "SELECT pg_stat_file('/etc/hostname')"],
    ['pg_ls_dir', "SELECT pg_ls_dir('/tmp')"],
    ['lo_import', "SELECT lo_import('/etc/hostname')"],
    ['lo_export to a file', `SELECT lo_export(lo_from_bytea(0, 'x'::bytea), '${target('pg-lo.txt')}')`],
    ['quoted lo_create', `SELECT "lo_create"(0)`],
    ['COPY TO a server file', `COPY (SELECT * FROM students) TO '${target('pg-copy.txt')}'`],
    ['COPY … PROGRAM', `COPY (SELECT 1) TO PROGRAM 'touch ${target('pg-program.txt')}'`],
    ['second statement COPY', `SELECT 1; COPY students TO '${target('pg-copy2.txt')}'`],
    ['data-modifying CTE: DELETE', 'WITH d AS (DELETE FROM students RETURNING *) SELECT * FROM d'],
    ['data-modifying CTE: UPDATE', "WITH u AS (UPDATE students SET grade = '12' RETURNING *) SELECT * FROM u"],
    ['data-modifying CTE: INSERT', "WITH i AS (INSERT INTO students VALUES ('9', 'x', 'x') RETURNING *) SELECT * FROM i"],
    ['SELECT INTO a new table', 'SELECT * INTO students_copy FROM students'],
    ['SELECT 1into (number glued to INTO)', 'SELECT 1into students_copy2 FROM students'],
    ['FOR UPDATE', 'SELECT * FROM students FOR UPDATE'],
    ['FOR NO KEY UPDATE', 'SELECT * FROM students FOR NO KEY UPDATE'],
    ['FOR SHARE', 'SELECT * FROM students FOR SHARE'],
    ['nextval', "SELECT nextval('student_seq')"],
    ['setval', "SELECT setval('student_seq', 1000)"],
    ['set_config leaving read-only', "SELECT set_config('default_transaction_read_only', 'off', false)"],
    ['advisory lock', 'SELECT pg_advisory_lock(42)'],
    ['pg_terminate_backend', 'SELECT pg_terminate_backend(pg_backend_pid())'],
    ['dollar-quoted text then DELETE', 'SELECT $q$ harmless $q$; DELETE FROM students'],
    ['E-string escape then DELETE', "SELECT E'\\''; DELETE FROM students; -- '"],
    ['nested comment then DELETE', 'SELECT 1 /* outer /* inner */ still comment */ ; DELETE FROM students'],
    ['DELETE', 'DELETE FROM students'],
    ['UPDATE', "UPDATE students SET grade = '12'"],
    ['DROP TABLE', 'DROP TABLE students'],
    ['TRUNCATE', 'TRUNCATE students'],
    ['CREATE TABLE', 'CREATE TABLE evil (x int)'],
    ['DO block', 'DO $$ BEGIN DELETE FROM students; END $$'],
    ['COMMIT then DELETE', 'SELECT 1; COMMIT; DELETE FROM students'],
    ['EXPLAIN ANALYZE DELETE', 'EXPLAIN ANALYZE DELETE FROM students'],
  ];
}

describe('hostile queries against the real PostgreSQL, as a superuser, through the driver', () => {
  let db: TestDatabase;
  let session: SourceSession;
  let snapshot: Record<string, unknown>;
  const state = async (): Promise<Record<string, unknown>> =>
    (
      await db.exec(`SELECT
        (SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY s::text), '')) FROM students s) AS students,
        (SELECT last_value::text || '/' || is_called::text FROM student_seq) AS sequence,
        (SELECT string_agg(table_name::text, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public') AS tables,
        (SELECT count(*) FROM pg_largeobject_metadata)::text AS large_objects`)
    )[0]!;

  beforeAll(async () => {
    db = await createPostgresDatabase('rs_corpus_pg');
    await db.exec('CREATE TABLE students (student_id text PRIMARY KEY, first_name text, grade text)');
    await db.exec("INSERT INTO students VALUES ('001', 'Ann', '09'), ('002', 'Bob', '10')");
    await db.exec('CREATE SEQUENCE student_seq');
    try {
      await db.exec('CREATE EXTENSION dblink');
    } catch (error) {
      throw new Error(
        `CREATE EXTENSION dblink failed (${(error as Error).message}). The corpus needs PostgreSQL's contrib modules: apt-get install postgresql-contrib`,
        { cause: error },
      );
    }
    // Positive controls: this login really can write server files and write through dblink.
    await db.exec(`COPY (SELECT 1) TO '${target('pg-control.txt')}'`);
    expect(fs.existsSync(target('pg-control.txt'))).toBe(true);
    fs.rmSync(target('pg-control.txt'));
    const conn = `host=${PG_HOST} port=${PG_PORT} dbname=${db.name} user=${PG_ADMIN_USER}`;
    await db.exec(`SELECT dblink_exec('${conn}', 'UPDATE students SET grade = grade')`);
    await db.exec('VACUUM students');

    session = await getSourceDriver('postgres').open({ ...db.settings }, {});
    snapshot = await state();
  });

  afterAll(async () => {
    await session?.close();
    await db?.drop();
  });

  it('has a corpus of at least 40 PostgreSQL queries', () => {
    expect(postgresCorpus('x').length).toBeGreaterThanOrEqual(40);
  });

  it.each(postgresCorpus('__DB__').map(([label]) => [label] as const))('refuses %s; no row changed, no file written', async (label) => {
    const query = postgresCorpus(db.name).find(([l]) => l === label)![1];
    await expectRefused(session, query);
    expect(await state()).toEqual(snapshot);
    expect(fs.readdirSync(TARGET)).toEqual([]);
  });

  it('names the quoted dblink of issue 14, and the line of a call on line 3', async () => {
    const [, issue] = postgresCorpus(db.name)[0]!;
    expect((await expectRefused(session, issue)).message).toMatch(/"dblink" at line 1:15/);
    const [, third] = postgresCorpus(db.name).find(([l]) => l === 'dblink in a subquery on line 3')!;
    expect((await expectRefused(session, third)).message).toMatch(/contains dblink — .*"dblink" at line 3:38/);
  });

  it('still reads an honest query through the same session', async () => {
    const rows: unknown[] = [];
    for await (const batch of readBatches(session, { entity: 'students', query: "SELECT student_id, 'dblink(' AS note FROM students ORDER BY 1" })) rows.push(...batch.rows);
    expect(rows).toEqual([
      { student_id: '001', note: 'dblink(' },
      { student_id: '002', note: 'dblink(' },
    ]);
  });
});

// ---- MariaDB ---------------------------------------------------------------------------------

const MARIADB_CORPUS: ReadonlyArray<readonly [string, string]> = [
  ['issue 14: /*M! INTO OUTFILE */ to a relative file', "SELECT student_id FROM students /*M! INTO OUTFILE 'x.txt' */"],
  ['issue 14: /*M! LOAD_FILE */', "SELECT /*M! LOAD_FILE('/etc/hostname') AS f, */ student_id FROM students"],
  ['/*M! LOAD_FILE */ in WHERE', "SELECT student_id FROM students WHERE 1 = 1 /*M! AND LOAD_FILE('/etc/hostname') IS NOT NULL */"],
  ['/*M! INTO OUTFILE */ to an absolute path', `SELECT student_id FROM students /*M! INTO OUTFILE '${target('m-outfile.txt')}' */`],
  ['/*M!100000 INTO OUTFILE */', `SELECT * FROM students /*M!100000 INTO OUTFILE '${target('m-versioned.txt')}' */`],
  ['/*!50000 INTO OUTFILE */', `SELECT student_id FROM students /*!50000 INTO OUTFILE '${target('m-50000.txt')}' */`],
  ['/*! INTO DUMPFILE */', `SELECT student_id FROM students LIMIT 1 /*! INTO DUMPFILE '${target('m-dump.txt')}' */`],
  ['a whole statement inside /*M! */', `/*M! SELECT * FROM students INTO OUTFILE '${target('m-whole.txt')}' */`],
  ['/*! ; DELETE */', 'SELECT 1 /*! ; DELETE FROM students */'],
  ['INTO OUTFILE', `SELECT * FROM students INTO OUTFILE '${target('m-plain.txt')}'`],
  ['INTO DUMPFILE', `SELECT student_id FROM students LIMIT 1 INTO DUMPFILE '${target('m-plain-dump.txt')}'`],
  ['INTO OUTFILE on line 2', `SELECT *\nFROM students INTO OUTFILE '${target('m-line2.txt')}'`],
  ['INTO @variable', 'SELECT student_id INTO @x FROM students LIMIT 1'],
  ['LOAD_FILE', "SELECT LOAD_FILE('/etc/hostname')"],
  ['backtick LOAD_FILE', "SELECT `LOAD_FILE`('/etc/hostname')"],
  ['lower-case load_file in UNION', "SELECT student_id FROM students UNION SELECT load_file('/etc/passwd')"],
  ['double-quoted LOAD_FILE (ANSI_QUOTES)', `SELECT "LOAD_FILE"('/etc/hostname')`],
  ['FOR UPDATE', 'SELECT * FROM students FOR UPDATE'],
  ['LOCK IN SHARE MODE', 'SELECT * FROM students LOCK IN SHARE MODE'],
  ['GET_LOCK', "SELECT GET_LOCK('rs', 1)"],
  ['sys_exec UDF', `SELECT sys_exec('touch ${target('m-sys.txt')}')`],
  ['NEXT VALUE FOR', 'SELECT NEXT VALUE FOR student_seq'],
  ['NEXTVAL()', 'SELECT NEXTVAL(student_seq)'],
  ['SETVAL()', 'SELECT SETVAL(student_seq, 1000)'],
  ['# comment then DELETE', 'SELECT 1 # comment\n; DELETE FROM students'],
  ['"--x" is not a comment', 'SELECT 1 --x\n; DELETE FROM students'],
  ['backslash-escaped quote then DELETE', "SELECT 'a\\''; DELETE FROM students; -- '"],
  ['backslash in double quotes then DELETE', 'SELECT "a\\""; DELETE FROM students; -- "'],
  ['DELETE', 'DELETE FROM students'],
  ['UPDATE', "UPDATE students SET grade = '12'"],
  ['INSERT', "INSERT INTO students VALUES ('9', 'x', 'x')"],
  ['REPLACE INTO', "REPLACE INTO students VALUES ('001', 'x', 'x')"],
  ['DROP TABLE', 'DROP TABLE students'],
  ['TRUNCATE', 'TRUNCATE students'],
  ['CREATE TABLE … SELECT', 'CREATE TABLE evil SELECT * FROM students'],
  ['LOAD DATA INFILE', "LOAD DATA INFILE '/etc/hostname' INTO TABLE students"],
  ['HANDLER', 'HANDLER students OPEN'],
  ['DO GET_LOCK', "DO GET_LOCK('rs', 1)"],
  ['WITH … DELETE', 'WITH d AS (SELECT 1) DELETE FROM students'],
  ['SET GLOBAL', 'SET GLOBAL read_only = 0'],
  ['CALL', 'CALL nightly()'],
];

describe('hostile queries against the real MariaDB, as root (FILE privilege), through the driver', () => {
  let db: TestDatabase;
  let session: SourceSession;
  let databaseFolder: string;
  let snapshot: { tables: unknown; checksums: unknown; sequence: unknown; files: string[] };
  const state = async (): Promise<typeof snapshot> => ({
    tables: await db.exec('SELECT GROUP_CONCAT(table_name ORDER BY table_name) AS t FROM information_schema.tables WHERE table_schema = DATABASE()'),
    checksums: await db.exec('CHECKSUM TABLE students EXTENDED'),
    sequence: await db.exec('SELECT next_not_cached_value AS v FROM student_seq'),
    files: fs.readdirSync(databaseFolder).sort(),
  });

  beforeAll(async () => {
    db = await createMysqlDatabase('rs_corpus_my');
    await db.exec('CREATE TABLE students (student_id VARCHAR(20) PRIMARY KEY, first_name VARCHAR(50), grade VARCHAR(2))');
    await db.exec("INSERT INTO students VALUES ('001', 'Ann', '09'), ('002', 'Bob', '10')");
    await db.exec('CREATE SEQUENCE student_seq');
    const [{ datadir }] = (await db.exec('SELECT @@datadir AS datadir')) as { datadir: string }[];
    databaseFolder = path.join(datadir, db.name);
    expect(fs.existsSync(databaseFolder), `MariaDB's folder for ${db.name}`).toBe(true);
    // Positive control: this login really can write a server file (FILE privilege, no secure_file_priv limit here).
    await db.exec(`SELECT 1 INTO OUTFILE '${target('m-control.txt')}'`);
    expect(fs.existsSync(target('m-control.txt'))).toBe(true);
    fs.rmSync(target('m-control.txt'), { force: true });

    session = await getSourceDriver('mysql').open({ ...db.settings }, {});
    snapshot = await state();
  });

  afterAll(async () => {
    await session?.close();
    await db?.drop();
  });

  it('has a corpus of at least 40 MariaDB queries (with PostgreSQL’s, well over 60)', () => {
    expect(MARIADB_CORPUS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(MARIADB_CORPUS)('refuses %s; no row changed, no file written', async (_label, query) => {
    await expectRefused(session, query);
    expect(await state()).toEqual(snapshot);
    expect(fs.readdirSync(TARGET)).toEqual([]);
    expect(fs.existsSync(path.join(databaseFolder, 'x.txt'))).toBe(false);
  });

  it('says the issue-14 INTO OUTFILE sits inside an executable comment, with its line:column', async () => {
    const error = await expectRefused(session, MARIADB_CORPUS[0]![1]);
    expect(error.message).toMatch(/"INTO" at line 1:38, inside a MySQL\/MariaDB executable comment/);
    const load = await expectRefused(session, MARIADB_CORPUS[1]![1]);
    expect(load.message).toMatch(/"LOAD_FILE" at line 1:13, inside a MySQL\/MariaDB executable comment/);
  });

  it('still reads an honest query through the same session', async () => {
    const rows: unknown[] = [];
    for await (const batch of readBatches(session, { entity: 'students', query: "SELECT student_id, 'INTO OUTFILE' AS note FROM students /* LOAD_FILE() */ ORDER BY 1" })) rows.push(...batch.rows);
    expect(rows).toEqual([
      { student_id: '001', note: 'INTO OUTFILE' },
      { student_id: '002', note: 'INTO OUTFILE' },
    ]);
  });
});
