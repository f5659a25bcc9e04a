/**
 * The agent's scheduler: one timer per scheduled destination, driven by an injectable clock.
 *
 * At each slot: a blackout, the vendor cadence limit (minIntervalMinutes since the last upload),
 * a run still in progress, or another process holding the destination each turn the slot into a
 * run recorded as `skipped` with the reason; otherwise the runner (src/agent/runner.ts) runs it (trigger `schedule`).
 *
 * Missed slots: the last slot handled is kept in the store (destination_state `schedule.lastSlot`).
 * When slots went by while the agent was off or the machine asleep, they are handled ONCE —
 * one `catch-up` run (or, with catchUp off, one skipped record saying what was missed).
 *
 * The watch: every few minutes (and after each slot) every enabled destination — scheduled or
 * run on arrival — with a staleness limit and no delivery for that long opens (or reminds of) an
 * incident (src/notify/incidents.ts); alerts a notification channel could not take are retried,
 * and a channel that keeps failing is logged.
 */
import { z } from 'zod';
import type { AgentContext } from '../home/context.js';
import type { DestinationConfig } from '../shared/config.schema.js';
import type { RunTrigger } from '../shared/run.js';
import type { RunResult } from '../pipeline/run-sync.js';
import { RunStopRequest } from '../pipeline/stop.js';
import { notifyRunFinished, notifyStale } from '../notify/notifier.js';
import { describeStale } from '../notify/compose.js';
import { channelHealth, retryPendingAlerts } from '../notify/channels.js';
import { staleLimitHours } from '../shared/config.schema.js';
import { DestinationBusyError } from './lock.js';
import { SystemClock, type Clock, type Timer } from './clock.js';
import { blackoutFor, describeBlackout, describeSchedule, localDateTime, nextRunAfter, slotsBetween } from './schedule.js';
import { scheduleProblems } from '../shared/schedule-check.js';

export const LAST_SLOT_KEY = 'schedule.lastSlot';
export const SINCE_KEY = 'schedule.since';
/** Store setting: schedules paused by an administrator (survives restarts). */
export const PAUSED_SETTING = 'schedulesPaused';
const pausedSchema = z.object({ paused: z.boolean().default(false), since: z.string().optional() });

export type SkipReason = 'blackout' | 'cadence' | 'busy' | 'overlap' | 'missed' | 'paused';

export type SlotOutcome =
  | { readonly kind: 'ran'; readonly destination: string; readonly trigger: RunTrigger; readonly slot: Date | null; readonly result: RunResult }
  | { readonly kind: 'skipped'; readonly destination: string; readonly trigger: RunTrigger; readonly slot: Date | null; readonly runId: number; readonly reason: SkipReason; readonly message: string }
  | { readonly kind: 'error'; readonly destination: string; readonly trigger: RunTrigger; readonly slot: Date | null; readonly message: string };

export interface ScheduleStatus {
  readonly destination: string;
  readonly description: string;
  readonly next: Date | null;
  readonly lastSlot: Date | null;
  readonly running: boolean;
  readonly problems: readonly string[];
}

export interface SchedulerOptions {
  readonly clock?: Clock;
  /** `event` names the kind of line for the agent's log (src/log/): `notify.channel`, `incident.stale`…; `destination` when it is about one. */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, event?: string, destination?: string) => void;
  /** A slot handled more than this late counts as missed (run as catch-up). Default 15 minutes. */
  readonly lateAfterMs?: number;
  /** Every slot's outcome (the daemon logs them; tests read them). */
  readonly onOutcome?: (outcome: SlotOutcome) => void;
  /** Runs a destination: the agent's one runner (src/agent/runner.ts runDestination), passed in by whoever starts the scheduler. */
  readonly run?: (destination: string, options: { readonly trigger: RunTrigger; readonly signal: AbortSignal }) => Promise<RunResult>;
  /** How often the watch runs once started (staleness, alert retries); the daemon uses WATCH_INTERVAL_MS. 0 (default): only when called. */
  readonly watchEveryMs?: number;
}

