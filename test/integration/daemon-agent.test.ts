/**
 * The agent daemon as real processes: a run killed with SIGKILL mid-way is shown as failed
 * (interrupted) at the next start, never running forever; `rostersync agent` stopped with SIGTERM
 * mid-run records the run as stopped, leaves no lock and no api.json; one agent per data folder;
 * export-folder arrivals start runs; configuration changes are picked up; history is pruned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDestination } from '../../src/agent/runner.js';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { startDaemon, AGENT_LOCK_NAME, type AgentDaemon } from '../../src/agent/daemon.js';
import { apiInfoPath } from '../../src/home/api-info.js';
import { ManualClock } from '../../src/scheduler/clock.js';
import { LAST_SLOT_KEY, Scheduler } from '../../src/scheduler/scheduler.js';
import { getIncident } from '../../src/notify/notifier.js';
import { listLocks } from '../../src/scheduler/lock.js';
import { destinationConfigSchema, scheduleSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { RunSummary } from '../../src/shared/run.js';
import { killAllStarted, runCli, spawnCli } from '../helpers/child-process.js';
import { until } from '../helpers/wait.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

let home: string;
let ctx: AgentContext;
const daemons: AgentDaemon[] = [];


/** The newest run once it is under way and has written its first files: mid-run. */
const midRun = (afterId: number) => (): RunSummary | undefined => {
  const run = ctx.store.listRuns({ limit: 1 })[0];
  if (!run || run.id <= afterId || run.status !== 'running') return undefined;
  return ctx.store.getRunDetail(run.id, 0)!.events.some((e) => e.message.startsWith('courses.csv:') && e.stage === 'write') ? run : undefined;
};

const lastRunId = (): number => ctx.store.listRuns({ limit: 1 })[0]?.id ?? 0;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-daemon-'));
  ctx = openAgent(home);
  // big enough that a run takes a few seconds after its first files are written
  await setupDemo(ctx, { students: 3000 });
});
afterAll(async () => {
  for (const d of daemons) await d.stop();
  await killAllStarted();
  closeAgent(ctx);
});

describe('a run killed mid-way', () => {
  it('SIGKILL during `rostersync run`: the next start shows it failed (interrupted) and the destination runs again', async () => {
    const before = lastRunId();
    const cli = spawnCli(['run', DEMO_DESTINATION, '--home', home]);
    const run = await until('the CLI run to be mid-way', midRun(before));
    cli.child.kill('SIGKILL');
    const exit = await cli.exited;
    expect(exit.signal).toBe('SIGKILL');

    // nobody has looked yet: the record still says running, and the lock row is left behind
    expect(ctx.store.getRun(run.id)!.status).toBe('running');
    expect(listLocks(ctx.store).map((l) => l.pid)).toEqual([cli.pid]);

    // the next start (any CLI command opens the agent the same way; here `history`)
    const history = await runCli(['history', '--json', '--home', home]);
    expect(history.code).toBe(0);
    const listed = (JSON.parse(history.stdout) as RunSummary[]).find((r) => r.id === run.id)!;
    expect(listed.status).toBe('failed');
    expect(listed.message).toBe('Interrupted: the process running it stopped before it finished.');
    expect(listed.endedAt).not.toBeNull();
    const detail = ctx.store.getRunDetail(run.id)!;
    expect(detail.events.at(-1)!.message).toBe(`Interrupted: process ${cli.pid} stopped before the run finished.`);

    // the lock of the dead process does not block the next run
    const again = await runCli(['run', DEMO_DESTINATION, '--home', home, '--json']);
    expect(again.code).toBe(0);
    expect(listLocks(ctx.store)).toEqual([]);
  });

  it('the agent daemon fails interrupted runs at start, releases their locks, opens an incident and retries the run once', async () => {
    const before = lastRunId();
    const cli = spawnCli(['run', DEMO_DESTINATION, '--home', home]);
    const run = await until('the CLI run to be mid-way', midRun(before));
    cli.child.kill('SIGKILL');
    await cli.exited;

    const logs: string[] = [];
    const clock = new ManualClock(new Date());
    const daemon = await startDaemon({ home, api: false, clock, log: (level, m) => logs.push(`${level} ${m}`) });
    daemons.push(daemon);
    try {
      expect(ctx.store.getRun(run.id)!.status).toBe('failed');
      expect(logs).toContain(`warn Run ${run.id} was interrupted (its process stopped before it finished); recorded as failed.`);
      expect(logs.some((l) => l.startsWith(`warn Released the stale lock of demo-outbox (pid ${cli.pid}): process ${cli.pid} is gone`))).toBe(true);
      expect(logs).toContain(`warn demo-outbox: interrupted run ${run.id} will be retried now (attempt 1 of 3).`);
      expect(getIncident(ctx, DEMO_DESTINATION)).toMatchObject({ cause: 'failing', firstRunId: run.id });
      expect(listLocks(ctx.store).map((l) => l.destination)).toEqual([AGENT_LOCK_NAME]);

      await clock.advance(0);
      await daemon.scheduler.idle();
      const retries = ctx.store.listRuns({ destination: DEMO_DESTINATION, limit: 5 }).filter((r) => r.id > run.id);
      expect(retries.map((r) => [r.trigger, r.status])).toEqual([['retry', 'success']]);
      expect(ctx.store.getRunDetail(retries[0]!.id)!.events.some((e) => e.message === `Retry of interrupted run ${run.id} (attempt 1 of 3).`)).toBe(true);
      // the retry delivered: the incident is closed, and a later start retries nothing
      expect(getIncident(ctx, DEMO_DESTINATION)).toBeUndefined();
      expect(ctx.store.takeInterruptedRuns()).toEqual([]);
    } finally {
      await daemon.stop();
    }
    expect(listLocks(ctx.store)).toEqual([]);
  });

  it('retries an interrupted destination at most three times in a row, backing off, then leaves it to an administrator', async () => {
    const clock = new ManualClock(new Date());
    const scheduler = new Scheduler(ctx, { run: (name, request) => runDestination(ctx, name, request), clock });
    const runId = lastRunId();
    expect(scheduler.retryInterrupted(DEMO_DESTINATION, runId)).toBe(`demo-outbox: interrupted run ${runId} will be retried now (attempt 1 of 3).`);
    expect(scheduler.retryInterrupted(DEMO_DESTINATION, runId)).toBe(`demo-outbox: interrupted run ${runId} will be retried in 5 minutes (attempt 2 of 3).`);
    expect(scheduler.retryInterrupted(DEMO_DESTINATION, runId)).toBe(`demo-outbox: interrupted run ${runId} will be retried in 20 minutes (attempt 3 of 3).`);
    expect(scheduler.retryInterrupted(DEMO_DESTINATION, runId)).toBe(
      'Not retried: demo-outbox was interrupted 4 times in a row; run it by hand once the cause is fixed (rostersync run demo-outbox).',
    );
    expect(clock.pending().map((d) => d.getTime() - clock.now().getTime())).toEqual([0, 5 * 60_000, 20 * 60_000]);
    await scheduler.stop();
    ctx.store.deleteDestinationState(DEMO_DESTINATION, 'retry.interrupted');
  });
});

