/**
 * The second read-only wall: what the source's login itself may do. The SQL guard and the read-only
 * transaction stop a hostile query; a login that can write is one forgotten wall away from writing
 * to the SIS (dblink, a server file, a stored routine). Each SQL driver gathers its engine's facts
 * (roles, grants, privileges) with read-only queries; the functions here turn those facts into a
 * verdict with reasons, and give the exact statements that create a read-only login for the engine.
 * Gathering and judging are separate so the judging is tested for every engine, including the two
 * (SQL Server, Oracle) that cannot run here.
 */
import { z } from 'zod';
import type { LoginRights } from './types.js';
import { SourceError } from './types.js';

/**
 * Per-source setting: refuse to read with a login that can write. A source saved without the key is
 * treated as on, so new sources, imported files and sources from earlier versions are all protected;
 * an admin who must keep a writable login sets it to false explicitly.
 */
export const requireReadOnlyLoginSetting = z.boolean().default(true);

/** The suggested name of the read-only login in the statements we print. */
const READER = 'rostersync_reader';
const PASSWORD_PLACEHOLDER = 'choose-a-strong-password';

export type RightsEngine = 'postgres' | 'mysql' | 'mssql' | 'oracle';

export interface ReadOnlyLoginTarget {
  readonly database?: string;
  /** PostgreSQL schemas the queries read (default `public`); Oracle: the schema that owns the SIS tables. */
  readonly schemas?: readonly string[];
}

const pgIdent = (name: string): string => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

/** The statements a DBA runs to create a login that can only read (one per line, `;`-terminated). */
export function readOnlyLoginSql(engine: RightsEngine, target: ReadOnlyLoginTarget): string {
  const database = target.database ?? 'sis';
  switch (engine) {
    case 'postgres': {
      const schemas = target.schemas?.length ? target.schemas : ['public'];
      return [
        `CREATE ROLE ${READER} LOGIN PASSWORD '${PASSWORD_PLACEHOLDER}';`,
        `GRANT CONNECT ON DATABASE ${pgIdent(database)} TO ${READER};`,
        ...schemas.flatMap((s) => [
          `GRANT USAGE ON SCHEMA ${pgIdent(s)} TO ${READER};`,
          `GRANT SELECT ON ALL TABLES IN SCHEMA ${pgIdent(s)} TO ${READER};`,
          `ALTER DEFAULT PRIVILEGES IN SCHEMA ${pgIdent(s)} GRANT SELECT ON TABLES TO ${READER};`,
        ]),
        `ALTER ROLE ${READER} SET default_transaction_read_only = on;`,
      ].join('\n');
    }
    case 'mysql':
      return [
        `CREATE USER '${READER}'@'%' IDENTIFIED BY '${PASSWORD_PLACEHOLDER}';`,
        `GRANT SELECT ON \`${database.replace(/`/g, '``')}\`.* TO '${READER}'@'%';`,
      ].join('\n');
    case 'mssql':
      return [
        `CREATE LOGIN ${READER} WITH PASSWORD = '${PASSWORD_PLACEHOLDER}';`,
        `USE [${database.replace(/]/g, ']]')}];`,
        `CREATE USER ${READER} FOR LOGIN ${READER};`,
        `ALTER ROLE db_datareader ADD MEMBER ${READER};`,
      ].join('\n');
    case 'oracle': {
      const owner = target.schemas?.[0] ?? 'SIS_OWNER';
      return [
        `CREATE USER ${READER} IDENTIFIED BY "${PASSWORD_PLACEHOLDER}";`,
        `GRANT CREATE SESSION TO ${READER};`,
        `-- one line per table or view the queries read (READ, unlike SELECT, cannot lock rows):`,
        `GRANT READ ON ${owner}.STUDENTS TO ${READER};`,
      ].join('\n');
    }
  }
}

function verdict(engine: RightsEngine, reasons: readonly string[], target: ReadOnlyLoginTarget): LoginRights {
  return { canWrite: reasons.length > 0, reasons, readOnlyLoginSql: readOnlyLoginSql(engine, target) };
}

/** "a, b, c and 4 more". */
function someOf(items: readonly string[], shown = 3): string {
  return items.length <= shown ? items.join(', ') : `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`;
}

// ---- PostgreSQL ------------------------------------------------------------------------------

