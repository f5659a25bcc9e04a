/**
 * SQL Server source, a thin layer over `mssql` (tedious): SQL logins or Windows/NTLM domain
 * logins, named instances (`SERVER\INSTANCE`, resolved through SQL Browser), `encrypt` and
 * `trustServerCertificate`, and `ApplicationIntent=ReadOnly` (routes to a readable secondary in
 * an availability group). SQL Server has no read-only transaction: each read runs in a READ
 * COMMITTED transaction that is always rolled back, after the SQL guard accepted the query, and
 * the login should hold only db_datareader. Rows stream with backpressure (`toReadableStream`).
 *
 * Not run against a live SQL Server in this project's CI (none can run here): the config mapping
 * and the error translation are unit-tested, and connection failures are tested against real sockets.
 */
import type sql from 'mssql';

/** mssql (tedious) takes ~0.25 s to load: only when a SQL Server source connects, not at every start. */
const loadMssql = async (): Promise<typeof sql> => (await import('mssql')).default;
import { z } from 'zod';
import { durationSetting } from '../shared/duration.schema.js';
import { hostPortDatabaseIdentity } from '../secrets/binding.js';
import { portSchema } from '../shared/config.schema.js';
import { checkAborted, errorChain, groupColumnsIntoTables, maxFieldLengthSetting, quoteIdent, requireQuery, rowFromObject, sampleThroughSession, scrub, defineSourceDriver } from './common.js';
import { assertReadOnlyLogin, MSSQL_RIGHTS_SQL, mssqlRights, requireReadOnlyLoginSetting, type MssqlRightFacts } from './login-rights.js';
import { assertReadOnlySelect } from './sql-guard.js';
import type { CheckResult, LoginRights, EntityRequest, ReadOptions, SampleResult, Secrets, SourcedRow, SourceSession, TableInfo } from './types.js';
import { SourceError } from './types.js';

export const mssqlSettingsSchema = z
  .object({
    /** Server name or address; `SERVER\INSTANCE` and `SERVER,PORT` are understood. */
    host: z.string().min(1, 'the server name or address is required'),
    port: portSchema().default(1433),
    /** Named instance (looked up through the SQL Server Browser service, UDP 1434); the port is then ignored. */
    instanceName: z.string().optional(),
    database: z.string().min(1, 'the database name is required'),
    /** `sql`: a SQL Server login; `windows`: a domain account over NTLM (user + domain + password). */
    authentication: z.enum(['sql', 'windows']).default('sql'),
    user: z.string().min(1, 'the login name is required'),
    /** Windows domain (NetBIOS name, e.g. DISTRICT) for `windows` authentication. */
    domain: z.string().optional(),
    encrypt: z.boolean().default(true),
    /** Accept a self-signed server certificate (common on district servers; less safe). */
    trustServerCertificate: z.boolean().default(false),
    /** ApplicationIntent=ReadOnly. */
    readOnlyIntent: z.boolean().default(true),
    connectTimeoutSeconds: durationSetting('seconds', { min: 1, max: 600 }, 15),
    queryTimeoutSeconds: durationSetting('seconds', { min: 1, max: 86_400 }, 600),
    /** Longest value (characters) a column may hold; a longer one stops the read with a finding. */
    maxFieldLength: maxFieldLengthSetting,
    requireReadOnlyLogin: requireReadOnlyLoginSetting,
  })
  .strict()
  .refine((s) => s.authentication !== 'windows' || Boolean(s.domain || /[\\@]/.test(s.user)), {
    message: 'Windows authentication needs the domain (or a user written DOMAIN\\user or user@domain)',
    path: ['domain'],
  });
export type MssqlSettings = z.infer<typeof mssqlSettingsSchema>;

const NAME = 'SQL Server';

/** `SERVER\INSTANCE`, `SERVER,1433`, `tcp:SERVER` → parts. */
export function parseServerName(host: string): { server: string; instanceName?: string; port?: number } {
  let h = host.trim().replace(/^tcp:/i, '');
  let port: number | undefined;
  const comma = /^(.*),\s*(\d+)$/.exec(h);
  if (comma) {
    h = comma[1];
    port = Number(comma[2]);
  }
  const slash = h.indexOf('\\');
  if (slash > 0) return { server: h.slice(0, slash), instanceName: h.slice(slash + 1), port };
  return { server: h, port };
}

