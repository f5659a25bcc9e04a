/**
 * Preview and diff on the demo district, and additions-and-changes (delta) deliveries:
 * - `rostersync preview DEST --json` after adding, removing and editing students shows exactly
 *   those keys as added/removed/changed, delivers nothing and keeps the last good delivery;
 * - sync mode delta writes only added and changed rows; a format without a way to say "deleted"
 *   keeps removed records in the destination's fingerprints (nothing is deleted at the vendor), while
 *   OneRoster delta files carry status and dateLastModified, a `tobedeleted` row per removed record
 *   and a `delta` manifest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { main } from '../../src/cli/main.js';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION, DEMO_SOURCE } from '../../src/agent/demo.js';
import { runDestination } from '../../src/agent/runner.js';
import { destinationConfigSchema } from '../../src/shared/config.schema.js';
import { fingerprintPath } from '../../src/pipeline/fingerprints.js';
import type { FileDiff } from '../../src/shared/run.js';

let ctx: AgentContext;
let home: string;
let sisPath: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'rostersync', '--home', home, ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

function destination(name: string, format: string, extra: Record<string, unknown> = {}): string {
  ctx.store.saveDestination(destinationConfigSchema.parse({ name, source: DEMO_SOURCE, format, type: 'folder', settings: { path: join(home, `out-${name}`) }, ...extra }));
  ctx.store.replaceSiteMap(name, ctx.store.getSiteMap(DEMO_DESTINATION));
  return name;
}

/** Adds two students (copies of 000101 under new IDs), removes 000150 and renames 000200. */
function changeSis(): void {
  const db = new Database(sisPath);
  db.exec(`
    INSERT INTO students SELECT '009001', sch_code, state_id, 'Nova', middle_name, 'Added', nickname, grade_level, birthdate, gender, email, network_id, home_phone, cell_phone, lang, ethnicity, race, hispanic, ell, migrant, gifted, sped, frl, homeless, foster, active FROM students WHERE stu_id = '000101';
    INSERT INTO students SELECT '009002', sch_code, state_id, 'Orion', middle_name, 'Added', nickname, grade_level, birthdate, gender, email, network_id, home_phone, cell_phone, lang, ethnicity, race, hispanic, ell, migrant, gifted, sped, frl, homeless, foster, active FROM students WHERE stu_id = '000101';
    DELETE FROM section_enrollments WHERE stu_id = '000150';
    DELETE FROM student_contacts WHERE stu_id = '000150';
    DELETE FROM students WHERE stu_id = '000150';
    UPDATE students SET last_name = 'Renamed-Édith' WHERE stu_id = '000200';
  `);
  db.close();
}

const rows = (dir: string, file: string): Record<string, string>[] => parse(readFileSync(join(home, `out-${dir}`, file)), { columns: true }) as Record<string, string>[];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-preview-'));
  ctx = openAgent(home);
  sisPath = (await setupDemo(ctx, { students: 300 })).sisPath;
  destination('nightly', 'students-upper-snake');
  destination('update-only', 'students-upper-snake', { syncMode: 'delta', formatOptions: { wipeAndReload: false } });
  destination('oneroster-delta', 'oneroster-1.1', { syncMode: 'delta' });
  for (const name of ['nightly', 'update-only', 'oneroster-delta']) {
    const first = await runDestination(ctx, name, { trigger: 'manual', now: () => new Date('2026-09-01T02:00:00.000Z') });
    expect(first.status, `${name}: ${first.message}`).toBe('success');
  }
  changeSis();
});
afterAll(() => {
  closeAgent(ctx);
  process.exitCode = 0;
});

