/**
 * Oracle source (node-oracledb in thin mode: pure JavaScript, no Instant Client). Each read
 * sets the session's date/number formats, starts `SET TRANSACTION READ ONLY`, sets a call
 * timeout and streams the admin's SELECT with `queryStream` (rows fetched in batches).
 * Numbers, dates and timestamps are fetched as Oracle's own text, so IDs keep their digits.
 *
 * Not run against a live Oracle database in this project's CI (none can run here): the config
 * mapping and the error translation are unit-tested, and connection failures are tested against real sockets.
 */
import oracledb from 'oracledb';
import type { Connection, ConnectionAttributes, Metadata, Pool } from 'oracledb';
import { z } from 'zod';
import { durationSetting } from '../shared/duration.schema.js';
import { hostPart } from '../secrets/binding.js';
import { portSchema } from '../shared/config.schema.js';
import { checkAborted, groupColumnsIntoTables, maxFieldLengthSetting, quoteIdent, requireQuery, rowFromObject, sampleThroughSession, scrub, defineSourceDriver } from './common.js';
import { assertReadOnlyLogin, ORACLE_RIGHTS_SQL, oracleRights, requireReadOnlyLoginSetting } from './login-rights.js';
import { assertReadOnlySelect } from './sql-guard.js';
import type { CheckResult, LoginRights, EntityRequest, ReadOptions, SampleResult, Secrets, SourcedRow, SourceSession, TableInfo } from './types.js';
import { SourceError } from './types.js';

export const oracleSettingsSchema = z
  .object({
    host: z.string().min(1, 'the server name or address is required'),
    port: portSchema().default(1521),
    /** Service name (e.g. ORCLPDB1, or PSPRODDB for PowerSchool); give this or `sid`. */
    serviceName: z.string().optional(),
    /** Old-style SID, when the database has no service name. */
    sid: z.string().optional(),
    user: z.string().min(1, 'the login name is required'),
    /** Full connect string (Easy Connect or a TNS descriptor); overrides host/port/service. */
    connectString: z.string().optional(),
    /** Schema (owner) listed by discover; default the login's own schema. */
    schema: z.string().optional(),
    connectTimeoutSeconds: durationSetting('seconds', { min: 1, max: 600 }, 15),
    queryTimeoutSeconds: durationSetting('seconds', { min: 1, max: 86_400 }, 600),
    /** Longest value (characters) a column may hold; a longer one stops the read with a finding. */
    maxFieldLength: maxFieldLengthSetting,
    fetchArraySize: z.number().int().min(10).max(100_000).default(1000),
    requireReadOnlyLogin: requireReadOnlyLoginSetting,
  })
  .strict()
  .refine((s) => Boolean(s.connectString || s.serviceName || s.sid), { message: 'give the service name (or the SID, or a full connect string)', path: ['serviceName'] });
export type OracleSettings = z.infer<typeof oracleSettingsSchema>;

const NAME = 'Oracle';

export function oracleConnectString(settings: OracleSettings): string {
  if (settings.connectString) return settings.connectString;
  if (settings.serviceName) return `${settings.host}:${settings.port}/${settings.serviceName}`;
  return `(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=${settings.host})(PORT=${settings.port}))(CONNECT_DATA=(SID=${settings.sid})))`;
}

/** The node-oracledb pool attributes for these settings (exported for tests). */
export function oraclePoolAttributes(settings: OracleSettings, secrets: Secrets): ConnectionAttributes {
  return {
    user: settings.user,
    password: secrets.password ?? '',
    connectString: oracleConnectString(settings),
    connectTimeout: settings.connectTimeoutSeconds,
    transportConnectTimeout: settings.connectTimeoutSeconds,
    poolMin: 0,
    poolMax: 4,
    poolIncrement: 1,
    poolTimeout: 30,
    queueTimeout: settings.connectTimeoutSeconds * 1000,
  };
}

/** Oracle writes 0.5 as ".5": put the zero back. */
export function fixOracleNumber(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^(-?)\./, '$10.') : value;
}

/** A DATE at midnight is a date: `2011-03-07 00:00:00` → `2011-03-07`. */
export function fixOracleDate(value: unknown): unknown {
  return typeof value === 'string' && value.endsWith(' 00:00:00') ? value.slice(0, 10) : value;
}

