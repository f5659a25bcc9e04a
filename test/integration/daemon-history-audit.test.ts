/**
 * History and audit records from real runs of the demo district: `history export` (JSON and CSV
 * run reports), `history prune` (records go, the audit ledger stays), and `audit` (every delivery
 * with its files, counts and personal-data column names — never values).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import type { AuditDelivery, RunReport } from '../../src/agent/history-report.js';
import { cliInProcess, type CliResult } from '../helpers/cli-in-process.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

let ctx: AgentContext;
let home: string;
let outbox: string;
let delivered: RunResult;

/** The CLI on this test's data folder (opened in beforeAll). */
const cli = (args: string[]): Promise<CliResult> => cliInProcess(home)(...args);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-history-'));
  ctx = openAgent(home);
  outbox = (await setupDemo(ctx, { students: 40 })).outbox;
  delivered = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
  expect(delivered.status).toBe('success');
});
afterAll(() => closeAgent(ctx));

describe('history export', () => {
  it('writes the full run report as JSON: files, counts, all findings, events, deliveries', async () => {
    const file = join(home, 'run-report.json');
    const { code, err } = await cli(['history', 'export', String(delivered.runId), file]);
    expect(code).toBe(0);
    expect(err).toMatch(new RegExp(`Report of run ${delivered.runId} \\(JSON, \\d+ finding\\(s\\), \\d+ event\\(s\\)\\) written to `));
    const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
    expect(report).toMatchObject({ reportVersion: 1, id: delivered.runId, destination: DEMO_DESTINATION, status: 'success', trigger: 'schedule' });
    expect(report.files.map((f) => f.name)).toContain('users.csv');
    expect(report.findings).toHaveLength(report.findingsTotal);
    expect(report.findingsTotal).toBe(delivered.errors + delivered.warnings);
    expect(report.events.some((e) => e.stage === 'deliver')).toBe(true);
    expect(report.deliveries.map((d) => d.file).sort()).toEqual(report.files.map((f) => f.name).sort());
    expect(Object.keys(report.stageTimings)).toEqual(expect.arrayContaining(['extract', 'deliver']));
  });

  it('writes it as CSV (chosen from the file name), one fact per row', async () => {
    const file = join(home, 'run-report.csv');
    expect((await cli(['history', 'export', String(delivered.runId), file])).code).toBe(0);
    const rows = parse(readFileSync(file), { columns: true }) as { section: string; item: string; field: string; value: string }[];
    const get = (section: string, item: string, field: string): string | undefined => rows.find((r) => r.section === section && r.item === item && r.field === field)?.value;
    expect(get('run', String(delivered.runId), 'status')).toBe('success');
    expect(get('run', String(delivered.runId), 'destination')).toBe(DEMO_DESTINATION);
    const users = delivered.files.find((f) => f.name === 'users.csv')!;
    expect(get('file', 'users.csv', 'rows')).toBe(String(users.rows));
    expect(get('file', 'users.csv', 'sha256')).toBe(users.sha256);
    expect(get('file', 'users.csv', 'personalColumns')).toMatch(/givenName/);
    expect(get('diff', 'users.csv', 'added')).toBe(String(users.rows));
    expect(get('delivery', 'users.csv', 'remotePath')).toBe(join(outbox, 'users.csv'));
    expect(rows.filter((r) => r.section === 'finding')).toHaveLength(delivered.errors + delivered.warnings);
    expect(rows.filter((r) => r.section === 'event').length).toBeGreaterThan(5);
  });

  it('prints to standard output without a file; refuses an unknown run or format', async () => {
    const out = await cli(['history', 'export', String(delivered.runId), '--format', 'csv']);
    expect(out.out.split('\r\n')[0]).toBe('section,item,field,value');
    const missing = await cli(['history', 'export', '99999']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('No run 99999.');
    const format = await cli(['history', 'export', String(delivered.runId), '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.err).toContain('--format must be json or csv; got "xml".');
  });
});

describe('history prune', () => {
  it('deletes run records older than N days and their folders, keeps held runs and the audit ledger', async () => {
    const old = (status: 'success' | 'held' | 'failed'): number => {
      const id = ctx.store.createRun(DEMO_DESTINATION, 'schedule', false);
      ctx.store.updateRun(id, { status, endedAt: '2025-01-10T02:05:00.000Z' });
      onStoreFile(ctx.store, (db) => db.prepare('UPDATE runs SET started_at = ? WHERE id = ?').run('2025-01-10T02:00:00.000Z', id)); // backdated: runs start now
      mkdirSync(join(ctx.layout.runsDir, String(id), 'files'), { recursive: true });
      return id;
    };
    const oldSuccess = old('success');
    const oldFailed = old('failed');
    const oldHeld = old('held');
    ctx.store.addAuditEntries([{ runId: oldSuccess, destination: DEMO_DESTINATION, destinationType: 'folder', deliveredAt: '2025-01-10T02:05:00.000Z', file: 'users.csv', remotePath: null, records: 3, sha256: 'a'.repeat(64), personalColumns: ['givenName'], columnCounts: { givenName: 1 }, status: 'complete' }]);

    const { code, out } = await cli(['history', 'prune', '--older-than', '30']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Deleted 2 run record\(s\) started before .* and 2 leftover run folder\(s\)\. The audit ledger is kept\.$/m);
    expect(ctx.store.getRun(oldSuccess)).toBeUndefined();
    expect(ctx.store.getRun(oldFailed)).toBeUndefined();
    expect(existsSync(join(ctx.layout.runsDir, String(oldFailed)))).toBe(false);
    expect(ctx.store.getRun(oldHeld)!.status).toBe('held');
    expect(existsSync(join(ctx.layout.runsDir, String(oldHeld)))).toBe(true);
    expect(ctx.store.getRun(delivered.runId)!.status).toBe('success');
    expect(ctx.store.listAudit().filter((a) => a.runId === oldSuccess)).toHaveLength(1);

    expect((await cli(['history', 'prune', '--older-than', '0'])).err).toContain('--older-than takes a whole number of days (1 or more)');
  });
});

describe('audit', () => {
  it('lists every delivery with files, record counts and the personal-data columns sent — names, never values', async () => {
    const { code, out } = await cli(['audit', '--since', '2026-01-01']);
    expect(code).toBe(0);
    expect(out).toContain(`demo-outbox (folder)  run ${delivered.runId}`);
    const users = delivered.files.find((f) => f.name === 'users.csv')!;
    expect(out).toMatch(new RegExp(`users\\.csv\\s+${users.rows}\\s+${join(outbox, 'users.csv').replace(/[/.]/g, '\\$&')}\\s+.*givenName \\(\\d+\\), familyName \\(\\d+\\)`));
    // no value of a student record appears
    const firstUser = (parse(readFileSync(join(outbox, 'users.csv')), { columns: true, bom: true }) as Record<string, string>[]).find((u) => u.role === 'student')!;
    for (const value of [firstUser.givenName, firstUser.familyName, firstUser.email].filter((v) => v && v.length > 3)) expect(out).not.toContain(value);

    const json = await cli(['audit', '--json', '--destination', DEMO_DESTINATION]);
    const deliveries = JSON.parse(json.out) as AuditDelivery[];
    const mine = deliveries.find((d) => d.runId === delivered.runId)!;
    expect(mine.destination).toBe(DEMO_DESTINATION);
    expect(mine.files.map((f) => f.name)).toContain('manifest.csv');
    expect(mine.records).toBe(delivered.files.filter((f) => f.name !== 'manifest.csv').reduce((n, f) => n + f.rows, 0));
    expect(mine.personalColumns).toEqual(expect.arrayContaining(['users.csv:givenName', 'users.csv:email', 'demographics.csv:birthDate']));
    // the pruned run's delivery is still in the ledger
    expect(deliveries.some((d) => d.deliveredAt.startsWith('2025-01-10'))).toBe(true);
  });

  it('filters by date and destination, and checks the date', async () => {
    expect((await cli(['audit', '--since', '2999-01-01'])).out.trim()).toBe('No deliveries recorded.');
    const unknown = await cli(['audit', '--json', '--destination', 'nowhere']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--destination: no destination named "nowhere"');
    const bad = await cli(['audit', '--since', 'last week']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--since takes a date (YYYY-MM-DD); got "last week".');
  });
});
