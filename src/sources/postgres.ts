/**
 * PostgreSQL source (pg; COPY framing in pg-copy-out.ts). Every connection starts with
 * `default_transaction_read_only=on` and every read runs inside `BEGIN READ ONLY` with a
 * `statement_timeout`, after the SQL guard has accepted the query. Rows stream through
 * `COPY (query) TO STDOUT` in text format (pg-copy-text.ts), with backpressure: memory stays flat
 * whatever the table size. Values are the server's own text (no JS number/Date parsing), so IDs and
 * decimals are exact.
 */
import type { Readable } from 'node:stream';
import pg from 'pg';
import { z } from 'zod';
import { durationSetting } from '../shared/duration.schema.js';
import { HOST_PORT_DATABASE, hostPortDatabaseIdentity } from '../secrets/binding.js';
import { portSchema } from '../shared/config.schema.js';
import { checkAborted, groupColumnsIntoTables, maxFieldLengthSetting, quoteIdent, requireQuery, rowsOfBatches, sampleThroughSession, scrub, valuesBatch, defineSourceDriver } from './common.js';
import { copyOut } from './pg-copy-out.js';
import { CopyTextParser, type ColumnConverter } from './pg-copy-text.js';
import { assertReadOnlyLogin, POSTGRES_RIGHTS_SQL, postgresRights, postgresRoleFacts, requireReadOnlyLoginSetting } from './login-rights.js';
import { assertReadOnlySelect, withoutTrailingSemicolon } from './sql-guard.js';
import type { CheckResult, LoginRights, EntityRequest, ReadOptions, RowBatch, RowValues, SampleResult, Secrets, SourcedRow, SourceSession, TableInfo } from './types.js';
import { SourceError } from './types.js';

export const postgresSettingsSchema = z
  .object({
    host: z.string().min(1, 'the server name or address is required'),
    port: portSchema().default(5432),
    database: z.string().min(1, 'the database name is required'),
    user: z.string().min(1, 'the login name is required'),
    /** `disable`: plain; `require`: TLS without certificate check; `verify`: TLS with a trusted certificate. */
    ssl: z.enum(['disable', 'require', 'verify']).default('disable'),
    connectTimeoutSeconds: durationSetting('seconds', { min: 1, max: 600 }, 15),
    queryTimeoutSeconds: durationSetting('seconds', { min: 1, max: 86_400 }, 600),
    /** Longest value (characters) a column may hold; a longer one stops the read with a finding. */
    maxFieldLength: maxFieldLengthSetting,
    /** Most rows handed to the pipeline at once (the server streams COPY data as fast as it is read). */
    batchSize: z.number().int().min(10).max(100_000).default(1000),
    /** Schemas listed by discover (empty = every non-system schema). */
    schemas: z.array(z.string()).default([]),
    requireReadOnlyLogin: requireReadOnlyLoginSetting,
  })
  .strict();
export type PostgresSettings = z.infer<typeof postgresSettingsSchema>;

const NAME = 'PostgreSQL';
const BOOL_OID = 16;
const BYTEA_OID = 17;

/** Every column as the server's text; booleans as true/false, bytea as plain hex. */
const CONVERTERS: Readonly<Record<number, ColumnConverter>> = {
  [BOOL_OID]: (v) => (v === 't' ? 'true' : v === 'f' ? 'false' : v),
  [BYTEA_OID]: (v) => (v.startsWith('\\x') ? v.slice(2) : v),
};
/** The same conversion for pg's own row parsing (connection check, introspection). */
const TEXT_TYPES = {
  getTypeParser(oid: number): (value: string) => string {
    return CONVERTERS[oid] ?? ((v) => v);
  },
};

export function postgresClientConfig(settings: PostgresSettings, secrets: Secrets): pg.ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: secrets.password ?? '',
    ssl: settings.ssl === 'disable' ? false : { rejectUnauthorized: settings.ssl === 'verify' },
    connectionTimeoutMillis: settings.connectTimeoutSeconds * 1000,
    application_name: 'RosterSync',
    // standard_conforming_strings pinned: the SQL guard lexes '…' exactly as the server will (no backslash escapes).
    options: '-c default_transaction_read_only=on -c standard_conforming_strings=on -c TimeZone=UTC',
    types: TEXT_TYPES,
  };
}