/** Splits `DOMAIN\user` / `user@domain.local` for NTLM when no domain is given separately. */
export function splitWindowsUser(user: string, domain?: string): { userName: string; domain: string } {
  if (domain) return { userName: user.includes('\\') ? user.slice(user.indexOf('\\') + 1) : user, domain };
  const back = user.indexOf('\\');
  if (back > 0) return { domain: user.slice(0, back), userName: user.slice(back + 1) };
  const at = user.lastIndexOf('@');
  if (at > 0) return { userName: user.slice(0, at), domain: user.slice(at + 1) };
  return { userName: user, domain: '' };
}

/** The `mssql` configuration for these settings (exported for tests). */
export function mssqlConfig(settings: MssqlSettings, secrets: Secrets): sql.config {
  const parsed = parseServerName(settings.host);
  const instanceName = settings.instanceName || parsed.instanceName;
  const base: sql.config = {
    server: parsed.server,
    database: settings.database,
    connectionTimeout: settings.connectTimeoutSeconds * 1000,
    requestTimeout: settings.queryTimeoutSeconds * 1000,
    pool: { max: 4, min: 0, idleTimeoutMillis: 30_000 },
    options: {
      encrypt: settings.encrypt,
      trustServerCertificate: settings.trustServerCertificate,
      readOnlyIntent: settings.readOnlyIntent,
      appName: 'RosterSync',
      useUTC: true,
      abortTransactionOnError: true,
      enableArithAbort: true,
      ...(instanceName ? { instanceName } : {}),
    },
  };
  if (!instanceName) base.port = parsed.port ?? settings.port;
  if (settings.authentication === 'windows') {
    const { userName, domain } = splitWindowsUser(settings.user, settings.domain);
    base.authentication = { type: 'ntlm', options: { userName, password: secrets.password ?? '', domain } };
  } else {
    base.user = settings.user;
    base.password = secrets.password ?? '';
  }
  return base;
}

function where(settings: MssqlSettings): string {
  const p = parseServerName(settings.host);
  const instance = settings.instanceName || p.instanceName;
  return instance ? `${p.server}\\${instance}` : `${p.server}:${p.port ?? settings.port}`;
}

/** Turns an mssql/tedious error into words an admin can act on; never includes the password. */
export function translateMssqlError(error: unknown, settings: MssqlSettings, secrets: Secrets, context = ''): SourceError {
  if (error instanceof SourceError) return error;
  const e = error as { code?: string; number?: number; message?: string; originalError?: { code?: string; message?: string; info?: { number?: number } } };
  const code = e.code ?? e.originalError?.code ?? '';
  const number = e.number ?? e.originalError?.info?.number;
  const chain = errorChain(error);
  const raw = chain.messages.join(' — ') || String(error);
  const q = `The query${context ? ` for ${context}` : ''}`;
  const make = (message: string, kind: SourceError['code']): SourceError => new SourceError(scrub(message, secrets), kind);
  const w = where(settings);

  if (number === 4060 || /Cannot open database/i.test(raw)) {
    return make(`The database "${settings.database}" does not exist on ${w}, or the login "${settings.user}" has no access to it. Check the database name and the login's user mapping.`, 'database-missing');
  }
  if (number === 18456 || code === 'ELOGIN' || /Login failed/i.test(raw)) {
    const how = settings.authentication === 'windows' ? 'the Windows account, domain and password' : 'the SQL login name and password (and that SQL Server authentication is enabled on the server)';
    return make(`SQL Server at ${w} refused the login for "${settings.user}". Check ${how}.`, 'login-failed');
  }
  if (code === 'EINSTLOOKUP') {
    return make(`The SQL Server instance at ${w} could not be found: the SQL Server Browser service (UDP 1434) did not answer. Start SQL Server Browser, open UDP 1434, or enter the instance's TCP port instead of its name.`, 'unreachable');
  }
  if (/certificate|self[- ]signed|SSL|TLS|encrypt/i.test(raw) && code !== 'EREQUEST') {
    return make(`The encrypted connection to ${w} failed: ${raw}. If the server uses a self-signed certificate, turn on "trust server certificate"; if it does not support encryption, turn encryption off.`, 'tls');
  }
  if (/ECONNREFUSED/.test(raw)) {
    return make(`SQL Server at ${w} refused the connection: the server is not running, TCP/IP is disabled in SQL Server Configuration Manager, or the port is wrong. Check the server name, the port (usually 1433) and the firewall.`, 'unreachable');
  }
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(raw)) {
    return make(`The server name "${parseServerName(settings.host).server}" cannot be found (DNS). Check the spelling or use the IP address.`, 'unreachable');
  }
  if (/EHOSTUNREACH|ENETUNREACH/.test(raw)) {
    return make(`SQL Server at ${w} cannot be reached from this machine. Check the network path and firewall.`, 'unreachable');
  }
  if (code === 'ETIMEOUT' && /Request failed to complete|timeout: request/i.test(raw)) {
    return make(`${q} ran longer than ${settings.queryTimeoutSeconds} s and was cancelled. Raise the query timeout or simplify the query.`, 'timeout');
  }
  if (code === 'ETIMEOUT' || /Failed to connect .* in \d+ms|connect timeout/i.test(raw)) {
    return make(`SQL Server at ${w} did not answer within ${settings.connectTimeoutSeconds} s. Check the server name, port, firewall and that TCP/IP is enabled.`, 'timeout');
  }
  if (number === 3906 || /read-only/i.test(raw)) {
    return make(`${q} tried to write, and the server refused it (${raw}). RosterSync runs only read-only SELECT statements.`, 'not-read-only');
  }
  if (number === 229 || number === 230 || /permission was denied/i.test(raw)) {
    return make(`The login "${settings.user}" may not read what ${q.toLowerCase()} asks for: ${raw}. Grant it SELECT (db_datareader).`, 'query-failed');
  }
  if (code === 'EREQUEST' || code === 'ECANCEL' || typeof number === 'number') {
    return make(`${q} failed: ${raw}`, 'query-failed');
  }
  if (code === 'ESOCKET' || code === 'ECONNCLOSED' || code === 'ENOTOPEN') {
    return make(`SQL Server at ${w}: the connection failed (${raw}). Check the server name, port and firewall.`, 'unreachable');
  }
  return make(`SQL Server at ${w}: ${raw}`, 'unreachable');
}