describe('`rostersync agent` as a process', () => {
  it('catches up a missed slot at start, and SIGTERM mid-run records the run as stopped and leaves nothing behind', async () => {
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    ctx.store.saveDestination({ ...d, schedule: scheduleSchema.parse({ enabled: true, preset: 'nightly', time: '02:00', timezone: 'UTC' }) });
    ctx.store.setDestinationState(DEMO_DESTINATION, LAST_SLOT_KEY, new Date(Date.now() - 3 * 86_400_000).toISOString());
    const before = lastRunId();
    const agent = spawnCli(['agent', '--home', home, '--stop-timeout', '30']);
    try {
      const run = await until('the catch-up run to be mid-way', midRun(before));
      expect(run.trigger).toBe('catch-up');
      await agent.waitFor(/RosterSync agent running: 1 scheduled destination\(s\)/);
      expect(existsSync(apiInfoPath(home))).toBe(true);
      expect(listLocks(ctx.store).map((l) => l.destination).sort()).toEqual([AGENT_LOCK_NAME, DEMO_DESTINATION].sort());

      // a second agent on the same data folder is refused
      await expect(startDaemon({ home, api: false, log: () => undefined })).rejects.toThrow(
        new RegExp(`Another RosterSync agent is already running for .* \\(pid ${agent.pid}`),
      );

      agent.child.kill('SIGTERM');
      const exit = await agent.exited;
      expect(exit.code).toBe(0);
      expect(exit.stdout).toContain('Stopping (SIGTERM received).');
      expect(exit.stdout).toContain('RosterSync agent stopped.');
      const recorded = ctx.store.getRun(run.id)!;
      expect(recorded.status).toBe('failed');
      expect(recorded.message).toMatch(/^Stopped: agent shutting down\. /);
      expect(listLocks(ctx.store)).toEqual([]);
      expect(existsSync(apiInfoPath(home))).toBe(false);
    } finally {
      ctx.store.saveDestination({ ...ctx.store.getDestination(DEMO_DESTINATION)!, schedule: scheduleSchema.parse({}) });
    }
  });
});

