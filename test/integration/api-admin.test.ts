/**
 * The admin calls of the API over real HTTP, against real peers:
 *  - connection tests answer a failed connection with HTTP 200 and `{ ok: false, error: { code,
 *    message, hint } }` (a refused port, an unknown PostgreSQL login, a missing database or table,
 *    a wrong MariaDB password, an SSH key the server does not accept, an unknown and a changed
 *    host key, an SMTP server that is not there or refuses the login); a bad request is still 400;
 *  - the configuration file out and back in (what `rostersync config export | import` does), a dry
 *    run's plan per section, secrets sealed with a passphrase (a weak one refused), errors naming
 *    the line and the field;
 *  - the API key rotated: the old key is refused (401) at once, the new one works, the file holds it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { DEMO_DESTINATION, DEMO_SOURCE, setupDemo } from '../../src/agent/demo.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { ApiError, apiPath, type Api } from '../../src/shared/api.contract.js';
import { createFetchApi } from '../../src/shared/api-client.js';
import { apiKeyPath } from '../../src/home/api-key.js';
import { startSshd, type SshdServer } from '../helpers/sshd.js';
import { closedPort, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { createMysqlDatabase, createPostgresDatabase, PG_HOST, type TestDatabase } from '../helpers/databases.js';

let home: string;
let ctx: AgentContext;
let server: ApiServer;
let sshd: SshdServer;
let smtp: TestSmtpServer;
let pgDb: TestDatabase;
let myDb: TestDatabase;
let api: Api;
let key: string;

const SMTP_PASSWORD = 'Smtp-secret-51c9e0aa';
const PASSPHRASE = 'Correct-horse-battery-7';

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** The HTTP status of one raw call (the fetch client hides it). */
async function statusOf(name: Parameters<typeof apiPath>[0], body: unknown, bearer = key): Promise<number> {
  const response = await fetch(`${server.url}${apiPath(name)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-api-admin-'));
  ctx = openAgent(home);
  await setupDemo(ctx, { students: 50 });
  server = await startApiServer(ctx, { port: 0, host: '127.0.0.1', onError: (err) => console.error(err) });
  key = server.key;
  api = createFetchApi({ baseUrl: server.url, key: () => key });
  sshd = await startSshd({ label: 'api-admin' });
  smtp = await startSmtpServer({ user: 'mailer', password: SMTP_PASSWORD });
  pgDb = await createPostgresDatabase('rs_admin');
  myDb = await createMysqlDatabase('rs_admin');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await sshd?.dispose();
  await smtp?.close();
  await pgDb?.drop();
  await myDb?.drop();
  if (ctx) closeAgent(ctx);
  rmSync(home, { recursive: true, force: true });
});

describe('connection tests: a failed connection is an answer (200), not an error', () => {
  it('source test and detection: refused port, unknown login, missing database, wrong password, missing profile table', async () => {
    const port = await closedPort();
    const refused = { name: 'sis', type: 'postgres' as const, settings: { host: PG_HOST, port, database: 'sis', user: 'reader' } };
    expect(await statusOf('testSource', { config: refused })).toBe(200);
    const down = await api.testSource({ config: refused });
    expect(down).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    expect(down.error!.message).toContain(`127.0.0.1:${port}`);
    expect(down.error!.hint).toMatch(/firewall/);
    expect(down.message).toBe(down.error!.message);

    const detect = await api.detectSource({ config: refused });
    expect(detect).toMatchObject({ ok: false, matches: [], error: { code: 'unreachable' } });

    const nobody = await api.testSource({ config: { name: 'sis', type: 'postgres', settings: { ...pgDb.settings, user: 'rs_nobody_here' } } });
    expect(nobody).toMatchObject({ ok: false, error: { code: 'login-refused' } });
    expect(nobody.error!.message).toContain('rs_nobody_here');

    const noDatabase = await api.testSource({ config: { name: 'sis', type: 'postgres', settings: { ...pgDb.settings, database: 'rs_no_such_db' } } });
    expect(noDatabase).toMatchObject({ ok: false, error: { code: 'database-missing' } });
    expect(noDatabase.error!.message).toContain('rs_no_such_db');

    const wrongPassword = await api.testSource({ config: { name: 'sis', type: 'mysql', settings: myDb.settings }, secrets: { password: 'Not-the-password-1' } });
    expect(wrongPassword).toMatchObject({ ok: false, error: { code: 'login-refused' } });

    // the database answers, but it is not the RosarioSIS database its profile reads
    const profiled = await api.testSource({ config: { name: 'rosario', type: 'postgres', profile: 'rosariosis', settings: pgDb.settings } });
    expect(profiled).toMatchObject({ ok: false, error: { code: 'missing-table' } });
    expect(profiled.error!.message).toMatch(/lacks table .*rosariosis/);

    const fine = await api.testSource({ config: { name: 'sis', type: 'postgres', settings: pgDb.settings } });
    expect(fine.ok).toBe(true);
    expect(fine.error).toBeUndefined();
  });

  it('destination test: refused port, key not accepted, unknown and changed host key', async () => {
    const base = { name: 'vendor', source: DEMO_SOURCE, format: 'oneroster-1.1', type: 'sftp' as const };
    const settings = { host: sshd.host, port: sshd.port, username: sshd.user, remoteDir: 'Upload', retries: 0 };
    const port = await closedPort();
    expect(await statusOf('testDestination', { config: { ...base, settings: { ...settings, port } }, secrets: { password: sshd.password } })).toBe(200);
    const down = await api.testDestination({ config: { ...base, settings: { ...settings, port } }, secrets: { password: sshd.password } });
    expect(down).toMatchObject({ ok: false, error: { code: 'unreachable' } });

    const unknown = await api.testDestination({ config: { ...base, settings }, secrets: { password: sshd.password } });
    expect(unknown).toMatchObject({ ok: false, fingerprint: sshd.hostKeyFingerprint, error: { code: 'host-key-unknown' } });
    expect(unknown.error!.message).toContain(sshd.hostKeyFingerprint);
    expect(unknown.error!.hint).toMatch(/vendor/);

    const otherKey = `SHA256:${'A'.repeat(43)}`;
    const changed = await api.testDestination({ config: { ...base, settings: { ...settings, trustedFingerprint: otherKey } }, secrets: { password: sshd.password } });
    expect(changed).toMatchObject({ ok: false, error: { code: 'host-key-changed' } });
    expect(changed.error!.message).toContain(otherKey);

    const trusted = { ...settings, trustedFingerprint: sshd.hostKeyFingerprint };
    const wrongKey = await api.testDestination({
      config: { ...base, settings: { ...trusted, authMethod: 'key' } },
      secrets: { privateKey: readFileSync(sshd.keyPaths.unauthorized, 'utf8') },
    });
    expect(wrongKey).toMatchObject({ ok: false, error: { code: 'login-refused' } });

    const wrongPassword = await api.testDestination({ config: { ...base, settings: trusted }, secrets: { password: 'Wrong-password-9' } });
    expect(wrongPassword).toMatchObject({ ok: false, error: { code: 'login-refused' } });

    const fine = await api.testDestination({ config: { ...base, settings: trusted }, secrets: { password: sshd.password } });
    expect(fine.ok).toBe(true);
  });

  it('test mail: no server there, and a refused login', async () => {
    const port = await closedPort();
    await api.saveNotifications({
      notifications: { enabled: true, host: '127.0.0.1', port, security: 'none', user: 'mailer', from: 'rostersync@district.example', to: ['it@district.example'] },
      password: SMTP_PASSWORD,
    });
    expect(await statusOf('sendTestEmail', {})).toBe(200);
    expect(await api.sendTestEmail({})).toMatchObject({ ok: false, error: { code: 'unreachable' } });

    await api.saveNotifications({
      notifications: { enabled: true, host: '127.0.0.1', port: smtp.port, security: 'none', user: 'mailer', from: 'rostersync@district.example', to: ['it@district.example'] },
      password: 'Not-the-smtp-password-1',
    });
    expect(await api.sendTestEmail({})).toMatchObject({ ok: false, error: { code: 'login-refused' } });
    expect(smtp.logins).toEqual([{ user: 'mailer', ok: false }]);
  });

  it('a bad request is still 400, naming the field', async () => {
    expect(await statusOf('testSource', { config: { name: 'sis', type: 'postgres', settings: { host: PG_HOST, database: 'x', user: 'u', port: 0 } } })).toBe(400);
    const err = await apiError(api.testDestination({ config: { name: 'v', source: DEMO_SOURCE, format: 'oneroster-1.1', type: 'sftp', settings: { port: 22 } } }));
    expect(err.code).toBe('bad-request');
    expect(err.message).toMatch(/config\.settings\.host/);
  });
});

describe('configuration file', () => {
  it('exports the YAML the CLI writes, without secrets unless sealed with a strong passphrase', async () => {
    await api.saveSource({ config: { name: 'district-pg', type: 'postgres', settings: { ...pgDb.settings, user: 'reader' } }, secrets: { password: 'Pg-Secret-00a1b2' } });
    const plain = await api.exportConfig({});
    expect(plain.fileName).toMatch(/^rostersync-config-\d{4}-\d{2}-\d{2}\.yaml$/);
    const text = Buffer.from(plain.contentBase64, 'base64').toString('utf8');
    expect(text).toMatch(/^# RosterSync configuration, version \d+/);
    const parsed = YAML.parse(text) as { sources: { name: string }[]; secrets?: unknown };
    expect(parsed.sources.map((s) => s.name)).toEqual(expect.arrayContaining([DEMO_SOURCE, 'district-pg']));
    expect(parsed.secrets).toBeUndefined();
    expect(text).not.toContain('Pg-Secret-00a1b2');

    const weak = await apiError(api.exportConfig({ passphrase: 'short' }));
    expect(weak.code).toBe('bad-request');
    expect(weak.message).toMatch(/passphrase: the passphrase has 5 characters; it needs at least 12 characters/);
    expect(weak.message).not.toContain('short');

    const sealed = await api.exportConfig({ passphrase: PASSPHRASE, format: 'json' });
    expect(sealed.fileName).toMatch(/\.json$/);
    const sealedText = Buffer.from(sealed.contentBase64, 'base64').toString('utf8');
    const withSecrets = JSON.parse(sealedText) as { secrets: { owner: string; field: string; sealed: string }[] };
    expect(withSecrets.secrets).toEqual(expect.arrayContaining([expect.objectContaining({ owner: 'source:district-pg', field: 'password' })]));
    expect(sealedText).not.toContain('Pg-Secret-00a1b2');
    expect(sealedText).not.toContain(PASSPHRASE);
  });

  it('a dry run shows what changes per section; the import merges it; secrets need their passphrase', async () => {
    const exported = YAML.parse(Buffer.from((await api.exportConfig({})).contentBase64, 'base64').toString('utf8')) as {
      sources: { name: string; settings: Record<string, unknown> }[];
      destinations: { name: string; schedule: Record<string, unknown> }[];
    };
    exported.sources.find((s) => s.name === 'district-pg')!.settings.port = 5433;
    exported.sources.push({ name: 'second-sis', type: 'sqlite', settings: { path: join(home, 'second.sqlite') } } as never);
    exported.destinations.find((d) => d.name === DEMO_DESTINATION)!.schedule = { enabled: true, preset: 'nightly', time: '03:30', timezone: 'America/Chicago' };
    const text = YAML.stringify(exported);

    const dry = await api.importConfig({ fileName: 'district.yaml', text });
    expect(dry.applied).toBe(false);
    expect(dry.plan.sources).toEqual(
      expect.arrayContaining([
        { name: 'district-pg', kind: 'changed', details: ['settings.port: 5432 → 5433'] },
        { name: 'second-sis', kind: 'added', details: [] },
      ]),
    );
    const demo = dry.plan.destinations.find((d) => d.name === DEMO_DESTINATION)!;
    expect(demo.kind).toBe('changed');
    expect(demo.details.join('\n')).toMatch(/schedule: off .* → .*03:30.*America\/Chicago/);
    expect(dry.text).toContain('Sources: 1 added, 1 changed');
    // nothing changed yet
    expect((await api.getSource({ name: 'district-pg' })).config.settings.port).toBe(5432);
    await apiError(api.getSource({ name: 'second-sis' }));

    const applied = await api.importConfig({ fileName: 'district.yaml', text, dryRun: false });
    expect(applied.applied).toBe(true);
    expect((await api.getSource({ name: 'district-pg' })).config.settings.port).toBe(5433);
    expect((await api.getSource({ name: 'second-sis' })).config.type).toBe('sqlite');
    // the stored password was saved for port 5432: the import says it must be typed again
    expect(applied.notes.join('\n')).toMatch(/saved for 127\.0\.0\.1:5432\/.*enter it again .*127\.0\.0\.1:5433/);

    const sealed = Buffer.from((await api.exportConfig({ passphrase: PASSPHRASE })).contentBase64, 'base64').toString('utf8');
    const noPassphrase = await api.importConfig({ fileName: 'sealed.yaml', text: sealed });
    expect(noPassphrase.sealedSecretsInFile).toBeGreaterThan(0);
    expect(noPassphrase.plan.secrets).toBe(0);
    const refused = await apiError(api.importConfig({ fileName: 'sealed.yaml', text: sealed, dryRun: false }));
    expect(refused.message).toMatch(/secrets: this configuration carries sealed secrets/);
    const wrong = await apiError(api.importConfig({ fileName: 'sealed.yaml', text: sealed, passphrase: 'Wrong-passphrase-42', dryRun: false }));
    expect(wrong.message).toMatch(/^passphrase: Wrong passphrase/);
    const withSecrets = await api.importConfig({ fileName: 'sealed.yaml', text: sealed, passphrase: PASSPHRASE });
    expect(withSecrets.plan.secrets).toBe(noPassphrase.sealedSecretsInFile);
  });

  it('a refused file names the file, the line and the field', async () => {
    const text = ['version: 1', 'sources:', '  - name: sis', '    type: postgres', '    settings:', '      host: db.district.local', '      port: "five"', ''].join('\n');
    const err = await apiError(api.importConfig({ fileName: 'broken.yaml', text }));
    expect(err.code).toBe('bad-request');
    expect(err.message).toMatch(/^broken\.yaml: line 7, sources\[0\]\.settings\.port: /);

    const syntax = await apiError(api.importConfig({ fileName: 'syntax.yaml', text: 'sources:\n  - name: "unclosed\n' }));
    expect(syntax.message).toMatch(/^syntax\.yaml: not valid YAML: .*line/);
  });
});

describe('API key rotation', () => {
  it('refuses the old key at once (401) and accepts the new one, which the key file holds', async () => {
    const old = key;
    const rotated = await api.rotateApiKey({});
    expect(rotated.key).not.toBe(old);
    expect(rotated.key.length).toBeGreaterThanOrEqual(43);
    expect(rotated.loginUrl).toBe(`${server.url}/#key=${encodeURIComponent(rotated.key)}`);
    expect(readFileSync(apiKeyPath(home), 'utf8').trim()).toBe(rotated.key);
    expect(server.key).toBe(rotated.key);

    expect(await statusOf('getStatus', {}, old)).toBe(401);
    const refused = await apiError(api.getStatus({}));
    expect(refused.code).toBe('unauthorized');
    // the events stream too
    expect((await fetch(`${server.url}/api/events?key=${encodeURIComponent(old)}`)).status).toBe(401);

    key = rotated.key;
    expect((await api.getStatus({})).home).toBe(home);
  });
});