async function connectPool(settings: MssqlSettings, secrets: Secrets): Promise<sql.ConnectionPool> {
  const pool = new (await loadMssql()).ConnectionPool(mssqlConfig(settings, secrets));
  pool.on('error', () => undefined);
  try {
    await pool.connect();
  } catch (error) {
    await pool.close().catch(() => undefined);
    throw translateMssqlError(error, settings, secrets);
  }
  return pool;
}

/** What the login may do beyond reading: server and database role membership and write permissions. */
async function inspectLogin(pool: sql.ConnectionPool, settings: MssqlSettings): Promise<LoginRights> {
  const result = await pool.request().query<MssqlRightFacts>(MSSQL_RIGHTS_SQL);
  return mssqlRights(result.recordset[0]!, { database: settings.database });
}

async function* streamQuery(pool: sql.ConnectionPool, settings: MssqlSettings, secrets: Secrets, request: EntityRequest, options?: ReadOptions): AsyncGenerator<SourcedRow> {
  const text = requireQuery(request, NAME);
  const entity = String(request.entity);
  assertReadOnlySelect(text, 'mssql', entity);
  checkAborted(options?.signal);
  const mssql = await loadMssql();
  const tx = new mssql.Transaction(pool);
  let begun = false;
  let req: sql.Request | undefined;
  let finished = false;
  const onAbort = (): void => {
    req?.cancel();
  };
  options?.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await tx.begin(mssql.ISOLATION_LEVEL.READ_COMMITTED);
    begun = true;
    req = new mssql.Request(tx);
    const readable = req.toReadableStream({ highWaterMark: 1000 });
    void req.query(text).catch(() => undefined); // errors arrive through the stream
    let n = 0;
    for await (const obj of readable as AsyncIterable<Record<string, unknown>>) {
      n++;
      yield { row: rowFromObject(obj, { maxFieldLength: settings.maxFieldLength, entity, rowNumber: n }), origin: `${entity} row ${n}` };
    }
    finished = true;
  } catch (error) {
    throw translateMssqlError(error, settings, secrets, entity);
  } finally {
    options?.signal?.removeEventListener('abort', onAbort);
    if (!finished) req?.cancel();
    // Always roll back: nothing a query did is ever kept.
    if (begun) await tx.rollback().catch(() => undefined);
  }
}

class MssqlSession implements SourceSession {
  private pool: Promise<sql.ConnectionPool> | undefined;
  constructor(
    private readonly settings: MssqlSettings,
    private readonly secrets: Secrets,
    pool?: sql.ConnectionPool,
  ) {
    if (pool) this.pool = Promise.resolve(pool);
  }

