/**
 * MySQL / MariaDB source (mysql2). Each read runs on its own pooled connection:
 * `SET SESSION TRANSACTION READ ONLY`, a server-side statement time limit
 * (`max_statement_time` on MariaDB, `max_execution_time` on MySQL), then
 * `START TRANSACTION READ ONLY` and the admin's SELECT, streamed with `query().stream()`
 * (the socket is paused when the consumer is slower: bounded memory). Multiple statements are
 * disabled in the client as well as refused by the SQL guard. Numbers, dates and decimals are
 * taken as the server's text, so IDs keep leading zeros (ZEROFILL included) and 64-bit values stay exact.
 */
import mysql from 'mysql2';
import type { Pool, PoolConnection, TypeCastField } from 'mysql2';
import { z } from 'zod';
import { durationSetting } from '../shared/duration.schema.js';
import { HOST_PORT_DATABASE, hostPortDatabaseIdentity } from '../secrets/binding.js';
import { portSchema } from '../shared/config.schema.js';
import { checkAborted, groupColumnsIntoTables, maxFieldLengthSetting, quoteIdent, requireQuery, rowsOfBatches, sampleThroughSession, scrub, textValues, valuesBatch, defineSourceDriver } from './common.js';
import { assertReadOnlyLogin, mysqlGrantedRoles, mysqlRights, requireReadOnlyLoginSetting } from './login-rights.js';
import { assertReadOnlySelect } from './sql-guard.js';
import type { CheckResult, LoginRights, EntityRequest, ReadOptions, RowBatch, SampleResult, Secrets, SourcedRow, SourceSession, TableInfo } from './types.js';
import { SourceError } from './types.js';

export const mysqlSettingsSchema = z
  .object({
    host: z.string().min(1, 'the server name or address is required'),
    port: portSchema().default(3306),
    database: z.string().min(1, 'the database name is required'),
    user: z.string().min(1, 'the login name is required'),
    ssl: z.enum(['disable', 'require', 'verify']).default('disable'),
    connectTimeoutSeconds: durationSetting('seconds', { min: 1, max: 600 }, 15),
    queryTimeoutSeconds: durationSetting('seconds', { min: 1, max: 86_400 }, 600),
    /** Longest value (characters) a column may hold; a longer one stops the read with a finding. */
    maxFieldLength: maxFieldLengthSetting,
    requireReadOnlyLogin: requireReadOnlyLoginSetting,
  })
  .strict();
export type MysqlSettings = z.infer<typeof mysqlSettingsSchema>;

const NAME = 'MySQL/MariaDB';
const NUMERIC_TYPES = new Set(['TINY', 'SHORT', 'LONG', 'INT24', 'LONGLONG', 'YEAR', 'FLOAT', 'DOUBLE']);

/** Numbers as the server wrote them (ZEROFILL keeps its zeros); everything else by mysql2's text rules. */
function typeCast(field: TypeCastField, next: () => unknown): unknown {
  if (NUMERIC_TYPES.has(field.type)) return field.string('ascii');
  return next();
}

export function mysqlPoolOptions(settings: MysqlSettings, secrets: Secrets): mysql.PoolOptions {
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: secrets.password ?? '',
    ssl: settings.ssl === 'disable' ? undefined : { rejectUnauthorized: settings.ssl === 'verify' },
    connectTimeout: settings.connectTimeoutSeconds * 1000,
    multipleStatements: false,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    typeCast,
    timezone: 'Z',
    charset: 'utf8mb4_general_ci',
    connectionLimit: 4,
    maxIdle: 4,
    idleTimeout: 30_000,
  };
}

const where = (s: MysqlSettings): string => `${s.host}:${s.port}`;

