/**
 * The second read-only wall against the real PostgreSQL and MariaDB: `source test` inspects the
 * login's own rights and flags one that can write (with the statements for a read-only login), and a
 * source with `requireReadOnlyLogin` (on by default) refuses to open — so a run fails before a single
 * row is read — while a read-only login passes. Both logins are created for the test; the servers'
 * administrator (superuser / root) is flagged as well.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAgent, openAgent, saveSecrets, sourceSecretOwner } from '../../src/home/context.js';
import { main } from '../../src/cli/main.js';
import { formatSourceCheck, sourceCheckExitCode } from '../../src/cli/source-check-output.js';
import { loadIntoMysql } from '../../src/demo/mysql-loader.js';
import { loadIntoPostgres } from '../../src/demo/postgres-loader.js';
import { demoQueries } from '../../src/demo/queries.js';
import { runDestination } from '../../src/agent/runner.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import { ENTITIES } from '../../src/shared/format.js';
import { WritableLoginError } from '../../src/sources/login-rights.js';
import { getSourceDriver } from '../../src/sources/registry.js';
import type { SourceError } from '../../src/sources/types.js';
import { createMysqlDatabase, createPostgresDatabase, MYSQL_ADMIN_USER, MYSQL_HOST, MYSQL_PORT, PG_ADMIN_USER, PG_HOST, PG_PORT, type TestDatabase } from '../helpers/databases.js';

type Engine = 'postgres' | 'mysql';
type Login = Awaited<ReturnType<TestDatabase['createLogin']>>;

const ENGINES = {
  postgres: {
    create: () => createPostgresDatabase('rs_rights_pg'),
    load: (db: TestDatabase) => loadIntoPostgres({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER, database: 'postgres' }, db.name, { students: 30 }),
    adminReason: /superuser/,
    writerReason: /INSERT on \d+ tables? \(public\./,
    readOnlySql: /GRANT SELECT ON ALL TABLES IN SCHEMA public TO rostersync_reader;/,
  },
  mysql: {
    create: () => createMysqlDatabase('rs_rights_my'),
    load: (db: TestDatabase) => loadIntoMysql({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, password: '' }, db.name, { students: 30 }),
    adminReason: /ALL PRIVILEGES on \*\.\*/,
    writerReason: /INSERT, UPDATE, DELETE on `rs_rights_my_/,
    readOnlySql: /GRANT SELECT ON `rs_rights_my_\w+`\.\* TO 'rostersync_reader'@'%';/,
  },
} as const;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(['postgres', 'mysql'] as const)('%s: the login’s own rights', (engine: Engine) => {
  const spec = ENGINES[engine];
  const driver = getSourceDriver(engine);
  let db: TestDatabase;
  let reader: Login;
  let writer: Login;

  beforeAll(async () => {
    db = await spec.create();
    await spec.load(db);
    // Created after the load, so their grants cover every demo table.
    reader = await db.createLogin('read-only');
    writer = await db.createLogin('writable');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('source test passes a read-only login without a warning', async () => {
    const result = await driver.check(reader.settings, reader.secrets);
    expect(result.ok).toBe(true);
    expect(result.loginRights).toMatchObject({ canWrite: false, reasons: [] });
    expect(result.message).toMatch(/read-only\.$/);
    expect(sourceCheckExitCode(result)).toBe(0);
    expect(formatSourceCheck(result, false)).not.toMatch(/WARNING/);
  });

  it('source test flags a login with INSERT/UPDATE/DELETE and gives the statements for a read-only login', async () => {
    const result = await driver.check(writer.settings, writer.secrets);
    expect(result.ok).toBe(true);
    expect(result.loginRights?.canWrite).toBe(true);
    expect(result.loginRights?.reasons.join('\n')).toMatch(spec.writerReason);
    expect(result.loginRights?.readOnlyLoginSql).toMatch(spec.readOnlySql);
    expect(result.readOnlyLoginRequired).toBe(true);
    expect(result.message).toMatch(/this login can write/);
    expect(sourceCheckExitCode(result)).toBe(1);
    const printed = formatSourceCheck(result, true);
    expect(printed).toContain('\x1b[31m');
    expect(printed).toMatch(/WARNING: this login can write to the SIS/);
    expect(printed).toMatch(/Runs from this source are refused/);
    // The administrator is flagged too, for its own reason.
    const admin = await driver.check(db.settings, {});
    expect(admin.loginRights?.reasons.join('\n')).toMatch(spec.adminReason);
    expect(admin.readOnlyLoginRequired).toBe(false);
    expect(sourceCheckExitCode(admin)).toBe(0);
  });

  it('refuses to open a source with a writable login unless requireReadOnlyLogin is off', async () => {
    const error = await driver.open(writer.settings, writer.secrets).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WritableLoginError);
    expect((error as SourceError).code).toBe('writable-login');
    expect((error as Error).message).toMatch(new RegExp(`"${writer.user}" can write`));
    expect((error as Error).message).toMatch(spec.readOnlySql);
    const session = await driver.open({ ...writer.settings, requireReadOnlyLogin: false }, writer.secrets);
    await session.close();
    const readOnly = await driver.open(reader.settings, reader.secrets);
    await readOnly.close();
  });

  it('a run (and the CLI) with the writable login is refused before reading; with the read-only login it delivers', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), `rs-rights-${engine}-`));
    tempDirs.push(home);
    const ctx = openAgent(home);
    try {
      const queries = demoQueries(engine);
      const configure = (login: Login): void => {
        ctx.store.saveSource(
          sourceConfigSchema.parse({ name: 'sis', type: engine, settings: login.settings, entities: Object.fromEntries(ENTITIES.map((e) => [e, { query: queries[e] }])) }),
        );
        saveSecrets(ctx, sourceSecretOwner('sis'), login.secrets);
      };
      configure(writer);
      ctx.store.saveDestination(destinationConfigSchema.parse({ name: 'outbox', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: path.join(home, 'outbox') } }));
      const schools = await db.exec(queries.schools);
      ctx.store.replaceSiteMap(
        'outbox',
        schools.map((s) => ({ schoolCode: String(s.school_code), siteId: `SITE-${String(s.school_code)}`, label: '' })),
      );

      const refused = await runDestination(ctx, 'outbox', { trigger: 'manual' });
      expect(refused.status).toBe('failed');
      expect(refused.message).toMatch(/can write to the SIS.*requireReadOnlyLogin/s);
      expect(refused.files).toEqual([]);
      expect(fs.existsSync(path.join(home, 'outbox', 'users.csv'))).toBe(false);

      // The CLI says so too: `source test` prints the warning (no colour when not a terminal) and exits 1.
      const cli = async (...args: string[]): Promise<{ code: number; out: string }> => {
        let out = '';
        const code = await main(['node', 'rostersync', '--home', home, ...args], { out: (t) => (out += `${t}\n`), err: () => undefined });
        return { code, out };
      };
      const tested = await cli('source', 'test', 'sis');
      expect(tested.code).toBe(1);
      expect(tested.out).toMatch(/^OK: .*but this login can write/);
      expect(tested.out).toMatch(/WARNING: this login can write to the SIS:\n {2}- /);
      expect(tested.out).toMatch(/ {2}- INSERT(, UPDATE, DELETE)? on /);
      expect(tested.out).toMatch(spec.readOnlySql);
      expect(tested.out).not.toContain('\x1b[');
      const json = JSON.parse((await cli('--json', 'source', 'test', 'sis')).out) as { loginRights: { canWrite: boolean } };
      expect(json.loginRights.canWrite).toBe(true);

      configure(reader);
      expect(await cli('source', 'test', 'sis')).toMatchObject({ code: 0, out: expect.stringMatching(/^OK: .*read-only\.( \(\d+ ms\))?\n$/) });
      const delivered = await runDestination(ctx, 'outbox', { trigger: 'manual' });
      expect(delivered.status, delivered.message).toBe('success');
      expect(fs.readFileSync(path.join(home, 'outbox', 'users.csv'), 'utf8').split('\r\n').filter((l) => /,student,/.test(l))).toHaveLength(30);
    } finally {
      closeAgent(ctx);
    }
  });
});

describe('PostgreSQL: an extension that reaches outside the transaction flags even a read-only login', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('rs_rights_ext');
    await db.exec('CREATE TABLE students (student_id text)');
    try {
      await db.exec('CREATE EXTENSION dblink');
    } catch (error) {
      throw new Error(`CREATE EXTENSION dblink failed (${(error as Error).message}). Install PostgreSQL's contrib modules: apt-get install postgresql-contrib`, { cause: error });
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('names dblink', async () => {
    const reader = await db.createLogin('read-only');
    const result = await getSourceDriver('postgres').check(reader.settings, reader.secrets);
    expect(result.loginRights?.canWrite).toBe(true);
    expect(result.loginRights?.reasons).toEqual([expect.stringMatching(/extension dblink is installed/)]);
  });
});
