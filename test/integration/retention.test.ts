/**
 * Retention of generated files (#19.1): runs that delivered nothing keep their files for the
 * destination's keepUndeliveredDays, held runs until approved or discarded (then the same limit);
 * the agent's sweep runs at start and daily on the scheduler's clock (a ManualClock here); the run
 * detail and `history show` say when the files go or went; `rostersync purge` deletes them now;
 * `runs/` and each run folder are owner-only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { startDaemon } from '../../src/agent/daemon.js';
import { runDetail } from '../../src/agent/history-report.js';
import { discardHeldRun, runDestination } from '../../src/agent/runner.js';
import { ManualClock } from '../../src/scheduler/clock.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

const DAY = 86_400_000;
const opened = closeAfterAll();
let home: string;
let ctx: AgentContext;
let sisPath: string;
let cli: ReturnType<typeof cliInProcess>;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-retention-'));
  opened.dirs.push(home);
  ctx = openAgent(home);
  opened.contexts.push(ctx);
  const demo = await setupDemo(ctx, { students: 200 });
  sisPath = demo.sisPath;
  cli = cliInProcess(home);
  // a first delivery, so a later change can be held by the safety guard
  expect((await runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' })).status).toBe('success');
}, 120_000);

const runFolder = (id: number): string => join(ctx.layout.runsDir, String(id));

/** A SIS change for the length of `work`: one student's grade no rule knows. */
async function withBadGrade<T>(work: () => Promise<T>): Promise<T> {
  const sis = new Database(sisPath);
  const before = sis.prepare('SELECT grade_level FROM students WHERE rowid = 1').pluck().get() as string;
  sis.prepare(`UPDATE students SET grade_level = 'ZZ' WHERE rowid = 1`).run();
  sis.close();
  try {
    return await work();
  } finally {
    const restore = new Database(sisPath);
    restore.prepare('UPDATE students SET grade_level = ? WHERE rowid = 1').run(before);
    restore.close();
  }
}

async function withDestination<T>(patch: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
  const saved = ctx.store.getDestination(DEMO_DESTINATION)!;
  ctx.store.saveDestination({ ...saved, ...patch });
  try {
    return await work();
  } finally {
    ctx.store.saveDestination(saved);
  }
}

