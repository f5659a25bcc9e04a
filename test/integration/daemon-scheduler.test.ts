/**
 * The Scheduler with a manual clock (no sleeping) running the real pipeline on the demo
 * district: slots across a DST change, blackouts and the cadence limit recorded as skipped runs,
 * catch-up once after missed slots (agent off, or machine asleep), a destination held by another
 * runner, staleness warnings, reloads.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDestination } from '../../src/agent/runner.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { scheduleSchema, type ScheduleConfig } from '../../src/shared/config.schema.js';
import { ManualClock } from '../../src/scheduler/clock.js';
import { LAST_SLOT_KEY, Scheduler, SINCE_KEY, type SlotOutcome } from '../../src/scheduler/scheduler.js';
import { acquireDestinationLock } from '../../src/scheduler/lock.js';
import { nextRunAfter } from '../../src/scheduler/schedule.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

let ctx: AgentContext;
let scheduler: Scheduler | undefined;

const setSchedule = (over: Partial<ScheduleConfig>): void => {
  const d = ctx.store.getDestination(DEMO_DESTINATION)!;
  ctx.store.saveDestination({ ...d, schedule: scheduleSchema.parse({ enabled: true, ...over }) });
};

const begin = (clock: ManualClock, outcomes: SlotOutcome[] = []): SlotOutcome[] => {
  scheduler = new Scheduler(ctx, { run: (name, request) => runDestination(ctx, name, request), clock, onOutcome: (o) => outcomes.push(o) });
  scheduler.start();
  return outcomes;
};

const summary = (o: SlotOutcome): string =>
  o.kind === 'ran' ? `${o.trigger} ${o.slot?.toISOString()} ran ${o.result.status}` : o.kind === 'skipped' ? `${o.trigger} ${o.slot?.toISOString() ?? '-'} skipped ${o.reason}` : `${o.trigger} error ${o.message}`;

beforeAll(async () => {
  ctx = openAgent(mkdtempSync(join(tmpdir(), 'rs-sched-')));
  await setupDemo(ctx, { students: 30 });
});
afterAll(() => closeAgent(ctx));
beforeEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  onStoreFile(ctx.store, (db) => db.exec(`DELETE FROM destination_state; DELETE FROM runs; DELETE FROM audit_ledger; DELETE FROM settings WHERE key = 'schedulesPaused';`));
});

describe('scheduled slots', () => {
  it('runs a nightly America/New_York schedule across the spring-forward night, at the local times', async () => {
    setSchedule({ preset: 'nightly', time: '02:30', timezone: 'America/New_York' });
    const clock = new ManualClock('2026-03-06T20:00:00Z');
    const outcomes = begin(clock);
    expect(clock.pending()).toEqual([new Date('2026-03-07T07:30:00Z')]);
    await clock.advanceTo('2026-03-09T20:00:00Z');
    expect(outcomes.map(summary)).toEqual([
      'schedule 2026-03-07T07:30:00.000Z ran success', // 02:30 EST
      'schedule 2026-03-08T07:00:00.000Z ran success', // 02:30 does not exist: 03:00 EDT
      'schedule 2026-03-09T06:30:00.000Z ran success', // 02:30 EDT
    ]);
    const runs = ctx.store.listRuns({ destination: DEMO_DESTINATION });
    expect(runs.map((r) => `${r.trigger} ${r.status}`)).toEqual(['schedule success', 'schedule success', 'schedule success']);
    expect(scheduler!.status()[0]).toMatchObject({ destination: DEMO_DESTINATION, next: new Date('2026-03-10T06:30:00Z'), running: false, problems: [] });
    expect(ctx.store.getDestinationState(DEMO_DESTINATION, LAST_SLOT_KEY)).toBe('2026-03-09T06:30:00.000Z');
  });

  it('runs once on the autumn night whose 01:30 happens twice', async () => {
    setSchedule({ preset: 'nightly', time: '01:30', timezone: 'America/New_York' });
    const clock = new ManualClock('2026-10-31T12:00:00Z');
    const outcomes = begin(clock);
    await clock.advanceTo('2026-11-01T12:00:00Z');
    expect(outcomes.map(summary)).toEqual(['schedule 2026-11-01T05:30:00.000Z ran success']);
  });

  it('records slots inside a blackout as skipped runs naming the blackout', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'America/Chicago', blackouts: [{ from: '2026-06-02', to: '2026-06-03', label: 'Term rollover' }] });
    const clock = new ManualClock('2026-06-01T00:00:00Z');
    const outcomes = begin(clock);
    await clock.advanceTo('2026-06-04T12:00:00Z');
    expect(outcomes.map(summary)).toEqual([
      'schedule 2026-06-01T07:00:00.000Z ran success',
      'schedule 2026-06-02T07:00:00.000Z skipped blackout',
      'schedule 2026-06-03T07:00:00.000Z skipped blackout',
      'schedule 2026-06-04T07:00:00.000Z ran success',
    ]);
    const skipped = ctx.store.listRuns({ status: 'skipped' });
    expect(skipped).toHaveLength(2);
    expect(skipped[1]!.message).toBe('Skipped: the scheduled run of 2026-06-02 02:00 CDT falls in blackout "Term rollover" (2026-06-02 to 2026-06-03).');
    expect(ctx.store.getRunDetail(skipped[1]!.id)!.events.map((e) => e.stage)).toEqual(['schedule']);
  });

  it('skips and records a slot that would break the vendor cadence limit', async () => {
    // The cadence limit compares with the audit ledger (real delivery times), so this clock starts now.
    setSchedule({ preset: 'every-n-hours', everyHours: 1, time: '00:00', timezone: 'UTC', minIntervalMinutes: 120 });
    const start = new Date();
    const clock = new ManualClock(start);
    const outcomes = begin(clock);
    await clock.advance(3 * 3_600_000);
    expect(outcomes.map((o) => (o.kind === 'skipped' ? o.reason : o.kind))).toEqual(['ran', 'cadence', 'ran']);
    const skipped = outcomes[1] as Extract<SlotOutcome, { kind: 'skipped' }>;
    expect(skipped.message).toMatch(/^Skipped: the scheduled run of .* would break the vendor cadence limit of one upload every 120 minute\(s\); the last upload was at .*, the next is allowed after .*\.$/);
    expect(ctx.store.getRun(skipped.runId)!.status).toBe('skipped');
  });

  it('records a slot as skipped when another runner holds the destination', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC' });
    const clock = new ManualClock('2026-02-01T00:00:00Z');
    const outcomes = begin(clock);
    const lock = acquireDestinationLock(ctx.store, DEMO_DESTINATION, { purpose: 'cli', heartbeatMs: 0 });
    try {
      await clock.advanceTo('2026-02-01T03:00:00Z');
    } finally {
      lock.release();
    }
    expect(outcomes.map(summary)).toEqual(['schedule 2026-02-01T02:00:00.000Z skipped busy']);
    expect((outcomes[0] as Extract<SlotOutcome, { kind: 'skipped' }>).message).toMatch(
      new RegExp(`^Skipped: the scheduled run of 2026-02-01 02:00 UTC: demo-outbox is already running \\(pid ${process.pid} since .*\\)\\.$`),
    );
    await clock.advanceTo('2026-02-02T03:00:00Z');
    expect(outcomes.map(summary).at(-1)).toBe('schedule 2026-02-02T02:00:00.000Z ran success');
  });
});

describe('missed slots', () => {
  it('after the agent was off for several nights, runs once at start-up (catch-up), then keeps the schedule', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC' });
    ctx.store.setDestinationState(DEMO_DESTINATION, LAST_SLOT_KEY, '2026-03-01T02:00:00.000Z');
    const clock = new ManualClock('2026-03-05T15:00:00Z');
    const outcomes = begin(clock);
    await scheduler!.idle();
    expect(outcomes.map(summary)).toEqual(['catch-up 2026-03-05T02:00:00.000Z ran success']);
    const run = ctx.store.getRunDetail((outcomes[0] as Extract<SlotOutcome, { kind: 'ran' }>).result.runId)!;
    expect(run.trigger).toBe('catch-up');
    expect(run.events.map((e) => e.message)).toContain(
      'Catch-up: 4 scheduled run(s) of demo-outbox were missed while the agent was not running (the latest at 2026-03-05 02:00 UTC); run once now.',
    );
    expect(ctx.store.listRuns()).toHaveLength(1);
    await clock.advanceTo('2026-03-06T03:00:00Z');
    expect(outcomes.map(summary)).toEqual(['catch-up 2026-03-05T02:00:00.000Z ran success', 'schedule 2026-03-06T02:00:00.000Z ran success']);
  });

  it('a start-up with no missed slot runs nothing', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC' });
    ctx.store.setDestinationState(DEMO_DESTINATION, LAST_SLOT_KEY, '2026-03-05T02:00:00.000Z');
    const clock = new ManualClock('2026-03-05T15:00:00Z');
    const outcomes = begin(clock);
    await scheduler!.idle();
    expect(outcomes).toEqual([]);
    expect(clock.pending()).toEqual([new Date('2026-03-06T02:00:00Z')]);
  });

  it('the first start of a new schedule owes nothing from before it existed', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC' });
    const clock = new ManualClock('2026-03-05T15:00:00Z');
    const outcomes = begin(clock);
    await scheduler!.idle();
    expect(outcomes).toEqual([]);
    expect(ctx.store.getDestinationState(DEMO_DESTINATION, SINCE_KEY)).toBe('2026-03-05T15:00:00.000Z');
  });

  it('with catch-up off, the missed slots are recorded once as skipped and nothing runs', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC', catchUp: false });
    ctx.store.setDestinationState(DEMO_DESTINATION, LAST_SLOT_KEY, '2026-03-01T02:00:00.000Z');
    const clock = new ManualClock('2026-03-05T15:00:00Z');
    const outcomes = begin(clock);
    await scheduler!.idle();
    expect(outcomes.map(summary)).toEqual(['catch-up 2026-03-05T02:00:00.000Z skipped missed']);
    const [run] = ctx.store.listRuns();
    expect(run!.status).toBe('skipped');
    expect(run!.message).toBe(
      'Skipped: 4 scheduled run(s) of demo-outbox were missed while the agent was not running (the latest at 2026-03-05 02:00 UTC); catch-up is off, so the next run is at 2026-03-06 02:00 UTC.',
    );
  });

  it('after the machine slept through slots, the late timer runs once as catch-up', async () => {
    setSchedule({ preset: 'every-n-hours', everyHours: 2, time: '00:00', timezone: 'UTC' });
    const clock = new ManualClock('2026-04-10T09:30:00Z');
    const outcomes = begin(clock);
    await clock.advanceTo('2026-04-10T10:30:00Z');
    expect(outcomes.map(summary)).toEqual(['schedule 2026-04-10T10:00:00.000Z ran success']);
    clock.jump(7 * 3_600_000); // asleep 10:30 → 17:30: the 12:00, 14:00 and 16:00 slots pass
    await clock.advance(0); // the overdue timer fires on wake-up
    expect(outcomes.map(summary)).toEqual(['schedule 2026-04-10T10:00:00.000Z ran success', 'catch-up 2026-04-10T16:00:00.000Z ran success']);
    expect(clock.pending()).toEqual([new Date('2026-04-10T18:00:00Z')]);
  });
});

describe('staleness, configuration changes', () => {
  it('warns on the run record when nothing was delivered for staleAfterHours', async () => {
    // The check compares the audit ledger (real delivery times) with the scheduler's clock, so this clock starts now.
    const start = new Date();
    const first = nextRunAfter(scheduleSchema.parse({ enabled: true, preset: 'nightly', time: '02:00', timezone: 'UTC' }), start)!;
    const day = (offset: number): string => new Date(first.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC', staleAfterHours: 48, blackouts: [{ from: day(1), to: day(10), label: 'Break' }] });
    const clock = new ManualClock(start);
    const outcomes = begin(clock);
    await clock.advance(6 * 86_400_000);
    expect(outcomes.map((o) => (o.kind === 'skipped' ? o.reason : o.kind))).toEqual(['ran', 'blackout', 'blackout', 'blackout', 'blackout', 'blackout'].slice(0, outcomes.length));
    expect(outcomes.length).toBeGreaterThanOrEqual(5);
    const deliveredAt = new Date(ctx.store.lastDeliveredAt(DEMO_DESTINATION)!);
    let warnedRuns = 0;
    for (const o of outcomes) {
      if (o.kind !== 'skipped') continue;
      const hours = Math.floor((o.slot!.getTime() - deliveredAt.getTime()) / 3_600_000);
      const warnings = ctx.store.getRunDetail(o.runId)!.events.filter((e) => e.level === 'warn').map((e) => e.message);
      if (hours >= 48) {
        warnedRuns++;
        expect(warnings).toEqual([`No successful delivery to demo-outbox for ${hours} hours (last ${deliveredAt.toISOString()}); the limit is 48 hours.`]);
      } else expect(warnings).toEqual([]);
    }
    expect(warnedRuns).toBeGreaterThanOrEqual(2);
  });

  it('warns when a destination scheduled long ago has never delivered (older configurations’ staleAfterDays still count)', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC', staleAfterDays: 3, blackouts: [{ from: '2026-01-01', to: '2026-12-31' }] });
    const clock = new ManualClock('2026-01-10T12:00:00Z');
    const outcomes = begin(clock);
    await clock.advanceTo('2026-01-15T12:00:00Z');
    const warned = outcomes.map((o) => (o.kind === 'skipped' ? ctx.store.getRunDetail(o.runId)!.events.filter((e) => e.level === 'warn').map((e) => e.message) : []));
    // scheduled since 01-10 12:00: the 01-14 02:00 slot is 86 hours later
    expect(warned).toEqual([
      [],
      [],
      [],
      ['No successful delivery to demo-outbox in the 86 hours since it was set up; the limit is 72 hours.'],
      ['No successful delivery to demo-outbox in the 110 hours since it was set up; the limit is 72 hours.'],
    ]);
  });

  it('reload re-arms a changed schedule and drops a disabled one', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC' });
    const clock = new ManualClock('2026-02-01T00:00:00Z');
    begin(clock);
    expect(clock.pending()).toEqual([new Date('2026-02-01T02:00:00Z')]);
    setSchedule({ preset: 'weekdays', time: '06:15', timezone: 'Europe/Paris' });
    scheduler!.reload();
    // 2026-02-01 is a Sunday: Monday 06:15 CET = 05:15Z
    expect(clock.pending()).toEqual([new Date('2026-02-02T05:15:00Z')]);
    setSchedule({ enabled: false });
    scheduler!.reload();
    expect(clock.pending()).toEqual([]);
    expect(scheduler!.status()).toEqual([]);
  });

  it('pause records scheduled slots as skipped (kept across restarts); resume owes nothing for the paused time', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC' });
    const clock = new ManualClock('2026-02-01T00:00:00Z');
    const outcomes = begin(clock);
    scheduler!.pause();
    expect(scheduler!.isPaused()).toBe(true);
    await clock.advanceTo('2026-02-01T03:00:00Z');
    expect(outcomes.map(summary)).toEqual(['schedule 2026-02-01T02:00:00.000Z skipped paused']);
    expect((outcomes[0] as Extract<SlotOutcome, { kind: 'skipped' }>).message).toBe(
      'Skipped: the scheduled run of 2026-02-01 02:00 UTC: schedules are paused since 2026-02-01T00:00:00.000Z.',
    );
    // a restart while paused stays paused
    await scheduler!.stop();
    const restarted = begin(clock, outcomes);
    expect(restarted.length).toBe(1);
    expect(scheduler!.isPaused()).toBe(true);
    clock.jump(2 * 86_400_000);
    scheduler!.resume();
    expect(scheduler!.isPaused()).toBe(false);
    await clock.advance(0);
    expect(outcomes).toHaveLength(1); // no catch-up for the paused days
    expect(scheduler!.nextRun(DEMO_DESTINATION)).toEqual(new Date('2026-02-04T02:00:00Z'));
    await clock.advanceTo('2026-02-04T03:00:00Z');
    expect(outcomes.map(summary).at(-1)).toBe('schedule 2026-02-04T02:00:00.000Z ran success');
  });

  it('an invalid schedule is reported, not armed', () => {
    // The store's save refuses it now; one stored by an older RosterSync is written straight into the table.
    expect(() => setSchedule({ preset: 'cron', cron: '0 25 * * *', timezone: 'UTC' })).toThrow(/schedule\.cron: "0 25 \* \* \*" is not a valid cron expression/);
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    const stale = { ...d, schedule: scheduleSchema.parse({ enabled: true, preset: 'cron', cron: '0 25 * * *', timezone: 'UTC' }) };
    onStoreFile(ctx.store, (db) => db.prepare('UPDATE destinations SET config = ? WHERE name = ?').run(JSON.stringify(stale), DEMO_DESTINATION));
    const clock = new ManualClock('2026-02-01T00:00:00Z');
    begin(clock);
    expect(clock.pending()).toEqual([]);
    expect(scheduler!.status()[0]!.problems[0]).toMatch(/schedule\.cron: "0 25 \* \* \*" is not a valid cron expression/);
  });

  it('arrival runs honour blackouts', async () => {
    setSchedule({ preset: 'nightly', time: '02:00', timezone: 'UTC', onArrival: true, blackouts: [{ from: '2026-02-01', to: '2026-02-01' }] });
    const clock = new ManualClock('2026-02-01T10:00:00Z');
    begin(clock);
    expect(summary(await scheduler!.runNow(DEMO_DESTINATION, 'arrival'))).toBe('arrival - skipped blackout');
    await clock.advanceTo('2026-02-02T10:00:00Z');
    const outcome = await scheduler!.runNow(DEMO_DESTINATION, 'arrival');
    expect(outcome.kind === 'ran' && outcome.result.status).toBe('success');
  });
});
