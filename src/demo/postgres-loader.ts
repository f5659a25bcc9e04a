/**
 * Loads the synthetic district into PostgreSQL (the benchmark's SIS, and a demo on a real server).
 *
 * The database is created when missing; inside it only the demo's own tables are dropped and
 * recreated (nothing else is touched), so a rerun rebuilds the same district. Rows stream from the
 * generator through `COPY … FROM STDIN` (pg-copy-streams) in text format — at 500 000 students
 * (~3 M enrollments) that is bulk-load speed with constant memory (≈ 35 s, ≈ 140 MB RSS here).
 * Three tables load at once on three connections, biggest first; primary keys and indexes are
 * built after the load, then the tables are analysed so the demo queries get good plans.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DEFAULT_SEED, generateDistrict, type DistrictShape } from './generator.js';
import { LOAD_CONNECTIONS, SIS_TABLES, tablesBiggestFirst, type SisRow, type SisTableDef, type SisTableName } from './schema.js';
import { addPrimaryKeySql, createIndexSql, createTableSql, DEMO_STUDENTS } from './sqlite-loader.js';

export interface PostgresLoadOptions {
  readonly students?: number;
  readonly seed?: number;
  readonly schoolYear?: number;
  /** Schema for the tables (default `public`); created when missing. */
  readonly schema?: string;
  /** Called after each table with its row count (progress for long loads). */
  readonly onTable?: (table: SisTableName, rows: number) => void;
}

export interface PostgresLoadResult {
  readonly database: string;
  readonly schema: string;
  readonly students: number;
  readonly seed: number;
  readonly schoolYear: number;
  readonly shape: DistrictShape;
  readonly rowCounts: Readonly<Record<SisTableName, number>>;
}

/**
 * Creates `database` on the server of `clientConfig` if it does not exist (connecting first to
 * `clientConfig.database`, default `postgres`), then (re)creates the demo tables in it and loads them.
 */
export async function loadIntoPostgres(clientConfig: pg.ClientConfig, database: string, options: PostgresLoadOptions = {}): Promise<PostgresLoadResult> {
  if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(database)) {
    throw new Error(`loadIntoPostgres: database name ${JSON.stringify(database)} is not a plain identifier (letters, digits, _ - $; at most 63 characters)`);
  }
  const schema = options.schema ?? 'public';
  const students = options.students ?? DEMO_STUDENTS;
  const seed = options.seed ?? DEFAULT_SEED;
  const district = generateDistrict({ students, seed, schoolYear: options.schoolYear });

  await ensureDatabase(clientConfig, database);

  const client = new pg.Client({ ...clientConfig, database });
  await connect(client, clientConfig, database);
  const counts = {} as Record<SisTableName, number>;
  const helpers: pg.Client[] = [];
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
    for (const def of [...SIS_TABLES].reverse()) await client.query(`DROP TABLE IF EXISTS ${quote(schema)}.${quote(def.name)}`);
    // Keys and indexes are built after the load: one sort per index instead of a B-tree insert per row.
    for (const def of SIS_TABLES) await client.query(createTableSql(def, 'postgres', schema, false));
    // A few tables at once: the server parses COPY data on other cores while this process generates rows.
    for (let k = 1; k < LOAD_CONNECTIONS; k++) {
      const helper = new pg.Client({ ...clientConfig, database });
      await connect(helper, clientConfig, database);
      helpers.push(helper);
    }
    const connections = [client, ...helpers];
    const queue = tablesBiggestFirst(students);
    await Promise.all(
      connections.map(async (connection) => {
        for (let def = queue.shift(); def; def = queue.shift()) {
          counts[def.name] = await copyTable(connection, schema, database, def, district.rows(def.name));
          options.onTable?.(def.name, counts[def.name]);
        }
      }),
    );
    await Promise.all(
      connections.map(async (connection, k) => {
        for (const def of SIS_TABLES.filter((_, n) => n % connections.length === k)) {
          const pk = addPrimaryKeySql(def, schema);
          if (pk) await connection.query(pk);
          for (const sql of createIndexSql(def, schema)) await connection.query(sql);
          await connection.query(`ANALYZE ${quote(schema)}.${quote(def.name)}`);
        }
      }),
    );
  } finally {
    for (const helper of helpers) await helper.end().catch(() => undefined);
    await client.end();
  }
  return { database, schema, students, seed, schoolYear: district.schoolYear, shape: district.shape, rowCounts: counts };
}



async function copyTable(client: pg.Client, schema: string, database: string, def: SisTableDef, rows: Iterable<SisRow>): Promise<number> {
  const columns = def.columns.map((c) => quote(c.name)).join(', ');
  const sink = client.query(copyFrom(`COPY ${quote(schema)}.${quote(def.name)} (${columns}) FROM STDIN (FORMAT text)`));
  let count = 0;
  const source = Readable.from(copyText(rows, () => count++));
  try {
    await pipeline(source, sink);
  } catch (error) {
    throw new Error(`Loading table ${schema}.${def.name} into database ${database} failed after ${count} rows: ${messageOf(error)}`, { cause: error });
  }
  return count;
}

/** Drops a database made by `loadIntoPostgres` (tests and benchmark clean-up). */
export async function dropPostgresDatabase(clientConfig: pg.ClientConfig, database: string): Promise<void> {
  const admin = new pg.Client({ ...clientConfig, database: clientConfig.database ?? 'postgres' });
  await connect(admin, clientConfig, clientConfig.database ?? 'postgres');
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quote(database)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function ensureDatabase(clientConfig: pg.ClientConfig, database: string): Promise<void> {
  const adminDb = clientConfig.database ?? 'postgres';
  const admin = new pg.Client({ ...clientConfig, database: adminDb });
  await connect(admin, clientConfig, adminDb);
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      try {
        await admin.query(`CREATE DATABASE ${quote(database)} ENCODING 'UTF8' TEMPLATE template0`);
      } catch (error) {
        // Another loader may have created it in between.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await admin.end();
  }
}

async function connect(client: pg.Client, config: pg.ClientConfig, database: string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    const where = `${config.host ?? 'localhost'}:${config.port ?? 5432}`;
    throw new Error(`Cannot connect to PostgreSQL at ${where} (database ${database}, user ${config.user ?? '(default)'}): ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** COPY text format: tab-separated, `\N` for NULL, backslash escapes; batched into ~64 KiB chunks. */
function* copyText(rows: Iterable<SisRow>, onRow: () => void): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    let line = '';
    for (let k = 0; k < row.length; k++) {
      if (k > 0) line += '\t';
      const value = row[k];
      line += value === null || value === undefined ? '\\N' : escapeCopy(String(value));
    }
    chunk += `${line}\n`;
    onRow();
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

function escapeCopy(value: string): string {
  if (!/[\\\t\n\r]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
