/**
 * All-or-nothing publishing under real faults: a `rostersync run` child process killed with SIGKILL
 * while a folder destination copies into staging, while it renames into place, and while SFTP renames
 * on a real OpenSSH server; and an outbox on a real 2 MB tmpfs that fills up. The kill point is
 * ROSTERSYNC_TEST_PAUSE_AT (src/destinations/test-pause.ts): the child writes its pid to a file and
 * waits there. Each case proves what a reader of the destination sees — never a manifest over a
 * mixed or partial set — and that the next start settles the publish and says so in the run's
 * history and the audit ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openAgent, closeAgent, saveSecrets, destinationSecretOwner, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { destinationConfigSchema } from '../../src/shared/config.schema.js';
import { runDestination } from '../../src/agent/runner.js';
import type { AuditDelivery } from '../../src/shared/audit.js';
import { killAllStarted, runCli, spawnCli } from '../helpers/child-process.js';
import { startSshd, type SshdServer } from '../helpers/sshd.js';

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Every entry of a folder (hidden ones included) with the sha256 of each file. */
const snapshot = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((n) => [n, statSync(join(dir, n)).isDirectory() ? 'dir' : sha(join(dir, n))]));

async function waitForFile(path: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `rostersync run DEST`, waits until it reaches `point`, and kills it with SIGKILL. Returns the killed run's id. */
async function killRunAt(home: string, destination: string, point: string): Promise<void> {
  const signal = join(home, `paused-${point.replace(':', '-')}-${Date.now()}`);
  const child = spawnCli(['run', destination, '--home', home], { ROSTERSYNC_TEST_PAUSE_AT: point, ROSTERSYNC_TEST_PAUSE_FILE: signal });
  await Promise.race([
    waitForFile(signal),
    child.exited.then((f) => {
      throw new Error(`the run ended before reaching ${point}: ${f.stdout}\n${f.stderr}`);
    }),
  ]);
  process.kill(child.pid, 'SIGKILL');
  const finished = await child.exited;
  expect(finished.signal).toBe('SIGKILL');
}

/** The next start: any CLI command settles open publishes first. */
async function nextStartAudit(home: string, destination: string): Promise<AuditDelivery[]> {
  const started = await runCli(['audit', '--json', '--destination', destination, '--home', home]);
  expect(started.code, started.stderr).toBe(0);
  return JSON.parse(started.stdout) as AuditDelivery[];
}

function changeStudents(ctx: AgentContext, suffix: string): void {
  const sis = new Database(join(ctx.layout.demoDir, 'sis.db'));
  sis.prepare('UPDATE students SET first_name = first_name || ? WHERE rowid % 4 = 0').run(suffix);
  sis.close();
}

function reconfigure(ctx: AgentContext, name: string, change: Record<string, unknown>): void {
  const current = ctx.store.getDestination(name)!;
  ctx.store.saveDestination(destinationConfigSchema.parse({ ...current, ...change }));
}

/** These tests change many records on purpose: the safety guard must not hold them. */
const RELAXED_GUARD = { maxRemovedShare: 1, maxChangedShare: 1, holdOnEmpty: false };

const lastRunId = (ctx: AgentContext, destination: string): number => ctx.store.listRuns({ destination, limit: 1 })[0]!.id;

afterAll(async () => {
  await killAllStarted();
});

describe('folder destination: kill -9 during copy and during the swap', () => {
  const home = mkdtempSync(join(tmpdir(), 'rs-publish-fault-'));
  let ctx: AgentContext;
  let outbox: string;

  beforeAll(async () => {
    ctx = openAgent(home);
    outbox = (await setupDemo(ctx, { students: 200 })).outbox;
    reconfigure(ctx, DEMO_DESTINATION, { guard: RELAXED_GUARD });
    const first = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'cli' });
    expect(first.status, first.message).toBe('success');
  });
  afterAll(() => closeAgent(ctx));

  it('killed while copying into staging: the previous set stays whole; the next start removes the staging folder and records the run as not delivered', async () => {
    const before = snapshot(outbox);
    expect(Object.keys(before)).toContain('demographics.csv');
    changeStudents(ctx, 'c');
    await killRunAt(home, DEMO_DESTINATION, 'copy:2');
    const killed = lastRunId(ctx, DEMO_DESTINATION);

    // Dead: nothing under a final name changed; only the hidden staging folder is new.
    const dead = snapshot(outbox);
    const staging = Object.keys(dead).filter((n) => n.startsWith('.rostersync-staging-'));
    expect(staging).toHaveLength(1);
    expect(Object.fromEntries(Object.entries(dead).filter(([n]) => !n.startsWith('.')))).toEqual(before);
    expect(ctx.store.listAudit({ destination: DEMO_DESTINATION }).filter((e) => e.runId === killed)).toEqual([]);

    const audit = await nextStartAudit(home, DEMO_DESTINATION);
    expect(snapshot(outbox)).toEqual(before);
    expect(audit.some((d) => d.runId === killed)).toBe(false); // nothing of it was ever visible
    const run = ctx.store.getRunDetail(killed)!;
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(/rolled the publish back.*nothing had been published/);
    expect(run.events.some((e) => e.stage === 'recover')).toBe(true);
  });

  it('killed between renames: no manifest over the half-replaced set; the next start rolls forward to exactly the new set (a file the new set lacks is gone) and the ledger says so', async () => {
    reconfigure(ctx, DEMO_DESTINATION, { formatOptions: { ...ctx.store.getDestination(DEMO_DESTINATION)!.formatOptions, includeDemographics: false } });
    await killRunAt(home, DEMO_DESTINATION, 'rename:2');
    const killed = lastRunId(ctx, DEMO_DESTINATION);

    // Dead mid-swap: the previous manifest was withdrawn before the first rename, so no set looks complete.
    expect(readdirSync(outbox)).not.toContain('manifest.csv');
    const incomplete = ctx.store.listAudit({ destination: DEMO_DESTINATION }).filter((e) => e.runId === killed);
    expect(incomplete.length).toBeGreaterThan(0);
    expect(incomplete.every((e) => e.status === 'publishing')).toBe(true);
    expect(incomplete.map((e) => e.file)).not.toContain('demographics.csv');
    expect(ctx.store.getRunDetail(killed)!.files.map((f) => f.name)).toContain('users.csv'); // recorded before the first rename

    const audit = await nextStartAudit(home, DEMO_DESTINATION);
    const run = ctx.store.getRunDetail(killed)!;
    expect(run.status).toBe('success');
    expect(run.message).toMatch(/rolled forward/);
    const expected = Object.fromEntries(run.files.map((f) => [f.name, f.sha256]));
    expect(snapshot(outbox)).toEqual(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : 1))));
    expect(readdirSync(outbox)).not.toContain('demographics.csv');
    const delivery = audit.find((d) => d.runId === killed)!;
    expect(delivery.status).toBe('complete');
    expect(delivery.note).toMatch(/rolled forward at the next start/);
    expect(delivery.files.map((f) => f.name).sort()).toEqual(Object.keys(expected).sort());
  });

  it('killed between renames with a temporary lost: the next start rolls back — the new files placed are removed, no manifest — and the ledger marks the delivery rolled back', async () => {
    changeStudents(ctx, 'r');
    await killRunAt(home, DEMO_DESTINATION, 'rename:1');
    const killed = lastRunId(ctx, DEMO_DESTINATION);
    const stagingDir = readdirSync(outbox).find((n) => n.startsWith('.rostersync-staging-'))!;
    rmSync(join(outbox, stagingDir, 'users.csv'));

    const audit = await nextStartAudit(home, DEMO_DESTINATION);
    const run = ctx.store.getRunDetail(killed)!;
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(/rolled the publish back.*users\.csv was not complete/);
    const left = readdirSync(outbox);
    expect(left).not.toContain('manifest.csv');
    expect(left.filter((n) => n.startsWith('.'))).toEqual([]);
    for (const f of run.files) if (left.includes(f.name)) expect(sha(join(outbox, f.name)), f.name).not.toBe(f.sha256);
    const delivery = audit.find((d) => d.runId === killed)!;
    expect(delivery.status).toBe('rolled-back');
    expect(delivery.note).toMatch(/rolled back at the next start/);

    // The next run publishes a whole set again.
    const again = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'cli' });
    expect(again.status, again.message).toBe('success');
    expect(snapshot(outbox)).toEqual(Object.fromEntries(again.files.map((f) => [f.name, f.sha256] as const).sort(([a], [b]) => (a < b ? -1 : 1))));
  });
});

