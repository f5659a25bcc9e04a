/**
 * Every API call over real HTTP with the renderer's fetch client, against an agent on a fresh home
 * with the demo district and a real OpenSSH SFTP server: sources, destinations (test, host key,
 * trust), formats, mapping suggestions and live preview, site map import/export, Sync now in the
 * background, holds (approve/discard), history and reports, settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { DEMO_DESTINATION, DEMO_SOURCE, setupDemo } from '../../src/agent/demo.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { acquireAgentLock } from '../../src/agent/agent-lock.js';
import { API_CALL_NAMES, ApiError, type Api, type ApiCallName, type DestinationView } from '../../src/shared/api.contract.js';
import type { RunDetail } from '../../src/shared/run.js';
import { createFetchApi } from '../../src/shared/api-client.js';
import { startSshd, type SshdServer } from '../helpers/sshd.js';
import { closedPort, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { acquireDestinationLock } from '../../src/scheduler/lock.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';

let home: string;
let ctx: AgentContext;
let server: ApiServer;
let sshd: SshdServer;
let smtp: TestSmtpServer;
let api: Api;
const called = new Set<ApiCallName>();
/** Every response body as text, to prove no secret ever comes back. */
const answers: string[] = [];

const SOURCE_PASSWORD = 'Pg-secret-7e1d9c0b';
const SMTP_PASSWORD = 'Smtp-secret-3a8f2c6d';

async function expectApiError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(code);
  if (message) expect((err as ApiError).message).toMatch(message);
}

async function waitForRun(id: number): Promise<RunDetail> {
  for (let i = 0; i < 600; i++) {
    const run = await api.getRun({ id });
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} still running after 60 s`);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-api-'));
  ctx = openAgent(home);
  await setupDemo(ctx, { students: 300 });
  const staticDir = join(home, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>RosterSync</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  server = await startApiServer(ctx, { port: 0, host: '127.0.0.1', staticDir, onError: (err) => console.error(err) });
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    answers.push(await response.clone().text());
    return response;
  };
  const client = createFetchApi({ baseUrl: server.url, key: () => server.key, fetch: recordingFetch });
  api = new Proxy(client, {
    get(target, prop: string) {
      called.add(prop as ApiCallName);
      return target[prop as ApiCallName];
    },
  });
  sshd = await startSshd({ label: 'api' });
  smtp = await startSmtpServer({ user: 'mailer', password: SMTP_PASSWORD });
});

afterAll(async () => {
  await server?.close();
  await sshd?.dispose();
  await smtp?.close();
  if (ctx) closeAgent(ctx);
  rmSync(home, { recursive: true, force: true });
});

describe('agent', () => {
  it('reports its status and advertises its port in api.json', async () => {
    const status = await api.getStatus({});
    expect(status.home).toBe(home);
    expect(status.pid).toBe(process.pid);
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(existsSync(join(home, 'api.json'))).toBe(true);
  });

  it('serves the renderer with a strict CSP', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<title>RosterSync</title>');
    const route = await fetch(`${server.url}/history/12`);
    expect(await route.text()).toContain('<title>RosterSync</title>');
    const js = await fetch(`${server.url}/assets/app.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
  });

  it('lists connection types with their secret fields and settings schema', async () => {
    const types = await api.listConnectionTypes({});
    const sqlite = types.find((t) => t.kind === 'source' && t.id === 'sqlite')!;
    expect(sqlite.secretFields).toEqual([]);
    const sftp = types.find((t) => t.kind === 'destination' && t.id === 'sftp')!;
    expect(sftp.secretFields).toEqual(expect.arrayContaining(['password', 'privateKey']));
    expect(JSON.stringify(sftp.settingsSchema)).toContain('trustedFingerprint');
    // The descriptor drives the form: capabilities, the pinned key's setting, a oneOf per sign-in method naming its secrets.
    expect(sftp.capabilities).toEqual(expect.arrayContaining(['hostKey', 'staging']));
    expect(sftp.hostKeySetting).toBe('trustedFingerprint');
    const branches = (sftp.settingsSchema as { oneOf: { properties: Record<string, { const?: string; 'x-secret'?: boolean }> }[] }).oneOf;
    expect(branches.map((b) => Object.keys(b.properties).filter((k) => b.properties[k]?.['x-secret']))).toEqual([['password'], ['privateKey', 'passphrase']]);
    const folder = types.find((t) => t.kind === 'destination' && t.id === 'folder')!;
    expect(folder.capabilities).not.toContain('hostKey');
    expect(folder.hostKeySetting).toBeUndefined();
  });
});

