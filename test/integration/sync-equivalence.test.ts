/**
 * Issue 3, first "done" criterion: the same SIS on SQLite, the real PostgreSQL and the real MariaDB
 * gives the same delivered files. One seeded demo district (src/demo/) is loaded into a SQLite file
 * (createDemoDatabase), a fresh PostgreSQL database (loadIntoPostgres) and a fresh MariaDB database
 * (loadIntoMysql); each engine gets its own agent home with a source of that type reading that
 * dialect's demo queries, a OneRoster 1.1 folder destination and the same site map, and a full
 * the runner (`runDestination`) runs it from each. Every delivered file must be byte-identical across the three engines
 * (sha256 of the file on disk and of the run's record; on a mismatch the message shows the first
 * differing line).
 *
 * Ordering: the shipped demo queries leave students, guardians, enrollments and roster unsorted on
 * purpose (a sort would hold back the first row at district scale), so each engine returns them in
 * its own plan's order. Only THIS TEST's copies of those queries are wrapped as
 * `SELECT * FROM (<shipped query>) q ORDER BY <key in byte order>` (`COLLATE "C"` on PostgreSQL,
 * `CAST(… AS BINARY)` on MariaDB), so the files can be compared byte for byte rather than as sets.
 * A second test reads every entity (roster too) through the source drivers with the shipped,
 * unmodified queries and compares the rows as sorted multisets.
 *
 * The last block checks loadIntoMysql itself: utf8mb4 + utf8mb4_bin columns, an idempotent reload,
 * a refused database name and a readable connection error.
 *
 * Databases get unique names and are dropped afterwards; a server that is not running fails the
 * test with the command that starts it (test/helpers/databases.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { loadIntoMysql } from '../../src/demo/mysql-loader.js';
import { loadIntoPostgres } from '../../src/demo/postgres-loader.js';
import { demoQueries, type DemoQueryDialect } from '../../src/demo/queries.js';
import { createDemoDatabase } from '../../src/demo/sqlite-loader.js';
import { oneRoster11 } from '../../src/formats/oneroster-1.1.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema, type SiteMapEntry } from '../../src/shared/config.schema.js';
import { ENTITIES, type Entity } from '../../src/shared/format.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { Row } from '../../src/sources/types.js';
import { createMysqlDatabase, createPostgresDatabase, MYSQL_ADMIN_USER, MYSQL_HOST, MYSQL_PORT, PG_ADMIN_USER, PG_HOST, PG_PORT, type TestDatabase } from '../helpers/databases.js';

const STUDENTS = 600;
const SEED = 424242;
const SOURCE = 'sis';
const DESTINATION = 'outbox';
const NOW = new Date('2027-01-15T06:00:00Z');
const FILES = ['orgs.csv', 'academicSessions.csv', 'courses.csv', 'users.csv', 'classes.csv', 'enrollments.csv', 'demographics.csv', 'manifest.csv'];

type Engine = 'sqlite' | 'postgres' | 'mysql';
const ENGINES: readonly Engine[] = ['sqlite', 'postgres', 'mysql'];

/** Byte-order sort key per dialect (the same rule the shipped queries use for their ORDER BYs). */
const BYTE_ORDER: Readonly<Record<DemoQueryDialect, (expr: string) => string>> = {
  sqlite: (expr) => expr,
  postgres: (expr) => `${expr} COLLATE "C"`,
  mysql: (expr) => `CAST(${expr} AS BINARY)`,
};

/** The unsorted entities and the key that orders them; the test's copies only. */
const SORT_KEYS: Partial<Record<Entity, readonly string[]>> = {
  students: ['student_id'],
  guardians: ['guardian_id'],
  enrollments: ['enrollment_id'],
  roster: ['class_id', 'student_id'],
};

function orderedQueries(dialect: DemoQueryDialect): Record<Entity, string> {
  const shipped = demoQueries(dialect);
  const out = {} as Record<Entity, string>;
  for (const entity of ENTITIES) {
    const keys = SORT_KEYS[entity];
    out[entity] = keys ? `SELECT * FROM (${shipped[entity]}) q ORDER BY ${keys.map((k) => BYTE_ORDER[dialect](`q.${k}`)).join(', ')}` : shipped[entity];
  }
  return out;
}

interface EngineRun {
  readonly engine: Engine;
  readonly ctx: AgentContext;
  readonly settings: Record<string, unknown>;
  result?: RunResult;
}

const tempDirs: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};

let pgDb: TestDatabase | undefined;
let myDb: TestDatabase | undefined;
const runs = new Map<Engine, EngineRun>();

