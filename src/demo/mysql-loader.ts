/**
 * Loads the synthetic district into MySQL/MariaDB — the same tables and columns as the SQLite demo
 * and the PostgreSQL loader (schema.ts), so the same SIS can be synced from every engine.
 *
 * The database is created when missing (utf8mb4); inside it only the demo's own tables are dropped
 * and recreated. Text columns are `VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`: accents
 * and emoji survive, and comparisons, GROUP BY and MIN/MAX follow code-point (= UTF-8 byte) order as
 * in SQLite and PostgreSQL's "C" collation, not the server default `utf8mb4_general_ci` (which
 * equates `a` and `A`). Integer columns are BIGINT. Primary keys are declared up front (InnoDB
 * clusters rows by them); secondary indexes are built after the load, then the tables are analysed.
 *
 * Rows stream from the generator into batched multi-row INSERTs run as server-side prepared
 * statements — every value is a parameter, never spliced into the SQL — committed every
 * COMMIT_ROWS rows. A few tables load at once on separate connections, biggest first.
 */
import mysql from 'mysql2/promise';
import { DEFAULT_SEED, generateDistrict, type DistrictShape } from './generator.js';
import { LOAD_CONNECTIONS, SIS_TABLES, tablesBiggestFirst, type SisColumnType, type SisRow, type SisTableDef, type SisTableName } from './schema.js';
import { DEMO_STUDENTS } from './sqlite-loader.js';

export interface MysqlLoadOptions {
  readonly students?: number;
  readonly seed?: number;
  readonly schoolYear?: number;
  /** Called after each table with its row count (progress for long loads). */
  readonly onTable?: (table: SisTableName, rows: number) => void;
}

export interface MysqlLoadResult {
  readonly database: string;
  readonly students: number;
  readonly seed: number;
  readonly schoolYear: number;
  readonly shape: DistrictShape;
  readonly rowCounts: Readonly<Record<SisTableName, number>>;
}

/** Connection settings for the server (host, port, user, password…); `database` is ignored. */
export type MysqlLoadConfig = Omit<mysql.ConnectionOptions, 'database'>;

/** Most parameters one prepared statement may carry (the protocol's limit is 65 535). */
const MAX_PARAMETERS = 60_000;
/** Rows per INSERT statement, at most (fewer for wide tables, see MAX_PARAMETERS). */
const ROWS_PER_INSERT = 1000;
/** Rows per transaction. */
const COMMIT_ROWS = 50_000;
const COLLATION = 'utf8mb4_bin';

/**
 * Creates `database` if it does not exist, then (re)creates the demo tables in it and loads the
 * district of `students` students generated from `seed`.
 */
export async function loadIntoMysql(config: MysqlLoadConfig, database: string, options: MysqlLoadOptions = {}): Promise<MysqlLoadResult> {
  assertPlainName(database, 'loadIntoMysql');
  const students = options.students ?? DEMO_STUDENTS;
  const seed = options.seed ?? DEFAULT_SEED;
  const district = generateDistrict({ students, seed, schoolYear: options.schoolYear });

  const admin = await connect(config);
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS ${quote(database)} CHARACTER SET utf8mb4 COLLATE ${COLLATION}`);
  } finally {
    await admin.end();
  }

  const connections: mysql.Connection[] = [];
  const counts = {} as Record<SisTableName, number>;
  try {
    for (let k = 0; k < LOAD_CONNECTIONS; k++) connections.push(await connect(config, database));
    const [first] = connections as [mysql.Connection];
    for (const def of [...SIS_TABLES].reverse()) await first.query(`DROP TABLE IF EXISTS ${quote(def.name)}`);
    for (const def of SIS_TABLES) await first.query(createMysqlTableSql(def));

    const queue = tablesBiggestFirst(students);
    await Promise.all(
      connections.map(async (connection) => {
        for (let def = queue.shift(); def; def = queue.shift()) {
          counts[def.name] = await insertRows(connection, database, def, district.rows(def.name));
          options.onTable?.(def.name, counts[def.name]);
        }
      }),
    );
    await Promise.all(
      connections.map(async (connection, k) => {
        for (const def of SIS_TABLES.filter((_, n) => n % connections.length === k)) {
          for (const sql of createMysqlIndexSql(def)) await connection.query(sql);
          await connection.query(`ANALYZE TABLE ${quote(def.name)}`);
        }
      }),
    );
  } finally {
    for (const connection of connections) await connection.end().catch(() => undefined);
  }
  return { database, students, seed, schoolYear: district.schoolYear, shape: district.shape, rowCounts: counts };
}

/** Drops a database made by `loadIntoMysql` (tests and benchmark clean-up). */
export async function dropMysqlDatabase(config: MysqlLoadConfig, database: string): Promise<void> {
  assertPlainName(database, 'dropMysqlDatabase');
  const admin = await connect(config);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quote(database)}`);
  } finally {
    await admin.end();
  }
}

