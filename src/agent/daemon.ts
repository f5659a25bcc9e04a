/**
 * `rostersync agent`: the long-running daemon the service manager runs (systemd, WinSW) or the
 * tray app starts when no service is running. It owns, for one data folder:
 *   - the scheduler (src/scheduler/), reloaded when the configuration changes;
 *   - export-folder watchers for destinations that run on arrival;
 *   - the local HTTP API for GUI clients (src/api/);
 *   - start-up repair: runs left `running` by a dead process are marked failed (interrupted),
 *     stale destination locks are released;
 *   - daily history pruning (settings.historyRetentionDays; the audit ledger is kept) and, at start
 *     and daily, the retention sweep of generated files (src/pipeline/retention.ts).
 * stop() (SIGINT/SIGTERM in the CLI) aborts runs in progress — they are recorded failed with
 * "Stopped: agent shutting down" — waits for them, closes the API and releases every lock.
 */
import { closeAgent, openAgent, type AgentContext } from '../home/context.js';
import { pruneHistory } from './history-report.js';
import { recoverInterruptedPublishes, runDestination } from './runner.js';
import { sweepRunFiles } from '../pipeline/retention.js';
import { notifyRunFinished } from '../notify/notifier.js';
import { Scheduler, WATCH_INTERVAL_MS, type SlotOutcome } from '../scheduler/scheduler.js';
import { SystemClock, type Clock, type Timer } from '../scheduler/clock.js';
import { releaseStaleLocks, type DestinationLock } from '../scheduler/lock.js';
import { acquireAgentLock, serviceInstalled } from './agent-lock.js';
import { getSourceDriver } from '../sources/registry.js';
import { folderSettingsSchema, watchExportFolder, type ExportFolderWatcher, type FolderSettings, type IncompleteSet, type ReadySet } from '../sources/export-folder.js';
import { startApiServer, type ApiServer } from '../api/server.js';
import { resolveSourceEntities, type ResolvedEntities } from '../profiles/resolve.js';
import { appVersion, defaultStaticDir } from '../home/install.js';
import type { LogSink } from '../log/logger.js';

export { AGENT_LOCK_NAME, AgentRunningError } from './agent-lock.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface DaemonOptions {
  readonly home?: string;
  readonly clock?: Clock;
  /** Serve the local API (default true). */
  readonly api?: boolean;
  /** API port; 0 (default) picks a free one, advertised in <home>/api.json. */
  readonly apiPort?: number;
  /** Built renderer served with the API (default dist-renderer/). */
  readonly staticDir?: string;
  /** How often to look for configuration changes (default 5 s). */
  readonly reloadPollMs?: number;
  /** How long stop() waits for runs in progress to wind down (default 60 s). */
  readonly stopTimeoutMs?: number;
  /** Also write the agent's log here (the `agent` command: its standard output). Every line goes to <home>/logs/ in any case. */
  readonly console?: LogSink;
  /** Every log message, as well (tests read them). */
  readonly log?: (level: LogLevel, message: string) => void;
  readonly onOutcome?: (outcome: SlotOutcome) => void;
}

export interface AgentDaemon {
  readonly ctx: AgentContext;
  readonly scheduler: Scheduler;
  readonly api: ApiServer | undefined;
  /** Destinations with an export-folder watcher. */
  watching(): string[];
  /** Re-reads the configuration now (the daemon also polls for changes). */
  reload(): Promise<void>;
  /** Graceful stop; safe to call twice. */
  stop(reason?: string): Promise<void>;
}

/** destination_state key: the signature of the last export set a destination was run for. */
const ARRIVAL_KEY = 'arrival.signature';

/**
 * Was this complete set (already there when the watcher started) processed? Yes when it is the set
 * the destination last ran for; for a destination that never recorded one, when its last run
 * started after the newest file of the set was written.
 */
function arrivalHandled(ctx: AgentContext, destination: string, set: ReadySet): boolean {
  const recorded = ctx.store.getDestinationState(destination, ARRIVAL_KEY);
  if (recorded !== undefined) return recorded === set.signature;
  const newest = Math.max(...set.files.map((f) => f.mtimeMs));
  const last = ctx.store.listRuns({ destination, limit: 20 }).find((r) => !r.dryRun && r.status !== 'skipped');
  return last !== undefined && new Date(last.startedAt).getTime() >= newest;
}

