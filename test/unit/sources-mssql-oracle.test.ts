/**
 * SQL Server and Oracle cannot run on this machine: their settings → driver config mapping and
 * their error translation are tested here with the drivers' own error classes and codes.
 */
import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { mssqlConfig, mssqlSettingsSchema, parseServerName, splitWindowsUser, translateMssqlError } from '../../src/sources/mssql.js';
import {
  fixOracleDate,
  fixOracleNumber,
  oracleConnectString,
  oraclePoolAttributes,
  oracleSettingsSchema,
  translateOracleError,
} from '../../src/sources/oracle.js';
import type { SourceError } from '../../src/sources/types.js';

const PASSWORD = 'Tr1cky%Pa55/word';
const secrets = { password: PASSWORD };

describe('SQL Server settings → mssql config', () => {
  const settings = (extra: Record<string, unknown>) => mssqlSettingsSchema.parse({ host: 'sis-db', database: 'Campus', user: 'rostersync', ...extra });

  it('maps a SQL login with safe defaults (encrypt, verify certificate, read-only intent)', () => {
    const cfg = mssqlConfig(settings({}), secrets);
    expect(cfg).toMatchObject({
      server: 'sis-db',
      port: 1433,
      database: 'Campus',
      user: 'rostersync',
      password: PASSWORD,
      connectionTimeout: 15_000,
      requestTimeout: 600_000,
      options: { encrypt: true, trustServerCertificate: false, readOnlyIntent: true, appName: 'RosterSync', useUTC: true },
    });
    expect(cfg.authentication).toBeUndefined();
    expect(cfg.options?.instanceName).toBeUndefined();
  });

  it('understands SERVER\\INSTANCE and SERVER,PORT and drops the port for a named instance', () => {
    expect(parseServerName('SIS01\\SQLEXPRESS')).toEqual({ server: 'SIS01', instanceName: 'SQLEXPRESS', port: undefined });
    expect(parseServerName('tcp:sis01.district.local,14330')).toEqual({ server: 'sis01.district.local', port: 14330 });
    const named = mssqlConfig(settings({ host: 'SIS01\\CAMPUS', port: 1433 }), secrets);
    expect(named.server).toBe('SIS01');
    expect(named.options?.instanceName).toBe('CAMPUS');
    expect(named.port).toBeUndefined();
    const explicit = mssqlConfig(settings({ instanceName: 'AERIES' }), secrets);
    expect(explicit.options?.instanceName).toBe('AERIES');
    expect(mssqlConfig(settings({ host: 'sis01,14330' }), secrets).port).toBe(14330);
  });

  it('maps Windows authentication to NTLM with the domain', () => {
    const cfg = mssqlConfig(settings({ authentication: 'windows', user: 'svc-roster', domain: 'DISTRICT' }), secrets);
    expect(cfg.authentication).toEqual({ type: 'ntlm', options: { userName: 'svc-roster', password: PASSWORD, domain: 'DISTRICT' } });
    expect(cfg.user).toBeUndefined();
    expect(splitWindowsUser('DISTRICT\\svc')).toEqual({ domain: 'DISTRICT', userName: 'svc' });
    expect(splitWindowsUser('svc@district.local')).toEqual({ domain: 'district.local', userName: 'svc' });
    const fromUser = mssqlConfig(settings({ authentication: 'windows', user: 'DISTRICT\\svc' }), secrets);
    expect(fromUser.authentication?.options).toMatchObject({ userName: 'svc', domain: 'DISTRICT' });
  });

  it('requires a domain for Windows authentication', () => {
    const r = mssqlSettingsSchema.safeParse({ host: 'h', database: 'd', user: 'svc', authentication: 'windows' });
    expect(r.success).toBe(false);
  });

  it('passes TLS options through', () => {
    const cfg = mssqlConfig(settings({ encrypt: false, trustServerCertificate: true, readOnlyIntent: false }), secrets);
    expect(cfg.options).toMatchObject({ encrypt: false, trustServerCertificate: true, readOnlyIntent: false });
  });
});