export interface PostgresRightFacts {
  readonly superuser: boolean;
  readonly createRole: boolean;
  readonly createDb: boolean;
  /** Predefined roles that write, the login is a member of: pg_write_server_files, pg_execute_server_program, pg_write_all_data. */
  readonly memberOf: readonly string[];
  /** `schema.table: INSERT` for every table or view the login may change. */
  readonly writableTables: ReadonlyArray<{ readonly table: string; readonly privilege: string }>;
  /** Installed extensions that reach outside the transaction (dblink, postgres_fdw, adminpack). */
  readonly extensions: readonly string[];
}

/** Read-only queries that gather PostgreSQL's facts, every column as text (the driver reads all values as text). */
export const POSTGRES_RIGHTS_SQL = {
  role: `SELECT r.rolsuper::text AS superuser, r.rolcreaterole::text AS create_role, r.rolcreatedb::text AS create_db,
    array_to_string(ARRAY(SELECT g.rolname::text FROM pg_roles g
          WHERE g.rolname IN ('pg_write_server_files', 'pg_execute_server_program', 'pg_write_all_data')
            AND pg_has_role(current_user, g.oid, 'MEMBER') ORDER BY 1), ',') AS member_of,
    array_to_string(ARRAY(SELECT extname::text FROM pg_extension WHERE extname IN ('dblink', 'postgres_fdw', 'adminpack') ORDER BY 1), ',') AS extensions
    FROM pg_roles r WHERE r.rolname = current_user`,
  tables: `SELECT n.nspname || '.' || c.relname AS table_name, p.privilege
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p(privilege)
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      AND has_table_privilege(c.oid, p.privilege)
    ORDER BY 1, 2 LIMIT 1000`,
} as const;

/** The text row of POSTGRES_RIGHTS_SQL.role → facts. */
export function postgresRoleFacts(row: Readonly<Record<string, string | null>>, writableTables: PostgresRightFacts['writableTables']): PostgresRightFacts {
  const list = (v: string | null | undefined): string[] => (v ? v.split(',') : []);
  return {
    superuser: row.superuser === 'true',
    createRole: row.create_role === 'true',
    createDb: row.create_db === 'true',
    memberOf: list(row.member_of),
    extensions: list(row.extensions),
    writableTables,
  };
}

export function postgresRights(facts: PostgresRightFacts, target: ReadOnlyLoginTarget): LoginRights {
  const reasons: string[] = [];
  if (facts.superuser) reasons.push('the login is a superuser: it can write anything, read and write server files and run programs');
  if (facts.createRole) reasons.push('the login has CREATEROLE: it can create and grant roles, including to itself');
  if (facts.createDb) reasons.push('the login has CREATEDB');
  for (const role of facts.memberOf) reasons.push(`the login is a member of ${role}`);
  const byPrivilege = new Map<string, string[]>();
  for (const { table, privilege } of facts.writableTables) byPrivilege.set(privilege, [...(byPrivilege.get(privilege) ?? []), table]);
  for (const [privilege, tables] of byPrivilege) reasons.push(`${privilege} on ${tables.length} table${tables.length === 1 ? '' : 's'} (${someOf(tables)})`);
  for (const ext of facts.extensions) reasons.push(`the extension ${ext} is installed in this database: it reaches outside the read-only transaction`);
  return verdict('postgres', reasons, target);
}

// ---- MySQL / MariaDB -------------------------------------------------------------------------

/** Privileges that write data, change the schema, touch server files or run code. */
const MYSQL_WRITE_PRIVILEGES = new Set([
  'ALL', 'ALL PRIVILEGES', 'INSERT', 'UPDATE', 'DELETE', 'DELETE HISTORY', 'CREATE', 'DROP', 'ALTER', 'INDEX', 'FILE', 'SUPER',
  'CREATE ROUTINE', 'ALTER ROUTINE', 'EXECUTE', 'TRIGGER', 'EVENT', 'CREATE VIEW', 'CREATE USER', 'SHUTDOWN', 'RELOAD', 'LOCK TABLES',
  'CREATE TABLESPACE', 'BINLOG ADMIN', 'CONNECTION ADMIN', 'READ_ONLY ADMIN',
]);

/** The roles a `SHOW GRANTS` line grants (`GRANT \`r1\`, \`r2\`@\`%\` TO …`, no ON): their own grants must be read too. */
export function mysqlGrantedRoles(showGrantsLine: string): string[] {
  const m = /^GRANT\s+(.+?)\s+TO\s/i.exec(showGrantsLine.trim());
  if (!m || /\sON\s/i.test(` ${m[1]} `)) return [];
  return m[1]!.split(',').map((r) => r.trim()).filter(Boolean);
}

