/**
 * Judging a login's rights from the facts each engine reports. SQL Server and Oracle cannot run
 * here, so their interpretation is proven on the rows their catalog queries return; PostgreSQL and
 * MariaDB are also proven live in test/integration/sources-login-rights.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  assertReadOnlyLogin,
  MSSQL_RIGHTS_SQL,
  mssqlRights,
  mysqlGrantedRoles,
  mysqlRights,
  oracleRights,
  postgresRights,
  postgresRoleFacts,
  readOnlyLoginSql,
  WritableLoginError,
  type MssqlRightFacts,
} from '../../src/sources/login-rights.js';
import { assertReadOnlySelect } from '../../src/sources/sql-guard.js';

const NONE: MssqlRightFacts = {
  sysadmin: 0,
  serveradmin: 0,
  bulkadmin: 0,
  dbcreator: 0,
  control_server: 0,
  db_owner: 0,
  db_datawriter: 0,
  db_ddladmin: 0,
  db_insert: 0,
  db_update: 0,
  db_delete: 0,
  db_alter: 0,
  db_execute: 0,
  writable_tables: 0,
};

describe('SQL Server', () => {
  it('passes a db_datareader-only login', () => {
    expect(mssqlRights(NONE, { database: 'Campus' })).toMatchObject({ canWrite: false, reasons: [] });
  });

  it('flags sysadmin, db_owner, db_datawriter, db_ddladmin and writable tables', () => {
    const rights = mssqlRights({ ...NONE, sysadmin: 1, db_owner: 1, db_datawriter: 1, db_ddladmin: 1, db_execute: 1, writable_tables: 42 }, { database: 'Campus' });
    expect(rights.canWrite).toBe(true);
    expect(rights.reasons).toEqual([
      expect.stringMatching(/sysadmin server role/),
      expect.stringMatching(/db_owner/),
      expect.stringMatching(/db_datawriter/),
      expect.stringMatching(/db_ddladmin/),
      expect.stringMatching(/EXECUTE on the database/),
      '42 tables it may INSERT into, UPDATE or DELETE from',
    ]);
    expect(rights.readOnlyLoginSql).toBe(
      [
        "CREATE LOGIN rostersync_reader WITH PASSWORD = 'choose-a-strong-password';",
        'USE [Campus];',
        'CREATE USER rostersync_reader FOR LOGIN rostersync_reader;',
        'ALTER ROLE db_datareader ADD MEMBER rostersync_reader;',
      ].join('\n'),
    );
  });

  it('treats NULL (a permission the server could not evaluate) as not granted', () => {
    expect(mssqlRights({ ...NONE, db_owner: null }, {}).canWrite).toBe(false);
  });

  it('asks with role and permission functions only, one row, nothing that writes', () => {
    expect(MSSQL_RIGHTS_SQL).toMatch(/IS_SRVROLEMEMBER\('sysadmin'\) AS sysadmin/);
    expect(MSSQL_RIGHTS_SQL).toMatch(/IS_ROLEMEMBER\('db_datawriter'\) AS db_datawriter/);
    expect(MSSQL_RIGHTS_SQL).toMatch(/HAS_PERMS_BY_NAME/);
    expect(() => assertReadOnlySelect(MSSQL_RIGHTS_SQL, 'mssql')).not.toThrow();
  });
});

describe('Oracle', () => {
  const quiet = { sessionPrivileges: ['CREATE SESSION', 'SELECT ANY DICTIONARY'], roles: ['CONNECT'], objectGrants: [], ownTables: 0 };

  it('passes a login with CREATE SESSION and read grants', () => {
    expect(oracleRights(quiet, { schemas: ['PS'] })).toMatchObject({ canWrite: false, reasons: [] });
  });

  it('flags ANY privileges, power roles, write grants and owned tables', () => {
    const rights = oracleRights(
      {
        sessionPrivileges: ['CREATE SESSION', 'INSERT ANY TABLE', 'DELETE ANY TABLE', 'SELECT ANY TABLE', 'CREATE TABLE', 'EXECUTE ANY PROCEDURE'],
        roles: ['CONNECT', 'DBA'],
        objectGrants: [
          { object: 'PS.STUDENTS', privilege: 'UPDATE' },
          { object: 'PS.CC', privilege: 'UPDATE' },
        ],
        ownTables: 3,
      },
      { schemas: ['PS'] },
    );
    expect(rights.reasons).toEqual([
      'system privileges on every schema: INSERT ANY TABLE, DELETE ANY TABLE, EXECUTE ANY PROCEDURE',
      'system privileges: CREATE TABLE',
      'roles: DBA',
      'UPDATE on 2 objects (PS.STUDENTS, PS.CC)',
      'the login owns 3 tables and can change them',
    ]);
    expect(rights.readOnlyLoginSql).toMatch(/GRANT READ ON PS\.STUDENTS TO rostersync_reader;/);
  });
});

describe('MySQL / MariaDB SHOW GRANTS', () => {
  it('passes SELECT and USAGE', () => {
    const lines = ["GRANT USAGE ON *.* TO `reader`@`%` IDENTIFIED BY PASSWORD '*ABC'", 'GRANT SELECT, SHOW VIEW ON `sis`.* TO `reader`@`%`'];
    expect(mysqlRights(lines, { database: 'sis' })).toMatchObject({ canWrite: false, reasons: [] });
  });

  it('flags ALL, FILE, column UPDATE, routines and GRANT OPTION, naming the scope', () => {
    const rights = mysqlRights(
      [
        'GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION',
        "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
        'GRANT SELECT, FILE ON *.* TO `etl`@`%`',
        'GRANT SELECT, UPDATE (`grade`, `email`) ON `sis`.`students` TO `etl`@`%`',
        'GRANT EXECUTE ON PROCEDURE `sis`.`nightly` TO `etl`@`%`',
        'GRANT BINLOG_ADMIN ON *.* TO `etl`@`%`',
      ],
      { database: 'sis' },
    );
    expect(rights.reasons).toEqual([
      'ALL PRIVILEGES on *.*',
      'GRANT OPTION on *.* (it can hand its rights to others)',
      'FILE on *.*',
      'UPDATE on `sis`.`students`',
      'EXECUTE on `sis`.`nightly`',
      'BINLOG_ADMIN on *.*',
    ]);
  });

  it('finds the roles a login holds, so their grants are read too', () => {
    expect(mysqlGrantedRoles('GRANT `sis_writer`, `auditor`@`%` TO `etl`@`%`')).toEqual(['`sis_writer`', '`auditor`@`%`']);
    expect(mysqlGrantedRoles('GRANT SELECT ON `sis`.* TO `etl`@`%`')).toEqual([]);
  });
});

describe('PostgreSQL', () => {
  it('reads the text row and names each reason', () => {
    const facts = postgresRoleFacts(
      { superuser: 'false', create_role: 'true', create_db: 'false', member_of: 'pg_write_server_files', extensions: 'dblink,postgres_fdw' },
      [
        { table: 'public.students', privilege: 'INSERT' },
        { table: 'public.guardians', privilege: 'INSERT' },
        { table: 'public.students', privilege: 'TRUNCATE' },
      ],
    );
    expect(postgresRights(facts, { database: 'sis', schemas: ['sis'] }).reasons).toEqual([
      expect.stringMatching(/CREATEROLE/),
      'the login is a member of pg_write_server_files',
      'INSERT on 2 tables (public.students, public.guardians)',
      'TRUNCATE on 1 table (public.students)',
      expect.stringMatching(/dblink is installed/),
      expect.stringMatching(/postgres_fdw is installed/),
    ]);
    const none = postgresRoleFacts({ superuser: 'false', create_role: 'false', create_db: 'false', member_of: '', extensions: null }, []);
    expect(postgresRights(none, {}).canWrite).toBe(false);
  });

  it('quotes names that need it in the read-only login statements', () => {
    const sql = readOnlyLoginSql('postgres', { database: 'District SIS', schemas: ['public', 'Pupils'] });
    expect(sql).toMatch(/GRANT CONNECT ON DATABASE "District SIS" TO rostersync_reader;/);
    expect(sql).toMatch(/GRANT SELECT ON ALL TABLES IN SCHEMA "Pupils" TO rostersync_reader;/);
    expect(sql).toMatch(/ALTER ROLE rostersync_reader SET default_transaction_read_only = on;/);
  });
});

describe('assertReadOnlyLogin', () => {
  it('refuses a writable login with the reasons and the statements, and lets a read-only one pass', () => {
    const writable = mysqlRights(['GRANT INSERT ON `sis`.* TO `etl`@`%`'], { database: 'sis' });
    expect(() => assertReadOnlyLogin('etl', writable)).toThrow(WritableLoginError);
    expect(() => assertReadOnlyLogin('etl', writable)).toThrow(/"etl" can write.*INSERT on `sis`\.\*.*Nothing was read.*GRANT SELECT ON `sis`\.\*/s);
    expect(() => assertReadOnlyLogin('reader', mysqlRights([], { database: 'sis' }))).not.toThrow();
  });
});