describe('preview', () => {
  it('shows added, removed and changed students with their keys, and delivers nothing', async () => {
    const delivered = readFileSync(join(home, 'out-nightly', 'students.csv'));
    const fingerprints = readFileSync(fingerprintPath(ctx.layout.fingerprintsDir, 'nightly'));
    const preview = await cli('--json', 'preview', 'nightly');
    expect(preview.code).toBe(0);
    const result = JSON.parse(preview.out) as { status: string; diff: FileDiff[]; message: string; runId: number };
    expect(result.status).toBe('success');
    expect(result.message).toMatch(/^Preview only: nothing delivered/);
    expect(result.diff).toEqual([
      {
        file: 'students.csv',
        previous: 300,
        current: 301,
        added: 2,
        removed: 1,
        changed: 1,
        unchanged: 298,
        sampleAdded: ['009001', '009002'],
        sampleRemoved: ['000150'],
        sampleChanged: ['000200'],
      },
    ]);
    expect(ctx.store.getRun(result.runId)!.dryRun).toBe(true);
    expect(readFileSync(join(home, 'out-nightly', 'students.csv'))).toEqual(delivered);
    expect(readFileSync(fingerprintPath(ctx.layout.fingerprintsDir, 'nightly'))).toEqual(fingerprints);

    // The text report lists the same keys; a second preview still compares with the last good delivery.
    const text = await cli('preview', 'nightly');
    expect(text.out).toMatch(/students\.csv\s+301\s+\+2\s+-1\s+~1/);
    expect(text.out).toContain('students.csv added: 009001, 009002');
    expect(text.out).toContain('students.csv removed: 000150');
  });

  it('a real run then delivers the change, and the next preview shows nothing to do', async () => {
    const run = await runDestination(ctx, 'nightly', { trigger: 'manual' });
    expect(run.status).toBe('success');
    const students = rows('nightly', 'students.csv');
    expect(students).toHaveLength(301);
    expect(students.find((s) => s.STUDENT_ID === '000200')!.LAST_NAME).toBe('Renamed-Édith');
    expect(students.some((s) => s.STUDENT_ID === '000150')).toBe(false);
    const again = JSON.parse((await cli('--json', 'preview', 'nightly')).out) as { diff: FileDiff[] };
    expect(again.diff[0]).toMatchObject({ previous: 301, current: 301, added: 0, removed: 0, changed: 0 });
  });
});

describe('sync mode delta', () => {
  it('writes only added and changed rows and keeps the removed record as delivered', async () => {
    const run = await runDestination(ctx, 'update-only', { trigger: 'manual' });
    expect(run.status, run.message).toBe('success');
    expect(run.diff[0]).toMatchObject({ added: 2, removed: 1, changed: 1 });
    expect(rows('update-only', 'students.csv').map((s) => s.STUDENT_ID)).toEqual(['000200', '009001', '009002']);
    // Nothing changed since: the next delivery is header-only, and 000150 is still counted as delivered (kept).
    const next = await runDestination(ctx, 'update-only', { trigger: 'manual' });
    expect(next.status).toBe('success');
    expect(readFileSync(join(home, 'out-update-only', 'students.csv'), 'utf8')).toBe('STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SITE_ID,SCHOOL_NAME,EMAIL\r\n');
    expect(next.diff[0]).toMatchObject({ previous: 302, current: 301, added: 0, changed: 0, removed: 1, sampleRemoved: ['000150'] });
  });

  it('OneRoster delta files carry status active and the run time, and the manifest says delta', async () => {
    const first = rows('oneroster-delta', 'users.csv');
    expect(first.length).toBeGreaterThan(300);
    expect(first.every((u) => u.status === 'active' && u.dateLastModified === '2026-09-01T02:00:00Z')).toBe(true);
    const run = await runDestination(ctx, 'oneroster-delta', { trigger: 'manual', now: () => new Date('2026-09-02T02:00:00.000Z') });
    expect(run.status, run.message).toBe('success');
    const users = rows('oneroster-delta', 'users.csv');
    expect(users.map((u) => u.sourcedId).sort()).toEqual(expect.arrayContaining(['000200', '009001', '009002']));
    expect(users.find((u) => u.sourcedId === '000200')).toMatchObject({ status: 'active', dateLastModified: '2026-09-02T02:00:00Z', familyName: 'Renamed-Édith' });
    // Every record in a delta file is one the vendor does not have in this form yet, or one it must delete.
    const usersDiff = run.diff.find((d) => d.file === 'users.csv')!;
    expect(users).toHaveLength(usersDiff.added + usersDiff.changed + usersDiff.removed);
    expect(usersDiff.removed).toBeGreaterThan(0);
    expect(users.filter((u) => u.status === 'tobedeleted').map((u) => u.sourcedId).sort()).toEqual([...usersDiff.sampleRemoved].sort());
    const manifest = Object.fromEntries((rows('oneroster-delta', 'manifest.csv') as { propertyName: string; value: string }[]).map((r) => [r.propertyName, r.value]));
    expect(manifest['file.users']).toBe('delta');
    expect(manifest['file.resources']).toBe('absent');
  });
});
