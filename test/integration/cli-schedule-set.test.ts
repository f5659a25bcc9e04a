/**
 * `rostersync schedule set`, `schedule blackout add|remove` and `notifications set` (#16.5): each
 * changes exactly the fields it names (read back with `config export`), leaves every other setting
 * as it was (the sealed SMTP password still opens), prints the resulting schedule with its next run
 * in the zone and follow-ups carrying --home, and refuses bad input with exit 2 and a message
 * naming what was wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSecrets, NOTIFICATIONS_SECRET_OWNER, openAgent, SMTP_PASSWORD_FIELD, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import type { ConfigFile } from '../../src/shared/config.schema.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

const opened = closeAfterAll();
const SMTP_PASSWORD = 'correct horse battery staple';
let home: string;
let ctx: AgentContext;
let cli: ReturnType<typeof cliInProcess>;

async function exported(): Promise<ConfigFile> {
  const r = await cli('--json', 'config', 'export');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as ConfigFile;
}

const demoDestination = (config: ConfigFile) => config.destinations.find((d) => d.name === DEMO_DESTINATION)!;

/** Runs a command that must succeed and returns the configuration before and after it. */
async function change(...args: string[]): Promise<{ before: ConfigFile; after: ConfigFile; out: string }> {
  const before = await exported();
  const r = await cli(...args);
  expect(r.code, r.err).toBe(0);
  return { before, after: await exported(), out: r.out };
}

/** `after` equals `before` with only `schedule` fields changed to `expected`. */
function expectOnlyScheduleChanged(before: ConfigFile, after: ConfigFile, expected: Record<string, unknown>): void {
  const was = demoDestination(before);
  expect(demoDestination(after)).toEqual({ ...was, schedule: { ...was.schedule, ...expected } });
  expect({ ...after, destinations: [] }).toEqual({ ...before, destinations: [] });
  expect(after.destinations.filter((d) => d.name !== DEMO_DESTINATION)).toEqual(before.destinations.filter((d) => d.name !== DEMO_DESTINATION));
}

function expectPasswordStillSet(): void {
  expect(loadSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [SMTP_PASSWORD_FIELD])[SMTP_PASSWORD_FIELD]).toBe(SMTP_PASSWORD);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs schedule cli '));
  opened.dirs.push(home);
  ctx = openAgent(home);
  opened.contexts.push(ctx);
  await setupDemo(ctx, { students: 20 });
  cli = cliInProcess(home);
  process.env.ROSTERSYNC_SMTP_PASSWORD = SMTP_PASSWORD;
  try {
    const r = await cli('notify', 'set', '--host', 'smtp.example.org', '--port', '587', '--user', 'rostersync', '--from', 'rs@example.org', '--to', 'it@example.org');
    expect(r.code, r.err).toBe(0);
  } finally {
    delete process.env.ROSTERSYNC_SMTP_PASSWORD;
  }
  expectPasswordStillSet();
}, 120_000);

describe('schedule set', () => {
  it('changes only the named fields, and prints the schedule, its next run in the zone and a follow-up with --home', async () => {
    const { before, after, out } = await change('schedule', 'set', DEMO_DESTINATION, '--preset', 'weekdays', '--time', '05:30', '--tz', 'America/Chicago', '--enable');
    expectOnlyScheduleChanged(before, after, { preset: 'weekdays', time: '05:30', timezone: 'America/Chicago', enabled: true });
    expect(out).toContain(`${DEMO_DESTINATION}: Monday to Friday at 05:30 (America/Chicago)`);
    expect(out).toMatch(/next run: \d{4}-\d{2}-\d{2} 05:30 C[SD]T/);
    expect(out).toContain(`rostersync schedules --home ${JSON.stringify(home)}`);
    expectPasswordStillSet();
  });

  it('--cron alone switches to the cron preset; --json gives the next run', async () => {
    const before = await exported();
    const r = await cli('--json', 'schedule', 'set', DEMO_DESTINATION, '--cron', '15 3 * * 1-5');
    expect(r.code, r.err).toBe(0);
    const printed = JSON.parse(r.out) as { schedule: { preset: string; cron: string }; nextRun: string; nextRunLocal: string };
    expect(printed.schedule).toMatchObject({ preset: 'cron', cron: '15 3 * * 1-5' });
    expect(printed.nextRunLocal).toMatch(/ 03:15 C[SD]T$/);
    expect(new Date(printed.nextRun).getTime()).toBeGreaterThan(Date.now());
    expectOnlyScheduleChanged(before, await exported(), { preset: 'cron', cron: '15 3 * * 1-5' });
  });

  it('--every-hours and --disable change those fields only; a disabled schedule has no next run', async () => {
    const { before, after, out } = await change('schedule', 'set', DEMO_DESTINATION, '--preset', 'every-n-hours', '--every-hours', '4', '--disable');
    expectOnlyScheduleChanged(before, after, { preset: 'every-n-hours', everyHours: 4, enabled: false });
    expect(out).toContain('next run: none (schedule off)');
  });

  it.each([
    [['--cron', '61 2 * * *'], /schedule\.cron: "61 2 \* \* \*" is not a valid cron expression/],
    [['--cron', '0 0 31 2 *'], /"0 0 31 2 \*" never fires/],
    [['--tz', 'Mars/Olympus_Mons'], /schedule\.timezone: "Mars\/Olympus_Mons" is not an IANA time zone/],
    [['--time', '25:00'], /schedule\.time: HH:MM, 24-hour/],
    [['--every-hours', '0'], /--every-hours takes a whole number \(1 to 24\); got "0"/],
    [['--preset', 'hourly'], /argument 'hourly' is invalid\. Allowed choices are nightly, weekdays, every-n-hours, cron/],
    [['--enable', '--disable'], /Give --enable or --disable, not both/],
    [['--preset', 'nightly', '--cron', '0 2 * * *'], /--cron goes with --preset cron; got --preset nightly/],
    [[], /Nothing to change/],
  ])('refuses %j with exit 2 and a specific message, changing nothing', async (args, message) => {
    const before = await exported();
    const r = await cli('schedule', 'set', DEMO_DESTINATION, ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(await exported()).toEqual(before);
  });

  it('refuses an unknown destination with exit 2, naming the configured ones', async () => {
    const r = await cli('schedule', 'set', 'No Such Vendor', '--tz', 'UTC');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`No destination named "No Such Vendor". Configured: ${DEMO_DESTINATION}.`);
  });
});

