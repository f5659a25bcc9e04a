/**
 * Identical data gives identical rows, whatever the SIS runs on: the same students loaded into
 * SQLite, the real PostgreSQL, the real MariaDB and an export-folder CSV are read back through
 * their drivers and compared value by value (text, with leading zeros, dates and NULLs).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { Row } from '../../src/sources/types.js';
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';

const DDL = `CREATE TABLE students (
  stu_id VARCHAR(12) NOT NULL PRIMARY KEY, sch_code VARCHAR(6) NOT NULL, first_name VARCHAR(40) NOT NULL,
  last_name VARCHAR(40) NOT NULL, grade_level VARCHAR(2), birthdate DATE, period INTEGER, email VARCHAR(80))`;

const firstNames = ['Zoë', 'José', 'Ann', 'Li', 'Åsa', "D'Andre", 'Nguyễn', 'Renée'];
const ROWS = Array.from({ length: 250 }, (_, i) => [
  String(i + 1).padStart(7, '0'),
  ['001', '010', '100'][i % 3],
  firstNames[i % firstNames.length],
  `Family-${i}, Jr.`,
  i % 13 === 0 ? null : ['KG', '01', '09', '12'][i % 4],
  i % 11 === 0 ? null : `20${String(10 + (i % 9)).padStart(2, '0')}-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')}`,
  i % 7 === 0 ? null : i % 8,
  i % 5 === 0 ? null : `s${i}@example.org`,
]);
const QUERY = 'SELECT stu_id, sch_code, first_name, last_name, grade_level, birthdate, period, email FROM students ORDER BY stu_id';

async function readAll(id: string, settings: Record<string, unknown>, request: { query?: string; file?: string }): Promise<Row[]> {
  const session = await getSourceDriver(id).open(settings, {});
  const out: Row[] = [];
  try {
    for await (const { row } of session.read({ entity: 'students', ...request })) out.push(row);
  } finally {
    await session.close();
  }
  return out;
}

describe('the same SIS data on every engine', () => {
  let pg: TestDatabase;
  let my: TestDatabase;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-equiv-'));
  const sqlitePath = path.join(dir, 'sis.db');

  beforeAll(async () => {
    [pg, my] = await Promise.all([createPostgresDatabase('rs_src_eq'), createMysqlDatabase('rs_src_eq')]);
    const lite = new Database(sqlitePath);
    lite.exec(DDL);
    const insertLite = lite.prepare('INSERT INTO students VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const r of ROWS) insertLite.run(...r);
    lite.close();
    await pg.exec(DDL);
    await my.exec(DDL);
    // one parameterised multi-row INSERT per server
    const values = ROWS.flat();
    const pgTuples = ROWS.map((_, i) => `(${Array.from({ length: 8 }, (_, k) => `$${i * 8 + k + 1}`).join(', ')})`).join(', ');
    await pg.exec(`INSERT INTO students VALUES ${pgTuples}`, values);
    await my.exec(`INSERT INTO students VALUES ${ROWS.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, values);
    const csv = (v: string | number | null): string => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    fs.writeFileSync(
      path.join(dir, 'students.csv'),
      '\uFEFFStudent ID,Sch Code,First Name,Last Name,Grade Level,Birthdate,Period,Email\r\n' + ROWS.map((r) => r.map(csv).join(',')).join('\r\n') + '\r\n',
    );
  });

  afterAll(async () => {
    await Promise.all([pg?.drop(), my?.drop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads identical rows from SQLite, PostgreSQL and MariaDB', async () => {
    const [fromSqlite, fromPg, fromMy] = await Promise.all([
      readAll('sqlite', { path: sqlitePath }, { query: QUERY }),
      readAll('postgres', pg.settings, { query: QUERY }),
      readAll('mysql', my.settings, { query: QUERY }),
    ]);
    expect(fromSqlite).toHaveLength(ROWS.length);
    expect(fromSqlite[0]).toEqual({ stu_id: '0000001', sch_code: '001', first_name: 'Zoë', last_name: 'Family-0, Jr.', grade_level: null, birthdate: null, period: null, email: null });
    expect(fromPg).toEqual(fromSqlite);
    expect(fromMy).toEqual(fromSqlite);
  });

  it('reads the same values from the export folder (empty fields for NULL)', async () => {
    const fromFolder = await readAll('folder', { path: dir, quietPeriodSeconds: 0 }, { file: 'students.csv' });
    const fromSqlite = await readAll('sqlite', { path: sqlitePath }, { query: QUERY });
    // "Student ID" and "Birthdate" are matched to the canonical student_id and birth_date; the rest keep their normalised names
    const renamed = fromFolder.map(({ student_id, birth_date, ...rest }) => ({ stu_id: student_id, birthdate: birth_date, ...rest }));
    expect(renamed).toEqual(fromSqlite.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v ?? '']))));
  });
});