/** Parses the lines of `SHOW GRANTS` (MySQL 5.7/8, MariaDB 10+) into the grants that can write. */
export function mysqlRights(showGrantsLines: readonly string[], target: ReadOnlyLoginTarget): LoginRights {
  const reasons: string[] = [];
  for (const line of showGrantsLines) {
    const m = /^GRANT\s+(.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE|PACKAGE(?: BODY)?)\s+)?(\S+)\s+TO\s/i.exec(line.trim());
    if (!m) continue;
    // Column lists "UPDATE (a, b)" hold commas: drop them before splitting the privilege list.
    const privileges = m[1]!.replace(/\([^)]*\)/g, '').split(',').map((p) => p.trim().toUpperCase().replace(/\s+/g, ' '));
    const writing = privileges.filter((p) => MYSQL_WRITE_PRIVILEGES.has(p) || /_ADMIN$/.test(p));
    if (writing.length) reasons.push(`${writing.join(', ')} on ${m[2]}`);
    if (/WITH GRANT OPTION\s*$/i.test(line) && m[1]!.toUpperCase() !== 'PROXY') reasons.push(`GRANT OPTION on ${m[2]} (it can hand its rights to others)`);
  }
  return verdict('mysql', reasons, target);
}

// ---- SQL Server ------------------------------------------------------------------------------

/** One row of 0/1 (or NULL) flags, as `MSSQL_RIGHTS_SQL` returns it. */
export type MssqlRightFacts = Readonly<Record<(typeof MSSQL_RIGHT_CHECKS)[number][0], number | null>>;

const MSSQL_RIGHT_CHECKS = [
  ['sysadmin', "IS_SRVROLEMEMBER('sysadmin')", 'a member of the sysadmin server role: it can do anything on the server'],
  ['serveradmin', "IS_SRVROLEMEMBER('serveradmin')", 'a member of the serveradmin server role'],
  ['bulkadmin', "IS_SRVROLEMEMBER('bulkadmin')", 'a member of the bulkadmin server role: it can read server files with BULK INSERT/OPENROWSET'],
  ['dbcreator', "IS_SRVROLEMEMBER('dbcreator')", 'a member of the dbcreator server role'],
  ['control_server', "HAS_PERMS_BY_NAME(NULL, NULL, 'CONTROL SERVER')", 'granted CONTROL SERVER'],
  ['db_owner', "IS_ROLEMEMBER('db_owner')", 'a member of db_owner in this database'],
  ['db_datawriter', "IS_ROLEMEMBER('db_datawriter')", 'a member of db_datawriter in this database: it can change every table'],
  ['db_ddladmin', "IS_ROLEMEMBER('db_ddladmin')", 'a member of db_ddladmin in this database: it can create, change and drop objects'],
  ['db_insert', "HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'INSERT')", 'granted INSERT on the whole database'],
  ['db_update', "HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'UPDATE')", 'granted UPDATE on the whole database'],
  ['db_delete', "HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'DELETE')", 'granted DELETE on the whole database'],
  ['db_alter', "HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'ALTER')", 'granted ALTER on the database'],
  ['db_execute', "HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'EXECUTE')", 'granted EXECUTE on the database: it can run stored procedures that write'],
  [
    'writable_tables',
    "(SELECT COUNT(*) FROM sys.tables t WHERE HAS_PERMS_BY_NAME(QUOTENAME(SCHEMA_NAME(t.schema_id)) + '.' + QUOTENAME(t.name), 'OBJECT', 'INSERT') = 1 OR HAS_PERMS_BY_NAME(QUOTENAME(SCHEMA_NAME(t.schema_id)) + '.' + QUOTENAME(t.name), 'OBJECT', 'UPDATE') = 1 OR HAS_PERMS_BY_NAME(QUOTENAME(SCHEMA_NAME(t.schema_id)) + '.' + QUOTENAME(t.name), 'OBJECT', 'DELETE') = 1)",
    'tables it may INSERT into, UPDATE or DELETE from',
  ],
] as const;

export const MSSQL_RIGHTS_SQL = `SELECT ${MSSQL_RIGHT_CHECKS.map(([key, expr]) => `${expr} AS ${key}`).join(',\n  ')}`;

export function mssqlRights(facts: MssqlRightFacts, target: ReadOnlyLoginTarget): LoginRights {
  const reasons: string[] = [];
  for (const [key, , meaning] of MSSQL_RIGHT_CHECKS) {
    const value = Number(facts[key] ?? 0);
    if (value <= 0) continue;
    reasons.push(key === 'writable_tables' ? `${value} ${meaning}` : `the login is ${meaning}`);
  }
  return verdict('mssql', reasons, target);
}

