/**
 * The one runner: every sync and every approval — started by the scheduler, an export-folder
 * arrival, the CLI, the GUI or a preview — goes through here. Around the pipeline
 * (src/pipeline/run-sync.ts, which receives everything resolved) it:
 *   1. takes the destination's cross-process lock (src/scheduler/lock.ts), so the agent, the CLI and
 *      the API never run one destination at once (DestinationBusyError before any run is recorded);
 *   2. records the run and knows its id at once (`startSync` returns it before the work begins);
 *   3. settles a publish a dead process left open, resolves destination, source, format, site map
 *      and the last good delivery's fingerprints;
 *   4. streams the run's events (LiveEvent) to this data folder's subscribers (`subscribeLiveEvents`:
 *      the API's /api/events, the CLI's progress line, a logger) and writes its log lines into the
 *      run's history;
 *   5. cancels on request (`cancelRun`, from any process through the store): the run stops at the
 *      next row batch or stage and ends `cancelled`, with nothing half published;
 *   6. sends the notifications (src/notify/notifier.ts) once the run has ended.
 */
import type { AgentContext } from '../home/context.js';
import type { DestinationConfig, SiteMapEntry } from '../shared/config.schema.js';
import type { LiveEvent } from '../shared/api.contract.js';
import type { RunStatus, RunTrigger } from '../shared/run.js';
import { resolveFormat } from '../formats/custom-formats.js';
import { fingerprintPath } from '../pipeline/fingerprints.js';
import { runLog, runSync, type RunOptions, type RunResult } from '../pipeline/run-sync.js';
import { RunStopRequest, stoppedMessage, stopReason } from '../pipeline/stop.js';
import { checkApprovable, deliverHeldRun, discardHeldRun as discardHeld } from '../pipeline/held-runs.js';
import { destinationsWithOpenPublishes, recoverDestination, sweepPartials } from '../pipeline/publish-journal.js';
import { acquireDestinationLock, DestinationBusyError, type DestinationLock } from '../scheduler/lock.js';
import { notifyRunFinished } from '../notify/notifier.js';

export type { RunResult } from '../pipeline/run-sync.js';

export interface SyncRequest {
  readonly trigger: RunTrigger;
  /** Build, validate and diff, but deliver nothing and keep no fingerprints (preview). */
  readonly dryRun?: boolean;
  /** Aborts the run (the agent shutting down); recorded as `Stopped: <reason>`. */
  readonly signal?: AbortSignal;
  /** This run's events, besides the data folder's subscribers. */
  readonly onEvent?: (event: LiveEvent) => void;
  readonly now?: () => Date;
  /** A preview of a drafted destination (and site map) instead of the stored ones; nothing is saved. */
  readonly draft?: { readonly destination: DestinationConfig; readonly siteMap?: readonly SiteMapEntry[] };
}

export interface StartedSync {
  /** The run's id: the record exists when startSync returns. */
  readonly runId: number;
  readonly done: Promise<RunResult>;
}

// ---- live events, per data folder --------------------------------------------------------

type Listener = (event: LiveEvent) => void;
const listeners = new WeakMap<AgentContext['store'], Set<Listener>>();

/** Every run event of this data folder's runs in this process, until the returned function is called. */
export function subscribeLiveEvents(ctx: AgentContext, listener: Listener): () => void {
  let set = listeners.get(ctx.store);
  if (!set) listeners.set(ctx.store, (set = new Set()));
  set.add(listener);
  return () => void set.delete(listener);
}

function publish(ctx: AgentContext, event: LiveEvent, own?: Listener): void {
  own?.(event);
  for (const listener of listeners.get(ctx.store) ?? []) {
    try {
      listener(event);
    } catch {
      // a subscriber's failure (a closed stream) never disturbs the run
    }
  }
}

// ---- runs of other processes ------------------------------------------------------------------

/** How often the store is read for runs another process started or ended on this data folder. */
export const OTHER_PROCESS_POLL_MS = 1500;

/**
 * Announces to this data folder's subscribers the runs other processes run on it — a `rostersync run`
 * from a terminal while this process serves the GUI, or the agent's scheduled runs when this process
 * is attached to it: `run-started` when the store first shows the run running (also for a run already
 * running when the watch begins), `run-finished` when its record has ended. Their rows are known when
 * they end (their progress events stay in their own process). Runs of this process are announced by
 * the runner itself and skipped here. Returns the function that stops watching.
 */