export function mysqlColumnType(type: SisColumnType): string {
  switch (type) {
    case 'integer':
      return 'BIGINT';
    case 'text':
      return `VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ${COLLATION}`;
    default: {
      const unknown: never = type;
      throw new Error(`Unknown SIS column type ${String(unknown)}: expected text or integer (src/demo/schema.ts)`);
    }
  }
}

export function createMysqlTableSql(def: SisTableDef): string {
  const cols = def.columns.map((c) => `  ${quote(c.name)} ${mysqlColumnType(c.type)}${c.required ? ' NOT NULL' : ''}`);
  if (def.primaryKey) cols.push(`  PRIMARY KEY (${def.primaryKey.map(quote).join(', ')})`);
  return `CREATE TABLE ${quote(def.name)} (\n${cols.join(',\n')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${COLLATION}`;
}

export function createMysqlIndexSql(def: SisTableDef): string[] {
  return (def.indexes ?? []).map((columns) => `CREATE INDEX ${quote(`${def.name}_${columns.join('_')}_idx`)} ON ${quote(def.name)} (${columns.map(quote).join(', ')})`);
}

/** `INSERT INTO t (cols) VALUES (?, …), (?, …)` for `rows` rows. */
function insertSql(def: SisTableDef, rows: number): string {
  const tuple = `(${def.columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${quote(def.name)} (${def.columns.map((c) => quote(c.name)).join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

async function insertRows(connection: mysql.Connection, database: string, def: SisTableDef, rows: Iterable<SisRow>): Promise<number> {
  const width = def.columns.length;
  const perInsert = Math.max(1, Math.min(ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / width)));
  const fullSql = insertSql(def, perInsert);
  let values: (string | number | null)[] = [];
  let pending = 0;
  let count = 0;
  let inTransaction = 0;
  const flush = async (): Promise<void> => {
    if (pending === 0) return;
    if (pending === perInsert) {
      await connection.execute(fullSql, values);
    } else {
      // The last, shorter batch: its own statement, released once used.
      const sql = insertSql(def, pending);
      await connection.execute(sql, values);
      connection.unprepare(sql);
    }
    values = [];
    pending = 0;
  };
  try {
    await connection.beginTransaction();
    for (const row of rows) {
      if (row.length !== width) throw new Error(`row ${count + 1} has ${row.length} values, expected ${width} (${def.columns.map((c) => c.name).join(', ')})`);
      for (const value of row) values.push(value ?? null);
      pending++;
      count++;
      inTransaction++;
      if (pending === perInsert) await flush();
      if (inTransaction >= COMMIT_ROWS && pending === 0) {
        await connection.commit();
        await connection.beginTransaction();
        inTransaction = 0;
      }
    }
    await flush();
    await connection.commit();
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw new Error(`Loading table ${def.name} into MySQL/MariaDB database ${database} failed after ${count} rows: ${messageOf(error)}`, { cause: error });
  } finally {
    connection.unprepare(fullSql);
  }
  return count;
}


async function connect(config: MysqlLoadConfig, database?: string): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({
      connectTimeout: 10_000,
      ...config,
      database,
      // utf8mb4 on the wire: names such as Nguyễn arrive intact.
      charset: 'UTF8MB4_BIN',
      multipleStatements: false,
    });
  } catch (error) {
    const where = `${config.host ?? 'localhost'}:${config.port ?? 3306}`;
    throw new Error(`Cannot connect to MySQL/MariaDB at ${where} (${database ? `database ${database}, ` : ''}user ${config.user ?? '(default)'}): ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function assertPlainName(database: string, caller: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,63}$/.test(database)) {
    throw new Error(`${caller}: database name ${JSON.stringify(database)} is not a plain identifier (letters, digits, _ - $; at most 64 characters)`);
  }
}

function quote(identifier: string): string {
  return `\`${identifier.replace(/`/g, '``')}\``;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