const where = (s: PostgresSettings): string => `${s.host}:${s.port}`;

/** Turns a pg/network error into words an admin can act on; never includes the password. */
export function translatePostgresError(error: unknown, settings: PostgresSettings, secrets: Secrets, context = ''): SourceError {
  if (error instanceof SourceError) return error;
  const e = error as { code?: string; message?: string; errno?: string };
  const code = e.code ?? '';
  const raw = e.message ?? String(error);
  const make = (message: string, kind: SourceError['code']): SourceError => new SourceError(scrub(message, secrets), kind);
  switch (code) {
    case 'ECONNREFUSED':
      return make(`PostgreSQL at ${where(settings)} refused the connection: the server is not running or not listening on that port. Check the server name, the port (usually 5432) and the firewall.`, 'unreachable');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make(`The server name "${settings.host}" cannot be found (DNS). Check the spelling or use the IP address.`, 'unreachable');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return make(`PostgreSQL at ${where(settings)} cannot be reached from this machine (${code}). Check the network path and firewall.`, 'unreachable');
    case 'ECONNRESET':
      return make(`PostgreSQL at ${where(settings)} closed the connection (${raw}). If the server requires TLS, set TLS to "require".`, 'unreachable');
    case '28P01':
    case '28000':
      if (/SSL|encryption/i.test(raw)) {
        return make(`PostgreSQL at ${where(settings)} refused the connection's TLS setting (${raw}). Change the TLS option of this source.`, 'tls');
      }
      return make(`PostgreSQL refused the login for user "${settings.user}": ${raw}. Check the user name and password.`, 'login-failed');
    case '3D000':
      return make(`The database "${settings.database}" does not exist on ${where(settings)}. Check the database name.`, 'database-missing');
    case '57014':
      return make(`The query${context ? ` for ${context}` : ''} ran longer than ${settings.queryTimeoutSeconds} s and was cancelled. Raise the query timeout or simplify the query.`, 'timeout');
    case '25006':
      return make(`The query${context ? ` for ${context}` : ''} tried to write, and the read-only transaction refused it (${raw}). RosterSync runs only read-only SELECT statements.`, 'not-read-only');
    case '42501':
      return make(`The user "${settings.user}" may not read what the query${context ? ` for ${context}` : ''} asks for: ${raw}. Grant SELECT on it.`, 'query-failed');
    default:
      break;
  }
  if (/timeout expired|connection timeout|timed out/i.test(raw)) {
    return make(`PostgreSQL at ${where(settings)} did not answer within ${settings.connectTimeoutSeconds} s. Check the server name, port and firewall.`, 'timeout');
  }
  if (/SSL|TLS|certificate|self[- ]signed/i.test(raw)) {
    return make(`The TLS connection to ${where(settings)} failed: ${raw}. Change the TLS option of this source (or install the server's certificate).`, 'tls');
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    return make(`The query${context ? ` for ${context}` : ''} failed: ${raw}`, 'query-failed');
  }
  return make(`PostgreSQL at ${where(settings)}: ${raw}`, 'unreachable');
}

async function connect(settings: PostgresSettings, secrets: Secrets): Promise<pg.Client> {
  const client = new pg.Client(postgresClientConfig(settings, secrets));
  // An idle error (server restart) must not crash the agent; it surfaces at the next query.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw translatePostgresError(error, settings, secrets);
  }
  return client;
}

async function beginReadOnly(client: pg.ClientBase, settings: PostgresSettings): Promise<void> {
  await client.query('BEGIN TRANSACTION READ ONLY');
  await client.query("SELECT set_config('statement_timeout', $1, true)", [String(settings.queryTimeoutSeconds * 1000)]);
}