export function translateMysqlError(error: unknown, settings: MysqlSettings, secrets: Secrets, context = ''): SourceError {
  if (error instanceof SourceError) return error;
  const e = error as { code?: string; errno?: number; message?: string };
  // MariaDB-only errors have no name in mysql2's (MySQL) code list: fall back to the number.
  const code = e.code ?? (e.errno === 1969 ? 'ER_STATEMENT_TIMEOUT' : e.errno ? `ER_${e.errno}` : '');
  const raw = e.message ?? String(error);
  const q = `The query${context ? ` for ${context}` : ''}`;
  const make = (message: string, kind: SourceError['code']): SourceError => new SourceError(scrub(message, secrets), kind);
  switch (code) {
    case 'ECONNREFUSED':
      return make(`MySQL/MariaDB at ${where(settings)} refused the connection: the server is not running or not listening on that port. Check the server name, the port (usually 3306) and the firewall.`, 'unreachable');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make(`The server name "${settings.host}" cannot be found (DNS). Check the spelling or use the IP address.`, 'unreachable');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make(`MySQL/MariaDB at ${where(settings)} cannot be reached from this machine (${code}). Check the network path and firewall.`, 'unreachable');
    case 'ETIMEDOUT':
      return make(`MySQL/MariaDB at ${where(settings)} did not answer within ${settings.connectTimeoutSeconds} s. Check the server name, port and firewall.`, 'timeout');
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
    case 'ER_NOT_SUPPORTED_AUTH_MODE':
      return make(`MySQL/MariaDB refused the login for user "${settings.user}": ${raw}. Check the user name and password.`, 'login-failed');
    case 'ER_HOST_NOT_PRIVILEGED':
      return make(`MySQL/MariaDB does not let user "${settings.user}" connect from this machine: ${raw}. Ask the database administrator to allow this host.`, 'login-failed');
    case 'ER_DBACCESS_DENIED_ERROR':
      return make(`The user "${settings.user}" may not open database "${settings.database}": ${raw}. Grant it SELECT on that database.`, 'login-failed');
    case 'ER_BAD_DB_ERROR':
      return make(`The database "${settings.database}" does not exist on ${where(settings)}. Check the database name.`, 'database-missing');
    case 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION':
      return make(`${q} tried to write, and the read-only transaction refused it (${raw}). RosterSync runs only read-only SELECT statements.`, 'not-read-only');
    case 'ER_STATEMENT_TIMEOUT':
    case 'ER_QUERY_TIMEOUT':
    case 'PROTOCOL_SEQUENCE_TIMEOUT':
      return make(`${q} ran longer than ${settings.queryTimeoutSeconds} s and was stopped. Raise the query timeout or simplify the query.`, 'timeout');
    case 'HANDSHAKE_NO_SSL_SUPPORT':
    case 'HANDSHAKE_SSL_ERROR':
      return make(`The TLS connection to ${where(settings)} failed: ${raw}. Change the TLS option of this source.`, 'tls');
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
      return make(`The user "${settings.user}" may not read what ${q.toLowerCase()} asks for: ${raw}. Grant SELECT on it.`, 'query-failed');
    default:
      break;
  }
  if (/SSL|TLS|certificate/i.test(raw) && !code.startsWith('ER_')) {
    return make(`The TLS connection to ${where(settings)} failed: ${raw}. Change the TLS option of this source.`, 'tls');
  }
  if (code.startsWith('ER_') || code === 'PARSE_ERROR') {
    return make(`${q} failed: ${raw}`, 'query-failed');
  }
  return make(`MySQL/MariaDB at ${where(settings)}: ${raw}`, 'unreachable');
}

function getConnection(pool: Pool): Promise<PoolConnection> {
  return new Promise((resolve, reject) => pool.getConnection((err, conn) => (err ? reject(err) : resolve(conn))));
}

function run(conn: PoolConnection, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) =>
    conn.query(sql, values, (err, rows) => (err ? reject(err) : resolve((Array.isArray(rows) ? rows : []) as Record<string, unknown>[]))),
  );
}

/** Puts the connection's session in read-only mode with a statement time limit, then opens a read-only transaction. */
async function beginReadOnly(conn: PoolConnection, settings: MysqlSettings): Promise<string> {
  const [{ v }] = (await run(conn, 'SELECT VERSION() AS v')) as { v: string }[];
  await run(conn, 'SET SESSION TRANSACTION READ ONLY');
  if (/mariadb/i.test(v)) await run(conn, 'SET SESSION max_statement_time = ?', [settings.queryTimeoutSeconds]);
  else await run(conn, 'SET SESSION max_execution_time = ?', [settings.queryTimeoutSeconds * 1000]);
  await run(conn, 'START TRANSACTION READ ONLY');
  return v;
}

