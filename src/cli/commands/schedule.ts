/**
 *   rostersync schedule set DEST [--preset P] [--time HH:MM] [--every-hours N] [--cron EXPR] [--tz ZONE] [--enable|--disable]
 *   rostersync schedule blackout add DEST --from DATE --to DATE [--label TEXT]
 *   rostersync schedule blackout remove DEST (--from DATE | --index N)
 * Each changes only the destination's schedule fields it names, saved through the store's
 * configuration door (src/home/config-door.ts: cron, IANA zone, dates), and prints the resulting
 * schedule with its next run in the schedule's zone. A running agent picks the change up on its
 * next configuration poll (src/agent/daemon.ts).
 */
import { Option, type Command } from 'commander';
import type { AgentContext } from '../../home/context.js';
import { ConfigError } from '../../shared/config-issues.js';
import type { DestinationConfig, ScheduleConfig } from '../../shared/config.schema.js';
import { scheduleProblems } from '../../shared/schedule-check.js';
import { blackoutFor, describeBlackout, describeSchedule, localDateTime, nextRunAfter } from '../../scheduler/schedule.js';
import { calendarDate, followUp, wholeNumber, UsageError, withAgent, type CliKit, type GlobalOptions } from '../cli-kit.js';

const PRESETS = ['nightly', 'weekdays', 'every-n-hours', 'cron'] as const;

function destinationNamed(ctx: AgentContext, name: string): DestinationConfig {
  const config = ctx.store.getDestination(name);
  if (!config) throw new UsageError(`No destination named "${name}". Configured: ${ctx.store.listDestinations().map((d) => d.name).join(', ') || 'none'}.`);
  return config;
}

/** Saves the destination with `schedule` through the configuration door; a refusal names the field (`schedule.cron: …`). */
function saveSchedule(ctx: AgentContext, destination: DestinationConfig, schedule: ScheduleConfig): DestinationConfig {
  try {
    ctx.store.saveDestination({ ...destination, schedule });
  } catch (err) {
    throw err instanceof ConfigError ? new ConfigError(err.issues, `destination ${destination.name}`) : err;
  }
  return ctx.store.getDestination(destination.name)!;
}

/** The saved schedule, its next run in its zone (none when it or the destination is off) and the blackouts, numbered for `blackout remove --index`. */
function printSchedule(kit: CliKit, opts: GlobalOptions, destination: DestinationConfig): void {
  const s = destination.schedule;
  const scheduled = destination.enabled && s.enabled && !scheduleProblems(s).length;
  const next = scheduled ? nextRunAfter(s, new Date()) : null;
  const blackout = next ? blackoutFor(s, next) : undefined;
  const why = !s.enabled ? 'schedule off' : !destination.enabled ? 'destination disabled' : 'no future slot';
  kit.print(opts, { destination: destination.name, schedule: s, nextRun: next?.toISOString() ?? null, nextRunLocal: next ? localDateTime(next, s.timezone) : null }, () =>
    [
      `${destination.name}: ${describeSchedule(s)}${s.enabled ? '' : ' (schedule off)'}`,
      `  next run: ${next ? `${localDateTime(next, s.timezone)}${blackout ? ` (skipped: blackout ${describeBlackout(blackout)})` : ''}` : `none (${why})`}`,
      ...(s.blackouts.length ? ['  blackouts:', ...s.blackouts.map((b, i) => `    ${i + 1}. ${describeBlackout(b)}`)] : ['  blackouts: none']),
      `All schedules: ${followUp(opts, 'schedules')}`,
    ].join('\n'),
  );
}

