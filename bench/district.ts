/**
 * Benchmark districts: the demo generator's synthetic district (src/demo/generator.ts), loaded by
 * the demo loaders into PostgreSQL or SQLite. Nothing is generated here — this only decides
 * whether a database already holds the requested district (same student count; the generator is
 * deterministic for a seed) and loads it when not.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import Database from 'better-sqlite3';
import { loadIntoPostgres } from '../src/demo/postgres-loader.js';
import { createDemoDatabase } from '../src/demo/sqlite-loader.js';
import { DEFAULT_SEED } from '../src/demo/generator.js';

export const PG_ADMIN: pg.ClientConfig = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD,
  database: 'postgres',
};

export function benchDatabaseName(students: number, seed = DEFAULT_SEED): string {
  const size = students % 1000 === 0 ? `${students / 1000}k` : String(students);
  return seed === DEFAULT_SEED ? `rs_bench_${size}` : `rs_bench_${size}_s${seed}`;
}

export interface EnsureResult {
  readonly loaded: boolean;
  readonly ms: number;
  readonly rowCounts?: Readonly<Record<string, number>>;
}

/** Students in the existing database, or undefined when it (or the table) does not exist. */
async function existingStudents(database: string): Promise<number | undefined> {
  const client = new pg.Client({ ...PG_ADMIN, database });
  try {
    await client.connect();
  } catch (error) {
    if ((error as { code?: string }).code === '3D000') return undefined;
    throw new Error(`Cannot connect to PostgreSQL at ${PG_ADMIN.host}:${PG_ADMIN.port} as ${PG_ADMIN.user}: ${(error as Error).message}. Start it (service postgresql start).`, { cause: error });
  }
  try {
    const r = await client.query<{ n: string; marker: string | null }>(
      `SELECT (SELECT count(*) FROM students)::text AS n, obj_description('students'::regclass) AS marker`,
    );
    return r.rows[0]?.marker === markerFor(Number(r.rows[0].n)) ? Number(r.rows[0].n) : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

const markerFor = (students: number, seed = DEFAULT_SEED): string => `rostersync bench district: ${students} students, seed ${seed}, complete`;

/** Loads the district into `database` unless a complete load of the same size and seed is already there. */
export async function ensurePostgresDistrict(
  students: number,
  database: string,
  options: { reload?: boolean; seed?: number; log?: (message: string) => void } = {},
): Promise<EnsureResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!options.reload && seed === DEFAULT_SEED && (await existingStudents(database)) === students) {
    options.log?.(`${database}: already holds the ${students}-student district (seed ${seed}); reusing it.`);
    return { loaded: false, ms: 0 };
  }
  const started = performance.now();
  options.log?.(`${database}: loading a ${students}-student district (seed ${seed})…`);
  const result = await loadIntoPostgres(PG_ADMIN, database, {
    students,
    seed,
    onTable: (table, rows) => options.log?.(`  ${table}: ${rows} rows`),
  });
  // Marks the load as complete (an interrupted load has no marker and is redone).
  const client = new pg.Client({ ...PG_ADMIN, database });
  await client.connect();
  try {
    await client.query(`COMMENT ON TABLE students IS '${markerFor(students, seed)}'`);
  } finally {
    await client.end();
  }
  return { loaded: true, ms: Math.round(performance.now() - started), rowCounts: result.rowCounts };
}

export function ensureSqliteDistrict(
  students: number,
  file: string,
  options: { reload?: boolean; seed?: number; log?: (message: string) => void } = {},
): EnsureResult {
  const seed = options.seed ?? DEFAULT_SEED;
  if (!options.reload && existsSync(file)) {
    try {
      const db = new Database(file, { readonly: true });
      const n = db.prepare('SELECT count(*) FROM students').pluck().get() as number;
      db.close();
      if (n === students && seed === DEFAULT_SEED) {
        options.log?.(`${file}: already holds the ${students}-student district; reusing it.`);
        return { loaded: false, ms: 0 };
      }
    } catch {
      // not a district file: rebuilt below
    }
  }
  const started = performance.now();
  options.log?.(`${file}: building a ${students}-student district (seed ${seed})…`);
  const result = createDemoDatabase(file, { students, seed });
  return { loaded: true, ms: Math.round(performance.now() - started), rowCounts: result.rowCounts };
}