interface Entry {
  config: DestinationConfig;
  key: string;
  timer?: Timer;
  next: Date | null;
  running: boolean;
  problems: string[];
}

const HOUR_MS = 3_600_000;
/** destination_state key: retries of interrupted runs in a row ({ count, lastAt }). */
const RETRY_KEY = 'retry.interrupted';
const retryStateSchema = z.object({ count: z.number().int(), lastAt: z.string() });
/** An interrupted run is retried at most this many times in a row (each agent start is one), then left to an administrator. */
export const MAX_INTERRUPTED_RETRIES = 3;
/** Waits before the 1st, 2nd and 3rd retry in a row: at once, then 5 and 20 minutes (a crash loop does not hammer the SIS or the vendor). */
const RETRY_DELAYS_MS = [0, 5 * 60_000, 20 * 60_000];
/** How often the watch looks at staleness and at alerts waiting for a channel. */
export const WATCH_INTERVAL_MS = 5 * 60_000;

export class Scheduler {
  private readonly clock: Clock;
  private readonly lateAfterMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private started = false;
  private stopped = false;
  private watchTimer?: Timer;
  private readonly retryTimers = new Set<Timer>();
  /** The last channel error the watch logged, per channel (so a broken channel is logged once per new error, not every round). */
  private readonly loggedChannelErrors = new Map<string, string>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly options: SchedulerOptions = {},
  ) {
    this.clock = options.clock ?? new SystemClock();
    this.lateAfterMs = options.lateAfterMs ?? 15 * 60_000;
  }

  private run(destination: string, options: { readonly trigger: RunTrigger; readonly signal: AbortSignal }): Promise<RunResult> {
    if (!this.options.run) throw new Error('This scheduler has no runner: only the agent (src/agent/daemon.ts) runs destinations.');
    return this.options.run(destination, options);
  }

  /** The signal passed to every run; aborted by stop(). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /**
   * Arms every enabled, scheduled destination and handles slots missed while the agent was not
   * running (once per destination). Returns when the catch-up work has started; see idle().
   */
  start(): void {
    if (this.started) throw new Error('The scheduler is already started.');
    this.started = true;
    this.sync(true);
    this.armWatch();
  }

  /** Re-reads the destinations (after a configuration change): new ones armed, removed ones dropped, changed ones re-armed. */
  reload(): void {
    if (!this.started || this.stopped) return;
    this.sync(false);
  }

  /** Resolves when no slot handling or run started by the scheduler is in progress. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops the timers, aborts runs in progress (recorded failed by the runner) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watchTimer?.cancel();
    for (const t of this.retryTimers) t.cancel();
    for (const e of this.entries.values()) e.timer?.cancel();
    this.abort.abort(new RunStopRequest('agent shutting down'));
    await this.idle();
  }

  /** The next slot of a scheduled destination (null when not scheduled or the schedule is invalid). */
  nextRun(destination: string): Date | null {
    return this.entries.get(destination)?.next ?? null;
  }

  isPaused(): boolean {
    return this.ctx.store.getSetting(PAUSED_SETTING, pausedSchema).paused;
  }

  /** Scheduled slots are recorded as skipped until resume() (arrival and manual runs are not affected). Kept across restarts. */
  pause(): void {
    if (this.isPaused()) return;
    this.ctx.store.setSetting(PAUSED_SETTING, { paused: true, since: this.clock.now().toISOString() });
    this.log('warn', 'Schedules paused by an administrator.');
  }

  resume(): void {
    if (!this.isPaused()) return;
    this.ctx.store.setSetting(PAUSED_SETTING, { paused: false });
    // slots that passed while paused were recorded as skipped, not owed: nothing to catch up
    const now = this.clock.now().toISOString();
    for (const name of this.entries.keys()) this.ctx.store.setDestinationState(name, LAST_SLOT_KEY, now);
    for (const [name, entry] of this.entries) if (!entry.problems.length) this.arm(name, entry);
    this.log('info', 'Schedules resumed.');
  }

  status(): ScheduleStatus[] {
    return [...this.entries.entries()].map(([name, e]) => ({
      destination: name,
      description: describeSchedule(e.config.schedule),
      next: e.next,
      lastSlot: this.lastSlot(name),
      running: e.running,
      problems: e.problems,
    }));
  }

  /**
   * Runs a destination now on an event (a new export set arrived): blackouts and the cadence
   * limit apply as for scheduled runs.
   */
  runNow(destination: string, trigger: RunTrigger): Promise<SlotOutcome> {
    const config = this.ctx.store.getDestination(destination);
    if (!config) return Promise.resolve({ kind: 'error', destination, trigger, slot: null, message: `No destination named "${destination}".` });
    return this.track(this.attempt(config, trigger, null));
  }

  /**
   * A run of `destination` was interrupted (the agent, the service or the machine stopped during
   * it): run it again once, at once — or, when the previous start retried it too, after a back-off
   * — up to MAX_INTERRUPTED_RETRIES in a row. Returns what was decided, for the log.
   */
  retryInterrupted(destination: string, runId: number): string {
    const { store } = this.ctx;
    const config = store.getDestination(destination);
    if (!config?.enabled) return `${destination}: interrupted run ${runId} is not retried: the destination is ${config ? 'disabled' : 'gone'}.`;
    const now = this.clock.now();
    const raw = store.getDestinationState(destination, RETRY_KEY);
    const previous = raw ? retryStateSchema.safeParse(JSON.parse(raw)) : undefined;
    // a retry more than a day ago was followed by normal runs: this is a new streak
    const count = previous?.success && now.getTime() - new Date(previous.data.lastAt).getTime() < 24 * HOUR_MS ? previous.data.count : 0;
    if (count >= MAX_INTERRUPTED_RETRIES) {
      const message = `Not retried: ${destination} was interrupted ${count + 1} times in a row; run it by hand once the cause is fixed (rostersync run ${destination}).`;
      store.addRunEvent(runId, 'error', 'schedule', message);
      return message;
    }
    store.setDestinationState(destination, RETRY_KEY, JSON.stringify({ count: count + 1, lastAt: now.toISOString() }));
    const delay = RETRY_DELAYS_MS[count] ?? RETRY_DELAYS_MS.at(-1)!;
    const when = delay ? `in ${delay / 60_000} minutes` : 'now';
    const note = `Retry of interrupted run ${runId} (attempt ${count + 1} of ${MAX_INTERRUPTED_RETRIES}).`;
    store.addRunEvent(runId, 'info', 'schedule', `Interrupted: retried by the agent ${when} (attempt ${count + 1} of ${MAX_INTERRUPTED_RETRIES}).`);
    const timer = this.clock.setTimer(new Date(now.getTime() + delay), () => {
      this.retryTimers.delete(timer);
      if (this.stopped) return;
      const current = store.getDestination(destination);
      if (current?.enabled) void this.track(this.attempt(current, 'retry', null, note));
    });
    this.retryTimers.add(timer);
    return `${destination}: interrupted run ${runId} will be retried ${when} (attempt ${count + 1} of ${MAX_INTERRUPTED_RETRIES}).`;
  }

  /**
   * One round of the watch: staleness of every enabled destination, then the alerts waiting for a
   * notification channel whose retry time has come. Runs every WATCH_INTERVAL_MS; public for tests.
   */
  async watch(): Promise<void> {
    for (const d of this.ctx.store.listDestinations().filter((x) => x.enabled)) {
      if (this.stopped) return;
      await this.checkStale(d, undefined);
    }
    const report = await retryPendingAlerts(this.ctx, this.clock.now());
    if (report.sent) this.log('info', `Notifications: ${report.sent} alert(s) that had failed were sent on retry.`, 'notify.retried');
    for (const g of report.gaveUp) this.log('error', `Notifications: gave up on ${g}.`, 'notify.gave-up');
    for (const h of channelHealth(this.ctx)) {
      if (h.failing && h.lastError && this.loggedChannelErrors.get(h.channel) !== h.lastError) {
        this.log('error', `Notifications: the ${h.channel} channel is failing since ${h.lastErrorAt}: ${h.lastError} (${h.waiting} alert(s) waiting to be retried).`, 'notify.channel-failing');
        this.loggedChannelErrors.set(h.channel, h.lastError);
      } else if (!h.failing && this.loggedChannelErrors.delete(h.channel)) {
        this.log('info', `Notifications: the ${h.channel} channel works again.`, 'notify.channel-ok');
      }
    }
  }

  // ---- internals -----------------------------------------------------------------------

  private armWatch(): void {
    const every = this.options.watchEveryMs ?? 0;
    if (this.stopped || every <= 0) return;
    this.watchTimer = this.clock.setTimer(new Date(this.clock.now().getTime() + every), () =>
      this.track(
        this.watch()
          .catch((err: unknown) => this.log('error', `Watch: ${(err as Error).message}`))
          .finally(() => this.armWatch()),
      ),
    );
  }

  private log(level: 'info' | 'warn' | 'error', message: string, event = 'schedule', destination?: string): void {
    this.options.log?.(level, message, event, destination);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  private lastSlot(name: string): Date | null {
    const v = this.ctx.store.getDestinationState(name, LAST_SLOT_KEY);
    return v ? new Date(v) : null;
  }

  private sync(startup: boolean): void {
    const wanted = new Map(
      this.ctx.store
        .listDestinations()
        .filter((d) => d.enabled && d.schedule.enabled)
        .map((d) => [d.name, d]),
    );
    for (const [name, entry] of this.entries) {
      if (!wanted.has(name)) {
        entry.timer?.cancel();
        this.entries.delete(name);
        this.log('info', `${name}: no longer scheduled.`);
      }
    }
    for (const [name, config] of wanted) {
      const key = JSON.stringify(config.schedule);
      const existing = this.entries.get(name);
      if (existing && existing.key === key) {
        existing.config = config;
        continue;
      }
      existing?.timer?.cancel();
      const problems = scheduleProblems(config.schedule);
      const entry: Entry = { config, key, next: null, running: existing?.running ?? false, problems };
      this.entries.set(name, entry);
      if (problems.length) {
        this.log('error', `${name}: not scheduled: ${problems.join(' ')}`);
        continue;
      }
      const now = this.clock.now();
      if (!this.ctx.store.getDestinationState(name, SINCE_KEY)) this.ctx.store.setDestinationState(name, SINCE_KEY, now.toISOString());
      const last = this.lastSlot(name);
      if (!last || !startup) {
        // First time scheduled, or the schedule changed while running: nothing before now is owed.
        if (!last || last.getTime() < now.getTime()) this.ctx.store.setDestinationState(name, LAST_SLOT_KEY, now.toISOString());
        this.arm(name, entry);
      } else {
        // Start-up: slots missed while the agent was off are handled now (once).
        void this.track(this.due(name));
      }
      this.log('info', `${name}: scheduled ${describeSchedule(config.schedule)}${entry.next ? `; next ${localDateTime(entry.next, config.schedule.timezone)}` : ''}.`);
    }
  }

  private arm(name: string, entry: Entry): void {
    entry.timer?.cancel();
    const last = this.lastSlot(name);
    const now = this.clock.now();
    const from = last && last.getTime() > now.getTime() ? last : now;
    entry.next = nextRunAfter(entry.config.schedule, from);
    if (!entry.next) return;
    entry.timer = this.clock.setTimer(entry.next, () => this.track(this.due(name)));
  }

  /** A timer fired (or start-up found missed slots): handle every slot up to now, once. */
  private async due(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry || this.stopped) return;
    const { config } = entry;
    const now = this.clock.now();
    const last = this.lastSlot(name) ?? new Date(now.getTime() - 1);
    const { count, latest } = slotsBetween(config.schedule, last, now);
    if (!latest) {
      this.arm(name, entry);
      return;
    }
    this.ctx.store.setDestinationState(name, LAST_SLOT_KEY, latest.toISOString());
    // Arm the next slot before running, so a slot that comes while this run is still going is recorded as skipped.
    this.arm(name, entry);
    const tz = config.schedule.timezone;
    if (this.isPaused()) {
      const paused = this.ctx.store.getSetting(PAUSED_SETTING, pausedSchema).since;
      const message = `Skipped: the scheduled run of ${localDateTime(latest, tz)}${count > 1 ? ` (and ${count - 1} earlier slot(s))` : ''}: schedules are paused${paused ? ` since ${paused}` : ''}.`;
      this.outcome({ kind: 'skipped', destination: name, trigger: 'schedule', slot: latest, runId: this.recordSkipped(name, 'schedule', message), reason: 'paused', message });
      return;
    }
    const late = now.getTime() - latest.getTime() > this.lateAfterMs;
    if (!late && count === 1) {
      await this.attempt(config, 'schedule', latest);
      return;
    }
    const missed = `${count} scheduled run(s) of ${name} were missed while the agent was not running (the latest at ${localDateTime(latest, tz)})`;
    if (!config.schedule.catchUp) {
      const message = `Skipped: ${missed}; catch-up is off, so the next run is at ${entry.next ? localDateTime(entry.next, tz) : 'no later time'}.`;
      this.outcome({ kind: 'skipped', destination: name, trigger: 'catch-up', slot: latest, runId: this.recordSkipped(name, 'catch-up', message), reason: 'missed', message });
      await this.checkStale(config, undefined);
      return;
    }
    this.log('info', `${missed}: running once now.`);
    await this.attempt(config, 'catch-up', latest, `Catch-up: ${missed}; run once now.`);
  }

  private outcome(o: SlotOutcome): SlotOutcome {
    const where = o.slot ? ` (slot ${o.slot.toISOString()})` : '';
    if (o.kind === 'ran') this.log(o.result.status === 'failed' ? 'error' : 'info', `${o.destination}: ${o.trigger} run ${o.result.runId} ${o.result.status}${where}: ${o.result.message}`, 'schedule.ran', o.destination);
    else if (o.kind === 'skipped') this.log('info', `${o.destination}: ${o.message}`, 'schedule.skipped', o.destination);
    else this.log('error', `${o.destination}: ${o.trigger} run could not start${where}: ${o.message}`, 'schedule.not-started', o.destination);
    this.options.onOutcome?.(o);
    return o;
  }

  /**
   * A run that could not start for a reason outside the pipeline (an export set that will not
   * complete): recorded as failed with the reason, and notified like any failed run (an incident).
   */
  async recordFailedStart(name: string, trigger: RunTrigger, stage: string, message: string): Promise<number> {
    const { store } = this.ctx;
    const id = store.createRun(name, trigger, false);
    store.addRunEvent(id, 'error', stage, message);
    store.updateRun(id, { status: 'failed', endedAt: this.clock.now().toISOString(), message });
    this.log('error', `${name}: ${message}`, 'run.finished', name);
    await notifyRunFinished(this.ctx, id, { now: this.clock.now() });
    return id;
  }

  private recordSkipped(name: string, trigger: RunTrigger, message: string): number {
    const { store } = this.ctx;
    const id = store.createRun(name, trigger, false);
    store.updateRun(id, { status: 'skipped', endedAt: new Date().toISOString(), message });
    store.addRunEvent(id, 'info', 'schedule', message);
    return id;
  }

  private lastUploadAt(name: string): Date | null {
    const at = this.ctx.store.lastDeliveredAt(name);
    return at ? new Date(at) : null;
  }

  private async attempt(config: DestinationConfig, trigger: RunTrigger, slot: Date | null, note?: string): Promise<SlotOutcome> {
    const name = config.name;
    const tz = config.schedule.timezone;
    const now = this.clock.now();
    const entry = this.entries.get(name);
    const skip = async (reason: SkipReason, message: string): Promise<SlotOutcome> => {
      const runId = this.recordSkipped(name, trigger, message);
      await this.checkStale(config, runId);
      return this.outcome({ kind: 'skipped', destination: name, trigger, slot, runId, reason, message });
    };
    const when = slot ? `the ${trigger === 'catch-up' ? 'missed' : 'scheduled'} run of ${localDateTime(slot, tz)}` : `the ${trigger} run`;

    const blackout = blackoutFor(config.schedule, slot ?? now);
    if (blackout) return skip('blackout', `Skipped: ${when} falls in blackout ${describeBlackout(blackout)}.`);

    const minutes = config.schedule.minIntervalMinutes;
    if (minutes > 0) {
      const last = this.lastUploadAt(name);
      if (last && now.getTime() - last.getTime() < minutes * 60_000) {
        const allowed = new Date(last.getTime() + minutes * 60_000);
        return skip(
          'cadence',
          `Skipped: ${when} would break the vendor cadence limit of one upload every ${minutes} minute(s); the last upload was at ${localDateTime(last, tz)}, the next is allowed after ${localDateTime(allowed, tz)}.`,
        );
      }
    }

    const running = entry?.running ?? false;
    if (running) return skip('overlap', `Skipped: ${when} came while the previous run of ${name} was still in progress.`);

    if (entry) entry.running = true;
    try {
      const result = await this.run(name, { trigger, signal: this.abort.signal });
      // it finished (whatever its status): a later interruption starts a new streak of retries
      this.ctx.store.deleteDestinationState(name, RETRY_KEY);
      if (note) this.ctx.store.addRunEvent(result.runId, 'info', 'schedule', note);
      await this.checkStale(config, result.runId);
      return this.outcome({ kind: 'ran', destination: name, trigger, slot, result });
    } catch (err) {
      if (err instanceof DestinationBusyError) return skip('busy', `Skipped: ${when}: ${err.message}`);
      return this.outcome({ kind: 'error', destination: name, trigger, slot, message: (err as Error).message });
    } finally {
      if (entry) entry.running = false;
    }
  }

  private async checkStale(config: DestinationConfig, runId: number | undefined): Promise<void> {
    const limitHours = staleLimitHours(config.schedule);
    if (!limitHours) return;
    const name = config.name;
    const now = this.clock.now();
    // arrival-driven and manual destinations count from when the agent first watched them
    if (!this.ctx.store.getDestinationState(name, SINCE_KEY)) this.ctx.store.setDestinationState(name, SINCE_KEY, now.toISOString());
    const last = this.lastUploadAt(name);
    const baseline = last ?? new Date(this.ctx.store.getDestinationState(name, SINCE_KEY)!);
    const hours = Math.floor((now.getTime() - baseline.getTime()) / HOUR_MS);
    if (hours < limitHours) return;
    const info = { destination: name, hours, lastDelivery: last ? last.toISOString() : null, limitHours };
    // after a slot the run record says so; between slots the log says so when an alert is due (not every round)
    if (runId !== undefined) this.ctx.store.addRunEvent(runId, 'warn', 'schedule', describeStale(info));
    try {
      const outcome = await notifyStale(this.ctx, info, now);
      if (outcome.alert) this.log('warn', `${describeStale(info)} ${outcome.detail}`, 'incident.stale', name);
      if (outcome.sent && runId !== undefined) this.ctx.store.addRunEvent(runId, 'info', 'notify', outcome.detail);
    } catch (err) {
      const detail = `Stale-destination alert failed: ${(err as Error).message}`;
      this.log('warn', detail, 'notify.failed', name);
      if (runId !== undefined) this.ctx.store.addRunEvent(runId, 'warn', 'notify', detail);
    }
  }
}
