/**
 * The contract every SQL source driver meets, run against each real engine:
 * connection check, introspection, sampling, streaming, text values (leading zeros kept),
 * read-only proven (writes refused and data unchanged), and errors an admin can act on
 * that never contain the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSourceDriver } from '../../src/sources/registry.js';
import { readBatches } from '../../src/sources/common.js';
import type { Row, Secrets, RegisteredSourceDriver } from '../../src/sources/types.js';
import { SourceDataError, SourceError } from '../../src/sources/types.js';

export const CONTRACT_PASSWORD = 'Sup3r-S3cret-Pa55';

export interface SqlSourceFixture {
  readonly driverId: 'sqlite' | 'postgres' | 'mysql';
  readonly settings: Record<string, unknown>;
  readonly secrets: Secrets;
  /** Administrator access for set-up and verification (never through the driver under test). */
  exec(sql: string): Promise<Record<string, unknown>[]>;
  teardown(): Promise<void>;
  /**
   * DDL creating a function `rs_touch()` that writes to `students`; calling it with `SELECT rs_touch()`
   * passes the SQL guard, so only the engine's read-only transaction can refuse it.
   * Engines without SQL-defined functions (SQLite) leave it out.
   */
  readonly writingFunctionDdl?: readonly string[];
  /** Settings that must fail with the given code, and the words the message must contain. */
  readonly errorCases: ReadonlyArray<{
    readonly label: string;
    readonly settings: Record<string, unknown>;
    readonly secrets: Secrets;
    readonly code: SourceError['code'];
    readonly mentions: RegExp;
  }>;
}

const SCHEMA = [
  `CREATE TABLE students (
     student_id VARCHAR(20) NOT NULL PRIMARY KEY,
     first_name VARCHAR(50),
     last_name VARCHAR(50),
     grade VARCHAR(2),
     birth_date DATE,
     credits INTEGER,
     gpa DECIMAL(4,2)
   )`,
  `INSERT INTO students (student_id, first_name, last_name, grade, birth_date, credits, gpa) VALUES
     ('00042', 'Zoë', 'Dupré', '09', '2011-03-07', 12, 3.50),
     ('00043', 'José', 'Núñez', '10', '2010-11-30', 0, 4.00),
     ('7', 'Ann', 'O''Neil', NULL, NULL, NULL, NULL)`,
  `CREATE VIEW active_students AS SELECT student_id, first_name FROM students WHERE grade IS NOT NULL`,
];

async function refusal(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(SourceError);
    return error as SourceError;
  }
  throw new Error('expected a SourceError');
}

