/** Agent state, the dashboard, runs started from the GUI, schedules, connection types. */
import { z } from 'zod';
import { cancelRun, discardHeldRun } from '../../agent/runner.js';
import { reviewHeldRun } from '../../agent/hold-review.js';
import { listSourceDrivers } from '../../sources/registry.js';
import { describeDestination, listDestinationDrivers } from '../../destinations/registry.js';
import { ApiError, type ConnectionTypeInfo, type DashboardDestination, type HeldRun } from '../../shared/api.contract.js';
import { appVersion } from '../../home/install.js';
import { homeArg } from '../../home/layout.js';
import { destinationStatus, overallStatus } from '../status.js';
import { notFound, type ApiServices } from '../services.js';
import { getIncident } from '../../notify/notifier.js';
import { channelHealth } from '../../notify/channels.js';
import type { HandlerGroup } from './types.js';

/** Recent runs of one destination, newest first (enough to see a running or held run among previews). */
const RECENT = 25;

function jsonSchemaOf(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return null;
  }
}

/**
 * Sync now while a run of the destination waits for review: a new run would diff against the
 * delivery before the held one and hold again (or, worse, bury the hold), so it is refused with
 * the held run and the ways to review it.
 */
function heldRunRefusal(ctx: ApiServices['ctx'], runId: number, destination: string): ApiError {
  const home = homeArg(ctx.layout.home);
  const heldRun = {
    id: runId,
    destination,
    reviewPath: `#/history/${runId}`,
    approveCommand: `rostersync approve ${runId}${home}`,
    discardCommand: `rostersync discard ${runId}${home}`,
  };
  return new ApiError(
    'conflict',
    `${destination} has run ${runId} held for approval: review it first (dashboard, or History › run #${runId}) and approve or discard it ` +
      `(\`${heldRun.approveCommand}\` / \`${heldRun.discardCommand}\`). Sync now starts no new run while one is held.`,
    { heldRun },
  );
}

function runningHere(services: ApiServices): number[] {
  return [...services.runs.active()];
}

export const agentHandlers: HandlerGroup<
  'getStatus' | 'getDashboard' | 'syncNow' | 'approveRun' | 'discardRun' | 'reviewHeldRun' | 'cancelRun' | 'pauseSchedules' | 'resumeSchedules' | 'listConnectionTypes'
> = {
  getStatus: (_input, services) => ({
    version: appVersion(),
    home: services.ctx.layout.home,
    pid: process.pid,
    startedAt: services.startedAt,
    runningRuns: runningHere(services),
    agent: services.agent.state(),
  }),

  getDashboard: (_input, { ctx, scheduler, agent }) => {
    const { store } = ctx;
    const destinations: DashboardDestination[] = store.listDestinations().map((d) => {
      const recent = store.listRuns({ destination: d.name, limit: RECENT });
      const real = recent.filter((r) => !r.dryRun);
      const next = d.enabled && d.schedule.enabled ? scheduler.nextRun(d.name) : null;
      return {
        name: d.name,
        enabled: d.enabled,
        type: d.type,
        format: d.format,
        source: d.source,
        status: destinationStatus(d.enabled, recent),
        lastRun: real[0] ?? null,
        lastSuccess: real.find((r) => r.status === 'success' || r.status === 'partial') ?? store.lastRun(d.name, 'success') ?? null,
        nextRun: next ? next.toISOString() : null,
        scheduleEnabled: d.schedule.enabled,
        incident: getIncident(ctx, d.name) ?? null,
      };
    });
    const holds: HeldRun[] = store
      .listRuns({ status: 'held', limit: 100 })
      .filter((r) => !r.dryRun)
      .map((r) => {
        const detail = store.getRunDetail(r.id, 0)!;
        return { run: r, holdReasons: detail.holdReasons, diff: detail.diff };
      });
    return {
      destinations,
      holds,
      schedulesPaused: scheduler.isPaused(),
      overall: overallStatus(destinations.map((d) => d.status)),
      notificationChannels: channelHealth(ctx),
      agent: agent.state(),
    };
  },

  syncNow: async ({ destination }, { ctx, runs }) => {
    if (!ctx.store.getDestination(destination)) throw notFound(`No destination named "${destination}".`);
    const running = ctx.store.listRuns({ destination, status: 'running', limit: 1 })[0];
    if (running || runs.busyDestinations().includes(destination)) {
      throw new ApiError('conflict', `${destination} is already running${running ? ` (run ${running.id})` : ''}; wait for it to finish.`);
    }
    const held = ctx.store.listRuns({ destination, status: 'held', limit: RECENT }).find((r) => !r.dryRun);
    if (held) throw heldRunRefusal(ctx, held.id, destination);
    const runId = await runs.startSync(destination, 'manual');
    return { runId, status: ctx.store.getRun(runId)?.status ?? 'running' };
  },

  approveRun: async ({ id }, { ctx, runs }) => {
    const run = ctx.store.getRun(id);
    if (!run) throw notFound(`No run ${id}.`);
    if (run.status !== 'held') throw new ApiError('conflict', `Run ${id} is ${run.status}, not held: only a held run can be approved.`);
    await runs.startApproval(id);
    return { runId: id, status: ctx.store.getRun(id)?.status ?? 'running' };
  },

  discardRun: ({ id }, { ctx }) => {
    const run = ctx.store.getRun(id);
    if (!run) throw notFound(`No run ${id}.`);
    if (run.status !== 'held') throw new ApiError('conflict', `Run ${id} is ${run.status}, not held: only a held run can be discarded.`);
    discardHeldRun(ctx, id);
    return ctx.store.getRun(id)!;
  },

  reviewHeldRun: async ({ id }, { ctx }) => {
    const review = await reviewHeldRun(ctx, id);
    if (!review) throw notFound(`No run ${id}.`);
    return review;
  },

  cancelRun: ({ id }, { ctx }) => {
    const run = ctx.store.getRun(id);
    if (!run) throw notFound(`No run ${id}.`);
    if (cancelRun(ctx, id) === 'not-running') throw new ApiError('conflict', `Run ${id} is ${run.status}, not running: only a running run can be cancelled.`);
    return ctx.store.getRun(id)!;
  },

  pauseSchedules: async (_input, { scheduler }) => {
    await scheduler.pause();
    return { paused: scheduler.isPaused() };
  },

  resumeSchedules: async (_input, { scheduler }) => {
    await scheduler.resume();
    return { paused: scheduler.isPaused() };
  },

  listConnectionTypes: () => {
    const types: ConnectionTypeInfo[] = [
      ...listSourceDrivers().map((d) => ({
        kind: 'source' as const,
        id: d.id,
        displayName: d.displayName,
        secretFields: d.secretFields,
        identityFields: d.identityFields ?? [],
        capabilities: d.capabilities,
        settingsSchema: jsonSchemaOf(d.settingsSchema),
      })),
      ...listDestinationDrivers().map((d) => ({ kind: 'destination' as const, ...describeDestination(d) })),
    ];
    return types;
  },
};
