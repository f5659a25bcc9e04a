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
  /** Driver settings for RosterSync's source driver (no password needed: the test servers trust local logins). */
  readonly settings: Record<string, unknown>;
  /** Runs SQL as the administrator inside the test database (set-up and verification only). */
  exec(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

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
  return {
    engine: 'postgres',
    name,
    settings: { host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: name },
    async exec(sql, params) {
      const result = await db.query(sql, params ? [...params] : undefined);
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last?.rows ?? []) as Record<string, unknown>[];
    },
    async drop() {
      await db.end().catch(() => undefined);
      const cleanup = new pg.Client({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: 'postgres' });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
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
  return {
    engine: 'mysql',
    name,
    settings: { host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, database: name },
    async exec(sql, params) {
      const [result] = await db.query(sql, params ? [...params] : undefined);
      if (!Array.isArray(result)) return [];
      const items = result as unknown[];
      if (!items.some((r) => Array.isArray(r))) return items as Record<string, unknown>[];
      // several statements: the rows of the last SELECT
      const selects = items.filter((r) => Array.isArray(r)) as Record<string, unknown>[][];
      return selects[selects.length - 1] ?? [];
    },
    async drop() {
      await db.end().catch(() => undefined);
      const cleanup = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, password: '' });
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await cleanup.end();
      }
    },
  };
}