describe('schedule blackout', () => {
  it('add appends a blackout (label optional) and changes nothing else; the list is numbered', async () => {
    const was = demoDestination(await exported()).schedule.blackouts;
    const first = await change('schedule', 'blackout', 'add', DEMO_DESTINATION, '--from', '2026-12-21', '--to', '2027-01-01', '--label', 'Winter break');
    expectOnlyScheduleChanged(first.before, first.after, { blackouts: [...was, { from: '2026-12-21', to: '2027-01-01', label: 'Winter break' }] });
    const second = await change('schedule', 'blackout', 'add', DEMO_DESTINATION, '--from', '2027-04-05', '--to', '2027-04-05');
    expectOnlyScheduleChanged(second.before, second.after, { blackouts: [...was, { from: '2026-12-21', to: '2027-01-01', label: 'Winter break' }, { from: '2027-04-05', to: '2027-04-05' }] });
    expect(second.out).toContain(`${was.length + 1}. "Winter break" (2026-12-21 to 2027-01-01)`);
    expect(second.out).toContain(`${was.length + 2}. (2027-04-05 to 2027-04-05)`);
    expectPasswordStillSet();
  });

  it('remove takes one out by the day it starts or by its number', async () => {
    const byDate = await change('schedule', 'blackout', 'remove', DEMO_DESTINATION, '--from', '2026-12-21');
    const left = demoDestination(byDate.before).schedule.blackouts.filter((b) => b.from !== '2026-12-21');
    expectOnlyScheduleChanged(byDate.before, byDate.after, { blackouts: left });
    const byIndex = await change('schedule', 'blackout', 'remove', DEMO_DESTINATION, '--index', String(left.length));
    expectOnlyScheduleChanged(byIndex.before, byIndex.after, { blackouts: left.slice(0, -1) });
    expect(byIndex.out).not.toContain('2027-04-05');
  });

  it.each([
    [['add', DEMO_DESTINATION, '--from', '2027-03-10', '--to', '2027-03-01'], /--to 2027-03-01 is before --from 2027-03-10/],
    [['add', DEMO_DESTINATION, '--from', '2027-02-30', '--to', '2027-03-01'], /--from takes a date \(YYYY-MM-DD\); got "2027-02-30"/],
    [['add', DEMO_DESTINATION, '--from', '2027-03-01'], /required option '--to <YYYY-MM-DD>' not specified/],
    [['add', 'No Such Vendor', '--from', '2027-03-01', '--to', '2027-03-02'], /No destination named "No Such Vendor"/],
    [['remove', DEMO_DESTINATION, '--from', '2030-01-01'], /--from 2030-01-01: no blackout of .* starts that day/],
    [['remove', DEMO_DESTINATION, '--index', '99'], /--index 99: .* has \d+ blackout\(s\)/],
    [['remove', DEMO_DESTINATION], /Name the blackout with --from DATE or --index N/],
    [['remove', DEMO_DESTINATION, '--from', '2030-01-01', '--index', '1'], /Name the blackout with --from DATE or --index N/],
  ])('refuses %j with exit 2 and a specific message, changing nothing', async (args, message) => {
    const before = await exported();
    const r = await cli('schedule', 'blackout', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(await exported()).toEqual(before);
  });
});

describe('notifications set (alias of notify set)', () => {
  it('changes only the fields given; the SMTP server, login and sealed password stay', async () => {
    const { before, after, out } = await change('notifications', 'set', '--to', 'a@example.org,b@example.org', '--on-success', 'yes', '--reminder', '90', '--webhook', 'off');
    expect(after.notifications).toEqual({ ...before.notifications, to: ['a@example.org', 'b@example.org'], onSuccess: true, reminderMinutes: 90, webhookEnabled: false });
    expect(after.notifications).toMatchObject({ host: 'smtp.example.org', user: 'rostersync', from: 'rs@example.org' });
    expect({ ...after, notifications: undefined }).toEqual({ ...before, notifications: undefined });
    expect(out).toContain(`rostersync notify test --home ${JSON.stringify(home)}`);
    expectPasswordStillSet();
  });

  it.each([
    [['--on-failure', 'sometimes'], /--on-failure takes yes or no; got "sometimes"/],
    [['--reminder', '-5'], /--reminder takes a whole number .*got "-5"/],
    [['--enable', '--disable'], /Give --enable or --disable, not both/],
  ])('refuses %j with exit 2, changing nothing', async (args, message) => {
    const before = await exported();
    const r = await cli('notifications', 'set', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(await exported()).toEqual(before);
    expectPasswordStillSet();
  });
});