/** What the login may do beyond reading: its `SHOW GRANTS`, and the grants of every role it holds. */
async function inspectLogin(conn: PoolConnection, settings: MysqlSettings): Promise<LoginRights> {
  const linesOf = async (sql: string): Promise<string[]> => (await run(conn, sql)).map((row) => String(Object.values(row)[0]));
  const lines = await linesOf('SHOW GRANTS');
  const seen = new Set<string>();
  for (let k = 0; k < lines.length; k++) {
    for (const role of mysqlGrantedRoles(lines[k]!)) {
      if (seen.has(role)) continue;
      seen.add(role);
      // The role name comes from the server's own SHOW GRANTS output, already quoted by it.
      lines.push(...(await linesOf(`SHOW GRANTS FOR ${role}`).catch(() => [])));
    }
  }
  return mysqlRights(lines, { database: settings.database });
}

/** Rows per batch handed to the pipeline. */
const BATCH_ROWS = 512;

/** One entity's rows as arrays (`rowsAsArray`) in the result's column order, in batches of BATCH_ROWS. */
async function* streamQuery(pool: Pool, settings: MysqlSettings, secrets: Secrets, request: EntityRequest, options?: ReadOptions): AsyncGenerator<RowBatch> {
  const sql = requireQuery(request, NAME);
  const entity = String(request.entity);
  assertReadOnlySelect(sql, 'mysql', entity);
  checkAborted(options?.signal);
  let conn: PoolConnection;
  try {
    conn = await getConnection(pool);
  } catch (error) {
    throw translateMysqlError(error, settings, secrets);
  }
  let clean = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = (reason: SourceError): void => {
    stream?.destroy(reason);
    conn.destroy();
  };
  let stream: ReturnType<ReturnType<PoolConnection['query']>['stream']> | undefined;
  const onAbort = (): void => stop(new SourceError('The read was cancelled.', 'timeout'));
  options?.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await beginReadOnly(conn, settings);
    // A client-side limit as well: the server limit does not cover a consumer that never finishes.
    timer = setTimeout(
      () => stop(new SourceError(`The query for ${entity} ran longer than ${settings.queryTimeoutSeconds} s and was stopped.`, 'timeout')),
      settings.queryTimeoutSeconds * 1000 + 5000,
    );
    const query = conn.query({ sql, rowsAsArray: true });
    // The result's columns arrive before its first row.
    let columns: string[] = [];
    query.on('fields', (fields: readonly { name: string }[] | undefined) => (columns = (fields ?? []).map((f) => f.name)));
    stream = query.stream({ highWaterMark: 1000 });
    let n = 0;
    let batch: (string | null)[][] = [];
    const numbered = (rows: readonly (string | null)[][], first: number): RowBatch => valuesBatch(columns, rows, (i) => `${entity} row ${first + i}`);
    for await (const values of stream as AsyncIterable<unknown[]>) {
      n++;
      batch.push(textValues(columns, values, { maxFieldLength: settings.maxFieldLength, entity, rowNumber: n }));
      if (batch.length === BATCH_ROWS) {
        yield numbered(batch, n - batch.length + 1);
        batch = [];
      }
    }
    if (batch.length) yield numbered(batch, n - batch.length + 1);
    await run(conn, 'ROLLBACK');
    clean = true;
  } catch (error) {
    throw translateMysqlError(error, settings, secrets, entity);
  } finally {
    if (timer) clearTimeout(timer);
    options?.signal?.removeEventListener('abort', onAbort);
    if (clean) conn.release();
    else {
      // Stopped early or failed: rows may still be in flight, so the connection is discarded, not reused.
      if (stream && !stream.destroyed) stream.destroy();
      conn.destroy();
    }
  }
}

function createPool(settings: MysqlSettings, secrets: Secrets): Pool {
  const pool = mysql.createPool(mysqlPoolOptions(settings, secrets));
  pool.on('connection', (c) => c.on('error', () => undefined));
  return pool;
}

function endPool(pool: Pool): Promise<void> {
  return new Promise((resolve) => pool.end(() => resolve()));
}

class MysqlSession implements SourceSession {
  private readonly pool: Pool;
  constructor(
    private readonly settings: MysqlSettings,
    private readonly secrets: Secrets,
  ) {
    this.pool = createPool(settings, secrets);
  }