describe('SQL Server error translation', () => {
  const s = mssqlSettingsSchema.parse({ host: 'sis-db', database: 'Campus', user: 'rostersync' });
  const t = (error: unknown, context = ''): SourceError => translateMssqlError(error, s, secrets, context);
  const withNumber = (e: InstanceType<typeof sql.RequestError>, n: number) => Object.assign(e, { number: n });

  it.each([
    ['login failed', new sql.ConnectionError("Login failed for user 'rostersync'.", 'ELOGIN'), 'login-failed', /refused the login for "rostersync"/],
    ['database missing', new sql.ConnectionError('Cannot open database "Campus" requested by the login. The login failed.', 'ELOGIN'), 'database-missing', /"Campus" does not exist/],
    ['refused', new sql.ConnectionError('Failed to connect to sis-db:1433 - connect ECONNREFUSED 10.0.0.5:1433', 'ESOCKET'), 'unreachable', /TCP\/IP is disabled/],
    ['dns', new sql.ConnectionError('Failed to connect to sis-db:1433 - getaddrinfo ENOTFOUND sis-db', 'ESOCKET'), 'unreachable', /cannot be found \(DNS\)/],
    ['connect timeout', new sql.ConnectionError('Failed to connect to sis-db:1433 in 15000ms', 'ETIMEOUT'), 'timeout', /did not answer within 15 s/],
    ['instance lookup', new sql.ConnectionError('Failed to get response from SQL Server Browser on sis-db', 'EINSTLOOKUP'), 'unreachable', /SQL Server Browser/],
    ['self-signed', new sql.ConnectionError('Failed to connect to sis-db:1433 - self-signed certificate', 'ESOCKET'), 'tls', /trust server certificate/],
    ['query timeout', new sql.RequestError('Timeout: Request failed to complete in 600000ms', 'ETIMEOUT'), 'timeout', /students ran longer than 600 s/],
    ['bad object', withNumber(new sql.RequestError("Invalid object name 'Studnets'.", 'EREQUEST'), 208), 'query-failed', /students failed: Invalid object name 'Studnets'/],
    ['permission', withNumber(new sql.RequestError('The SELECT permission was denied on the object', 'EREQUEST'), 229), 'query-failed', /db_datareader/],
    ['read-only database', withNumber(new sql.RequestError('Failed to update database "Campus" because the database is read-only.', 'EREQUEST'), 3906), 'not-read-only', /tried to write/],
  ])('%s', (_label, error, code, message) => {
    const out = t(error, 'students');
    expect(out.code).toBe(code);
    expect(out.message).toMatch(message);
  });

  it('never repeats the password, even when the driver does', () => {
    const out = t(new sql.ConnectionError(`Login failed for user 'rostersync' with password ${PASSWORD}`, 'ELOGIN'));
    expect(out.message).not.toContain(PASSWORD);
    const other = t(new Error(`something odd about ${encodeURIComponent(PASSWORD)}`));
    expect(other.message).not.toContain(encodeURIComponent(PASSWORD));
  });
});

describe('Oracle settings → oracledb attributes', () => {
  it('builds an Easy Connect string from host, port and service', () => {
    const s = oracleSettingsSchema.parse({ host: 'ps-db', serviceName: 'PSPRODDB', user: 'psnavigator' });
    expect(oracleConnectString(s)).toBe('ps-db:1521/PSPRODDB');
    expect(oraclePoolAttributes(s, secrets)).toMatchObject({ user: 'psnavigator', password: PASSWORD, connectString: 'ps-db:1521/PSPRODDB', connectTimeout: 15, poolMin: 0, poolMax: 4 });
  });
  it('uses a descriptor for a SID and the given connect string as is', () => {
    const sid = oracleSettingsSchema.parse({ host: 'ps-db', port: 1522, sid: 'PSPROD', user: 'u' });
    expect(oracleConnectString(sid)).toBe('(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ps-db)(PORT=1522))(CONNECT_DATA=(SID=PSPROD)))');
    const full = oracleSettingsSchema.parse({ host: 'x', connectString: 'tcps://ps-db:2484/PSPRODDB', user: 'u' });
    expect(oracleConnectString(full)).toBe('tcps://ps-db:2484/PSPRODDB');
  });
  it('needs a service name, SID or connect string', () => {
    expect(oracleSettingsSchema.safeParse({ host: 'ps-db', user: 'u' }).success).toBe(false);
  });
  it('keeps numbers and dates as text the other engines give', () => {
    expect(fixOracleNumber('.5')).toBe('0.5');
    expect(fixOracleNumber('-.25')).toBe('-0.25');
    expect(fixOracleNumber('00042')).toBe('00042');
    expect(fixOracleDate('2011-03-07 00:00:00')).toBe('2011-03-07');
    expect(fixOracleDate('2011-03-07 08:15:00')).toBe('2011-03-07 08:15:00');
    expect(fixOracleNumber(null)).toBeNull();
  });
});

describe('Oracle error translation', () => {
  const s = oracleSettingsSchema.parse({ host: 'ps-db', serviceName: 'PSPRODDB', user: 'psnavigator' });
  const oraError = (message: string) => {
    const code = /^([A-Z]+-\d+)/.exec(message)?.[1];
    return Object.assign(new Error(message), { code, errorNum: code?.startsWith('ORA-') ? Number(code.slice(4)) : undefined });
  };
  it.each([
    ['ORA-01017: invalid credential or not authorized; logon denied', 'login-failed', /refused the login for "psnavigator"/],
    ['ORA-28000: The account is locked.', 'login-failed', /is locked/],
    ['NJS-518: cannot connect to Oracle Database. Service "PSPRODDB" is not registered with the listener at host ps-db port 1521.', 'database-missing', /"PSPRODDB" is not known/],
    ['NJS-503: connection to host ps-db port 1521 could not be established.\nconnect ECONNREFUSED 10.0.0.9:1521', 'unreachable', /connection was refused/],
    ['NJS-510: connection to host ps-db port 1521 timed out. Request exceeded "connectTimeout" of 15 seconds.', 'timeout', /did not answer within 15 s/],
    ['NJS-123: call timeout of 600000 ms exceeded', 'timeout', /students ran longer than 600 s/],
    ['ORA-01456: may not perform insert/delete/update operation inside a READ ONLY transaction', 'not-read-only', /tried to write/],
    ['ORA-00942: table or view does not exist', 'query-failed', /students failed: ORA-00942/],
    ['NJS-506: connection to host ps-db port 2484 encountered TLS handshake failure.', 'tls', /TLS connection/],
  ])('%s', (message, code, pattern) => {
    const out = translateOracleError(oraError(message), s, secrets, 'students');
    expect(out.code).toBe(code);
    expect(out.message).toMatch(pattern);
  });
  it('never repeats the password', () => {
    const out = translateOracleError(oraError(`ORA-01017: bad password ${PASSWORD}`), s, secrets);
    expect(out.message).not.toContain(PASSWORD);
  });
});