function fetchTypeHandler(meta: Metadata): { type: typeof oracledb.STRING; converter?: (v: unknown) => unknown } | undefined {
  switch (meta.dbType) {
    case oracledb.DB_TYPE_NUMBER:
    case oracledb.DB_TYPE_BINARY_FLOAT:
    case oracledb.DB_TYPE_BINARY_DOUBLE:
      return { type: oracledb.STRING, converter: fixOracleNumber };
    case oracledb.DB_TYPE_DATE:
      return { type: oracledb.STRING, converter: fixOracleDate };
    case oracledb.DB_TYPE_TIMESTAMP:
    case oracledb.DB_TYPE_TIMESTAMP_TZ:
    case oracledb.DB_TYPE_TIMESTAMP_LTZ:
    case oracledb.DB_TYPE_CLOB:
    case oracledb.DB_TYPE_NCLOB:
      return { type: oracledb.STRING };
    default:
      return undefined;
  }
}

const SESSION_FORMATS =
  "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF3' " +
  "NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF3 TZH:TZM' NLS_NUMERIC_CHARACTERS = '.,' TIME_ZONE = '+00:00'";

const where = (s: OracleSettings): string => (s.connectString ? s.connectString : `${s.host}:${s.port}/${s.serviceName ?? s.sid}`);

/** Turns an oracledb error into words an admin can act on; never includes the password. */
export function translateOracleError(error: unknown, settings: OracleSettings, secrets: Secrets, context = ''): SourceError {
  if (error instanceof SourceError) return error;
  const e = error as { code?: string; errorNum?: number; message?: string };
  const raw = e.message ?? String(error);
  const code = e.code ?? (/^(ORA|NJS|DPI)-\d+/.exec(raw)?.[0] ?? '');
  const q = `The query${context ? ` for ${context}` : ''}`;
  const w = where(settings);
  const make = (message: string, kind: SourceError['code']): SourceError => new SourceError(scrub(message, secrets), kind);
  switch (code) {
    case 'ORA-01017':
    case 'ORA-01005':
      return make(`Oracle at ${w} refused the login for "${settings.user}". Check the user name and password.`, 'login-failed');
    case 'ORA-28000':
      return make(`The Oracle account "${settings.user}" is locked. Ask the database administrator to unlock it.`, 'login-failed');
    case 'ORA-28001':
      return make(`The password of the Oracle account "${settings.user}" has expired. Set a new password and update this source.`, 'login-failed');
    case 'ORA-01045':
      return make(`The Oracle account "${settings.user}" lacks CREATE SESSION. Ask the database administrator to grant it.`, 'login-failed');
    case 'NJS-518':
    case 'NJS-519':
    case 'ORA-12514':
    case 'ORA-12505':
      return make(`The database service "${settings.serviceName ?? settings.sid ?? ''}" is not known to the Oracle listener at ${settings.host}:${settings.port}. Check the service name (or SID).`, 'database-missing');
    case 'NJS-503':
    case 'NJS-511':
    case 'NJS-500':
    case 'NJS-501':
    case 'NJS-521':
    case 'ORA-12541':
      return make(`Oracle at ${settings.host}:${settings.port} cannot be reached: ${/ECONNREFUSED|refused/.test(raw) ? 'the connection was refused (no listener on that port)' : 'the connection failed'}. Check the server name, the port (usually 1521) and the firewall.`, 'unreachable');
    case 'NJS-530':
      return make(`The server name "${settings.host}" cannot be found (DNS). Check the spelling or use the IP address.`, 'unreachable');
    case 'NJS-510':
    case 'ORA-12170':
      return make(`Oracle at ${settings.host}:${settings.port} did not answer within ${settings.connectTimeoutSeconds} s. Check the server name, port and firewall.`, 'timeout');
    case 'NJS-505':
    case 'NJS-506':
    case 'NJS-507':
    case 'NJS-508':
      return make(`The TLS connection to Oracle at ${w} failed: ${raw}. Check the TCPS settings and the server certificate.`, 'tls');
    case 'NJS-123':
    case 'DPI-1067':
    case 'ORA-01013':
      return make(`${q} ran longer than ${settings.queryTimeoutSeconds} s and was cancelled. Raise the query timeout or simplify the query.`, 'timeout');
    case 'ORA-01456':
    case 'ORA-16000':
      return make(`${q} tried to write, and the read-only transaction refused it (${raw}). RosterSync runs only read-only SELECT statements.`, 'not-read-only');
    case 'ORA-01031':
    case 'ORA-00942':
      return make(`${q} failed: ${raw}. Check the table name and that "${settings.user}" has SELECT on it.`, 'query-failed');
    default:
      break;
  }
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(raw)) {
    return make(`The server name "${settings.host}" cannot be found (DNS). Check the spelling or use the IP address.`, 'unreachable');
  }
  if (code.startsWith('ORA-')) return make(`${q} failed: ${raw}`, 'query-failed');
  return make(`Oracle at ${w}: ${raw}`, 'unreachable');
}

