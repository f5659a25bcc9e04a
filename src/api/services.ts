/**
 * What the API handlers work with: the agent context plus optional ports for the parts other
 * components own. The daemon (the agent: `rostersync agent`, `rostersync ui`, the tray app's agent)
 * passes its scheduler and its agent state; an API served beside a running agent (tests, an agent
 * started with --no-api) uses the attached ports below, which report that agent's schedules.
 */
import type { AgentContext } from '../home/context.js';
import { startApproval, startSync, type StartedSync } from '../agent/runner.js';
import { DestinationBusyError } from '../scheduler/lock.js';
import type { RunTrigger } from '../shared/run.js';
import { ApiError, type AgentState, type ApiKeyRotation, type TestEmailResult } from '../shared/api.contract.js';
import { failure, mailFailure } from './handlers/connection-failure.js';
import { liveAgent, serviceInstalled } from '../agent/agent-lock.js';
import { appVersion } from '../home/install.js';
import { sendTestMail } from '../notify/notifier.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { nextRunAfter } from '../scheduler/schedule.js';

/** The scheduler as the API sees it (implemented in src/scheduler/ by the daemon). */
export interface SchedulerPort {
  nextRun(destination: string): Date | null;
  isPaused(): boolean;
  pause(): void | Promise<void>;
  resume(): void | Promise<void>;
  /** Re-read the destinations after the API changed them (Scheduler.reload). */
  reload?(): void;
}

/** Who schedules runs for this data folder (the daemon says `here`). */
export interface AgentPort {
  state(): AgentState;
}

/** An API without the scheduler in its process: the agent is whoever holds the data folder's agent lock, if anyone. */
export function attachedAgent(ctx: AgentContext): AgentPort {
  const installed = serviceInstalled();
  return {
    state() {
      const holder = liveAgent(ctx.store);
      return {
        scheduling: holder ? 'other' : 'nobody',
        pid: holder?.pid ?? null,
        runningSince: holder?.acquiredAt ?? null,
        schedulesPaused: new Scheduler(ctx).isPaused(),
        serviceInstalled: installed,
        version: appVersion(),
      };
    },
  };
}

/**
 * Without the agent's scheduler in this process: pausing writes the same store setting the agent's
 * Scheduler reads (src/scheduler/), and the next run is the schedule's next slot — only while a
 * live agent holds the data folder, since nothing else would start it. A Scheduler that is never
 * started runs no timers here.
 */
export function attachedScheduler(ctx: AgentContext): SchedulerPort {
  const scheduler = new Scheduler(ctx);
  return {
    nextRun(destination) {
      if (!liveAgent(ctx.store)) return null;
      const config = ctx.store.getDestination(destination);
      if (!config?.enabled || !config.schedule.enabled) return null;
      try {
        return nextRunAfter(config.schedule, new Date());
      } catch {
        return null;
      }
    },
    isPaused: () => scheduler.isPaused(),
    pause: () => scheduler.pause(),
    resume: () => scheduler.resume(),
  };
}

/** Notifications as the API sees it (src/notify/). */
export interface NotifierPort {
  sendTestEmail(to?: string): Promise<TestEmailResult>;
}

/** The mailer of src/notify/: one test mail to the configured recipients (or `to`); a failure is an answer, not an error. */
export function smtpNotifier(ctx: AgentContext): NotifierPort {
  return {
    async sendTestEmail(to) {
      try {
        const receipt = await sendTestMail(ctx, { to: to ? [to] : undefined });
        const rejected = receipt.rejected.length ? ` Refused: ${receipt.rejected.join(', ')}.` : '';
        const message = `Test mail sent to ${receipt.accepted.join(', ') || 'nobody'}.${rejected}`;
        return receipt.accepted.length > 0 ? { ok: true, message } : { ok: false, message, error: failure('failed', message) };
      } catch (err) {
        const error = mailFailure(err);
        return { ok: false, message: error.message, error };
      }
    },
  };
}

/** Starts runs in the background and tells which are under way. */
export interface RunLauncher {
  /** Starts a sync; resolves with the run id as soon as the run record exists. */
  startSync(destination: string, trigger: RunTrigger): Promise<number>;
  /** Starts delivering a held run. */
  startApproval(runId: number): Promise<void>;
  /** Run ids this process is working on. */
  active(): readonly number[];
  /** Destinations with a run under way in this process. */
  busyDestinations(): readonly string[];
  /** Stops accepting runs, asks running ones to stop and waits for them. */
  close(): Promise<void>;
}

/** The API key of the server answering (src/home/api-key.ts). */
export interface AccessPort {
  /** A new key replaces the old one at once (for every server on this data folder); the login URL carries it in its fragment. */
  rotateKey(): ApiKeyRotation;
}

export interface ApiServices {
  readonly ctx: AgentContext;
  readonly runs: RunLauncher;
  readonly scheduler: SchedulerPort;
  readonly notifier: NotifierPort;
  readonly agent: AgentPort;
  readonly access: AccessPort;
  readonly startedAt: string;
}

/**
 * Runs syncs inside this process without waiting for them, through the runner
 * (src/agent/runner.ts), which records the run before it returns: the id is known at once and the
 * run's events stream on /api/events.
 */
export function inProcessRunLauncher(ctx: AgentContext, onError: (err: unknown) => void = () => undefined): RunLauncher {
  const running = new Map<number, { destination: string; done: Promise<unknown>; abort: AbortController }>();
  let closed = false;
  const start = (destination: string, begin: (signal: AbortSignal) => StartedSync): number => {
    if (closed) throw new ApiError('conflict', 'The agent is shutting down.');
    const abort = new AbortController();
    let started: StartedSync;
    try {
      started = begin(abort.signal);
    } catch (err) {
      // The destination's cross-process lock is held by another runner (src/scheduler/lock.ts).
      if (err instanceof DestinationBusyError) throw new ApiError('conflict', err.message);
      throw err;
    }
    const done = started.done.catch(onError).finally(() => running.delete(started.runId));
    running.set(started.runId, { destination, done, abort });
    return started.runId;
  };
  return {
    startSync: (destination, trigger) => Promise.resolve(start(destination, (signal) => startSync(ctx, destination, { trigger, signal }))),
    async startApproval(runId) {
      const destination = ctx.store.getRun(runId)?.destination ?? '';
      start(destination, (signal) => startApproval(ctx, runId, { signal }));
    },
    active: () => [...running.keys()],
    busyDestinations: () => [...new Set([...running.values()].map((r) => r.destination))],
    async close() {
      closed = true;
      for (const r of running.values()) r.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}

export const notFound = (what: string): ApiError => new ApiError('not-found', what);
export const badRequest = (message: string): ApiError => new ApiError('bad-request', message);
