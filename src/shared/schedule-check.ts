/**
 * Whether a schedule can run: an IANA time zone, a cron expression croner accepts (five fields,
 * each in range, firing at least once), calendar dates in blackouts. Pure, so the configuration
 * doors (src/home/config-door.ts), the scheduler and the GUI all judge a schedule the same way.
 */
import { Cron } from 'croner';
import type { ScheduleConfig } from './config.schema.js';
import { issueText, type ConfigIssue } from './config-issues.js';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function cronProblem(pattern: string, timezone: string): string | undefined {
  if (!pattern) return 'a cron expression is required with the cron preset (for example "0 2 * * 1-5").';
  if (pattern.split(/\s+/).length !== 5) return `"${pattern}" should have five fields (minute hour day-of-month month day-of-week).`;
  try {
    const cron = new Cron(pattern, { paused: true, timezone: isValidTimeZone(timezone) ? timezone : undefined });
    // `0 0 31 2 *` parses but never fires: a schedule that silently never runs.
    if (!cron.nextRun()) return `"${pattern}" never fires (no such date).`;
  } catch (err) {
    return `"${pattern}" is not a valid cron expression (${(err as Error).message}).`;
  }
  return undefined;
}

/** Everything wrong with a schedule, each at its path inside the schedule (`cron`, `blackouts[0].from`). Empty when it can run. */
export function scheduleIssues(schedule: ScheduleConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!isValidTimeZone(schedule.timezone)) {
    issues.push({ path: ['timezone'], message: `"${schedule.timezone}" is not an IANA time zone (for example America/New_York or Europe/London).` });
  }
  if (schedule.preset === 'cron') {
    const problem = cronProblem((schedule.cron ?? '').trim(), schedule.timezone);
    if (problem) issues.push({ path: ['cron'], message: problem });
  }
  schedule.blackouts.forEach((b, i) => {
    if (!isCalendarDate(b.from)) issues.push({ path: ['blackouts', i, 'from'], message: `"${b.from}" is not a date (YYYY-MM-DD).` });
    if (!isCalendarDate(b.to)) issues.push({ path: ['blackouts', i, 'to'], message: `"${b.to}" is not a date (YYYY-MM-DD).` });
    if (isCalendarDate(b.from) && isCalendarDate(b.to) && b.from > b.to) issues.push({ path: ['blackouts', i], message: `starts ${b.from}, after it ends ${b.to}.` });
  });
  return issues;
}

/** The same problems as sentences naming the field: `schedule.cron: "61 2 * * *" is not a valid cron expression (…)`. */
export function scheduleProblems(schedule: ScheduleConfig): string[] {
  return scheduleIssues(schedule).map((i) => issueText({ path: ['schedule', ...i.path], message: i.message }));
}