  private getPool(): Promise<sql.ConnectionPool> {
    this.pool ??= connectPool(this.settings, this.secrets);
    return this.pool;
  }

  async preflight(requests: readonly EntityRequest[]): Promise<void> {
    for (const request of requests) assertReadOnlySelect(requireQuery(request, NAME), 'mssql', String(request.entity));
  }

  async *read(request: EntityRequest, options?: ReadOptions): AsyncGenerator<SourcedRow> {
    // refuse a bad query before connecting
    assertReadOnlySelect(requireQuery(request, NAME), 'mssql', String(request.entity));
    yield* streamQuery(await this.getPool(), this.settings, this.secrets, request, options);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool.catch(() => undefined))?.close().catch(() => undefined);
  }
}

const DISCOVER_SQL = `
SELECT c.TABLE_SCHEMA AS table_schema, c.TABLE_NAME AS table_name, t.TABLE_TYPE AS table_type,
       c.COLUMN_NAME AS column_name, c.DATA_TYPE AS data_type, c.IS_NULLABLE AS is_nullable
FROM INFORMATION_SCHEMA.COLUMNS c
JOIN INFORMATION_SCHEMA.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA NOT IN ('sys', 'INFORMATION_SCHEMA')
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`;

async function discover(settings: MssqlSettings, secrets: Secrets): Promise<TableInfo[]> {
  const pool = await connectPool(settings, secrets);
  try {
    const result = await pool.request().query<{ table_schema: string; table_name: string; table_type: string; column_name: string; data_type: string; is_nullable: string }>(DISCOVER_SQL);
    return groupColumnsIntoTables(
      result.recordset.map((r) => ({ schema: r.table_schema, table: r.table_name, kind: r.table_type === 'VIEW' ? 'view' : 'table', column: r.column_name, type: r.data_type, nullable: r.is_nullable === 'YES' })),
    );
  } catch (error) {
    throw translateMssqlError(error, settings, secrets);
  } finally {
    await pool.close().catch(() => undefined);
  }
}

export const mssqlDriver = defineSourceDriver<MssqlSettings>(NAME, {
  id: 'mssql',
  displayName: 'Microsoft SQL Server',
  settingsSchema: mssqlSettingsSchema,
  secretFields: ['password'],
  // A named instance is another server on the same host.
  connectionIdentity: (s) => {
    const identity = hostPortDatabaseIdentity(s);
    return s.instanceName ? { label: `${s.host}\\${s.instanceName}/${s.database}`, parts: [...identity.parts, s.instanceName.toLowerCase()] } : identity;
  },
  identityFields: ['host', 'port', 'instanceName', 'database'],
  capabilities: ['sql', 'windowsAuth'],

  async check(settings, secrets): Promise<CheckResult> {
    const started = Date.now();
    const pool = await connectPool(settings, secrets);
    try {
      const r = await pool.request().query<{ v: string }>("SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(64)) + ' ' + CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS v");
      const loginRights = await inspectLogin(pool, settings);
      return {
        ok: true,
        message: `Connected to database "${settings.database}" on ${where(settings)} as ${settings.user}${loginRights.canWrite ? ', but this login can write' : ', read-only'}.`,
        latencyMs: Date.now() - started,
        serverVersion: `SQL Server ${r.recordset[0]?.v ?? ''}`.trim(),
        loginRights,
        readOnlyLoginRequired: settings.requireReadOnlyLogin,
      };
    } catch (error) {
      throw translateMssqlError(error, settings, secrets);
    } finally {
      await pool.close().catch(() => undefined);
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
      const text = `SELECT * FROM ${quoteIdent(known.schema ?? 'dbo', 'bracket')}.${quoteIdent(known.name, 'bracket')}`;
      return sampleThroughSession(new MssqlSession(settings, secrets), { entity: known.name, query: text }, limit);
    }
    return sampleThroughSession(new MssqlSession(settings, secrets), request, limit);
  },

  async open(settings, secrets): Promise<SourceSession> {
    const pool = await connectPool(settings, secrets);
    if (settings.requireReadOnlyLogin) {
      // Refused before anything is read when the login can write.
      try {
        assertReadOnlyLogin(settings.user, await inspectLogin(pool, settings));
      } catch (error) {
        await pool.close().catch(() => undefined);
        throw translateMssqlError(error, settings, secrets);
      }
    }
    return new MssqlSession(settings, secrets, pool);
  },
});