function describeIncompleteSet(set: IncompleteSet, settings: FolderSettings): string {
  const missing = set.missing.join(', ');
  const found = set.present.map((f) => f.name).join(', ');
  const verb = set.missing.length === 1 ? 'is' : 'are';
  return set.reason === 'trigger'
    ? `The export set in ${set.folder} is incomplete: the trigger file ${settings.triggerFile ?? ''} is there, but ${missing} ${verb} missing (found ${found}). Nothing was read; the run waits for a complete set.`
    : `The export set in ${set.folder} has been incomplete for more than ${settings.incompleteAfterMinutes} minutes: ${missing} ${verb} missing (found ${found}). Nothing was read; the run waits for a complete set.`;
}

const DAY_MS = 86_400_000;

export async function startDaemon(options: DaemonOptions = {}): Promise<AgentDaemon> {
  const clock = options.clock ?? new SystemClock();
  const ctx = openAgent(options.home);
  if (options.console) ctx.log.addSink(options.console);
  /** A line for the agent's log (event: what kind of line, for `rostersync logs --json` and log collectors). */
  const log = (level: LogLevel, message: string, event = 'agent', destination?: string): void => {
    ctx.log.log(level, event, message, destination ? { destination } : {});
    options.log?.(level, message);
  };
  let agentLock: DestinationLock;
  try {
    agentLock = acquireAgentLock(ctx.store, ctx.layout.home);
  } catch (err) {
    closeAgent(ctx);
    throw err;
  }
  log('info', `RosterSync agent starting (pid ${process.pid}, data folder ${ctx.layout.home}).`, 'agent.starting');

  const interrupted = ctx.store.failInterruptedRuns();
  for (const id of interrupted) log('warn', `Run ${id} was interrupted (its process stopped before it finished); recorded as failed.`, 'run.interrupted');
  for (const { holder, why } of releaseStaleLocks(ctx.store)) log('warn', `Released the stale lock of ${holder.destination} (pid ${holder.pid}): ${why}.`);
  await recoverInterruptedPublishes(ctx, interrupted, log);

  const scheduler = new Scheduler(ctx, { clock, log, onOutcome: options.onOutcome, watchEveryMs: WATCH_INTERVAL_MS, run: (name, request) => runDestination(ctx, name, request) });
  scheduler.start();

  // ---- interrupted runs: the incident alert, then one retry each (back-off across restarts) ----
  for (const { destination, runId } of ctx.store.takeInterruptedRuns()) {
    const latest = ctx.store.listRuns({ destination, limit: 20 }).find((r) => !r.dryRun && r.status !== 'skipped');
    if (latest && latest.id !== runId) {
      log('info', `${destination}: interrupted run ${runId} is not retried: run ${latest.id} ran after it.`, 'run.retry', destination);
      continue;
    }
    await notifyRunFinished(ctx, runId);
    log('warn', scheduler.retryInterrupted(destination, runId), 'run.retry', destination);
  }

  // ---- export-folder watchers ----------------------------------------------------------
  const watchers = new Map<string, { key: string; watcher: ExportFolderWatcher }>();
  const syncWatchers = async (): Promise<void> => {
    const wanted = new Map<string, { key: string; start: () => ExportFolderWatcher }>();
    for (const d of ctx.store.listDestinations()) {
      if (!d.enabled || !d.schedule.onArrival) continue;
      const source = ctx.store.getSource(d.source);
      if (!source || !getSourceDriver(source.type).capabilities.includes('watch')) {
        log('warn', `${d.name}: "run on arrival" needs an export-folder source; ${d.source} is ${source ? source.type : 'missing'}.`);
        continue;
      }
      const parsed = folderSettingsSchema.safeParse(source.settings);
      if (!parsed.success) {
        log('error', `${d.name}: cannot watch the export folder of ${source.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        continue;
      }
      let entities: ResolvedEntities;
      try {
        entities = resolveSourceEntities(source, ctx.store.listCustomProfiles());
      } catch (err) {
        log('error', `${d.name}: cannot watch the export folder of ${source.name}: ${(err as Error).message}`);
        continue;
      }
      const files = Object.values(entities)
        .map((e) => e?.file)
        .filter((f): f is string => Boolean(f));
      const key = JSON.stringify([parsed.data, files]);
      wanted.set(d.name, {
        key,
        start: () =>
          watchExportFolder(
            parsed.data,
            files,
            async (set) => {
              ctx.store.setDestinationState(d.name, ARRIVAL_KEY, set.signature);
              log('info', `${d.name}: a new complete export set arrived in ${set.folder} (${set.files.length} file(s)).`, 'arrival.complete', d.name);
              await scheduler.runNow(d.name, 'arrival');
            },
            {
              alreadyHandled: (set) => arrivalHandled(ctx, d.name, set),
              onIncomplete: async (set) => {
                await scheduler.recordFailedStart(d.name, 'arrival', 'source', describeIncompleteSet(set, parsed.data));
              },
              onError: (err) => log('error', `${d.name}: export-folder watcher: ${(err as Error).message ?? String(err)}`),
            },
          ),
      });
    }
    for (const [name, w] of watchers) {
      if (wanted.get(name)?.key === w.key) continue;
      await w.watcher.close();
      watchers.delete(name);
    }
    for (const [name, w] of wanted) {
      if (watchers.has(name)) continue;
      const watcher = w.start();
      watchers.set(name, { key: w.key, watcher });
      await watcher.ready;
      log('info', `${name}: watching its export folder for new sets.`, 'arrival.watching', name);
    }
  };
  await syncWatchers();

  // ---- local API -------------------------------------------------------------------------
  let api: ApiServer | undefined;
  const installedAsService = serviceInstalled();
  if (options.api ?? true) {
    api = await startApiServer(ctx, {
      port: options.apiPort ?? 0,
      host: '127.0.0.1',
      staticDir: options.staticDir ?? defaultStaticDir(),
      scheduler,
      agent: {
        state: () => ({
          scheduling: 'here',
          pid: process.pid,
          runningSince: agentLock.holder.acquiredAt,
          schedulesPaused: scheduler.isPaused(),
          serviceInstalled: installedAsService,
          version: appVersion(),
        }),
      },
      onError: (err) => log('error', `api: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    });
    log('info', `Local API on ${api.url} (key in ${ctx.layout.home}/api.key).`);
  }

  // ---- configuration changes ---------------------------------------------------------------
  const signature = (): string => ctx.store.configurationSignature();
  let lastSignature = signature();
  const reload = async (): Promise<void> => {
    lastSignature = signature();
    scheduler.reload();
    await syncWatchers();
  };
  let reloading: Promise<void> | undefined;
  const poll = setInterval(() => {
    if (reloading) return;
    try {
      if (signature() === lastSignature) return;
    } catch {
      return;
    }
    log('info', 'Configuration changed: reloading schedules and watchers.');
    reloading = reload()
      .catch((err: unknown) => log('error', `Reload failed: ${(err as Error).message}`))
      .finally(() => (reloading = undefined));
  }, options.reloadPollMs ?? 5000);
  poll.unref();

  // ---- daily maintenance -------------------------------------------------------------------
  let maintenanceTimer: Timer | undefined;
  const maintain = (): void => {
    try {
      const days = ctx.store.getGeneralSettings().historyRetentionDays;
      const pruned = pruneHistory(ctx, days, clock.now());
      if (pruned.runs || pruned.folders) log('info', `History: deleted ${pruned.runs} run record(s) older than ${days} days (the audit ledger is kept).`);
    } catch (err) {
      log('error', `History pruning failed: ${(err as Error).message}`);
    }
    try {
      // Generated files (student data) of runs whose time is up (src/pipeline/retention.ts).
      const swept = sweepRunFiles(ctx.store, ctx.layout.runsDir, clock.now());
      if (swept.expired.length) log('info', `Retention: deleted the generated files of run(s) ${swept.expired.join(', ')}.`);
      if (swept.orphans) log('info', `Retention: deleted ${swept.orphans} run folder(s) without a run record.`);
    } catch (err) {
      log('error', `Retention sweep failed: ${(err as Error).message}`);
    }
    maintenanceTimer = clock.setTimer(new Date(clock.now().getTime() + DAY_MS), maintain);
  };
  maintain();

  log('info', `RosterSync agent running: ${scheduler.status().length} scheduled destination(s), ${watchers.size} watched export folder(s).`, 'agent.started');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'agent shutting down'): Promise<void> =>
    (stopping ??= (async () => {
      log('info', `Stopping (${reason}).`, 'agent.stopping');
      clearInterval(poll);
      maintenanceTimer?.cancel();
      await reloading;
      for (const w of watchers.values()) await w.watcher.close().catch(() => undefined);
      watchers.clear();
      const timeoutMs = options.stopTimeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const closing = Promise.all([scheduler.stop(), api?.close()]).then(() => 'done' as const);
      if ((await Promise.race([closing, timedOut])) === 'timeout') {
        log('warn', `Runs still in progress after ${Math.round(timeoutMs / 1000)} s; stopping anyway (they will be recorded as interrupted at the next start).`);
      }
      clearTimeout(timer);
      agentLock.release();
      closeAgent(ctx);
      log('info', 'RosterSync agent stopped.', 'agent.stopped');
    })());

  return {
    ctx,
    scheduler,
    api,
    watching: () => [...watchers.keys()],
    reload,
    stop,
  };
}
