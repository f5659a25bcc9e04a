import { describe, expect, it } from 'vitest';
import { scheduleSchema, type ScheduleConfig } from '../../src/shared/config.schema.js';
import {
  blackoutFor,
  describeSchedule,
  localDate,
  localDateTime,
  nextRunAfter,
  schedulePattern,
  slotsBetween,
} from '../../src/scheduler/schedule.js';
import { scheduleProblems } from '../../src/shared/schedule-check.js';

const schedule = (over: Partial<ScheduleConfig>): ScheduleConfig => scheduleSchema.parse({ enabled: true, ...over });
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
/** The next `n` slots after `from`, as ISO instants. */
const series = (s: ScheduleConfig, from: string, n: number): string[] => {
  const out: string[] = [];
  let cursor = new Date(from);
  for (let i = 0; i < n; i++) {
    const next = nextRunAfter(s, cursor)!;
    out.push(next.toISOString());
    cursor = next;
  }
  return out;
};
const local = (list: string[], tz: string): string[] => list.map((x) => localDateTime(new Date(x), tz));

describe('presets', () => {
  it('nightly runs at the time every day, in the schedule time zone', () => {
    const s = schedule({ preset: 'nightly', time: '02:00', timezone: 'Europe/London' });
    expect(schedulePattern(s)).toBe('0 2 * * *');
    // 2026-01-15 is winter time in London: 02:00 GMT = 02:00Z
    expect(series(s, '2026-01-14T12:00:00Z', 3)).toEqual(['2026-01-15T02:00:00.000Z', '2026-01-16T02:00:00.000Z', '2026-01-17T02:00:00.000Z']);
    // in July London is on BST: 02:00 BST = 01:00Z
    expect(iso(nextRunAfter(s, new Date('2026-07-01T12:00:00Z')))).toBe('2026-07-02T01:00:00.000Z');
  });

  it('a slot exactly at `after` is not returned again', () => {
    const s = schedule({ preset: 'nightly', time: '02:00', timezone: 'UTC' });
    expect(iso(nextRunAfter(s, new Date('2026-01-15T02:00:00Z')))).toBe('2026-01-16T02:00:00.000Z');
  });

  it('weekdays skips Saturday and Sunday', () => {
    const s = schedule({ preset: 'weekdays', time: '05:30', timezone: 'America/Chicago' });
    expect(schedulePattern(s)).toBe('30 5 * * 1-5');
    // Friday 2026-01-16 → Monday 2026-01-19
    const slots = local(series(s, '2026-01-15T20:00:00Z', 3), 'America/Chicago');
    expect(slots).toEqual(['2026-01-16 05:30 CST', '2026-01-19 05:30 CST', '2026-01-20 05:30 CST']);
  });

  it('every N hours is anchored on the time of day', () => {
    const s = schedule({ preset: 'every-n-hours', everyHours: 6, time: '02:15', timezone: 'UTC' });
    expect(schedulePattern(s)).toBe('15 2-23/6 * * *');
    expect(series(s, '2026-01-15T00:00:00Z', 5)).toEqual([
      '2026-01-15T02:15:00.000Z',
      '2026-01-15T08:15:00.000Z',
      '2026-01-15T14:15:00.000Z',
      '2026-01-15T20:15:00.000Z',
      '2026-01-16T02:15:00.000Z',
    ]);
    const daily = schedule({ preset: 'every-n-hours', everyHours: 24, time: '07:00', timezone: 'UTC' });
    expect(series(daily, '2026-01-15T00:00:00Z', 2)).toEqual(['2026-01-15T07:00:00.000Z', '2026-01-16T07:00:00.000Z']);
  });

  it('cron expressions are evaluated in the time zone', () => {
    const s = schedule({ preset: 'cron', cron: '0 22 * * 0', timezone: 'Asia/Tokyo' });
    // Sundays 22:00 JST = 13:00Z Sunday
    expect(local(series(s, '2026-01-01T00:00:00Z', 2), 'Asia/Tokyo')).toEqual(['2026-01-04 22:00 GMT+9', '2026-01-11 22:00 GMT+9']);
    expect(series(s, '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T13:00:00.000Z']);
  });

  it('describes a schedule in words', () => {
    expect(describeSchedule(schedule({ preset: 'nightly', time: '02:00', timezone: 'America/New_York' }))).toBe('every night at 02:00 (America/New_York)');
    expect(describeSchedule(schedule({ preset: 'every-n-hours', everyHours: 4 }))).toBe('every 4 hour(s) from 02:00 (UTC)');
  });
});

