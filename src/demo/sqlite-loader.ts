/**
 * Writes the synthetic district into a SQLite file — the embedded demo SIS.
 *
 * Idempotent: the file is always rebuilt from the seed into `<path>.tmp-<pid>` and renamed over
 * `path` only once complete, so a reader never sees a half-written district and an interrupted
 * build leaves the old file in place. Rows stream from the generator into one prepared INSERT per
 * table, committed in batches; indexes are built after the load (faster than maintaining them).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_SEED, generateDistrict, type DistrictShape } from './generator.js';
import { SIS_TABLES, type SisTableDef, type SisTableName } from './schema.js';

export interface DemoDatabaseOptions {
  readonly students?: number;
  readonly seed?: number;
  /** The year the school year ends (2027 = 2026–2027). */
  readonly schoolYear?: number;
  /** Rows per transaction (default 50 000). */
  readonly batchSize?: number;
}

export interface DemoDatabaseResult {
  readonly path: string;
  readonly students: number;
  readonly seed: number;
  readonly schoolYear: number;
  readonly shape: DistrictShape;
  /** Rows written per SIS table. */
  readonly rowCounts: Readonly<Record<SisTableName, number>>;
}

export const DEMO_STUDENTS = 1500;

/** SQL type names per engine. */
export function columnSqlType(type: 'text' | 'integer', engine: 'sqlite' | 'postgres'): string {
  if (type === 'integer') return engine === 'sqlite' ? 'INTEGER' : 'bigint';
  return engine === 'sqlite' ? 'TEXT' : 'text';
}

/** `withPrimaryKey: false` leaves the key to `addPrimaryKeySql` after a bulk load (PostgreSQL). */
export function createTableSql(def: SisTableDef, engine: 'sqlite' | 'postgres', schema?: string, withPrimaryKey = true): string {
  const name = schema ? `${quote(schema)}.${quote(def.name)}` : quote(def.name);
  const cols = def.columns.map((c) => `  ${quote(c.name)} ${columnSqlType(c.type, engine)}${c.required ? ' NOT NULL' : ''}`);
  if (def.primaryKey && withPrimaryKey) cols.push(`  PRIMARY KEY (${def.primaryKey.map(quote).join(', ')})`);
  return `CREATE TABLE ${name} (\n${cols.join(',\n')}\n)`;
}

export function addPrimaryKeySql(def: SisTableDef, schema?: string): string | null {
  if (!def.primaryKey) return null;
  const name = schema ? `${quote(schema)}.${quote(def.name)}` : quote(def.name);
  return `ALTER TABLE ${name} ADD PRIMARY KEY (${def.primaryKey.map(quote).join(', ')})`;
}

export function createIndexSql(def: SisTableDef, schema?: string): string[] {
  const table = schema ? `${quote(schema)}.${quote(def.name)}` : quote(def.name);
  return (def.indexes ?? []).map((columns) => `CREATE INDEX ${quote(`${def.name}_${columns.join('_')}_idx`)} ON ${table} (${columns.map(quote).join(', ')})`);
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

export function createDemoDatabase(file: string, options: DemoDatabaseOptions = {}): DemoDatabaseResult {
  const students = options.students ?? DEMO_STUDENTS;
  const seed = options.seed ?? DEFAULT_SEED;
  const batchSize = options.batchSize ?? 50_000;
  const district = generateDistrict({ students, seed, schoolYear: options.schoolYear });
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.tmp-${process.pid}`;
  removeQuietly(temp);
  removeQuietly(`${temp}-journal`);

  const counts = {} as Record<SisTableName, number>;
  const db = new Database(temp);
  try {
    // A scratch file until the rename: no journal needed, the rename is the commit.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -65536');
    for (const def of SIS_TABLES) db.exec(createTableSql(def, 'sqlite'));
    for (const def of SIS_TABLES) {
      const insert = db.prepare(`INSERT INTO ${quote(def.name)} VALUES (${def.columns.map(() => '?').join(', ')})`);
      let count = 0;
      let inBatch = 0;
      db.exec('BEGIN');
      for (const row of district.rows(def.name)) {
        insert.run(row);
        count++;
        if (++inBatch >= batchSize) {
          db.exec('COMMIT');
          db.exec('BEGIN');
          inBatch = 0;
        }
      }
      db.exec('COMMIT');
      counts[def.name] = count;
    }
    for (const def of SIS_TABLES) for (const sql of createIndexSql(def)) db.exec(sql);
    db.exec('ANALYZE');
    db.pragma('journal_mode = DELETE');
    db.close();
  } catch (error) {
    if (db.open) db.close();
    removeQuietly(temp);
    throw new Error(`Building the demo district in ${target} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  fs.renameSync(temp, target);
  return { path: target, students, seed, schoolYear: district.schoolYear, shape: district.shape, rowCounts: counts };
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Best effort: a stale temp file is overwritten anyway.
  }
}
