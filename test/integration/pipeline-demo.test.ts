/**
 * The whole pipeline on the embedded demo district: SQLite SIS → OneRoster 1.1 → outbox folder,
 * with the produced CSVs checked column by column against the spec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION, DEMO_SOURCE } from '../../src/agent/demo.js';
import { runDestination, approveHeldRun, discardHeldRun } from '../../src/agent/runner.js';
import { oneRoster11, ONEROSTER_GRADES } from '../../src/formats/oneroster-1.1.js';

let ctx: AgentContext;
let outbox: string;
let sisPath: string;

const readCsv = (name: string): Record<string, string>[] =>
  parse(readFileSync(join(outbox, name)), { columns: true, bom: true }) as Record<string, string>[];
const headerOf = (name: string): string => readFileSync(join(outbox, name), 'utf8').split('\r\n')[0]!;

beforeAll(async () => {
  ctx = openAgent(mkdtempSync(join(tmpdir(), 'rs-demo-')));
  const demo = await setupDemo(ctx);
  outbox = demo.outbox;
  sisPath = demo.sisPath;
});
afterAll(() => closeAgent(ctx));

describe('demo district → OneRoster 1.1 outbox', () => {
  it('runs a full sync and records it as success', async () => {
    const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'cli' });
    expect(result.message).not.toMatch(/error/i);
    expect(result.status).toBe('success');
    expect(result.errors).toBe(0);
    const run = ctx.store.getRunDetail(result.runId)!;
    expect(run.status).toBe('success');
    expect(run.files.map((f) => f.name).sort()).toEqual(
      ['manifest.csv', 'orgs.csv', 'academicSessions.csv', 'courses.csv', 'classes.csv', 'users.csv', 'enrollments.csv', 'demographics.csv'].sort(),
    );
    for (const f of run.files) {
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(f.bytes).toBe(readFileSync(join(outbox, f.name)).length);
      expect(f.remotePath).toBe(join(outbox, f.name));
    }
    expect(run.events.some((e) => e.stage === 'deliver')).toBe(true);
    expect(ctx.store.listAudit().filter((a) => a.runId === result.runId).map((a) => a.file)).toContain('users.csv');
    expect(ctx.store.listAudit().find((a) => a.file === 'users.csv')!.personalColumns).toEqual(expect.arrayContaining(['givenName', 'familyName', 'email']));
    // generated local copies are not kept after a successful delivery
    expect(existsSync(join(ctx.layout.runsDir, String(result.runId)))).toBe(false);
    // no temporary files are left in the outbox
    expect(readdirSync(outbox).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('writes every file with the spec header, in spec order, and valid required values', () => {
    for (const file of oneRoster11.files) {
      expect(headerOf(file.name)).toBe(file.columns.map((c) => c.name).join(','));
      const rows = readCsv(file.name);
      expect(rows.length).toBeGreaterThan(0);
      for (const column of file.columns.filter((c) => c.required)) {
        const blank = rows.findIndex((r) => !r[column.name]);
        expect(blank, `${file.name} ${column.name} blank on row ${blank + 1}`).toBe(-1);
      }
      for (const column of file.columns.filter((c) => c.rule?.allowed)) {
        for (const r of rows) {
          const parts = column.rule!.multi ? (r[column.name] ?? '').split(',').filter(Boolean) : [r[column.name]].filter(Boolean);
          for (const p of parts) expect(column.rule!.allowed, `${file.name} ${column.name}`).toContain(p);
        }
      }
      const keys = rows.map((r) => r.sourcedId);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('keeps the mess of real SIS data intact and maps it to codes', () => {
    const users = readCsv('users.csv');
    const students = users.filter((u) => u.role === 'student');
    const teachers = users.filter((u) => u.role === 'teacher');
    const guardians = users.filter((u) => ['parent', 'guardian', 'relative'].includes(u.role!));
    expect(students.length).toBe(1500);
    expect(teachers.length).toBeGreaterThanOrEqual(70);
    expect(guardians.length).toBeGreaterThan(1500);
    // leading zeros survive
    expect(users.some((u) => /^0/.test(u.sourcedId!))).toBe(true);
    // names with commas, quotes, apostrophes and accents round-trip through CSV quoting
    const names = users.map((u) => `${u.givenName} ${u.familyName}`);
    expect(names.some((n) => n.includes(','))).toBe(true);
    expect(names.some((n) => n.includes('"'))).toBe(true);
    expect(names.some((n) => n.includes("'"))).toBe(true);
    expect(names.some((n) => /[À-ỹ]/.test(n))).toBe(true);
    // grades are OneRoster codes, including kindergarten written K / 0 and pre-K written -1 / PK
    const grades = new Set(students.map((s) => s.grades));
    for (const g of grades) expect(ONEROSTER_GRADES).toContain(g);
    expect(grades).toContain('KG');
    expect(grades).toContain('PK');
    expect(grades).toContain('09');
    // phones in mixed shapes become E.164; a 7-digit local number (no area code) is kept as digits
    const phones = users.map((u) => u.phone).filter(Boolean);
    expect(phones.filter((p) => /^\+1\d{10}$/.test(p!)).length).toBeGreaterThan(phones.length * 0.8);
    for (const p of phones) expect(p).toMatch(/^\+1\d{10}$|^\d{7}$/);
    // every school ID went through the site map
    for (const u of users) for (const org of u.orgSourcedIds!.split(',')) expect(org).toMatch(/^SITE-/);
    // at most ... guardians per student are listed and they all exist
    const userIds = new Set(users.map((u) => u.sourcedId));
    const withSeven = students.find((s) => (s.agentSourcedIds ?? '').split(',').length >= 7);
    expect(withSeven, 'a student with 7 guardians').toBeDefined();
    for (const s of students) for (const a of (s.agentSourcedIds ?? '').split(',').filter(Boolean)) expect(userIds.has(a)).toBe(true);
  });

  it('writes referentially complete enrollments and classes', () => {
    const users = new Set(readCsv('users.csv').map((u) => u.sourcedId));
    const classes = readCsv('classes.csv');
    const classIds = new Set(classes.map((c) => c.sourcedId));
    const orgs = new Set(readCsv('orgs.csv').map((o) => o.sourcedId));
    const courses = new Set(readCsv('courses.csv').map((c) => c.sourcedId));
    const sessions = new Set(readCsv('academicSessions.csv').map((s) => s.sourcedId));
    for (const c of classes) {
      expect(courses.has(c.courseSourcedId)).toBe(true);
      expect(orgs.has(c.schoolSourcedId)).toBe(true);
      for (const t of c.termSourcedIds!.split(',')) expect(sessions.has(t)).toBe(true);
    }
    const enrollments = readCsv('enrollments.csv');
    expect(enrollments.length).toBeGreaterThan(1500 * 4);
    for (const e of enrollments) {
      expect(users.has(e.userSourcedId)).toBe(true);
      expect(classIds.has(e.classSourcedId)).toBe(true);
      expect(['student', 'teacher']).toContain(e.role);
    }
  });

  it('writes the OneRoster manifest', () => {
    const manifest = Object.fromEntries(readCsv('manifest.csv').map((r) => [r.propertyName, r.value]));
    expect(manifest['manifest.version']).toBe('1.0');
    expect(manifest['oneroster.version']).toBe('1.1');
    expect(manifest['file.users']).toBe('bulk');
    expect(manifest['file.demographics']).toBe('bulk');
    expect(manifest['file.resources']).toBe('absent');
    expect(Object.keys(manifest).filter((k) => k.startsWith('file.'))).toHaveLength(13);
  });

  it('is safe to run again: set-up is idempotent and a second run shows no changes', async () => {
    await setupDemo(ctx);
    const second = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
    expect(second.status).toBe('success');
    for (const d of second.diff) {
      expect(d.added + d.removed + d.changed, d.file).toBe(0);
      expect(d.unchanged).toBe(d.current);
    }
    expect(ctx.store.listRuns({ destination: DEMO_DESTINATION }).length).toBeGreaterThanOrEqual(2);
  });

  it('holds a run that would remove half the students, delivers nothing, and releases exactly that run on approval', async () => {
    const before = readFileSync(join(outbox, 'users.csv'));
    const sis = new Database(sisPath);
    const kept = sis.prepare('SELECT COUNT(*) FROM students').pluck().get() as number;
    sis.exec('BEGIN');
    sis.exec('CREATE TABLE students_backup AS SELECT * FROM students');
    sis.exec('DELETE FROM students WHERE rowid % 2 = 0');
    sis.exec('COMMIT');
    sis.close();
    // Rows that now point at missing students are left out (skip-rows) — half of several files, far
    // above the error budget, which is lifted so the guard is what stops the run.
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    ctx.store.saveDestination({ ...d, onValidationError: 'skip-rows', maxBadRowShare: 1 });
    try {
      const run = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
      expect(run.status).toBe('held');
      expect(run.holdReasons.join(' ')).toMatch(/users\.csv: \d+ of \d+ records \(\d+(\.\d)?%\) would be removed/);
      expect(readFileSync(join(outbox, 'users.csv'))).toEqual(before);
      expect(ctx.store.getRun(run.runId)!.status).toBe('held');

      const approved = await approveHeldRun(ctx, run.runId);
      // Delivered with the dangling enrollments left out: partial, never success.
      expect(approved.status).toBe('partial');
      expect(ctx.store.getRun(run.runId)!.status).toBe('partial');
      const users = readCsv('users.csv').filter((u) => u.role === 'student');
      expect(users.length).toBeLessThan(kept);
      await expect(approveHeldRun(ctx, run.runId)).rejects.toThrow(/not held/);
    } finally {
      const restore = new Database(sisPath);
      restore.exec('DELETE FROM students; INSERT INTO students SELECT * FROM students_backup; DROP TABLE students_backup;');
      restore.close();
      ctx.store.saveDestination(d);
    }
    // restoring the students is itself a big change (additions are not guarded) and goes through
    const restored = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
    expect(restored.status).toBe('success');
  });

  it('discards a held run without delivering', async () => {
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    ctx.store.saveDestination({ ...d, guard: { ...d.guard, maxChangedShare: 0, minRecordsForShare: 0 } });
    const sis = new Database(sisPath);
    sis.exec(`UPDATE students SET last_name = last_name || 'x' WHERE rowid % 10 = 0`);
    sis.close();
    try {
      const run = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
      expect(run.status).toBe('held');
      // a newer delivery overtakes the held run: approving it would send stale data
      const second = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
      expect(second.status).toBe('held');
      ctx.store.saveDestination(d);
      const delivered = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
      expect(delivered.status).toBe('success');
      await expect(approveHeldRun(ctx, second.runId)).rejects.toThrow(/older than run \d+, which was delivered since/);

      discardHeldRun(ctx, run.runId);
      expect(ctx.store.getRun(run.runId)!.status).toBe('discarded');
      // its files stay for keepUndeliveredDays after the discard (test/integration/retention.test.ts), then the sweep deletes them
      expect(existsSync(join(ctx.layout.runsDir, String(run.runId)))).toBe(true);
    } finally {
      ctx.store.saveDestination(d);
      const restore = new Database(sisPath);
      restore.exec(`UPDATE students SET last_name = substr(last_name, 1, length(last_name) - 1) WHERE rowid % 10 = 0`);
      restore.close();
    }
    expect((await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' })).status).toBe('success');
  });

  it('records a failing source query as failed with the reason and leaves the outbox untouched', async () => {
    const before = readFileSync(join(outbox, 'users.csv'));
    const source = ctx.store.getSource(DEMO_SOURCE)!;
    ctx.store.saveSource({ ...source, entities: { ...source.entities, students: { query: 'SELECT * FROM no_such_table' } } });
    try {
      const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/no_such_table/);
      expect(ctx.store.getRun(result.runId)!.status).toBe('failed');
      expect(readFileSync(join(outbox, 'users.csv'))).toEqual(before);
      expect(readdirSync(result.outputDir).filter((n) => n.endsWith('.partial'))).toEqual([]);
    } finally {
      ctx.store.saveSource(source);
    }
  });

  it('records an unwritable outbox as failed and keeps the generated files for the retry', async () => {
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    const blocker = join(ctx.layout.home, 'not-a-folder');
    writeFileSync(blocker, 'x');
    ctx.store.saveDestination({ ...d, settings: { path: join(blocker, 'outbox') } });
    try {
      const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' });
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/Delivery to demo-outbox failed/);
      expect(result.message).toContain(result.outputDir);
      expect(readdirSync(result.outputDir)).toContain('users.csv');
    } finally {
      ctx.store.saveDestination(d);
      rmSync(blocker);
    }
  });

  it('previews without delivering and without moving the last good delivery', async () => {
    const before = readdirSync(outbox).map((n) => [n, readFileSync(join(outbox, n)).length]);
    const preview = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'preview', dryRun: true });
    expect(preview.status).toBe('success');
    expect(ctx.store.getRun(preview.runId)!.dryRun).toBe(true);
    expect(readdirSync(outbox).map((n) => [n, readFileSync(join(outbox, n)).length])).toEqual(before);
    expect(preview.diff.every((d) => d.added + d.removed + d.changed === 0)).toBe(true);
  });
});
