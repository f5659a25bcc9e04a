/**
 * The demo district loaded into a real PostgreSQL (127.0.0.1:5432, user postgres) gives the same
 * rows as the SQLite demo, query for query. Unique database per run, dropped afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresDatabase, loadIntoPostgres, type PostgresLoadResult } from '../../src/demo/postgres-loader.js';
import { DEMO_QUERIES, DEMO_QUERIES_POSTGRES } from '../../src/demo/queries.js';
import { SIS_TABLES } from '../../src/demo/schema.js';
import { createDemoDatabase } from '../../src/demo/sqlite-loader.js';
import { ENTITIES, type Entity } from '../../src/shared/format.js';

const PG: pg.ClientConfig = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  database: 'postgres',
};
const DB = `rs_demo_${process.pid}_${Date.now().toString(36)}`;
const STUDENTS = 2000;
const SEED = 31337;

let dir: string;
let sqlite: Database.Database;
let loaded: PostgresLoadResult;
let client: pg.Client | undefined;

async function requirePostgres(): Promise<void> {
  const probe = new pg.Client({ ...PG, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    await probe.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG.host}:${PG.port} as ${PG.user} (${error instanceof Error ? error.message : String(error)}). ` +
        'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      { cause: error },
    );
  } finally {
    await probe.end().catch(() => undefined);
  }
}

beforeAll(async () => {
  await requirePostgres();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rostersync-demo-pg-'));
  const built = createDemoDatabase(path.join(dir, 'demo.sqlite'), { students: STUDENTS, seed: SEED });
  sqlite = new Database(built.path, { readonly: true });
  const progress: string[] = [];
  loaded = await loadIntoPostgres(PG, DB, { students: STUDENTS, seed: SEED, onTable: (t) => progress.push(t) });
  expect([...progress].sort()).toEqual(SIS_TABLES.map((t) => t.name).sort());
  expect(loaded.rowCounts).toEqual(built.rowCounts);
  client = new pg.Client({ ...PG, database: DB });
  await client.connect();
});

afterAll(async () => {
  await client?.end().catch(() => undefined);
  sqlite?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (loaded) await dropPostgresDatabase(PG, DB);
});

async function pgRows(sql: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  if (!client) throw new Error('not connected');
  const result = await client.query({ text: sql, rowMode: 'array' });
  return { columns: result.fields.map((f) => f.name), rows: result.rows as unknown[][] };
}

function sqliteRows(sql: string): { columns: string[]; rows: unknown[][] } {
  const stmt = sqlite.prepare(sql).raw(true);
  return { columns: stmt.columns().map((c) => c.name), rows: stmt.all() as unknown[][] };
}

/** Queries without ORDER BY come back in engine order: compare them as sorted multisets. */
const ORDERED: ReadonlySet<Entity> = new Set(['schools', 'terms', 'courses', 'classes', 'teachers']);

const byJson = (rows: unknown[][]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('loadIntoPostgres', () => {
  it('loads every table with the same rows as the SQLite demo', async () => {
    for (const def of SIS_TABLES) {
      const cols = def.columns.map((c) => `"${c.name}"`).join(', ');
      const fromPg = await pgRows(`SELECT ${cols} FROM "${def.name}"`);
      const fromSqlite = sqliteRows(`SELECT ${cols} FROM "${def.name}"`);
      // bigint columns arrive as strings from pg: compare as text.
      const norm = (rows: unknown[][]): unknown[][] => rows.map((r) => r.map((v) => (v === null ? null : String(v))));
      expect(byJson(norm(fromPg.rows)), def.name).toEqual(byJson(norm(fromSqlite.rows)));
    }
  });

  it('reloading the same database rebuilds the tables (idempotent)', async () => {
    const again = await loadIntoPostgres(PG, DB, { students: STUDENTS, seed: SEED });
    expect(again.rowCounts).toEqual(loaded.rowCounts);
    const { rows } = await pgRows('SELECT count(*)::int FROM students');
    expect(rows[0]?.[0]).toBe(STUDENTS);
  });

  it('refuses a database name that is not a plain identifier', async () => {
    await expect(loadIntoPostgres(PG, 'x"; DROP DATABASE postgres; --')).rejects.toThrow(/plain identifier/);
  });

  it('says where it could not connect', async () => {
    await expect(loadIntoPostgres({ ...PG, port: 1, connectionTimeoutMillis: 2000 }, 'rs_demo_nowhere', { students: 10 })).rejects.toThrow(
      /Cannot connect to PostgreSQL at 127\.0\.0\.1:1/,
    );
  });
});

describe('DEMO_QUERIES_POSTGRES match DEMO_QUERIES on SQLite', () => {
  for (const entity of ENTITIES) {
    it(`${entity}: same columns and the same rows`, async () => {
      const fromPg = await pgRows(DEMO_QUERIES_POSTGRES[entity]);
      const fromSqlite = sqliteRows(DEMO_QUERIES[entity]);
      expect(fromPg.columns).toEqual(fromSqlite.columns);
      expect(fromPg.rows.length).toBeGreaterThan(0);
      if (ORDERED.has(entity)) expect(fromPg.rows).toEqual(fromSqlite.rows);
      else expect(byJson(fromPg.rows)).toEqual(byJson(fromSqlite.rows));
    });
  }
});