  /** Every query must be set and read-only before the first row of any entity is read. */
  async preflight(requests: readonly EntityRequest[]): Promise<void> {
    for (const request of requests) assertReadOnlySelect(requireQuery(request, NAME), 'mysql', String(request.entity));
  }

  read(request: EntityRequest, options?: ReadOptions): AsyncIterable<SourcedRow> {
    return rowsOfBatches(this.readBatches(request, options));
  }

  readBatches(request: EntityRequest, options?: ReadOptions): AsyncIterable<RowBatch> {
    return streamQuery(this.pool, this.settings, this.secrets, request, options);
  }

  close(): Promise<void> {
    return endPool(this.pool);
  }
}

/** Runs `work` on one read-only connection and closes it. */
async function withConnection<T>(settings: MysqlSettings, secrets: Secrets, work: (conn: PoolConnection, version: string) => Promise<T>): Promise<T> {
  const pool = createPool(settings, secrets);
  try {
    const conn = await getConnection(pool);
    try {
      const version = await beginReadOnly(conn, settings);
      const result = await work(conn, version);
      await run(conn, 'ROLLBACK');
      return result;
    } finally {
      conn.release();
    }
  } catch (error) {
    throw translateMysqlError(error, settings, secrets);
  } finally {
    await endPool(pool);
  }
}

async function discover(settings: MysqlSettings, secrets: Secrets): Promise<TableInfo[]> {
  return withConnection(settings, secrets, async (conn) => {
    const rows = (await run(
      conn,
      `SELECT c.TABLE_NAME AS table_name, t.TABLE_TYPE AS table_type, c.COLUMN_NAME AS column_name, c.COLUMN_TYPE AS column_type, c.IS_NULLABLE AS is_nullable
       FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
       WHERE c.TABLE_SCHEMA = ?
       ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
      [settings.database],
    )) as { table_name: string; table_type: string; column_name: string; column_type: string; is_nullable: string }[];
    return groupColumnsIntoTables(
      rows.map((r) => ({ schema: settings.database, table: r.table_name, kind: r.table_type === 'VIEW' ? 'view' : 'table', column: r.column_name, type: String(r.column_type), nullable: r.is_nullable === 'YES' })),
    );
  });
}

export const mysqlDriver = defineSourceDriver<MysqlSettings>(NAME, {
  id: 'mysql',
  displayName: 'MySQL / MariaDB',
  settingsSchema: mysqlSettingsSchema,
  secretFields: ['password'],
  connectionIdentity: hostPortDatabaseIdentity,
  identityFields: HOST_PORT_DATABASE,
  capabilities: ['sql', 'readOnlyTransaction'],

  async check(settings, secrets): Promise<CheckResult> {
    const started = Date.now();
    const { version, loginRights } = await withConnection(settings, secrets, async (conn, v) => ({ version: v, loginRights: await inspectLogin(conn, settings) }));
    return {
      ok: true,
      message: `Connected to database "${settings.database}" on ${where(settings)} as ${settings.user}, ${loginRights.canWrite ? 'in a read-only transaction, but this login can write' : 'read-only'}.`,
      latencyMs: Date.now() - started,
      serverVersion: /mariadb/i.test(version) ? `MariaDB ${version}` : `MySQL ${version}`,
      loginRights,
      readOnlyLoginRequired: settings.requireReadOnlyLogin,
    };
  },

  async discover(settings, secrets) {
    return discover(settings, secrets);
  },

  async sample(settings, secrets, request, limit): Promise<SampleResult> {
    if ('table' in request) {
      const known = (await discover(settings, secrets)).find((t) => t.name === request.table);
      if (!known) throw new SourceError(`There is no table or view named "${request.table}" in database "${settings.database}".`, 'query-failed');
      const sql = `SELECT * FROM ${quoteIdent(known.name, 'backtick')}`;
      return sampleThroughSession(new MysqlSession(settings, secrets), { entity: known.name, query: sql }, limit);
    }
    return sampleThroughSession(new MysqlSession(settings, secrets), request, limit);
  },

  async open(settings, secrets): Promise<SourceSession> {
    // Prove the connection (and, when required, that the login cannot write) before the run starts reading.
    await withConnection(settings, secrets, async (conn) => {
      if (settings.requireReadOnlyLogin) assertReadOnlyLogin(settings.user, await inspectLogin(conn, settings));
    });
    return new MysqlSession(settings, secrets);
  },
});