async function collect(iterable: AsyncIterable<{ row: Row; origin: string }>): Promise<{ row: Row; origin: string }[]> {
  const out: { row: Row; origin: string }[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

/** Portable 10,000-row generator (no engine-specific functions, no deep recursion). */
const TEN_THOUSAND = `WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 99)
SELECT a.i * 100 + b.i AS n FROM d a CROSS JOIN d b ORDER BY n`;

export interface ContractOptions {
  /** The fixture defines `rs_touch()` (see `writingFunctionDdl`): prove the engine's own read-only layer too. */
  readonly writingFunction: boolean;
  /** A query that runs ~3 s (engines with a sleep function): proves the query timeout. */
  readonly slowQuery?: string;
}

export function registerSqlSourceContract(title: string, options: ContractOptions, createFixture: () => Promise<SqlSourceFixture>): void {
  describe(`SQL source contract: ${title}`, () => {
    let fx: SqlSourceFixture;
    let driver: RegisteredSourceDriver;

    beforeAll(async () => {
      fx = await createFixture();
      for (const sql of SCHEMA) await fx.exec(sql);
      for (const sql of fx.writingFunctionDdl ?? []) await fx.exec(sql);
      driver = getSourceDriver(fx.driverId);
    });

    afterAll(async () => {
      await fx?.teardown();
    });

    const studentCount = async (): Promise<number> => Number(Object.values((await fx.exec('SELECT COUNT(*) AS n FROM students'))[0])[0]);

    it('checks the connection and reports the server version', async () => {
      const result = await driver.check(fx.settings, fx.secrets);
      expect(result.ok).toBe(true);
      expect(result.message.length).toBeGreaterThan(0);
      expect(result.serverVersion).toMatch(/\d/);
    });

    it('lists tables and views with their columns', async () => {
      const tables = await driver.discover(fx.settings, fx.secrets);
      const students = tables.find((t) => t.name === 'students');
      expect(students?.kind).toBe('table');
      expect(students?.columns.map((c) => c.name)).toEqual(['student_id', 'first_name', 'last_name', 'grade', 'birth_date', 'credits', 'gpa']);
      expect(students?.columns[0].nullable).toBe(false);
      expect(students?.columns[1].nullable).toBe(true);
      expect(students?.columns.every((c) => c.type.length > 0)).toBe(true);
      const view = tables.find((t) => t.name === 'active_students');
      expect(view?.kind).toBe('view');
      expect(view?.columns.map((c) => c.name)).toEqual(['student_id', 'first_name']);
    });

    it('samples the first rows of a table and of a query', async () => {
      const table = await driver.sample(fx.settings, fx.secrets, { table: 'students' }, 2);
      expect(table.columns).toEqual(['student_id', 'first_name', 'last_name', 'grade', 'birth_date', 'credits', 'gpa']);
      expect(table.rows).toHaveLength(2);
      const query = await driver.sample(fx.settings, fx.secrets, { entity: 'students', query: 'SELECT student_id FROM students ORDER BY student_id' }, 10);
      expect(query.rows.map((r) => r.student_id)).toEqual(['00042', '00043', '7']);
      await expect(driver.sample(fx.settings, fx.secrets, { table: 'no_such_table' }, 2)).rejects.toThrow(/no_such_table/);
    });

    it('reads every value as text: leading zeros, exact decimals, ISO dates, NULL kept', async () => {
      const session = await driver.open(fx.settings, fx.secrets);
      try {
        const rows = await collect(session.read({ entity: 'students', query: 'SELECT * FROM students ORDER BY student_id' }));
        expect(rows.map((r) => r.origin)).toEqual(['students row 1', 'students row 2', 'students row 3']);
        expect(rows[0].row).toEqual({
          student_id: '00042',
          first_name: 'Zoë',
          last_name: 'Dupré',
          grade: '09',
          birth_date: '2011-03-07',
          credits: '12',
          // SQLite has no exact DECIMAL type (NUMERIC affinity stores 3.50 as the real 3.5); the servers keep the scale.
          gpa: fx.driverId === 'sqlite' ? '3.5' : '3.50',
        });
        expect(rows[1].row.credits).toBe('0');
        expect(rows[2].row).toEqual({ student_id: '7', first_name: 'Ann', last_name: "O'Neil", grade: null, birth_date: null, credits: null, gpa: null });
        for (const { row } of rows) for (const v of Object.values(row)) expect(v === null || typeof v === 'string').toBe(true);
      } finally {
        await session.close();
      }
    });

    it('reads the same rows in batches as one by one (the pipeline reads batches), awkward values included', async () => {
      const awkward = "SELECT student_id, first_name, last_name FROM students UNION ALL " +
        "SELECT 'tab\there', 'line\nbreak', 'N/A' UNION ALL SELECT 'NULL', '', 'Zoë 東京 \r'";
      const session = await driver.open(fx.settings, fx.secrets);
      try {
        for (const query of [awkward, `${TEN_THOUSAND}`]) {
          const one = await collect(session.read({ entity: 'students', query }));
          const batched: { row: Row; origin: string }[] = [];
          for await (const batch of readBatches(session, { entity: 'students', query })) {
            expect(batch.rows.length).toBeGreaterThan(0);
            batch.rows.forEach((row, i) => batched.push({ row, origin: batch.origin(i) }));
          }
          expect(batched).toEqual(one);
        }
        const rows = (await collect(session.read({ entity: 'students', query: awkward }))).map((r) => r.row);
        expect(rows).toContainEqual({ student_id: 'tab\there', first_name: 'line\nbreak', last_name: 'N/A' });
        expect(rows).toContainEqual({ student_id: 'NULL', first_name: '', last_name: 'Zoë 東京 \r' });
      } finally {
        await session.close();
      }
    });

    it('streams a large result and can stop early without leaving the session unusable', async () => {
      const session = await driver.open(fx.settings, fx.secrets);
      try {
        let count = 0;
        let last: Row | undefined;
        for await (const { row } of session.read({ entity: 'numbers', query: TEN_THOUSAND })) {
          count++;
          last = row;
        }
        expect(count).toBe(10_000);
        expect(last).toEqual({ n: '9999' });

        const firstFew: string[] = [];
        for await (const { row } of session.read({ entity: 'numbers', query: TEN_THOUSAND })) {
          firstFew.push(String(row.n));
          if (firstFew.length === 5) break;
        }
        expect(firstFew).toEqual(['0', '1', '2', '3', '4']);

        // two entities read at the same time through one session
        const a = session.read({ entity: 'students', query: 'SELECT student_id FROM students ORDER BY student_id' })[Symbol.asyncIterator]();
        const b = session.read({ entity: 'active_students', query: 'SELECT student_id FROM active_students ORDER BY student_id' })[Symbol.asyncIterator]();
        expect((await a.next()).value?.row.student_id).toBe('00042');
        expect((await b.next()).value?.row.student_id).toBe('00042');
        expect((await a.next()).value?.row.student_id).toBe('00043');
        await a.return?.();
        await b.return?.();

        const again = await collect(session.read({ entity: 'students', query: 'SELECT student_id FROM students' }));
        expect(again).toHaveLength(3);
      } finally {
        await session.close();
      }
    });

    it.each([
      ['an UPDATE', "UPDATE students SET grade = '12'"],
      ['a DELETE', 'DELETE FROM students'],
      ['a DROP', 'DROP TABLE students'],
      ['a multi-statement string', "SELECT * FROM students; DELETE FROM students"],
      ['a SELECT … INTO', 'SELECT * INTO students_copy FROM students'],
      ['a data-modifying CTE', 'WITH d AS (DELETE FROM students RETURNING *) SELECT * FROM d'],
      ['a locking read', 'SELECT * FROM students FOR UPDATE'],
    ])('refuses %s and leaves the data unchanged', async (_label, sql) => {
      const before = await fx.exec('SELECT student_id, grade FROM students ORDER BY student_id');
      const session = await driver.open(fx.settings, fx.secrets);
      try {
        const error = await refusal(collect(session.read({ entity: 'students', query: sql })));
        expect(error.code).toBe('not-read-only');
        expect(error.message).toMatch(/SELECT/);
      } finally {
        await session.close();
      }
      expect(await fx.exec('SELECT student_id, grade FROM students ORDER BY student_id')).toEqual(before);
      expect(await studentCount()).toBe(3);
    });

    if (options.writingFunction) {
      it('has the engine refuse a write hidden inside a function (read-only transaction)', async () => {
        expect(fx.writingFunctionDdl?.length).toBeGreaterThan(0);
        const before = await fx.exec('SELECT student_id, grade FROM students ORDER BY student_id');
        const session = await driver.open(fx.settings, fx.secrets);
        try {
          const error = await refusal(collect(session.read({ entity: 'students', query: 'SELECT rs_touch() AS touched' })));
          expect(error.code).toBe('not-read-only');
          expect(error.message).toMatch(/read-only/);
        } finally {
          await session.close();
        }
        expect(await fx.exec('SELECT student_id, grade FROM students ORDER BY student_id')).toEqual(before);
      });
    }

    if (options.slowQuery) {
      const slow = options.slowQuery;
      it('stops a query that runs longer than the query timeout', async () => {
        const session = await driver.open({ ...fx.settings, queryTimeoutSeconds: 1 }, fx.secrets);
        try {
          const error = await refusal(collect(session.read({ entity: 'students', query: slow })));
          expect(error.code).toBe('timeout');
          expect(error.message).toMatch(/students ran longer than 1 s/);
        } finally {
          await session.close();
        }
      });
    }

    it('stops at a value over maxFieldLength, naming entity row, column, length and limit', async () => {
      await fx.exec('CREATE TABLE notes (id VARCHAR(10), body TEXT)');
      await fx.exec(`INSERT INTO notes (id, body) VALUES ('1', 'short'), ('2', '${'x'.repeat(5000)}')`);
      const session = await driver.open({ ...fx.settings, maxFieldLength: 4096 }, fx.secrets);
      try {
        const error = await refusal(collect(session.read({ entity: 'notes', query: 'SELECT id, body FROM notes ORDER BY id' })));
        expect(error).toBeInstanceOf(SourceDataError);
        expect(error.message).toMatch(/^notes row 2, column body: the value is 5,000 characters long; the limit is 4,096 characters \(the source's maxFieldLength\)/);
        expect((error as SourceDataError).where).toEqual({ origin: 'notes row 2', column: 'body', value: '5,000 characters', rule: 'field-length' });
      } finally {
        await session.close();
      }
    });

    it('says which entity has no query, and reports a failing query with the entity named', async () => {
      const session = await driver.open(fx.settings, fx.secrets);
      try {
        const missing = await refusal(collect(session.read({ entity: 'teachers' })));
        expect(missing.code).toBe('config');
        expect(missing.message).toMatch(/teachers/);
        const bad = await refusal(collect(session.read({ entity: 'guardians', query: 'SELECT * FROM no_such_table' })));
        expect(bad.code).toBe('query-failed');
        expect(bad.message).toMatch(/guardians/);
        expect(bad.message).toMatch(/no_such_table/);
      } finally {
        await session.close();
      }
    });

    it('reports connection problems in words an admin can act on, without the password', async () => {
      expect(fx.errorCases.length).toBeGreaterThan(0);
      for (const c of fx.errorCases) {
        for (const attempt of [() => driver.check(c.settings, c.secrets), () => driver.open(c.settings, c.secrets)]) {
          const error = await refusal(attempt());
          expect(error.code, `${c.label}: ${error.message}`).toBe(c.code);
          expect(error.message, c.label).toMatch(c.mentions);
          for (const secret of Object.values(c.secrets)) if (secret) expect(error.message).not.toContain(secret);
        }
      }
    });

    it('rejects invalid settings with the field named', async () => {
      const error = await refusal(driver.check({ ...fx.settings, port: 'not a number', path: 42 }, fx.secrets));
      expect(error.code).toBe('config');
      expect(error.message).toMatch(/port|path/);
    });
  });
}

