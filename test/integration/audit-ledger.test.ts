/**
 * An honest audit ledger (issue #19.2), from real runs of the demo district: a personal-data column
 * that was empty in every delivered row is not listed, listed columns carry the count of rows that
 * held a value; and "which vendors received data about student X, when, which columns" is answered
 * for a demo student across two destinations from the fingerprints and the ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { destinationConfigSchema } from '../../src/shared/config.schema.js';
import { runDestination, type RunResult } from '../../src/agent/runner.js';
import type { AuditDelivery, StudentReceipt } from '../../src/shared/audit.js';
import { cliInProcess, type CliResult } from '../helpers/cli-in-process.js';

const SECOND = 'second-vendor';
let ctx: AgentContext;
let home: string;
let outbox: string;
let first: RunResult;
let second: RunResult;

/** The CLI on this test's data folder (opened in beforeAll). */
const cli = (args: string[]): Promise<CliResult> => cliInProcess(home)(...args);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-ledger-'));
  ctx = openAgent(home);
  outbox = (await setupDemo(ctx, { students: 60 })).outbox;
  // No phone numbers anywhere in the SIS: the users.csv phone and sms columns go out empty in every row.
  const sis = new Database(join(ctx.layout.demoDir, 'sis.db'));
  sis.exec('UPDATE students SET home_phone = NULL, cell_phone = NULL; UPDATE staff SET phone = NULL; UPDATE contacts SET home_phone = NULL, cell_phone = NULL;');
  sis.close();
  const demo = ctx.store.getDestination(DEMO_DESTINATION)!;
  ctx.store.saveDestination(destinationConfigSchema.parse({ ...demo, name: SECOND, settings: { path: join(home, 'second-outbox') } }));
  ctx.store.replaceSiteMap(SECOND, ctx.store.getSiteMap(DEMO_DESTINATION));
  first = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'cli' });
  second = await runDestination(ctx, SECOND, { trigger: 'cli' });
  expect(first.status, first.message).toBe('success');
  expect(second.status, second.message).toBe('success');
});
afterAll(() => closeAgent(ctx));

describe('the audit ledger lists only personal columns that held a value, with counts', () => {
  it('phone and sms, empty in every row, are not listed; the others carry the number of rows with a value', async () => {
    const users = parse(readFileSync(join(outbox, 'users.csv')), { columns: true, bom: true }) as Record<string, string>[];
    expect(users.every((u) => u.phone === '' && u.sms === '')).toBe(true);
    const entry = ctx.store.listAudit({ destination: DEMO_DESTINATION }).find((e) => e.runId === first.runId && e.file === 'users.csv')!;
    expect(entry.status).toBe('complete');
    expect(entry.personalColumns).not.toContain('phone');
    expect(entry.personalColumns).not.toContain('sms');
    expect(entry.personalColumns).toEqual(expect.arrayContaining(['givenName', 'familyName', 'email']));
    for (const column of entry.personalColumns) {
      expect(entry.columnCounts[column], column).toBe(users.filter((u) => (u[column] ?? '').trim() !== '').length);
      expect(entry.columnCounts[column], column).toBeGreaterThan(0);
    }
    // The run's own file record says the same.
    expect(first.files.find((f) => f.name === 'users.csv')!.personalColumns).toEqual(entry.personalColumns);

    const json = JSON.parse((await cli(['audit', '--json', '--destination', DEMO_DESTINATION])).out) as AuditDelivery[];
    const delivery = json.find((d) => d.runId === first.runId)!;
    expect(delivery.status).toBe('complete');
    expect(delivery.personalColumns).not.toContain('users.csv:phone');
    expect(delivery.files.find((f) => f.name === 'users.csv')!.columnCounts).toEqual(entry.columnCounts);
    const text = (await cli(['audit', '--destination', DEMO_DESTINATION])).out;
    expect(text).toMatch(new RegExp(`givenName \\(${entry.columnCounts.givenName}\\)`));
    expect(text).not.toMatch(/\bphone\b/);
  });
});

describe('audit who STUDENT_ID', () => {
  it('answers which destinations received records about a demo student, when and which columns — across two destinations', async () => {
    const users = parse(readFileSync(join(outbox, 'users.csv')), { columns: true, bom: true }) as Record<string, string>[];
    const student = users.find((u) => u.role === 'student')!;
    const { code, out } = await cli(['audit', 'who', student.sourcedId!, '--json']);
    expect(code).toBe(0);
    const receipts = JSON.parse(out) as StudentReceipt[];
    expect([...new Set(receipts.map((r) => r.destination))].sort()).toEqual([DEMO_DESTINATION, SECOND].sort());
    const toFirst = receipts.find((r) => r.destination === DEMO_DESTINATION && r.file === 'users.csv')!;
    expect(toFirst).toMatchObject({ runId: first.runId, remotePath: join(outbox, 'users.csv'), destinationType: 'folder', earlierDeliveries: 0 });
    expect(toFirst.personalColumns).toContain('givenName');
    expect(toFirst.personalColumns).not.toContain('phone');
    expect(receipts.find((r) => r.destination === SECOND && r.file === 'users.csv')!.runId).toBe(second.runId);
    expect(receipts.some((r) => r.file === 'demographics.csv')).toBe(true);

    const human = await cli(['audit', 'who', student.sourcedId!]);
    expect(human.out).toContain(`${DEMO_DESTINATION} (folder)  users.csv  run ${first.runId}`);
    // the answer names columns, never the student's values
    for (const value of [student.givenName, student.familyName, student.email].filter((v) => v && v.length > 3)) expect(human.out).not.toContain(value);
  });

  it('says so when no delivery held the key', async () => {
    const { code, out } = await cli(['audit', 'who', 'NO-SUCH-STUDENT']);
    expect(code).toBe(0);
    expect(out).toContain(`No destination's last delivery holds a record with the key "NO-SUCH-STUDENT".`);
  });
});