export function watchOtherProcessRuns(ctx: AgentContext, intervalMs = OTHER_PROCESS_POLL_MS): () => void {
  /** Runs of other processes seen running, by id. */
  const seen = new Map<number, string>();
  const tick = (): void => {
    let running;
    try {
      running = ctx.store.listRuns({ status: 'running', limit: 100 });
    } catch {
      stop(); // the store was closed under us
      return;
    }
    const stillRunning = new Set<number>();
    for (const run of running) {
      if (active.get(run.id)?.ctx.store === ctx.store) continue; // this process's run: the runner announces it
      stillRunning.add(run.id);
      if (seen.has(run.id)) continue;
      seen.set(run.id, run.destination);
      publish(ctx, { type: 'run-started', runId: run.id, destination: run.destination, trigger: run.trigger, dryRun: run.dryRun, at: run.startedAt });
    }
    for (const [runId, destination] of seen) {
      if (stillRunning.has(runId)) continue;
      seen.delete(runId);
      const run = ctx.store.getRun(runId);
      publish(ctx, {
        type: 'run-finished',
        runId,
        destination,
        status: run?.status ?? 'failed',
        message: run?.message ?? 'The run record is gone.',
        rows: run?.rows ?? 0,
        at: run?.endedAt ?? new Date().toISOString(),
      });
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  tick();
  return stop;
}

// ---- cancelling ------------------------------------------------------------------------------

/** destination_state key: the id of a run of that destination an administrator asked to stop. */
export const CANCEL_KEY = 'run.cancel';
/** How often a run looks for a cancel request made by another process. */
const CANCEL_POLL_MS = 1000;

/** The reason a cancelled run's signal carries. */
export class RunCancelledError extends RunStopRequest {
  constructor() {
    super('cancelled by an administrator');
    this.name = 'RunCancelledError';
  }
}

/** Runs of this process: their destination and their cancel switch. */
const active = new Map<number, { readonly ctx: AgentContext; readonly destination: string; readonly cancel: AbortController }>();

export type CancelOutcome = 'cancelling' | 'requested' | 'not-running';

/**
 * Asks run `runId` to stop. A run of this process is stopped at once; a run of another process (the
 * agent, a `rostersync run`) reads the request from the store within a second.
 */
export function cancelRun(ctx: AgentContext, runId: number): CancelOutcome {
  const here = active.get(runId);
  if (here && here.ctx.store === ctx.store) {
    here.cancel.abort(new RunCancelledError());
    return 'cancelling';
  }
  const run = ctx.store.getRun(runId);
  if (!run || run.status !== 'running') return 'not-running';
  ctx.store.setDestinationState(run.destination, CANCEL_KEY, String(runId));
  return 'requested';
}

/** Watches the store for a cancel request of this run (made by another process). */
function watchCancelRequest(ctx: AgentContext, destination: string, runId: number, cancel: AbortController): () => void {
  const timer = setInterval(() => {
    try {
      if (ctx.store.getDestinationState(destination, CANCEL_KEY) === String(runId)) cancel.abort(new RunCancelledError());
    } catch {
      clearInterval(timer); // the store was closed under us
    }
  }, CANCEL_POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    try {
      if (ctx.store.getDestinationState(destination, CANCEL_KEY) === String(runId)) ctx.store.deleteDestinationState(destination, CANCEL_KEY);
    } catch {
      // closed store: nothing to clean
    }
  };
}

// ---- syncs ------------------------------------------------------------------------------------

/** Runs one destination to its end. Throws DestinationBusyError when another runner has it. */
export async function runDestination(ctx: AgentContext, destinationName: string, request: SyncRequest): Promise<RunResult> {
  return await startSync(ctx, destinationName, request).done;
}

/**
 * Takes the destination's lock and records the run, then works in the background: the id is known
 * when this returns. Throws (before recording anything) for an unknown destination and with
 * DestinationBusyError when another runner has it.
 */
export function startSync(ctx: AgentContext, destinationName: string, request: SyncRequest): StartedSync {
  const { store } = ctx;
  const destination = request.draft?.destination ?? store.getDestination(destinationName);
  if (!destination) throw new Error(`No destination named "${destinationName}". Known: ${store.listDestinations().map((d) => d.name).join(', ') || 'none'}.`);
  const lock = acquireDestinationLock(store, destination.name, { purpose: request.trigger });
  const dryRun = request.dryRun ?? false;
  let runId: number;
  try {
    runId = store.createRun(destination.name, request.trigger, dryRun);
  } catch (err) {
    lock.release();
    throw err;
  }
  const run = bookkeeping(ctx, runId, destination.name, lock, request);
  publish(ctx, { type: 'run-started', runId, destination: destination.name, trigger: request.trigger, dryRun, at: new Date().toISOString() }, request.onEvent);
  const done = run.finish(async (options) => {
    const log = runLog(runId, destination.name, options);
    log('info', 'plan', `${dryRun ? 'Preview' : 'Run'} of ${destination.name} started (${request.trigger}).`);
    // A publish of this destination that a dead process left half-done is settled before anything new is written.
    await recoverDestination(ctx, destination.name, (level, message) => log(level, 'recover', message));
    const source = store.getSource(destination.source);
    if (!source) return failedBeforeStart(ctx, runId, destination.name, `Destination ${destination.name} reads source "${destination.source}", which does not exist.`, options);
    const last = store.lastRun(destination.name, 'success');
    return runSync(
      {
        ctx,
        runId,
        trigger: request.trigger,
        dryRun,
        destination,
        source,
        format: resolveFormat(destination.format, store.listCustomFormats()),
        siteMap: request.draft?.siteMap ?? store.getSiteMap(destination.name),
        customProfiles: store.listCustomProfiles(),
        previousFingerprints: fingerprintPath(ctx.layout.fingerprintsDir, destination.name),
        expectedRows: last && last.rows > 0 ? last.rows : null,
      },
      options,
    );
  });
  return { runId, done };
}

// ---- held runs ---------------------------------------------------------------------------------

/** Delivers exactly the files a held run produced (holding the destination's lock). */
export async function approveHeldRun(ctx: AgentContext, runId: number, request: Omit<SyncRequest, 'trigger' | 'dryRun' | 'draft'> = {}): Promise<RunResult> {
  return await startApproval(ctx, runId, request).done;
}

/** Starts delivering a held run; throws at once when it cannot (unknown run, busy destination, deleted destination). */
export function startApproval(ctx: AgentContext, runId: number, request: Omit<SyncRequest, 'trigger' | 'dryRun' | 'draft'> = {}): StartedSync {
  const { store } = ctx;
  const held = store.getRun(runId);
  if (!held) throw new Error(`No run ${runId}.`);
  const lock = acquireDestinationLock(store, held.destination, { purpose: 'approval' });
  const destination = store.getDestination(held.destination);
  try {
    if (!destination) throw new Error(`Run ${runId} was for destination "${held.destination}", which no longer exists.`);
    checkApprovable(ctx, runId);
  } catch (err) {
    lock.release();
    throw err;
  }
  const run = bookkeeping(ctx, runId, destination.name, lock, { ...request, trigger: 'approval' });
  publish(ctx, { type: 'run-started', runId, destination: destination.name, trigger: 'approval', dryRun: false, at: new Date().toISOString() }, request.onEvent);
  const done = run.finish(async (options) => {
    const source = store.getSource(destination.source);
    let format;
    try {
      format = resolveFormat(destination.format, store.listCustomFormats());
    } catch {
      format = undefined; // only needed to let the source archive what it read
    }
    return deliverHeldRun(
      { ctx, runId, destination, source, format, customProfiles: store.listCustomProfiles(), previousFingerprints: fingerprintPath(ctx.layout.fingerprintsDir, destination.name) },
      options,
    );
  });
  return { runId, done };
}

/** Discards a held run: nothing is delivered (src/pipeline/held-runs.ts). */
export function discardHeldRun(ctx: AgentContext, runId: number, now: Date = new Date()): void {
  discardHeld(ctx, runId, now);
  const run = ctx.store.getRun(runId)!;
  publish(ctx, { type: 'run-finished', runId, destination: run.destination, status: run.status, message: run.message ?? '', rows: run.rows, at: now.toISOString() });
}

// ---- start-up recovery ------------------------------------------------------------------------

/**
 * At start-up (CLI, agent), after interrupted runs were marked failed: settles the open publish
 * journals of every destination whose lock is free, and removes `.partial` files of interrupted runs.
 */
export async function recoverInterruptedPublishes(ctx: AgentContext, interruptedRuns: readonly number[], log: (level: 'info' | 'warn' | 'error', message: string) => void): Promise<void> {
  for (const runId of interruptedRuns) sweepPartials(ctx, runId);
  for (const name of destinationsWithOpenPublishes(ctx)) {
    let lock;
    try {
      lock = acquireDestinationLock(ctx.store, name, { purpose: 'recovery' });
    } catch (err) {
      if (err instanceof DestinationBusyError) continue; // its runner is alive; it settles the journal itself
      throw err;
    }
    try {
      await recoverDestination(ctx, name, log);
    } finally {
      lock.release();
    }
  }
}

// ---- the bookkeeping around one run ---------------------------------------------------------

interface RunBookkeeping {
  /** Runs `work` with the run's options (signal, events), then releases the lock, settles the status, notifies and announces the end. */
  finish(work: (options: RunOptions) => Promise<RunResult>): Promise<RunResult>;
}

function bookkeeping(ctx: AgentContext, runId: number, destination: string, lock: DestinationLock, request: Omit<SyncRequest, 'draft'>): RunBookkeeping {
  const cancel = new AbortController();
  active.set(runId, { ctx, destination, cancel });
  const stopWatching = watchCancelRequest(ctx, destination, runId, cancel);
  const signal = request.signal ? AbortSignal.any([request.signal, cancel.signal]) : cancel.signal;
  // The agent's log (src/log/): the run's first line as run.started, its record as run.finished, the rest as run.stage.
  const agentLog = ctx.log.with({ destination, runId });
  let first = true;
  const onEvent = (event: LiveEvent): void => {
    if (event.type === 'log') {
      ctx.store.addRunEvent(runId, event.level, event.stage, event.message);
      agentLog.log(event.level, first ? 'run.started' : event.stage === 'record' ? 'run.finished' : 'run.stage', event.message, { stage: event.stage });
      first = false;
    }
    publish(ctx, event, request.onEvent);
  };
  const options: RunOptions = { signal, onEvent, now: request.now };
  return {
    async finish(work) {
      let result: RunResult;
      try {
        result = await work(options);
      } catch (err) {
        // a failure before the pipeline could record one (a format that no longer resolves, a failed recovery)
        result = failedBeforeStart(ctx, runId, destination, err instanceof Error ? err.message : String(err), options);
      } finally {
        stopWatching();
        active.delete(runId);
        lock.release();
      }
      result = settleStopped(ctx, result, signal, cancel.signal);
      await notifyRunFinished(ctx, runId, { dryRun: request.dryRun, now: request.now?.() });
      publish(ctx, { type: 'run-finished', runId, destination, status: result.status, message: result.message, rows: ctx.store.getRun(runId)?.rows ?? 0, at: new Date().toISOString() }, request.onEvent);
      return result;
    },
  };
}

/** A run stopped by its signal says so: `cancelled` when an administrator asked, otherwise failed with "Stopped: <reason>." first. */
function settleStopped(ctx: AgentContext, result: RunResult, signal: AbortSignal, cancelled: AbortSignal): RunResult {
  if (!signal.aborted || result.status !== 'failed') return result;
  if (cancelled.aborted) {
    // what the pipeline reported after its own "Stopped: <reason>." (files kept for inspection…)
    const rest = result.stopReason === undefined ? result.message : result.message.slice(stoppedMessage(result.stopReason).length).trimStart();
    const message = `Cancelled by an administrator; nothing was delivered. ${rest}`.trim();
    const status: RunStatus = 'cancelled';
    ctx.store.updateRun(result.runId, { status, message });
    ctx.store.addRunEvent(result.runId, 'warn', 'record', message);
    return { ...result, status, message };
  }
  if (result.stopReason !== undefined) return result;
  // Stopped mid-read or mid-upload (the agent shutting down): say so first, whatever the stage reported.
  const message = `${stoppedMessage(stopReason(signal))} ${result.message}`;
  ctx.store.updateRun(result.runId, { message });
  return { ...result, message };
}

/** Records a run that failed before the pipeline started (its source is gone, its format unknown). */
function failedBeforeStart(ctx: AgentContext, runId: number, destination: string, message: string, options: RunOptions): RunResult {
  const log = runLog(runId, destination, options);
  log('error', 'plan', message);
  ctx.store.updateRun(runId, { status: 'failed', endedAt: (options.now?.() ?? new Date()).toISOString(), message });
  log('error', 'record', `Run failed: ${message}`);
  return { runId, destination, status: 'failed', message, files: [], diff: [], errors: 0, warnings: 0, holdReasons: [], outputDir: '', findings: [], unmappedSchools: [] };
}