describe('files of runs that delivered nothing', () => {
  it('a failed preview keeps its files owner-only for keepUndeliveredDays, and the agent sweep deletes them after the limit', async () => {
    const failed = await withDestination({ onValidationError: 'block', keepUndeliveredDays: 3 }, () =>
      withBadGrade(() => runDestination(ctx, DEMO_DESTINATION, { trigger: 'preview', dryRun: true })),
    );
    expect(failed.status).toBe('failed');
    const folder = runFolder(failed.runId);
    expect(readdirSync(join(folder, 'files'))).toContain('users.csv');
    expect(failed.message).toMatch(/Generated files are kept in .* until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(keepUndeliveredDays 3\)\./);

    // owner-only on POSIX: runs/ and the run's folders 0700, the generated files 0600
    for (const dir of [ctx.layout.runsDir, folder, join(folder, 'files'), ctx.layout.fingerprintsDir]) expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    for (const name of readdirSync(join(folder, 'files'))) expect((statSync(join(folder, 'files', name)).mode & 0o777).toString(8)).toBe('600');

    // the run page and history show say until when (the limit of the destination as it is now: 7 days again)
    const ended = Date.parse(ctx.store.getRun(failed.runId)!.endedAt!);
    const kept = runDetail(ctx, failed.runId)!.filesRetention!;
    expect(kept).toEqual({ state: 'kept', deleteAt: new Date(ended + 7 * DAY).toISOString(), limitDays: 7, setting: 'keepUndeliveredDays' });
    const shown = await cli('history', 'show', String(failed.runId));
    expect(shown.out).toContain(`Generated files: kept until ${new Date(ended + 7 * DAY).toISOString().replace('T', ' ').slice(0, 16)} UTC (7 days, keepUndeliveredDays), then deleted.`);

    // the agent: a sweep at start (nothing due), then daily on its clock
    const clock = new ManualClock(new Date(ended + 60_000));
    const logs: string[] = [];
    const daemon = await startDaemon({ home, api: false, clock, log: (level, m) => logs.push(`${level} ${m}`) });
    try {
      expect(existsSync(folder)).toBe(true);
      await clock.advance(6 * DAY);
      expect(existsSync(folder)).toBe(true);
      await clock.advance(1 * DAY);
      expect(existsSync(folder)).toBe(false);
      expect(logs).toContain(`info Retention: deleted the generated files of run(s) ${failed.runId}.`);
    } finally {
      await daemon.stop();
    }
    const gone = runDetail(ctx, failed.runId)!.filesRetention!;
    expect(gone).toMatchObject({ state: 'deleted', how: 'deleted by the retention sweep: 7 day(s) after the run ended (keepUndeliveredDays)' });
    expect((await cli('history', 'show', String(failed.runId))).out).toMatch(/Generated files: deleted \d{4}-\d\d-\d\d \d\d:\d\d UTC \(deleted by the retention sweep: 7 day\(s\) after the run ended \(keepUndeliveredDays\)\)\./);
  }, 120_000);

  it('a held run keeps its files until it is discarded, then for keepUndeliveredDays from the discard', async () => {
    const held = await withDestination({ guard: { ...ctx.store.getDestination(DEMO_DESTINATION)!.guard, maxRemovedShare: 0 }, keepUndeliveredDays: 2 }, () =>
      withBadGrade(() => runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' })),
    );
    expect(held.status).toBe('held');
    const folder = runFolder(held.runId);
    const ended = Date.parse(ctx.store.getRun(held.runId)!.endedAt!);

    const clock = new ManualClock(new Date(ended + 60_000));
    const daemon = await startDaemon({ home, api: false, clock, log: () => undefined });
    try {
      await clock.advance(30 * DAY);
      // held: kept however long it waits for an admin
      expect(existsSync(folder)).toBe(true);
      expect(runDetail(ctx, held.runId)!.filesRetention).toEqual({ state: 'held', limitDays: 7 });

      await withDestination({ keepUndeliveredDays: 2 }, async () => {
        discardHeldRun(ctx, held.runId, clock.now());
        expect(ctx.store.getRun(held.runId)!.status).toBe('discarded');
        expect(runDetail(ctx, held.runId)!.filesRetention).toEqual({
          state: 'kept',
          deleteAt: new Date(clock.now().getTime() + 2 * DAY).toISOString(),
          limitDays: 2,
          setting: 'keepUndeliveredDays',
        });
        await clock.advance(1 * DAY);
        expect(existsSync(folder)).toBe(true);
        await clock.advance(1 * DAY);
        expect(existsSync(folder)).toBe(false);
      });
    } finally {
      await daemon.stop();
    }
    expect(runDetail(ctx, held.runId)!.filesRetention).toMatchObject({ state: 'deleted' });
  }, 120_000);
});

describe('rostersync purge', () => {
  it("deletes a run's files now and records who asked; a held run is discarded with them", async () => {
    const preview = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'preview', dryRun: true });
    expect(existsSync(runFolder(preview.runId))).toBe(true);
    const purged = await cli('purge', String(preview.runId));
    expect(purged.code).toBe(0);
    expect(purged.out).toBe(`Run ${preview.runId}'s generated files were deleted.\n`);
    expect(existsSync(runFolder(preview.runId))).toBe(false);
    const event = runDetail(ctx, preview.runId)!.events.at(-1)!;
    expect(event.stage).toBe('retention');
    expect(event.message).toMatch(/^purged by rostersync purge \(.+\)$/);
    expect(runDetail(ctx, preview.runId)!.filesRetention).toMatchObject({ state: 'deleted', how: event.message });

    const again = await cli('purge', String(preview.runId));
    expect(again.code).toBe(0);
    expect(again.out).toContain(`Run ${preview.runId} has no generated files left (purged by rostersync purge`);

    const held = await withDestination({ guard: { ...ctx.store.getDestination(DEMO_DESTINATION)!.guard, maxRemovedShare: 0 } }, () =>
      withBadGrade(() => runDestination(ctx, DEMO_DESTINATION, { trigger: 'manual' })),
    );
    expect(held.status).toBe('held');
    const purgedHeld = await cli('purge', String(held.runId), '--json');
    expect(JSON.parse(purgedHeld.out)).toMatchObject({ runId: held.runId, deleted: true });
    expect(ctx.store.getRun(held.runId)!.status).toBe('discarded');
    expect(existsSync(runFolder(held.runId))).toBe(false);

    const missing = await cli('purge', '99999');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('No run 99999.');
  }, 120_000);
});