describe('time zones across DST changes (America/New_York)', () => {
  const tz = 'America/New_York';

  it('spring forward 2026-03-08: a nightly 02:30 (which does not exist that night) runs once at 03:00 EDT', () => {
    const s = schedule({ preset: 'nightly', time: '02:30', timezone: tz });
    const slots = series(s, '2026-03-06T12:00:00Z', 4);
    expect(local(slots, tz)).toEqual(['2026-03-07 02:30 EST', '2026-03-08 03:00 EDT', '2026-03-09 02:30 EDT', '2026-03-10 02:30 EDT']);
    expect(slots).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
  });

  it('spring forward: a nightly 01:00 keeps its wall-clock time, 23 hours apart', () => {
    const s = schedule({ preset: 'nightly', time: '01:00', timezone: tz });
    const slots = series(s, '2026-03-07T12:00:00Z', 2).map((x) => new Date(x).getTime());
    expect(local(slots.map((t) => new Date(t).toISOString()), tz)).toEqual(['2026-03-08 01:00 EST', '2026-03-09 01:00 EDT']);
    expect((slots[1]! - slots[0]!) / 3_600_000).toBe(23);
  });

  it('fall back 2026-11-01: a nightly 01:30 (which happens twice that night) runs once', () => {
    const s = schedule({ preset: 'nightly', time: '01:30', timezone: tz });
    const slots = series(s, '2026-10-31T12:00:00Z', 3);
    expect(local(slots, tz)).toEqual(['2026-11-01 01:30 EDT', '2026-11-02 01:30 EST', '2026-11-03 01:30 EST']);
    expect(slotsBetween(s, new Date('2026-11-01T04:00:00Z'), new Date('2026-11-01T12:00:00Z')).count).toBe(1);
  });

  it('fall back: a nightly 02:00 is 25 hours after the previous one', () => {
    const s = schedule({ preset: 'nightly', time: '02:00', timezone: tz });
    const [a, b] = series(s, '2026-10-31T00:00:00Z', 2).map((x) => new Date(x).getTime());
    expect((b! - a!) / 3_600_000).toBe(25);
  });

  it('every hour is every real hour across both changes', () => {
    const s = schedule({ preset: 'every-n-hours', everyHours: 1, time: '00:00', timezone: tz });
    expect(local(series(s, '2026-03-08T05:30:00Z', 3), tz)).toEqual(['2026-03-08 01:00 EST', '2026-03-08 03:00 EDT', '2026-03-08 04:00 EDT']);
    expect(local(series(s, '2026-11-01T04:30:00Z', 3), tz)).toEqual(['2026-11-01 01:00 EDT', '2026-11-01 01:00 EST', '2026-11-01 02:00 EST']);
  });

  it('local dates follow the zone, not UTC', () => {
    expect(localDate(new Date('2026-11-01T03:00:00Z'), tz)).toBe('2026-10-31');
    expect(localDate(new Date('2026-11-01T03:00:00Z'), 'UTC')).toBe('2026-11-01');
  });
});

describe('blackouts', () => {
  const s = schedule({
    preset: 'nightly',
    time: '23:30',
    timezone: 'America/Los_Angeles',
    blackouts: [
      { from: '2026-06-20', to: '2026-08-15', label: 'Summer break' },
      { from: '2026-12-31', to: '2026-12-31' },
    ],
  });

  it('covers whole local days, both ends included', () => {
    // 2026-06-19 23:30 PDT = 2026-06-20T06:30Z: the UTC date is in the range, the local date is not
    expect(blackoutFor(s, new Date('2026-06-20T06:30:00Z'))).toBeUndefined();
    expect(blackoutFor(s, new Date('2026-06-21T06:30:00Z'))?.label).toBe('Summer break');
    expect(blackoutFor(s, new Date('2026-08-16T06:30:00Z'))?.label).toBe('Summer break'); // 08-15 local
    expect(blackoutFor(s, new Date('2026-08-17T06:30:00Z'))).toBeUndefined();
    expect(blackoutFor(s, new Date('2027-01-01T07:30:00Z'))).toEqual({ from: '2026-12-31', to: '2026-12-31' });
  });

  it('slots inside a blackout are still slots (the scheduler records them as skipped)', () => {
    expect(iso(nextRunAfter(s, new Date('2026-07-01T00:00:00Z')))).toBe('2026-07-01T06:30:00.000Z');
  });
});

describe('missed slots', () => {
  const s = schedule({ preset: 'nightly', time: '02:00', timezone: 'UTC' });

  it('counts the slots in a gap and returns the latest', () => {
    const r = slotsBetween(s, new Date('2026-01-10T02:00:00Z'), new Date('2026-01-13T09:00:00Z'));
    expect(r).toEqual({ count: 3, latest: new Date('2026-01-13T02:00:00Z'), capped: false });
    expect(slotsBetween(s, new Date('2026-01-13T02:00:00Z'), new Date('2026-01-13T09:00:00Z')).count).toBe(0);
  });

  it('stops counting at the cap but still finds the latest slot', () => {
    const hourly = schedule({ preset: 'every-n-hours', everyHours: 1, time: '00:00', timezone: 'UTC' });
    const r = slotsBetween(hourly, new Date('2026-01-01T00:00:00Z'), new Date('2026-03-01T10:30:00Z'), 100);
    expect(r.capped).toBe(true);
    expect(r.count).toBe(100);
    expect(r.latest).toEqual(new Date('2026-03-01T10:00:00Z'));
  });
});

describe('validation', () => {
  it('accepts the defaults', () => {
    expect(scheduleProblems(schedule({}))).toEqual([]);
  });

  it('names each wrong field and what was expected', () => {
    const problems = scheduleProblems(
      schedule({ preset: 'cron', cron: '61 * * * *', timezone: 'Mars/Olympus', blackouts: [{ from: '2026-02-30', to: '2026-01-01' }, { from: '2026-05-02', to: '2026-05-01' }] }),
    );
    expect(problems.join('\n')).toMatch(/schedule\.timezone: "Mars\/Olympus" is not an IANA time zone/);
    expect(problems.join('\n')).toMatch(/schedule\.cron: "61 \* \* \* \*" is not a valid cron expression/);
    expect(problems.join('\n')).toMatch(/blackouts\[0\]\.from: "2026-02-30" is not a date/);
    expect(problems.join('\n')).toMatch(/blackouts\[1\]: starts 2026-05-02, after it ends 2026-05-01/);
    expect(scheduleProblems(schedule({ preset: 'cron' }))[0]).toMatch(/a cron expression is required/);
    expect(scheduleProblems(schedule({ preset: 'cron', cron: '0 0 2 * * *' }))[0]).toMatch(/should have five fields/);
    expect(() => nextRunAfter(schedule({ timezone: 'Nowhere/Else' }), new Date())).toThrow(/not an IANA time zone/);
  });
});