describe('the daemon in this process', () => {
  it('serves the local API with its scheduler attached: next runs on the dashboard, pause and resume', async () => {
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    ctx.store.saveDestination({ ...d, schedule: scheduleSchema.parse({ enabled: true, preset: 'nightly', time: '02:00', timezone: 'UTC' }) });
    onStoreFile(ctx.store, (db) => db.prepare(`DELETE FROM destination_state WHERE key LIKE 'schedule.%'`).run()); // slots handled by earlier tests (real time)
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    const daemon = await startDaemon({ home, clock, staticDir: join(home, 'no-renderer'), log: () => undefined });
    daemons.push(daemon);
    try {
      const api = daemon.api!;
      expect(existsSync(apiInfoPath(home))).toBe(true);
      const call = async (name: string): Promise<Record<string, unknown>> => {
        const res = await fetch(`${api.url}/api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${api.key}`, 'Content-Type': 'application/json' }, body: '{}' });
        expect(res.status, name).toBe(200);
        return (await res.json()) as Record<string, unknown>;
      };
      const dashboard = await call('getDashboard');
      expect(dashboard.schedulesPaused).toBe(false);
      const row = (dashboard.destinations as { name: string; nextRun: string | null }[]).find((x) => x.name === DEMO_DESTINATION)!;
      expect(row.nextRun).toBe('2026-03-02T02:00:00.000Z');
      expect((await call('pauseSchedules')).paused).toBe(true);
      expect(daemon.scheduler.isPaused()).toBe(true);
      expect((await call('getDashboard')).schedulesPaused).toBe(true);
      expect((await call('resumeSchedules')).paused).toBe(false);
    } finally {
      await daemon.stop();
      ctx.store.saveDestination({ ...ctx.store.getDestination(DEMO_DESTINATION)!, schedule: scheduleSchema.parse({}) });
    }
    expect(existsSync(apiInfoPath(home))).toBe(false);
  });

  it('picks up configuration changes, prunes old history (not the audit ledger) and runs destinations whose export set arrives', async () => {
    // an old run record to prune, delivered long ago
    const oldId = ctx.store.createRun(DEMO_DESTINATION, 'schedule', false);
    ctx.store.updateRun(oldId, { status: 'success', endedAt: '2024-01-01T02:05:00.000Z' });
    onStoreFile(ctx.store, (db) => db.prepare('UPDATE runs SET started_at = ? WHERE id = ?').run('2024-01-01T02:00:00.000Z', oldId)); // backdated: runs start now
    ctx.store.addAuditEntries([{ runId: oldId, destination: DEMO_DESTINATION, destinationType: 'folder', deliveredAt: '2024-01-01T02:05:00.000Z', file: 'users.csv', remotePath: null, records: 1, sha256: 'x'.repeat(64), personalColumns: ['givenName'], columnCounts: { givenName: 1 }, status: 'complete' }]);

    // an export-folder source and a destination that runs when its set arrives
    const drop = join(home, 'sis-drop');
    mkdirSync(drop, { recursive: true });
    ctx.store.saveSource(
      sourceConfigSchema.parse({
        name: 'sis-drop',
        type: 'folder',
        settings: { path: drop, quietPeriodSeconds: 0.2, debounceSeconds: 0.2, pollIntervalSeconds: 0.1, usePolling: true },
        entities: { schools: { file: 'schools.csv' }, students: { file: 'students.csv' } },
      }),
    );
    ctx.store.saveDestination(
      destinationConfigSchema.parse({ name: 'on-arrival', source: 'sis-drop', format: 'oneroster-1.1', type: 'folder', settings: { path: join(home, 'arrival-outbox') }, schedule: { onArrival: true } }),
    );

    const logs: string[] = [];
    const daemon = await startDaemon({ home, api: false, reloadPollMs: 50, clock: new ManualClock(new Date()), log: (level, m) => logs.push(`${level} ${m}`) });
    daemons.push(daemon);
    try {
      expect(ctx.store.getRun(oldId)).toBeUndefined();
      expect(ctx.store.listAudit().some((a) => a.runId === oldId)).toBe(true);
      expect(logs.some((l) => /History: deleted \d+ run record\(s\) older than 365 days/.test(l))).toBe(true);
      expect(daemon.watching()).toEqual(['on-arrival']);

      // a set arrives: one run with trigger 'arrival'
      writeFileSync(join(drop, 'schools.csv'), 'school_code,name\n001,North High\n');
      writeFileSync(join(drop, 'students.csv'), 'student_id,first_name,last_name,school_code\nS1,Ada,Lovelace,001\n');
      const arrival = await until('a run started by the arrival', () => ctx.store.listRuns({ destination: 'on-arrival' }).find((r) => r.trigger === 'arrival' && r.status !== 'running'), 30_000);
      expect(arrival.trigger).toBe('arrival');

      // schedule a destination while the agent runs: the poll notices and arms it
      expect(daemon.scheduler.status().map((s) => s.destination)).toEqual([]);
      const d = ctx.store.getDestination(DEMO_DESTINATION)!;
      ctx.store.saveDestination({ ...d, schedule: scheduleSchema.parse({ enabled: true, preset: 'weekdays', time: '05:00', timezone: 'America/Denver' }) });
      const armed = await until('the new schedule to be armed', () => daemon.scheduler.status().find((s) => s.destination === DEMO_DESTINATION), 10_000);
      expect(armed.description).toBe('Monday to Friday at 05:00 (America/Denver)');
      expect(armed.next).not.toBeNull();
      expect(logs).toContain('info Configuration changed: reloading schedules and watchers.');

      // switching arrival off stops the watcher
      const a = ctx.store.getDestination('on-arrival')!;
      ctx.store.saveDestination({ ...a, schedule: scheduleSchema.parse({ onArrival: false }) });
      await until('the watcher to stop', () => daemon.watching().length === 0, 10_000);
    } finally {
      await daemon.stop();
      ctx.store.saveDestination({ ...ctx.store.getDestination(DEMO_DESTINATION)!, schedule: scheduleSchema.parse({}) });
    }
  });
});