/** What the login may do beyond reading (superuser, table privileges, server-file roles, dblink…), read in a read-only transaction. */
async function inspectLogin(client: pg.ClientBase, settings: PostgresSettings): Promise<LoginRights> {
  await beginReadOnly(client, settings);
  try {
    const role = await client.query<Record<string, string | null>>(POSTGRES_RIGHTS_SQL.role);
    const tables = await client.query<{ table_name: string; privilege: string }>(POSTGRES_RIGHTS_SQL.tables);
    const facts = postgresRoleFacts(role.rows[0] ?? {}, tables.rows.map((r) => ({ table: r.table_name, privilege: r.privilege })));
    return postgresRights(facts, { database: settings.database, schemas: settings.schemas });
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * One entity's rows through `COPY (query) TO STDOUT` (text format, parsed in pg-copy-text.ts), in
 * batches of at most `batchSize` rows. The column names and types come from the query itself,
 * described with `LIMIT 0` in the same read-only transaction.
 */
async function* copyQuery(
  pool: pg.Pool,
  settings: PostgresSettings,
  secrets: Secrets,
  request: EntityRequest,
  options: ReadOptions | undefined,
): AsyncGenerator<RowBatch> {
  const sql = requireQuery(request, NAME);
  const entity = String(request.entity);
  assertReadOnlySelect(sql, 'postgres', entity);
  checkAborted(options?.signal);
  const body = withoutTrailingSemicolon(sql, 'postgres');
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translatePostgresError(error, settings, secrets);
  }
  let stream: Readable | undefined;
  let clean = false;
  const onAbort = (): void => {
    stream?.destroy(new SourceError('The read was cancelled.', 'timeout'));
  };
  options?.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await beginReadOnly(client, settings);
    const described = await client.query(`SELECT * FROM (\n${body}\n) AS rostersync_columns LIMIT 0`);
    const columns = described.fields.map((f) => f.name);
    const parser = new CopyTextParser(columns, described.fields.map((f) => CONVERTERS[f.dataTypeID]), entity, settings.maxFieldLength);
    stream = client.query(copyOut(`COPY (\n${body}\n) TO STDOUT`));
    let rows: RowValues[] = [];
    let first = 1;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parser.push(chunk, rows);
      if (!rows.length) continue;
      for (let at = 0; at < rows.length; at += settings.batchSize) {
        yield numberedBatch(columns, rows.length <= settings.batchSize ? rows : rows.slice(at, at + settings.batchSize), entity, first + at);
      }
      first += rows.length;
      rows = [];
    }
    parser.end();
    await client.query('ROLLBACK');
    clean = true;
  } catch (error) {
    throw translatePostgresError(error, settings, secrets, entity);
  } finally {
    options?.signal?.removeEventListener('abort', onAbort);
    if (stream && !stream.destroyed) stream.destroy();
    // Stopped early or failed: the COPY and the transaction may still be open, so the connection is discarded.
    client.release(!clean);
  }
}

/** Rows of one read with their origins, numbered from `firstRow` ("students row 14"). */
function numberedBatch(columns: readonly string[], rows: readonly RowValues[], entity: string, firstRow: number): RowBatch {
  return valuesBatch(columns, rows, (i) => `${entity} row ${firstRow + i}`);
}

class PostgresSession implements SourceSession {
  private readonly pool: pg.Pool;
  constructor(
    private readonly settings: PostgresSettings,
    private readonly secrets: Secrets,
  ) {
    this.pool = new pg.Pool({ ...postgresClientConfig(settings, secrets), max: 4, idleTimeoutMillis: 30_000 });
    // An idle connection's error (server restart) must not crash the agent; it surfaces at the next query.
    this.pool.on('error', () => undefined);
  }

  /** Every query must be set and read-only before the first row of any entity is read. */
  async preflight(requests: readonly EntityRequest[]): Promise<void> {
    for (const request of requests) assertReadOnlySelect(requireQuery(request, NAME), 'postgres', String(request.entity));
  }

  read(request: EntityRequest, options?: ReadOptions): AsyncIterable<SourcedRow> {
    return rowsOfBatches(this.readBatches(request, options));
  }