async function createPool(settings: OracleSettings, secrets: Secrets): Promise<Pool> {
  try {
    return await oracledb.createPool(oraclePoolAttributes(settings, secrets));
  } catch (error) {
    throw translateOracleError(error, settings, secrets);
  }
}

async function prepare(conn: Connection, settings: OracleSettings): Promise<void> {
  conn.callTimeout = settings.queryTimeoutSeconds * 1000;
  await conn.execute(SESSION_FORMATS);
  await conn.execute('SET TRANSACTION READ ONLY');
}

/** What the login may do beyond reading: SESSION_PRIVS (the ANY privileges), roles, object grants, own tables. */
async function inspectLogin(conn: Connection, settings: OracleSettings): Promise<LoginRights> {
  const rows = async <T>(sql: string): Promise<T[]> => (await conn.execute<T>(sql, [], { outFormat: oracledb.OUT_FORMAT_OBJECT })).rows ?? [];
  const privileges = await rows<{ PRIVILEGE: string }>(ORACLE_RIGHTS_SQL.privileges);
  const roles = await rows<{ ROLE: string }>(ORACLE_RIGHTS_SQL.roles);
  const grants = await rows<{ OBJECT: string; PRIVILEGE: string }>(ORACLE_RIGHTS_SQL.objectGrants);
  const [own] = await rows<{ N: number | string }>(ORACLE_RIGHTS_SQL.ownTables);
  return oracleRights(
    {
      sessionPrivileges: privileges.map((r) => r.PRIVILEGE),
      roles: roles.map((r) => r.ROLE),
      objectGrants: grants.map((r) => ({ object: r.OBJECT, privilege: r.PRIVILEGE })),
      ownTables: Number(own?.N ?? 0),
    },
    { schemas: settings.schema ? [settings.schema.toUpperCase()] : undefined },
  );
}

async function* streamQuery(pool: Pool, settings: OracleSettings, secrets: Secrets, request: EntityRequest, options?: ReadOptions): AsyncGenerator<SourcedRow> {
  const text = requireQuery(request, NAME).replace(/;\s*$/, '');
  const entity = String(request.entity);
  assertReadOnlySelect(text, 'oracle', entity);
  checkAborted(options?.signal);
  let conn: Connection;
  try {
    conn = await pool.getConnection();
  } catch (error) {
    throw translateOracleError(error, settings, secrets);
  }
  let clean = false;
  let stream: ReturnType<Connection['queryStream']> | undefined;
  const onAbort = (): void => {
    stream?.destroy(new SourceError('The read was cancelled.', 'timeout'));
  };
  options?.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await prepare(conn, settings);
    stream = conn.queryStream(text, [], { outFormat: oracledb.OUT_FORMAT_OBJECT, fetchArraySize: settings.fetchArraySize, fetchTypeHandler });
    let n = 0;
    for await (const obj of stream as AsyncIterable<Record<string, unknown>>) {
      n++;
      yield { row: rowFromObject(obj, { maxFieldLength: settings.maxFieldLength, entity, rowNumber: n }), origin: `${entity} row ${n}` };
    }
    clean = true;
  } catch (error) {
    throw translateOracleError(error, settings, secrets, entity);
  } finally {
    options?.signal?.removeEventListener('abort', onAbort);
    if (stream && !stream.destroyed) stream.destroy();
    await conn.rollback().catch(() => undefined);
    await conn.close({ drop: !clean }).catch(() => undefined);
  }
}

class OracleSession implements SourceSession {
  constructor(
    private readonly pool: Pool,
    private readonly settings: OracleSettings,
    private readonly secrets: Secrets,
  ) {}

  async preflight(requests: readonly EntityRequest[]): Promise<void> {
    for (const request of requests) assertReadOnlySelect(requireQuery(request, NAME).replace(/;\s*$/, ''), 'oracle', String(request.entity));
  }

  read(request: EntityRequest, options?: ReadOptions): AsyncIterable<SourcedRow> {
    return streamQuery(this.pool, this.settings, this.secrets, request, options);
  }

  async close(): Promise<void> {
    await this.pool.close(0).catch(() => undefined);
  }
}