// ---- Oracle ----------------------------------------------------------------------------------

export interface OracleRightFacts {
  /** SESSION_PRIVS: every system privilege the session holds, directly or through roles. */
  readonly sessionPrivileges: readonly string[];
  /** SESSION_ROLES. */
  readonly roles: readonly string[];
  /** Object grants that write (USER_TAB_PRIVS / ROLE_TAB_PRIVS): `OWNER.TABLE: INSERT`. */
  readonly objectGrants: ReadonlyArray<{ readonly object: string; readonly privilege: string }>;
  /** Tables in the login's own schema (an owner can change its own tables). */
  readonly ownTables: number;
}

export const ORACLE_RIGHTS_SQL = {
  privileges: 'SELECT privilege FROM session_privs ORDER BY privilege',
  roles: 'SELECT role FROM session_roles ORDER BY role',
  objectGrants: `SELECT owner || '.' || table_name AS object, privilege FROM user_tab_privs
      WHERE grantee = USER AND privilege IN ('INSERT', 'UPDATE', 'DELETE', 'ALTER', 'INDEX', 'EXECUTE')
    UNION SELECT owner || '.' || table_name, privilege FROM role_tab_privs
      WHERE privilege IN ('INSERT', 'UPDATE', 'DELETE', 'ALTER', 'INDEX')
    ORDER BY 1, 2 FETCH FIRST 1000 ROWS ONLY`,
  ownTables: 'SELECT COUNT(*) AS n FROM user_tables',
} as const;

const ORACLE_POWER_ROLES = new Set(['DBA', 'IMP_FULL_DATABASE', 'EXP_FULL_DATABASE', 'DATAPUMP_IMP_FULL_DATABASE', 'RESOURCE']);

export function oracleRights(facts: OracleRightFacts, target: ReadOnlyLoginTarget): LoginRights {
  const reasons: string[] = [];
  const anyPrivileges = facts.sessionPrivileges.filter((p) => / ANY /.test(` ${p} `) && !/^(SELECT|READ) ANY (TABLE|DICTIONARY|SEQUENCE)$/.test(p));
  if (anyPrivileges.length) reasons.push(`system privileges on every schema: ${someOf(anyPrivileges, 5)}`);
  const direct = facts.sessionPrivileges.filter((p) => /^(SYSDBA|SYSOPER|ALTER SYSTEM|ALTER DATABASE|BECOME USER|CREATE (TABLE|PROCEDURE|TRIGGER|DATABASE LINK|PUBLIC DATABASE LINK|LIBRARY|DIRECTORY))$/.test(p));
  if (direct.length) reasons.push(`system privileges: ${direct.join(', ')}`);
  const roles = facts.roles.filter((r) => ORACLE_POWER_ROLES.has(r));
  if (roles.length) reasons.push(`roles: ${roles.join(', ')}`);
  const byPrivilege = new Map<string, string[]>();
  for (const { object, privilege } of facts.objectGrants) byPrivilege.set(privilege, [...(byPrivilege.get(privilege) ?? []), object]);
  for (const [privilege, objects] of byPrivilege) reasons.push(`${privilege} on ${objects.length} object${objects.length === 1 ? '' : 's'} (${someOf(objects)})`);
  if (facts.ownTables > 0) reasons.push(`the login owns ${facts.ownTables} table${facts.ownTables === 1 ? '' : 's'} and can change them`);
  return verdict('oracle', reasons, target);
}

// ---- the refusal -----------------------------------------------------------------------------

/** A source whose login can write, with requireReadOnlyLogin on: refused before anything is read. */
export class WritableLoginError extends SourceError {
  constructor(
    readonly login: string,
    readonly rights: LoginRights,
  ) {
    super(
      `The login "${login}" can write to the SIS, and this source requires a read-only login (requireReadOnlyLogin). ` +
        `It has: ${rights.reasons.join('; ')}. Nothing was read. Create a read-only login and use it for this source:\n${rights.readOnlyLoginSql}\n` +
        'Or, to accept the risk, turn off requireReadOnlyLogin in the source settings.',
      'writable-login',
    );
    this.name = 'WritableLoginError';
  }
}

/** Throws WritableLoginError when the login can write (call it only for a source that requires a read-only login). */
export function assertReadOnlyLogin(login: string, rights: LoginRights): void {
  if (rights.canWrite) throw new WritableLoginError(login, rights);
}
