/**
 *   rostersync agent [--port N] [--no-api]   the long-running daemon (what the service runs)
 *   rostersync schedules                     each destination's schedule and next run
 */
import type { Command } from 'commander';
import { startDaemon } from '../../agent/daemon.js';
import { streamSink } from '../../log/logger.js';
import { blackoutFor, describeBlackout, describeSchedule, localDateTime, nextRunAfter } from '../../scheduler/schedule.js';
import { scheduleProblems } from '../../shared/schedule-check.js';
import { LAST_SLOT_KEY } from '../../scheduler/scheduler.js';
import { listLocks, staleReason } from '../../scheduler/lock.js';
import { wholeNumber, UsageError, untilStopSignal, withAgent, type CliKit } from '../cli-kit.js';
import { staleLimitHours } from '../../shared/config.schema.js';


export function registerAgentCommands(program: Command, kit: CliKit): void {
  const { action, globals, print } = kit;

  program
    .command('agent')
    .description('run the agent: schedules, export-folder watchers and the local API for the GUI, until stopped (this is what the service runs)')
    .option('--port <n>', 'port of the local API on 127.0.0.1 (default: any free port, advertised in <home>/api.json)')
    .option('--no-api', 'do not serve the local API')
    .option('--renderer <dir>', 'built GUI to serve (default: dist-renderer)')
    .option('--stop-timeout <seconds>', 'how long a stop waits for runs in progress', wholeNumber('--stop-timeout', 0), 60)
    .option('--log-json', 'print the log on standard output as JSON lines (as in the log file) instead of readable lines')
    .action(
      action(async (cmd) => {
        const o = cmd.opts<{ port?: string; api: boolean; renderer?: string; stopTimeout: number; logJson?: boolean }>();
        const port = o.port === undefined ? undefined : Number(o.port);
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port is a whole number from 0 to 65535; got "${o.port}".`);
        const stopped = untilStopSignal();
        const daemon = await startDaemon({ home: globals(cmd).home, api: o.api, apiPort: port, staticDir: o.renderer, stopTimeoutMs: o.stopTimeout * 1000, console: streamSink(process.stdout, o.logJson ? 'json' : 'human') });
        const signal = await stopped;
        await daemon.stop(`${signal} received`);
        return 0;
      }),
    );

  program
    .command('schedules')
    .description('each destination: its schedule, the next run, blackouts and whether it is running now')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const now = new Date();
          const locks = new Map(listLocks(ctx.store).map((l) => [l.destination, l]));
          const rows = ctx.store.listDestinations().map((d) => {
            const s = d.schedule;
            const problems = scheduleProblems(s);
            const next = d.enabled && s.enabled && !problems.length ? nextRunAfter(s, now) : null;
            const blackout = next ? blackoutFor(s, next) : undefined;
            const lock = locks.get(d.name);
            // A lock row outlives a killed process: only a live holder is "running now".
            const stale = lock && staleReason(lock, { now });
            return {
              destination: d.name,
              enabled: d.enabled && s.enabled,
              schedule: describeSchedule(s),
              next: next?.toISOString() ?? null,
              nextLocal: next ? localDateTime(next, s.timezone) : null,
              nextInBlackout: blackout ? describeBlackout(blackout) : null,
              lastSlot: ctx.store.getDestinationState(d.name, LAST_SLOT_KEY) ?? null,
              catchUp: s.catchUp,
              minIntervalMinutes: s.minIntervalMinutes,
              staleAfterHours: staleLimitHours(s),
              onArrival: s.onArrival,
              runningNow: lock && !stale ? { pid: lock.pid, host: lock.host, since: lock.acquiredAt } : null,
              staleLock: lock && stale ? { pid: lock.pid, host: lock.host, since: lock.acquiredAt, why: stale } : null,
              problems,
            };
          });
          print(globals(cmd), rows, () =>
            rows.length
              ? rows
                  .map((r) =>
                    [
                      `${r.destination}: ${r.enabled ? r.schedule : 'not scheduled'}${r.onArrival ? ', and when a new export set arrives' : ''}`,
                      r.nextLocal ? `  next: ${r.nextLocal}${r.nextInBlackout ? ` (skipped: blackout ${r.nextInBlackout})` : ''}` : '',
                      r.runningNow ? `  running now: pid ${r.runningNow.pid} since ${r.runningNow.since}` : '',
                      r.staleLock ? `  interrupted: the run started ${r.staleLock.since} by pid ${r.staleLock.pid} is not running (${r.staleLock.why}); the next run takes its lock over` : '',
                      ...r.problems.map((p) => `  problem: ${p}`),
                    ]
                      .filter(Boolean)
                      .join('\n'),
                  )
                  .join('\n')
              : 'No destinations are configured.',
          );
          return 0;
        }),
      ),
    );
}