describe('sources', () => {
  it('lists, reads, tests, discovers and samples the demo SIS', async () => {
    const list = await api.listSources({});
    expect(list.map((s) => s.config.name)).toContain(DEMO_SOURCE);
    const demo = await api.getSource({ name: DEMO_SOURCE });
    expect(demo.config.type).toBe('sqlite');
    const check = await api.testSource({ config: demo.config });
    expect(check.ok).toBe(true);
    const tables = await api.discoverSource({ config: demo.config });
    const students = tables.find((t) => t.name === 'students');
    expect(students?.columns.length).toBeGreaterThan(3);
    const sample = await api.sampleSource({ config: demo.config, table: 'students', limit: 3 });
    expect(sample.rows).toHaveLength(3);
    const entity = await api.sampleSource({ config: demo.config, entity: 'schools', limit: 2 });
    expect(entity.columns).toContain('school_code');
    const query = await api.sampleSource({ config: demo.config, query: 'SELECT 1 AS one', limit: 1 });
    expect(query.rows[0]).toEqual({ one: '1' });
    // the demo SIS is no known SIS: detection says what it looked for; the profiles it knows are listed
    const detection = await api.detectSource({ config: demo.config });
    expect(detection.matches).toEqual([]);
    expect(detection.message).toBe('No SIS profile runs on sqlite sources.');
    const profiles = await api.listProfiles({});
    expect(profiles.map((p) => p.profile.id)).toEqual(expect.arrayContaining(['rosariosis', 'opensis', 'gibbon', 'powerschool']));
    expect(profiles.find((p) => p.profile.id === 'powerschool')!.profile.verification.testedInCi).toBe(false);
  });

  it('keeps secrets write-only and renames a source', async () => {
    const saved = await api.saveSource({
      config: { name: 'district-pg', type: 'postgres', settings: { host: '127.0.0.1', database: 'sis', user: 'reader' } },
      secrets: { password: SOURCE_PASSWORD },
    });
    expect(saved.secretsSet).toEqual({ password: true });
    expect(saved.config.name).toBe('district-pg');
    const renamed = await api.saveSource({ config: { ...saved.config, name: 'district-sis' }, previousName: 'district-pg' });
    expect(renamed.secretsSet).toEqual({ password: true });
    await expectApiError(api.getSource({ name: 'district-pg' }), 'not-found');
    // a bad setting names its field
    await expectApiError(api.saveSource({ config: { name: 'broken', type: 'postgres', settings: { host: '127.0.0.1', database: 'x', user: 'u', port: 0 } } }), 'bad-request', /config\.settings\.port/);
    await expectApiError(api.saveSource({ config: { ...saved.config, name: 'district-sis' }, secrets: { token: 'x' } }), 'bad-request', /secrets\.token/);
    expect(await api.deleteSource({ name: 'district-sis' })).toEqual({ ok: true });
    // the demo source is in use
    await expectApiError(api.deleteSource({ name: DEMO_SOURCE }), 'conflict', /demo-outbox/);
  });
});

