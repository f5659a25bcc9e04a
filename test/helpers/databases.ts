/**
 * Throw-away databases in the real PostgreSQL and MariaDB servers of this machine.
 * Each call creates a uniquely named database (so parallel test files never collide) and
 * `drop()` removes it. A server that is not running FAILS the test with the command that starts it.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;
export const PG_ADMIN_USER = 'postgres';
export const MYSQL_HOST = '127.0.0.1';
export const MYSQL_PORT = 3306;
export const MYSQL_ADMIN_USER = 'root';

const PG_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const MYSQL_START = 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';

export interface TestDatabase {
  readonly engine: 'postgres' | 'mysql';
  readonly name: string;
  /**
   * Driver settings for RosterSync's source driver (no password needed: the test servers trust local logins).
   * They use the servers' administrator, a login that can write, so `requireReadOnlyLogin` is off here;
   * the tests of that wall create their own read-only and writable logins (see createLogin).
   */
  readonly settings: Record<string, unknown>;
  /** Runs SQL as the administrator inside the test database (set-up and verification only). */
  exec(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * A new login for this database: `read-only` may only SELECT every table (created so far), `writable`
   * may also INSERT, UPDATE and DELETE. Driver settings (requireReadOnlyLogin left to its default) and
   * secrets; the login is dropped with the database.
   */
  createLogin(kind: LoginKind): Promise<{ readonly user: string; readonly settings: Record<string, unknown>; readonly secrets: Record<string, string> }>;
  drop(): Promise<void>;
}

export type LoginKind = 'read-only' | 'writable';
const LOGIN_PASSWORD = 'Login-Pa55-word';

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function createPostgresDatabase(prefix = 'rs_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: 'postgres', connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_HOST}:${PG_PORT} as ${PG_ADMIN_USER} (${(error as Error).message}). ` +
        `These integration tests need the real server. Start it with:\n  ${PG_START}`,
      { cause: error },
    );
  }
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const db = new pg.Client({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: name });
  await db.connect();
  const logins: string[] = [];
  return {
    engine: 'postgres',
    name,
    settings: { host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: name, requireReadOnlyLogin: false },
    async exec(sql, params) {
      const result = await db.query(sql, params ? [...params] : undefined);
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last?.rows ?? []) as Record<string, unknown>[];
    },
    async createLogin(kind) {
      const user = uniqueName(kind === 'read-only' ? 'rs_reader' : 'rs_writer');
      logins.push(user);
      await db.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${LOGIN_PASSWORD}'`);
      await db.query(`GRANT CONNECT ON DATABASE "${name}" TO "${user}"`);
      await db.query(`GRANT USAGE ON SCHEMA public TO "${user}"`);
      await db.query(`GRANT ${kind === 'read-only' ? 'SELECT' : 'SELECT, INSERT, UPDATE, DELETE'} ON ALL TABLES IN SCHEMA public TO "${user}"`);
      return { user, settings: { host: PG_HOST, port: PG_PORT, user, database: name }, secrets: { password: LOGIN_PASSWORD } };
    },
    async drop() {
      await db.end().catch(() => undefined);
      const cleanup = new pg.Client({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: 'postgres' });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        // A role's grants lived in the dropped database (and its CONNECT right with it): now it can go.
        for (const user of logins) await cleanup.query(`DROP ROLE IF EXISTS "${user}"`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export async function createMysqlDatabase(prefix = 'rs_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  let admin: mysql.Connection;
  try {
    admin = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, password: '', connectTimeout: 5000 });
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${MYSQL_HOST}:${MYSQL_PORT} as ${MYSQL_ADMIN_USER} (${(error as Error).message}). ` +
        `These integration tests need the real server. Start it with:\n  ${MYSQL_START}`,
      { cause: error },
    );
  }
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  const db = await mysql.createConnection({
    host: MYSQL_HOST,
    port: MYSQL_PORT,
    user: MYSQL_ADMIN_USER,
    password: '',
    database: name,
    multipleStatements: true,
    dateStrings: true,
  });
  const logins: string[] = [];
  return {
    engine: 'mysql',
    name,
    settings: { host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, database: name, requireReadOnlyLogin: false },
    async exec(sql, params) {
      const [result] = await db.query(sql, params ? [...params] : undefined);
      if (!Array.isArray(result)) return [];
      const items = result as unknown[];
      if (!items.some((r) => Array.isArray(r))) return items as Record<string, unknown>[];
      // several statements: the rows of the last SELECT
      const selects = items.filter((r) => Array.isArray(r)) as Record<string, unknown>[][];
      return selects[selects.length - 1] ?? [];
    },
    async createLogin(kind) {
      const user = uniqueName(kind === 'read-only' ? 'rs_reader' : 'rs_writer');
      logins.push(user);
      await db.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${LOGIN_PASSWORD}'`);
      await db.query(`GRANT ${kind === 'read-only' ? 'SELECT' : 'SELECT, INSERT, UPDATE, DELETE'} ON \`${name}\`.* TO '${user}'@'%'`);
      return { user, settings: { host: MYSQL_HOST, port: MYSQL_PORT, user, database: name }, secrets: { password: LOGIN_PASSWORD } };
    },
    async drop() {
      await db.end().catch(() => undefined);
      const cleanup = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, password: '' });
      try {
        for (const user of logins) await cleanup.query(`DROP USER IF EXISTS '${user}'@'%'`);
        await cleanup.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** A small SIS table for a test: text columns and their rows (null = SQL NULL). */
export interface TestTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | null)[])[];
}

/** Creates each table (VARCHAR(100) columns) in the test database and inserts its rows. */
export async function createTables(db: TestDatabase, tables: Readonly<Record<string, TestTable>>): Promise<void> {
  for (const [table, { columns, rows }] of Object.entries(tables)) {
    await db.exec(`CREATE TABLE ${table} (${columns.map((c) => `${c} VARCHAR(100)`).join(', ')})`);
    for (const row of rows) {
      const marks = db.engine === 'postgres' ? row.map((_, i) => `$${i + 1}`) : row.map(() => '?');
      await db.exec(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${marks.join(', ')})`, row);
    }
  }
}