describe('SFTP destination (real OpenSSH): kill -9 during the renames', () => {
  const home = mkdtempSync(join(tmpdir(), 'rs-publish-sftp-fault-'));
  const DESTINATION = 'vendor-sftp';
  let ctx: AgentContext;
  let server: SshdServer;
  const onServer = (): Record<string, string> => snapshot(server.uploadDir);

  beforeAll(async () => {
    server = await startSshd({ label: 'publish-fault' });
    for (const n of readdirSync(server.uploadDir)) rmSync(join(server.uploadDir, n), { recursive: true, force: true });
    ctx = openAgent(home);
    await setupDemo(ctx, { students: 200 });
    ctx.store.saveDestination(
      destinationConfigSchema.parse({
        name: DESTINATION,
        source: ctx.store.getDestination(DEMO_DESTINATION)!.source,
        format: 'oneroster-1.1',
        formatOptions: { zip: false },
        type: 'sftp',
        settings: { host: server.host, port: server.port, username: server.user, remoteDir: 'Upload', trustedFingerprint: server.hostKeyFingerprint, retries: 0 },
        guard: RELAXED_GUARD,
      }),
    );
    saveSecrets(ctx, destinationSecretOwner(DESTINATION), { password: server.password });
    ctx.store.replaceSiteMap(DESTINATION, ctx.store.getSiteMap(DEMO_DESTINATION));
    const first = await runDestination(ctx, DESTINATION, { trigger: 'cli' });
    expect(first.status, first.message).toBe('success');
  });
  afterAll(async () => {
    closeAgent(ctx);
    await server?.dispose();
  });

  it('no manifest over a mixed set while dead; the next start finishes the renames on the server, removes the file the new set lacks, and records a complete delivery', async () => {
    expect(Object.keys(onServer())).toContain('demographics.csv');
    changeStudents(ctx, 's');
    reconfigure(ctx, DESTINATION, { formatOptions: { zip: false, includeDemographics: false } });
    await killRunAt(home, DESTINATION, 'rename:2');
    const killed = lastRunId(ctx, DESTINATION);

    const dead = Object.keys(onServer());
    expect(dead).not.toContain('manifest.csv');
    expect(dead.some((n) => n.includes('.rostersync-tmp-'))).toBe(true); // the temporaries the journal knows
    expect(ctx.store.listAudit({ destination: DESTINATION }).filter((e) => e.runId === killed).every((e) => e.status === 'publishing')).toBe(true);

    const audit = await nextStartAudit(home, DESTINATION);
    const run = ctx.store.getRunDetail(killed)!;
    expect(run.status, run.message ?? "").toBe('success');
    expect(run.message).toMatch(/rolled forward/);
    const expected = Object.fromEntries(run.files.map((f) => [f.name, f.sha256] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(onServer()).toEqual(expected); // exactly the new set: no temporary, no demographics.csv
    expect(audit.find((d) => d.runId === killed)).toMatchObject({ status: 'complete', note: expect.stringMatching(/rolled forward at the next start/) });
  });
});

describe('outbox disk full (a real 2 MB tmpfs)', () => {
  const home = mkdtempSync(join(tmpdir(), 'rs-publish-full-'));
  const mount = mkdtempSync(join(tmpdir(), 'rs-publish-tmpfs-'));
  let ctx: AgentContext;
  let mounted = false;

  beforeAll(() => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount]);
    mounted = true;
  });
  afterAll(() => {
    if (ctx) closeAgent(ctx);
    if (mounted) execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it('the next set does not fit: nothing new under a final name, the previous set intact, the run failed with a message saying the disk is full, nothing in the ledger', async () => {
    ctx = openAgent(home);
    await setupDemo(ctx, { students: 200 });
    const outbox = join(mount, 'outbox');
    mkdirSync(outbox);
    reconfigure(ctx, DEMO_DESTINATION, { settings: { path: outbox, create: true }, guard: RELAXED_GUARD });
    const first = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'cli' });
    expect(first.status, first.message).toBe('success');
    const before = snapshot(outbox);
    // Something else on the disk takes what is left but a tenth of the next set.
    const setBytes = first.files.reduce((n, f) => n + f.bytes, 0);
    const disk = statfsSync(mount);
    writeFileSync(join(mount, 'filler'), Buffer.alloc(Math.max(0, disk.bavail * disk.bsize - Math.floor(setBytes / 10))));

    changeStudents(ctx, 'f');
    const big = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'cli' });
    expect(big.status).toBe('failed');
    expect(big.message).toMatch(/disk holding .* is full.*nothing new was published/);
    expect(snapshot(outbox)).toEqual(before);
    expect(ctx.store.listAudit({ destination: DEMO_DESTINATION }).filter((e) => e.runId === big.runId)).toEqual([]);
    expect(ctx.store.getRunDetail(big.runId)!.files.every((f) => !f.remotePath)).toBe(true);
  });
});