async function readAll(engine: Engine, settings: Record<string, unknown>, entity: Entity, query: string): Promise<Row[]> {
  const session = await getSourceDriver(engine).open(settings, {});
  const rows: Row[] = [];
  try {
    for await (const { row } of session.read({ entity, query })) rows.push(row);
  } finally {
    await session.close();
  }
  return rows;
}

function configure(run: EngineRun, siteMap: readonly SiteMapEntry[]): void {
  const { ctx, engine, settings } = run;
  const queries = orderedQueries(engine);
  ctx.store.saveSource(
    sourceConfigSchema.parse({
      name: SOURCE,
      type: engine,
      settings,
      entities: Object.fromEntries(ENTITIES.map((entity) => [entity, { query: queries[entity] }])),
    }),
  );
  ctx.store.saveDestination(
    destinationConfigSchema.parse({
      name: DESTINATION,
      source: SOURCE,
      format: 'oneroster-1.1',
      type: 'folder',
      settings: { path: path.join(ctx.layout.home, 'outbox') },
    }),
  );
  ctx.store.replaceSiteMap(DESTINATION, siteMap);
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const outFile = (engine: Engine, name: string): string => path.join(runs.get(engine)!.ctx.layout.home, 'outbox', name);

/** "line N: sqlite «…» / mysql «…»" for the first line where two files differ. */
function firstDifference(a: Engine, b: Engine, name: string): string {
  const left = fs.readFileSync(outFile(a, name), 'utf8').split('\n');
  const right = fs.readFileSync(outFile(b, name), 'utf8').split('\n');
  for (let n = 0; n < Math.max(left.length, right.length); n++) {
    if (left[n] !== right[n]) return `${name} line ${n + 1}:\n  ${a}: ${JSON.stringify(left[n] ?? '(end of file)')}\n  ${b}: ${JSON.stringify(right[n] ?? '(end of file)')}`;
  }
  return `${name}: same lines, different bytes`;
}

beforeAll(async () => {
  // Both servers first: an unreachable one fails here with the command that starts it.
  const [pgResult, myResult] = await Promise.allSettled([createPostgresDatabase('rs_sync_eq'), createMysqlDatabase('rs_sync_eq')]);
  if (pgResult.status === 'fulfilled') pgDb = pgResult.value;
  if (myResult.status === 'fulfilled') myDb = myResult.value;
  for (const r of [pgResult, myResult]) if (r.status === 'rejected') throw r.reason;
  const pg = pgDb!;
  const my = myDb!;

  const sqlitePath = path.join(tempDir('rs-sync-eq-sis-'), 'sis.db');
  const [fromSqlite, fromPg, fromMy] = await Promise.all([
    Promise.resolve(createDemoDatabase(sqlitePath, { students: STUDENTS, seed: SEED })),
    loadIntoPostgres({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: 'postgres' }, pg.name, { students: STUDENTS, seed: SEED }),
    loadIntoMysql({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, password: '' }, my.name, { students: STUDENTS, seed: SEED }),
  ]);
  expect(fromPg.rowCounts).toEqual(fromSqlite.rowCounts);
  expect(fromMy.rowCounts).toEqual(fromSqlite.rowCounts);

  const settings: Record<Engine, Record<string, unknown>> = { sqlite: { path: sqlitePath }, postgres: pg.settings, mysql: my.settings };
  for (const engine of ENGINES) runs.set(engine, { engine, ctx: openAgent(tempDir(`rs-sync-eq-${engine}-`)), settings: settings[engine] });

  // The site map a vendor hands out: one site ID per school code (as src/agent/demo.ts does).
  const schools = await readAll('sqlite', settings.sqlite, 'schools', demoQueries('sqlite').schools);
  const siteMap: SiteMapEntry[] = schools.map((row) => ({ schoolCode: row.school_code ?? '', siteId: `SITE-${row.school_code ?? ''}`, label: row.name ?? '' }));
  expect(siteMap.length).toBe(fromSqlite.shape.schools);
  for (const run of runs.values()) configure(run, siteMap);

  for (const run of runs.values()) run.result = await runDestination(run.ctx, DESTINATION, { trigger: 'manual', now: () => NOW });
});

afterAll(async () => {
  for (const run of runs.values()) closeAgent(run.ctx);
  await Promise.all([pgDb?.drop(), myDb?.drop()]);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a full sync from SQLite, PostgreSQL and MariaDB', () => {
  it('succeeds on every engine and delivers the OneRoster file set', () => {
    for (const engine of ENGINES) {
      const result = runs.get(engine)!.result!;
      expect(result.status, `${engine}: ${result.message}`).toBe('success');
      expect(result.errors, engine).toBe(0);
      expect(result.files.map((f) => f.name).sort(), engine).toEqual([...FILES].sort());
      for (const name of FILES) expect(fs.existsSync(outFile(engine, name)), `${engine} ${name}`).toBe(true);
    }
    // The same findings (warnings such as 7-digit phones) on every engine.
    const warnings = ENGINES.map((engine) => runs.get(engine)!.result!.warnings);
    expect(warnings[1]).toBe(warnings[0]);
    expect(warnings[2]).toBe(warnings[0]);
  });

  it('produces byte-identical files on every engine', () => {
    const users = fs.readFileSync(outFile('sqlite', 'users.csv'), 'utf8');
    // Not vacuous: every student of the district is in users.csv, with the spec header.
    expect(users.split('\r\n')[0]).toBe(oneRoster11.files.find((f) => f.name === 'users.csv')!.columns.map((c) => c.name).join(','));
    expect(users.split('\r\n').filter((line) => /,student,/.test(line)).length).toBe(STUDENTS);
    expect(users).toContain('Nguyễn');

    for (const name of FILES) {
      const reference = sha256(outFile('sqlite', name));
      const recorded = runs.get('sqlite')!.result!.files.find((f) => f.name === name)!.sha256;
      expect(recorded, `sqlite ${name}: recorded hash vs file on disk`).toBe(reference);
      for (const engine of ['postgres', 'mysql'] as const) {
        const actual = sha256(outFile(engine, name));
        expect(actual, actual === reference ? '' : firstDifference('sqlite', engine, name)).toBe(reference);
        expect(runs.get(engine)!.result!.files.find((f) => f.name === name)!.sha256, `${engine} ${name}: recorded hash`).toBe(reference);
      }
    }
  });

  it('reads the same rows for every entity with the shipped (unsorted) demo queries', async () => {
    const canonical = (rows: Row[]): string[] => rows.map((row) => JSON.stringify(row)).sort();
    for (const entity of ENTITIES) {
      const [fromSqlite, fromPg, fromMy] = await Promise.all(ENGINES.map((engine) => readAll(engine, runs.get(engine)!.settings, entity, demoQueries(engine)[entity])));
      expect(fromSqlite!.length, entity).toBeGreaterThan(0);
      expect(canonical(fromPg!), `${entity}: PostgreSQL vs SQLite`).toEqual(canonical(fromSqlite!));
      expect(canonical(fromMy!), `${entity}: MariaDB vs SQLite`).toEqual(canonical(fromSqlite!));
      if (!SORT_KEYS[entity]) {
        // Entities the shipped queries sort come out in the same order everywhere.
        expect(fromPg, `${entity}: PostgreSQL order`).toEqual(fromSqlite);
        expect(fromMy, `${entity}: MariaDB order`).toEqual(fromSqlite);
      }
    }
  });
});

describe('loadIntoMysql', () => {
  const server = { host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, password: '' };

  it('stores text as utf8mb4 with binary collation and rebuilds the same tables when run again', async () => {
    const my = myDb!;
    const collations = await my.exec(
      `SELECT DISTINCT CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = ? AND DATA_TYPE = 'varchar'`,
      [my.name],
    );
    expect(collations).toEqual([{ cs: 'utf8mb4', co: 'utf8mb4_bin' }]);
    const again = await loadIntoMysql(server, my.name, { students: STUDENTS, seed: SEED });
    expect(again.shape.students).toBe(STUDENTS);
    const [{ n }] = (await my.exec('SELECT COUNT(*) AS n FROM students')) as [{ n: number }];
    expect(Number(n)).toBe(STUDENTS);
    expect(Number(((await my.exec('SELECT COUNT(*) AS n FROM section_enrollments')) as [{ n: number }])[0].n)).toBe(again.rowCounts.section_enrollments);
  });

  it('refuses a database name that is not a plain identifier', async () => {
    await expect(loadIntoMysql(server, 'x`; DROP DATABASE mysql; --', { students: 10 })).rejects.toThrow(/plain identifier/);
  });

  it('says where it could not connect', async () => {
    await expect(loadIntoMysql({ ...server, port: 1, connectTimeout: 2000 }, 'rs_demo_nowhere', { students: 10 })).rejects.toThrow(
      /Cannot connect to MySQL\/MariaDB at 127\.0\.0\.1:1/,
    );
  });
});