describe('destinations and host keys', () => {
  let vendor: DestinationView;

  it('saves an SFTP destination, shows the untrusted host key, trusts it and passes the test', async () => {
    vendor = await api.saveDestination({
      config: {
        name: 'vendor-sftp',
        source: DEMO_SOURCE,
        format: 'oneroster-1.1',
        type: 'sftp',
        settings: { host: sshd.host, port: sshd.port, username: sshd.user, remoteDir: 'Upload', retries: 0 },
      },
      secrets: { password: sshd.password },
    });
    expect(vendor.secretsSet).toMatchObject({ password: true, privateKey: false });

    const untrusted = await api.testDestination({ config: vendor.config });
    expect(untrusted.ok).toBe(false);
    expect(untrusted.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(untrusted.hostKey).toMatchObject({ status: 'unknown', presented: sshd.hostKeyFingerprint });
    // The GUI offers "Trust this key" beside the result: no terminal command in the message.
    expect(untrusted.message).not.toContain('rostersync destination trust');
    expect(vendor.hostKey).toEqual({ trusted: '', lastSeen: null });

    const probed = await api.probeHostKey({ type: 'sftp', settings: { host: sshd.host, port: sshd.port } });
    expect(probed.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(probed.keyType).toMatch(/^ssh-|^ecdsa/);

    await expectApiError(api.trustHostKey({ destination: 'vendor-sftp', fingerprint: 'not-a-fingerprint' }), 'bad-request', /fingerprint/);
    vendor = await api.trustHostKey({ destination: 'vendor-sftp', fingerprint: probed.fingerprint });
    expect(vendor.config.settings.trustedFingerprint).toBe(sshd.hostKeyFingerprint);
    expect(vendor.hostKey).toEqual({ trusted: sshd.hostKeyFingerprint, lastSeen: sshd.hostKeyFingerprint });

    // Replacing a trusted key needs the confirmation naming the key it replaces.
    const other = `SHA256:${'A'.repeat(43)}`;
    await expectApiError(api.trustHostKey({ destination: 'vendor-sftp', fingerprint: other }), 'conflict', /replacing/);
    await expectApiError(api.trustHostKey({ destination: 'vendor-sftp', fingerprint: other, replacing: other }), 'conflict', /nothing was changed/);
    expect((await api.getDestination({ name: 'vendor-sftp' })).hostKey?.trusted).toBe(sshd.hostKeyFingerprint);
    const replaced = await api.trustHostKey({ destination: 'vendor-sftp', fingerprint: other, replacing: sshd.hostKeyFingerprint });
    expect(replaced.hostKey?.trusted).toBe(other);
    const changed = await api.testDestination({ config: replaced.config });
    expect(changed.hostKey).toEqual({ status: 'changed', presented: sshd.hostKeyFingerprint, keyType: 'ED25519', trusted: other });
    vendor = await api.trustHostKey({ destination: 'vendor-sftp', fingerprint: sshd.hostKeyFingerprint, replacing: other });
    expect(vendor.config.settings.trustedFingerprint).toBe(sshd.hostKeyFingerprint);
    await expectApiError(api.probeHostKey({ type: 'folder', settings: { path: '/tmp' } }), 'bad-request', /no host key/);

    const check = await api.testDestination({ config: vendor.config });
    expect(check.ok).toBe(true);
    expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    expect(check.throughputBytesPerSec).toBeGreaterThan(0);

    expect((await api.getDestination({ name: 'vendor-sftp' })).config.type).toBe('sftp');
    expect((await api.listDestinations({})).map((d) => d.config.name).sort()).toEqual([DEMO_DESTINATION, 'vendor-sftp']);
  });

  it('refuses a destination whose source does not exist, naming the field', async () => {
    await expectApiError(
      api.saveDestination({ config: { name: 'x', source: 'nope', format: 'oneroster-1.1', type: 'folder', settings: { path: join(home, 'x') } } }),
      'bad-request',
      /config\.source/,
    );
  });
});

describe('formats, mapping and preview', () => {
  it('lists formats and returns a definition', async () => {
    const formats = await api.listFormats({});
    const oneRoster = formats.find((f) => f.id === 'oneroster-1.1')!;
    expect(oneRoster.builtIn).toBe(true);
    expect(oneRoster.files).toContain('users.csv');
    const def = await api.getFormat({ id: 'oneroster-1.1' });
    expect(def.files.find((f) => f.name === 'users.csv')?.columns.some((c) => c.name === 'givenName')).toBe(true);
    await expectApiError(api.getFormat({ id: 'nope' }), 'not-found');
  });

  it('suggests source fields for every target column', async () => {
    const s = await api.suggestMapping({ source: DEMO_SOURCE, format: 'oneroster-1.1' });
    expect(s.sourceFields.students).toContain('first_name');
    const given = s.columns.find((c) => c.file === 'users.csv' && c.entity === 'students' && c.column === 'givenName')!;
    expect(given.required).toBe(true);
    expect(given.candidates[0]?.field).toBe('first_name');
    const org = s.columns.find((c) => c.file === 'orgs.csv' && c.column === 'name')!;
    expect(org.candidates.map((c) => c.field)).toContain('name');
  });

  it('previews a draft without saving or delivering it', async () => {
    const before = await api.listRuns({ includePreviews: true, limit: 1000 });
    const draft = (await api.getDestination({ name: 'vendor-sftp' })).config;
    const demoMap = await api.getSiteMap({ destination: DEMO_DESTINATION });
    // an unsaved destination has no saved site map: the draft's map comes with it
    const unmappedAll = await api.previewMapping({ config: { ...draft, name: 'draft-vendor' }, rows: 1 });
    expect(unmappedAll.unmappedSchools.length).toBe(demoMap.length);
    const preview = await api.previewMapping({ config: { ...draft, name: 'draft-vendor' }, siteMap: demoMap, rows: 5 });
    expect(preview.errors).toBe(0);
    const users = preview.files.find((f) => f.name === 'users.csv')!;
    expect(users.header).toContain('givenName');
    expect(users.sample).toHaveLength(5);
    expect(users.rows).toBeGreaterThan(300);
    expect(preview.files.map((f) => f.name)).toContain('orgs.csv');
    // nothing saved, nothing delivered, no preview left in history
    await expectApiError(api.getDestination({ name: 'draft-vendor' }), 'not-found');
    expect(readdirSync(sshd.uploadDir)).toEqual([]);
    expect((await api.listRuns({ includePreviews: true, limit: 1000 })).length).toBe(before.length);

    // a site map missing a school: the preview lists it and flags the rows
    const siteMap = demoMap.slice(1);
    const missing = demoMap[0]!.schoolCode;
    const partial = await api.previewMapping({ config: { ...draft, name: 'draft-vendor' }, siteMap, rows: 1 });
    expect(partial.unmappedSchools).toContain(missing);
    expect(partial.findings.some((f) => f.rule === 'site-map' && f.value === missing)).toBe(true);
  });
});

describe('site map', () => {
  it('exports, imports (xlsx and csv), saves and lists unmapped schools', async () => {
    const demoMap = await api.getSiteMap({ destination: DEMO_DESTINATION });
    expect(demoMap.length).toBeGreaterThan(1);

    const xlsx = await api.exportSiteMap({ destination: DEMO_DESTINATION, format: 'xlsx' });
    expect(xlsx.fileName).toMatch(/\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(xlsx.contentBase64, 'base64') as unknown as ArrayBuffer);
    expect(workbook.worksheets[0]!.rowCount).toBe(demoMap.length + 1);

    const dry = await api.importSiteMap({ destination: 'vendor-sftp', fileName: 'map.xlsx', contentBase64: xlsx.contentBase64, save: false });
    expect(dry.saved).toBe(false);
    expect(await api.getSiteMap({ destination: 'vendor-sftp' })).toEqual([]);
    const imported = await api.importSiteMap({ destination: 'vendor-sftp', fileName: 'map.xlsx', contentBase64: xlsx.contentBase64 });
    expect(imported.entries).toEqual(demoMap);

    const csv = await api.exportSiteMap({ destination: 'vendor-sftp', format: 'csv' });
    expect(Buffer.from(csv.contentBase64, 'base64').toString('utf8')).toMatch(/^school_code,site_id,label\r\n/);
    await expectApiError(
      api.importSiteMap({ destination: 'vendor-sftp', fileName: 'bad.csv', contentBase64: Buffer.from('a,b\n1,2\n').toString('base64') }),
      'bad-request',
      /school code column/,
    );

    const withoutFirst = demoMap.slice(1);
    expect(await api.saveSiteMap({ destination: 'vendor-sftp', entries: withoutFirst })).toEqual(withoutFirst);
    const unmapped = await api.unmappedSchools({ destination: 'vendor-sftp' });
    expect(unmapped.map((u) => u.schoolCode)).toEqual([demoMap[0]!.schoolCode]);
    expect(unmapped[0]!.name).not.toBe('');
    await api.saveSiteMap({ destination: 'vendor-sftp', entries: demoMap });
    expect(await api.unmappedSchools({ destination: 'vendor-sftp' })).toEqual([]);
  });
});

describe('sync now, dashboard, holds and history', () => {
  it('runs a sync in the background and delivers to the SFTP server', async () => {
    const started = await api.syncNow({ destination: 'vendor-sftp' });
    expect(started.runId).toBeGreaterThan(0);
    const run = await waitForRun(started.runId);
    expect(run.message).not.toMatch(/failed/i);
    expect(run.status).toBe('success');
    expect(run.files.map((f) => f.name)).toContain('users.csv');
    expect(readdirSync(sshd.uploadDir)).toEqual(expect.arrayContaining(['users.csv', 'orgs.csv', 'manifest.csv']));

    const dashboard = await api.getDashboard({});
    const row = dashboard.destinations.find((d) => d.name === 'vendor-sftp')!;
    expect(row.status).toBe('ok');
    expect(row.lastRun?.id).toBe(started.runId);
    expect(row.lastSuccess?.id).toBe(started.runId);
    expect(row.nextRun).toBeNull();
    expect(dashboard.destinations.find((d) => d.name === DEMO_DESTINATION)!.status).toBe('never');
    expect(dashboard.overall).toBe('ok');
    await expectApiError(api.syncNow({ destination: 'nope' }), 'not-found');
  });

  it('answers 409 while another runner (scheduler, CLI) holds the destination', async () => {
    const lock = acquireDestinationLock(ctx.store, 'vendor-sftp', { purpose: 'schedule', heartbeatMs: 0 });
    try {
      const before = (await api.listRuns({ destination: 'vendor-sftp' })).length;
      await expectApiError(api.syncNow({ destination: 'vendor-sftp' }), 'conflict');
      expect((await api.listRuns({ destination: 'vendor-sftp' })).length).toBe(before);
    } finally {
      lock.release();
    }
  });

  it('holds a big change, then approves one hold and discards another', async () => {
    const current = (await api.getDestination({ name: 'vendor-sftp' })).config;
    const holdOn = (middle: string) => ({
      ...current,
      guard: { ...current.guard, maxChangedShare: 0.01, minRecordsForShare: 0 },
      mapping: { 'users.csv': { students: { middleName: { const: middle } } } },
    });
    await api.saveDestination({ config: holdOn('Q') });
    const held = await waitForRun((await api.syncNow({ destination: 'vendor-sftp' })).runId);
    expect(held.status).toBe('held');
    let dashboard = await api.getDashboard({});
    expect(dashboard.holds.map((h) => h.run.id)).toEqual([held.id]);
    expect(dashboard.holds[0]!.holdReasons.length).toBeGreaterThan(0);
    expect(dashboard.destinations.find((d) => d.name === 'vendor-sftp')!.status).toBe('held');
    expect(dashboard.overall).toBe('held');
    const review = await api.reviewHeldRun({ id: held.id });
    expect(review.run.id).toBe(held.id);
    expect(review.holdReasons).toEqual(dashboard.holds[0]!.holdReasons);
    expect(review.diff.length).toBeGreaterThan(0);

    // Sync now waits while the run is held: 409 naming the held run and how to review it, and no run is recorded.
    const runsBefore = (await api.listRuns({ destination: 'vendor-sftp' })).length;
    const refused = await api.syncNow({ destination: 'vendor-sftp' }).then(
      () => undefined,
      (e: unknown) => e as ApiError,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused!.code).toBe('conflict');
    expect(refused!.message).toContain(`vendor-sftp has run ${held.id} held for approval: review it first`);
    expect(refused!.message).toContain(`rostersync approve ${held.id} --home ${home}`);
    expect(refused!.details).toEqual({
      heldRun: {
        id: held.id,
        destination: 'vendor-sftp',
        reviewPath: `#/history/${held.id}`,
        approveCommand: `rostersync approve ${held.id} --home ${home}`,
        discardCommand: `rostersync discard ${held.id} --home ${home}`,
      },
    });
    expect((await api.listRuns({ destination: 'vendor-sftp' })).length).toBe(runsBefore);

    const approving = await api.approveRun({ id: held.id });
    expect(approving.runId).toBe(held.id);
    expect((await waitForRun(held.id)).status).toBe('success');
    await expectApiError(api.approveRun({ id: held.id }), 'conflict', /not held/);

    await api.saveDestination({ config: holdOn('R') });
    const second = await waitForRun((await api.syncNow({ destination: 'vendor-sftp' })).runId);
    expect(second.status).toBe('held');
    const discarded = await api.discardRun({ id: second.id });
    expect(discarded.status).toBe('discarded');
    // only a running run can be cancelled
    await expect(api.cancelRun({ id: second.id })).rejects.toMatchObject({ code: 'conflict', message: `Run ${second.id} is discarded, not running: only a running run can be cancelled.` });
    dashboard = await api.getDashboard({});
    expect(dashboard.holds).toEqual([]);
    await api.saveDestination({ config: current });
  });

  it('lists runs with filters and downloads reports', async () => {
    const all = await api.listRuns({ destination: 'vendor-sftp' });
    expect(all.length).toBe(3);
    const discarded = await api.listRuns({ destination: 'vendor-sftp', status: 'discarded' });
    expect(discarded).toHaveLength(1);
    expect(await api.listRuns({ destination: 'vendor-sftp', limit: 1, offset: 1 })).toEqual([all[1]]);

    const detail = await api.getRun({ id: all[2]!.id });
    expect(detail.files.length).toBeGreaterThan(3);
    expect(detail.events.length).toBeGreaterThan(0);

    const json = await api.runReport({ id: detail.id, format: 'json' });
    expect(JSON.parse(Buffer.from(json.contentBase64, 'base64').toString('utf8')).id).toBe(detail.id);
    const csv = Buffer.from((await api.runReport({ id: detail.id, format: 'csv' })).contentBase64, 'base64').toString('utf8');
    expect(csv.split(/\r?\n/)[0]).toBe('section,item,field,value');
    expect(csv).toContain('file,users.csv,rows,');
    expect(JSON.parse(Buffer.from(json.contentBase64, 'base64').toString('utf8')).deliveries.length).toBeGreaterThan(0);
    await expectApiError(api.getRun({ id: 999999 }), 'not-found');

    // The audit ledger, read-only: the delivery with the columns that held a value and their counts.
    const audit = await api.listAudit({ destination: 'vendor-sftp' });
    const delivered = audit.find((d) => d.runId === detail.id)!;
    expect(delivered.status).toBe('complete');
    expect(delivered.files.find((f) => f.name === 'users.csv')!.columnCounts.givenName).toBeGreaterThan(0);
    // Who received records keyed like one of that delivery's users.
    const key = detail.diff.find((d) => d.file === 'users.csv')!.sampleAdded[0]!;
    const receipts = await api.whoReceived({ studentId: key });
    expect(receipts.find((r) => r.destination === 'vendor-sftp' && r.file === 'users.csv'), JSON.stringify(receipts)).toMatchObject({ runId: audit[0]!.runId, destinationType: 'sftp', earlierDeliveries: audit.length - 1 });
    expect(await api.whoReceived({ studentId: 'no-such-key' })).toEqual([]);
  });
});

describe('settings', () => {
  it('keeps the SMTP password write-only, sends a test mail through a real SMTP server, saves retention', async () => {
    const before = await api.getSettings({});
    expect(before.home).toBe(home);
    expect(before.notifications.hasPassword).toBe(false);
    const saved = await api.saveNotifications({
      notifications: { enabled: true, host: '127.0.0.1', port: smtp.port, security: 'none', user: 'mailer', from: 'rostersync@district.example', to: ['it@district.example'] },
      password: SMTP_PASSWORD,
    });
    expect(saved.notifications.hasPassword).toBe(true);
    expect(saved.notifications.to).toEqual(['it@district.example']);
    await expectApiError(api.saveNotifications({ notifications: { enabled: true, host: '', to: [] } }), 'bad-request', /notifications\.host/);

    const sent = await api.sendTestEmail({ to: 'admin@district.example' });
    expect(sent.message).toContain('admin@district.example');
    expect(sent.ok).toBe(true);
    expect(smtp.messages.map((m) => m.to)).toEqual([['admin@district.example']]);
    expect(smtp.logins).toEqual([{ user: 'mailer', ok: true }]);
    // a mail that cannot be sent is an answer with the reason, not a crash
    // another port is another server: the stored password is not kept for it unless typed again
    const elsewhere = { ...saved.notifications, port: await closedPort() };
    await expectApiError(api.saveNotifications({ notifications: elsewhere }), 'reenter-secret', /The password was saved for mailer@127\.0\.0\.1:\d+; enter it again/);
    await api.saveNotifications({ notifications: elsewhere, password: SMTP_PASSWORD });
    const failed = await api.sendTestEmail({});
    expect(failed.ok).toBe(false);
    expect(failed.message).not.toBe('');

    const general = await api.saveGeneralSettings({ historyRetentionDays: 30 });
    expect(general.general.historyRetentionDays).toBe(30);
    expect((await api.getSettings({})).general.historyRetentionDays).toBe(30);
  });

  it('shows the next scheduled run only while an agent runs, pauses and resumes schedules', async () => {
    const current = (await api.getDestination({ name: 'vendor-sftp' })).config;
    await api.saveDestination({ config: { ...current, schedule: { ...current.schedule, enabled: true, preset: 'nightly', time: '02:00', timezone: 'UTC' } } });
    // no agent holds the data folder: nothing would start the run, so none is shown
    const alone = await api.getDashboard({});
    expect(alone.destinations.find((d) => d.name === 'vendor-sftp')!.nextRun).toBeNull();
    expect(alone.agent).toMatchObject({ scheduling: 'nobody', pid: null });
    // an agent in another process holds it (here: this process's lock row); this API is attached to it
    const agentLock = acquireAgentLock(ctx.store, ctx.layout.home);
    try {
      const attached = await api.getDashboard({});
      const next = attached.destinations.find((d) => d.name === 'vendor-sftp')!.nextRun;
      expect(next).toMatch(/T02:00:00\.000Z$/);
      expect(new Date(next!).getTime()).toBeGreaterThan(Date.now());
      expect(attached.agent).toMatchObject({ scheduling: 'other', pid: process.pid });
    } finally {
      agentLock.release();
    }
    await api.saveDestination({ config: current });
    // no scheduler in this process: the pause is the store setting the agent's scheduler obeys
    expect(await api.pauseSchedules({})).toEqual({ paused: true });
    expect((await api.getDashboard({})).schedulesPaused).toBe(true);
    expect(new Scheduler(ctx).isPaused()).toBe(true);
    expect(await api.resumeSchedules({})).toEqual({ paused: false });
    expect((await api.getDashboard({})).schedulesPaused).toBe(false);
  });

  it('deletes a destination', async () => {
    await api.saveDestination({ config: { name: 'scratch', source: DEMO_SOURCE, format: 'oneroster-1.1', type: 'folder', settings: { path: join(home, 'scratch') } } });
    expect(await api.deleteDestination({ name: 'scratch' })).toEqual({ ok: true });
    await expectApiError(api.deleteDestination({ name: 'scratch' }), 'not-found');
  });
});

describe('configuration file and access', () => {
  it('exports the configuration, dry-runs it back, and rotates the key (the old one is refused)', async () => {
    const exported = await api.exportConfig({});
    const text = Buffer.from(exported.contentBase64, 'base64').toString('utf8');
    expect(text).toContain('vendor-sftp');
    const dry = await api.importConfig({ fileName: exported.fileName, text });
    expect(dry.applied).toBe(false);
    expect(dry.plan.destinations.every((d) => d.kind === 'unchanged')).toBe(true);

    const old = server.key;
    const rotated = await api.rotateApiKey({});
    expect(rotated.loginUrl).toBe(`${server.url}/#key=${encodeURIComponent(rotated.key)}`);
    const stale = createFetchApi({ baseUrl: server.url, key: old });
    await expectApiError(stale.getStatus({}), 'unauthorized');
    expect((await api.getStatus({})).home).toBe(home);
  });
});

describe('coverage of the contract', () => {
  it('exercised every call, and no answer carried a secret', () => {
    expect([...called].filter((n) => (API_CALL_NAMES as string[]).includes(n)).sort()).toEqual(API_CALL_NAMES);
    for (const text of answers) {
      expect(text).not.toContain(SOURCE_PASSWORD);
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain(sshd.password);
    }
  });
});