/** Runs `work` on one prepared read-only connection. */
async function withConnection<T>(settings: OracleSettings, secrets: Secrets, work: (conn: Connection) => Promise<T>): Promise<T> {
  let conn: Connection | undefined;
  try {
    conn = await oracledb.getConnection({ ...oraclePoolAttributes(settings, secrets), poolMin: undefined, poolMax: undefined, poolIncrement: undefined, poolTimeout: undefined, queueTimeout: undefined });
    await prepare(conn, settings);
    return await work(conn);
  } catch (error) {
    throw translateOracleError(error, settings, secrets);
  } finally {
    if (conn) {
      await conn.rollback().catch(() => undefined);
      await conn.close().catch(() => undefined);
    }
  }
}

async function discover(settings: OracleSettings, secrets: Secrets): Promise<TableInfo[]> {
  return withConnection(settings, secrets, async (conn) => {
    const result = await conn.execute<{ OWNER: string; TABLE_NAME: string; OBJECT_TYPE: string; COLUMN_NAME: string; DATA_TYPE: string; NULLABLE: string }>(
      `SELECT c.owner, c.table_name, o.object_type, c.column_name, c.data_type, c.nullable
       FROM all_tab_columns c
       JOIN all_objects o ON o.owner = c.owner AND o.object_name = c.table_name AND o.object_type IN ('TABLE', 'VIEW')
       WHERE c.owner = NVL(:1, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'))
       ORDER BY c.table_name, c.column_id`,
      [settings.schema ? settings.schema.toUpperCase() : null],
      { outFormat: oracledb.OUT_FORMAT_OBJECT },
    );
    return groupColumnsIntoTables(
      (result.rows ?? []).map((r) => ({ schema: r.OWNER, table: r.TABLE_NAME, kind: r.OBJECT_TYPE === 'VIEW' ? 'view' : 'table', column: r.COLUMN_NAME, type: r.DATA_TYPE, nullable: r.NULLABLE === 'Y' })),
    );
  });
}

export const oracleDriver = defineSourceDriver<OracleSettings>(NAME, {
  id: 'oracle',
  displayName: 'Oracle',
  settingsSchema: oracleSettingsSchema,
  secretFields: ['password'],
  connectionIdentity: (s) => ({ label: where(s), parts: s.connectString ? [s.connectString.trim()] : [hostPart(s.host), s.port, s.serviceName, s.sid] }),
  identityFields: ['host', 'port', 'serviceName', 'sid', 'connectString'],
  capabilities: ['sql', 'readOnlyTransaction'],

  async check(settings, secrets): Promise<CheckResult> {
    const started = Date.now();
    const { version, loginRights } = await withConnection(settings, secrets, async (conn) => ({
      version: conn.oracleServerVersionString ?? '',
      loginRights: await inspectLogin(conn, settings),
    }));
    return {
      ok: true,
      message: `Connected to ${where(settings)} as ${settings.user}, ${loginRights.canWrite ? 'in a read-only transaction, but this login can write' : 'read-only'}.`,
      latencyMs: Date.now() - started,
      serverVersion: `Oracle ${version}`.trim(),
      loginRights,
      readOnlyLoginRequired: settings.requireReadOnlyLogin,
    };
  },

  async discover(settings, secrets) {
    return discover(settings, secrets);
  },

  async sample(settings, secrets, request, limit): Promise<SampleResult> {
    const pool = await createPool(settings, secrets);
    if ('table' in request) {
      const known = (await discover(settings, secrets)).find((t) => t.name === request.table || t.name === request.table.toUpperCase());
      if (!known) {
        await pool.close(0).catch(() => undefined);
        throw new SourceError(`There is no table or view named "${request.table}" in schema ${settings.schema ?? settings.user}.`, 'query-failed');
      }
      const text = `SELECT * FROM ${quoteIdent(known.schema ?? settings.user.toUpperCase(), 'double')}.${quoteIdent(known.name, 'double')}`;
      return sampleThroughSession(new OracleSession(pool, settings, secrets), { entity: known.name, query: text }, limit);
    }
    return sampleThroughSession(new OracleSession(pool, settings, secrets), request, limit);
  },

  async open(settings, secrets): Promise<SourceSession> {
    // Prove the connection (and, when required, that the login cannot write) before the run starts reading.
    await withConnection(settings, secrets, async (conn) => {
      if (settings.requireReadOnlyLogin) assertReadOnlyLogin(settings.user, await inspectLogin(conn, settings));
    });
    return new OracleSession(await createPool(settings, secrets), settings, secrets);
  },
});