  readBatches(request: EntityRequest, options?: ReadOptions): AsyncIterable<RowBatch> {
    return copyQuery(this.pool, this.settings, this.secrets, request, options);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

const DISCOVER_SQL = `
SELECT c.table_schema, c.table_name, t.table_type, c.column_name, c.data_type, c.is_nullable
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg\\_toast%'
  AND (cardinality($1::text[]) = 0 OR c.table_schema = ANY($1::text[]))
ORDER BY c.table_schema, c.table_name, c.ordinal_position`;

async function discover(settings: PostgresSettings, secrets: Secrets): Promise<TableInfo[]> {
  const client = await connect(settings, secrets);
  try {
    await beginReadOnly(client, settings);
    const result = await client.query<{ table_schema: string; table_name: string; table_type: string; column_name: string; data_type: string; is_nullable: string }>(
      DISCOVER_SQL,
      [settings.schemas],
    );
    await client.query('ROLLBACK');
    return groupColumnsIntoTables(
      result.rows.map((r) => ({ schema: r.table_schema, table: r.table_name, kind: r.table_type === 'VIEW' ? 'view' : 'table', column: r.column_name, type: r.data_type, nullable: r.is_nullable === 'YES' })),
    );
  } catch (error) {
    throw translatePostgresError(error, settings, secrets);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresDriver = defineSourceDriver<PostgresSettings>(NAME, {
  id: 'postgres',
  displayName: 'PostgreSQL',
  settingsSchema: postgresSettingsSchema,
  secretFields: ['password'],
  connectionIdentity: hostPortDatabaseIdentity,
  identityFields: HOST_PORT_DATABASE,
  capabilities: ['sql', 'readOnlyTransaction'],

  async check(settings, secrets): Promise<CheckResult> {
    const started = Date.now();
    const client = await connect(settings, secrets);
    try {
      await beginReadOnly(client, settings);
      const r = await client.query<{ v: string; ro: string }>("SELECT version() AS v, current_setting('transaction_read_only') AS ro");
      await client.query('ROLLBACK');
      const version = r.rows[0]?.v ?? '';
      const loginRights = await inspectLogin(client, settings);
      return {
        ok: true,
        message: `Connected to database "${settings.database}" on ${where(settings)} as ${settings.user}, ${loginRights.canWrite ? 'in a read-only transaction, but this login can write' : 'read-only'}.`,
        latencyMs: Date.now() - started,
        serverVersion: version.split(' on ')[0],
        loginRights,
        readOnlyLoginRequired: settings.requireReadOnlyLogin,
      };
    } catch (error) {
      throw translatePostgresError(error, settings, secrets);
    } finally {
      await client.end().catch(() => undefined);
    }
  },

  async discover(settings, secrets) {
    return discover(settings, secrets);
  },

  async sample(settings, secrets, request, limit): Promise<SampleResult> {
    if ('table' in request) {
      const [schemaPart, namePart] = request.table.includes('.') ? request.table.split('.', 2) : [undefined, request.table];
      const known = (await discover(settings, secrets)).find((t) => t.name === namePart && (schemaPart === undefined || t.schema === schemaPart));
      if (!known) throw new SourceError(`There is no table or view named "${request.table}" in database "${settings.database}".`, 'query-failed');
      const sql = `SELECT * FROM ${quoteIdent(known.schema ?? 'public', 'double')}.${quoteIdent(known.name, 'double')}`;
      return sampleThroughSession(new PostgresSession(settings, secrets), { entity: known.name, query: sql }, limit);
    }
    return sampleThroughSession(new PostgresSession(settings, secrets), request, limit);
  },

  async open(settings, secrets): Promise<SourceSession> {
    // Prove the connection (and, when required, that the login cannot write) before the run starts reading.
    const client = await connect(settings, secrets);
    try {
      if (settings.requireReadOnlyLogin) assertReadOnlyLogin(settings.user, await inspectLogin(client, settings));
    } catch (error) {
      throw translatePostgresError(error, settings, secrets);
    } finally {
      await client.end().catch(() => undefined);
    }
    return new PostgresSession(settings, secrets);
  },
});
