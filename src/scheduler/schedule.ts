/**
 * When a destination runs: presets and cron expressions evaluated in an explicit IANA time zone,
 * blackout date ranges, and counting the slots missed while the agent was not running.
 *
 * Pure functions over `ScheduleConfig` (src/shared/config.schema.ts). Cron arithmetic is croner's
 * (time zones and DST handled there: a slot in the hour that does not exist on the spring-forward
 * day runs when that hour ends, e.g. 02:30 → 03:00; a slot in the repeated autumn hour runs once).
 */
import { Cron } from 'croner';
import type { ScheduleConfig } from '../shared/config.schema.js';
import { scheduleProblems } from '../shared/schedule-check.js';

export type Blackout = ScheduleConfig['blackouts'][number];

/** The five-field cron pattern a schedule stands for (minute hour day-of-month month day-of-week). */
export function schedulePattern(schedule: ScheduleConfig): string {
  const [hh, mm] = schedule.time.split(':').map(Number) as [number, number];
  switch (schedule.preset) {
    case 'nightly':
      return `${mm} ${hh} * * *`;
    case 'weekdays':
      return `${mm} ${hh} * * 1-5`;
    case 'every-n-hours': {
      // Anchored on `time`: every 6 hours from 02:00 is 02:00, 08:00, 14:00, 20:00 each day.
      const n = schedule.everyHours;
      return n >= 24 ? `${mm} ${hh} * * *` : `${mm} ${hh % n}-23/${n} * * *`;
    }
    case 'cron':
      return (schedule.cron ?? '').trim();
    default:
      return assertNever(schedule.preset);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unexpected schedule preset: ${String(value)}`);
}

function cronFor(schedule: ScheduleConfig): Cron {
  const problems = scheduleProblems(schedule);
  if (problems.length) throw new Error(problems.join(' '));
  // paused, no callback: croner only computes; the Scheduler owns the timers.
  return new Cron(schedulePattern(schedule), { timezone: schedule.timezone, paused: true });
}

/**
 * The first scheduled slot strictly after `after`, or null when the pattern never fires again.
 * Blackouts are not applied here: a slot inside a blackout is still a slot (the scheduler
 * records it as skipped). Throws on an invalid schedule (see `scheduleProblems`).
 */
export function nextRunAfter(schedule: ScheduleConfig, after: Date): Date | null {
  return cronFor(schedule).nextRun(after);
}

/** Slots in (after, until]: how many, and the latest. Counting stops at `cap` (the latest is still exact). */
export function slotsBetween(schedule: ScheduleConfig, after: Date, until: Date, cap = 10_000): { count: number; latest: Date | null; capped: boolean } {
  const cron = cronFor(schedule);
  let count = 0;
  let latest: Date | null = null;
  let cursor: Date | null = cron.nextRun(after);
  while (cursor && cursor.getTime() <= until.getTime()) {
    count++;
    latest = cursor;
    if (count >= cap) {
      const previous = cron.previousRuns(1, new Date(until.getTime() + 1))[0];
      return { count, latest: previous ?? latest, capped: true };
    }
    cursor = cron.nextRun(cursor);
  }
  return { count, latest, capped: false };
}

const parts = (at: Date, tz: string): Record<string, string> =>
  Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, tz: string): string {
  const p = parts(at, tz);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "2026-03-08 03:00 EDT": an instant as people in that time zone read it. */
export function localDateTime(at: Date, tz: string): string {
  const p = parts(at, tz);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** The blackout covering the slot's local date (inclusive range), if any. */
export function blackoutFor(schedule: ScheduleConfig, slot: Date): Blackout | undefined {
  const day = localDate(slot, schedule.timezone);
  return schedule.blackouts.find((b) => b.from <= day && day <= b.to);
}

export function describeBlackout(b: Blackout): string {
  return `${b.label ? `"${b.label}" ` : ''}(${b.from} to ${b.to})`;
}

/** "every night at 02:00 (America/New_York)". */
export function describeSchedule(schedule: ScheduleConfig): string {
  const tz = `(${schedule.timezone})`;
  switch (schedule.preset) {
    case 'nightly':
      return `every night at ${schedule.time} ${tz}`;
    case 'weekdays':
      return `Monday to Friday at ${schedule.time} ${tz}`;
    case 'every-n-hours':
      return `every ${schedule.everyHours} hour(s) from ${schedule.time} ${tz}`;
    case 'cron':
      return `cron "${schedule.cron ?? ''}" ${tz}`;
    default:
      return assertNever(schedule.preset);
  }
}