export function registerScheduleCommands(program: Command, kit: CliKit): void {
  const { action, globals } = kit;
  const schedule = program.command('schedule').description("change a destination's schedule and blackouts (only the options given change)");

  schedule
    .command('set')
    .description("change a destination's schedule: only the options given change")
    .argument('<destination>')
    .addOption(new Option('--preset <preset>', 'when it runs').choices(PRESETS))
    .option('--time <HH:MM>', 'time of day (24-hour) for nightly and weekdays, and the anchor of every-n-hours')
    .option('--every-hours <n>', 'for every-n-hours: run every N hours (1 to 24)', wholeNumber('--every-hours', 1, 24))
    .option('--cron <expr>', 'a five-field cron expression (minute hour day-of-month month day-of-week); implies --preset cron')
    .option('--tz <zone>', 'IANA time zone the times are in, e.g. America/New_York')
    .option('--enable', 'turn the schedule on')
    .option('--disable', 'turn the schedule off (runs only when started by hand or on arrival)')
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), (ctx) => {
          const o = cmd.opts<{ preset?: ScheduleConfig['preset']; time?: string; everyHours?: number; cron?: string; tz?: string; enable?: boolean; disable?: boolean }>();
          if (o.enable && o.disable) throw new UsageError('Give --enable or --disable, not both.');
          if (o.cron !== undefined && o.preset !== undefined && o.preset !== 'cron') throw new UsageError(`--cron goes with --preset cron; got --preset ${o.preset}.`);
          const destination = destinationNamed(ctx, name);
          const changes: Partial<ScheduleConfig> = Object.fromEntries(
            Object.entries({
              preset: o.preset ?? (o.cron !== undefined ? 'cron' : undefined),
              time: o.time,
              everyHours: o.everyHours,
              cron: o.cron,
              timezone: o.tz,
              enabled: o.enable ? true : o.disable ? false : undefined,
            }).filter(([, v]) => v !== undefined),
          );
          if (!Object.keys(changes).length) throw new UsageError('Nothing to change: give at least one of --preset, --time, --every-hours, --cron, --tz, --enable, --disable.');
          printSchedule(kit, globals(cmd), saveSchedule(ctx, destination, { ...destination.schedule, ...changes }));
          return 0;
        }),
      ),
    );

  const blackout = schedule.command('blackout').description('date ranges (inclusive) when scheduled runs are skipped');
  blackout
    .command('add')
    .description('skip scheduled runs from one date to another, both included')
    .argument('<destination>')
    .requiredOption('--from <YYYY-MM-DD>', 'first day skipped', calendarDate('--from'))
    .requiredOption('--to <YYYY-MM-DD>', 'last day skipped', calendarDate('--to'))
    .option('--label <text>', 'what it is, e.g. "Winter break"')
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), (ctx) => {
          const o = cmd.opts<{ from: string; to: string; label?: string }>();
          if (o.to < o.from) throw new UsageError(`--to ${o.to} is before --from ${o.from}: a blackout ends on or after the day it starts.`);
          const destination = destinationNamed(ctx, name);
          const added = { from: o.from, to: o.to, ...(o.label ? { label: o.label } : {}) };
          printSchedule(kit, globals(cmd), saveSchedule(ctx, destination, { ...destination.schedule, blackouts: [...destination.schedule.blackouts, added] }));
          return 0;
        }),
      ),
    );
  blackout
    .command('remove')
    .description('remove a blackout, named by the day it starts or by its number in the list `schedule set` and `blackout add` print')
    .argument('<destination>')
    .option('--from <YYYY-MM-DD>', 'the day the blackout starts', calendarDate('--from'))
    .option('--index <n>', 'its number in the printed list (1 is the first)', wholeNumber('--index', 1))
    .action(
      action((cmd, name: string) =>
        withAgent(globals(cmd), (ctx) => {
          const o = cmd.opts<{ from?: string; index?: number }>();
          if ((o.from === undefined) === (o.index === undefined)) throw new UsageError('Name the blackout with --from DATE or --index N (one of them).');
          const destination = destinationNamed(ctx, name);
          const blackouts = destination.schedule.blackouts;
          const listed = blackouts.map((b, i) => `${i + 1}. ${describeBlackout(b)}`).join('; ') || 'none';
          let index: number;
          if (o.index !== undefined) {
            if (o.index > blackouts.length) throw new UsageError(`--index ${o.index}: ${name} has ${blackouts.length} blackout(s): ${listed}.`);
            index = o.index - 1;
          } else {
            const matches = blackouts.flatMap((b, i) => (b.from === o.from ? [i] : []));
            if (!matches.length) throw new UsageError(`--from ${o.from}: no blackout of ${name} starts that day. Blackouts: ${listed}.`);
            if (matches.length > 1) throw new UsageError(`--from ${o.from}: ${matches.length} blackouts of ${name} start that day; name one with --index (${listed}).`);
            index = matches[0]!;
          }
          printSchedule(kit, globals(cmd), saveSchedule(ctx, destination, { ...destination.schedule, blackouts: blackouts.filter((_, i) => i !== index) }));
          return 0;
        }),
      ),
    );
}
