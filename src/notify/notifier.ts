/**
 * Who is told what, and how often. Called once after every finished run (from runSync and
 * approveHeldRun in src/pipeline/run-sync.ts, so runs started by the schedule, the CLI and the GUI
 * all notify), and by the scheduler's watch when a destination has gone stale.
 *
 * Failures and staleness are incidents (incidents.ts): the first failure opens one and alerts,
 * later failures remind only after `reminderMinutes`, the next delivery closes it with a recovery
 * alert. Held, partial and successful runs are mailed per their settings, at most one per
 * destination and status within `rateLimitMinutes`. Alerts go to every active channel (channels.ts:
 * e-mail, webhook); one a channel could not take is retried by the agent. Nothing here ever changes
 * a run's outcome: what happened is recorded as a run event.
 */
import { hostname } from 'node:os';
import type { AgentContext } from '../home/context.js';
import { loadSecrets, NOTIFICATIONS_SECRET_OWNER, SMTP_PASSWORD_FIELD } from '../home/context.js';
import { homeArg } from '../home/layout.js';
import type { NotificationsConfig } from '../shared/config.schema.js';
import type { RunStatus } from '../shared/run.js';
import { composeIncidentMail, composeRunMail, composeTestMail, describeStale, type ComposeContext, type StaleInfo } from './compose.js';
import { deliverAlert, type Alert, type ChannelOutcome } from './channels.js';
import { incidentSchema, nextIncident, type Incident, type IncidentAlert, type IncidentEvent, type IncidentStep } from './incidents.js';
import { sendMail, type MailReceipt } from './mailer.js';

export type NotifyKind = 'failed' | 'partial' | 'held' | 'success';

export interface NotifyOutcome {
  readonly sent: boolean;
  /** Why nothing was sent, or where it went. */
  readonly detail: string;
}

const RATE_KEY = (kind: NotifyKind): string => `notify.lastSent.${kind}`;
const INCIDENT_KEY = 'incident';

/** Which setting decides whether a run with this status is mailed (undefined: never mailed). */
export function kindForStatus(status: RunStatus): NotifyKind | undefined {
  switch (status) {
    case 'failed':
      return 'failed';
    case 'partial':
      return 'partial';
    case 'held':
      return 'held';
    case 'success':
      return 'success';
    case 'running':
    case 'skipped':
    case 'discarded':
    case 'cancelled':
      return undefined;
    default: {
      const never: never = status;
      throw new Error(`Unexpected run status ${String(never)}`);
    }
  }
}

export function wants(config: NotificationsConfig, kind: NotifyKind): boolean {
  switch (kind) {
    case 'failed':
    case 'partial':
      return config.onFailure;
    case 'held':
      return config.onHold;
    case 'success':
      return config.onSuccess;
    default: {
      const never: never = kind;
      throw new Error(`Unexpected notification kind ${String(never)}`);
    }
  }
}

/** The destination's open incident (failing or stale), if any. */
export function getIncident(ctx: AgentContext, destination: string): Incident | undefined {
  const raw = ctx.store.getDestinationState(destination, INCIDENT_KEY);
  if (!raw) return undefined;
  const parsed = incidentSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : undefined;
}

function advanceIncident(ctx: AgentContext, destination: string, event: IncidentEvent, config: NotificationsConfig): IncidentStep {
  const step = nextIncident(getIncident(ctx, destination), event, config.reminderMinutes);
  if (step.incident) ctx.store.setDestinationState(destination, INCIDENT_KEY, JSON.stringify(step.incident));
  else ctx.store.deleteDestinationState(destination, INCIDENT_KEY);
  return step;
}

function composeContext(ctx: AgentContext): ComposeContext {
  return { host: hostname(), homeArg: homeArg(ctx.layout.home) };
}

/**
 * The rate-limit gate for held, partial and successful runs: true (and the send time remembered)
 * when a mail of this kind for this destination may go now.
 */
function claimSlot(ctx: AgentContext, config: NotificationsConfig, destination: string, kind: NotifyKind, now: Date): { ok: true } | { ok: false; last: string } {
  const last = ctx.store.getDestinationState(destination, RATE_KEY(kind));
  if (last && config.rateLimitMinutes > 0 && now.getTime() - new Date(last).getTime() < config.rateLimitMinutes * 60_000) return { ok: false, last };
  ctx.store.setDestinationState(destination, RATE_KEY(kind), now.toISOString());
  return { ok: true };
}

/** What the channels did with an alert; `complete` is false when a channel failed (the alert waits for a retry there). */
function describeOutcomes(outcomes: readonly ChannelOutcome[]): NotifyOutcome & { readonly complete: boolean } {
  if (!outcomes.length) return { sent: false, complete: false, detail: 'Notification not sent: no channel is set up (an SMTP server or a webhook).' };
  const sent = outcomes.some((o) => o.ok);
  return { sent, complete: outcomes.every((o) => o.ok), detail: `Notification ${sent ? 'sent' : 'not sent'}: ${outcomes.map((o) => o.detail).join('; ')}.` };
}

/** What to send about a finished run, or why nothing is sent (`note`: worth a run event, not just a setting that is off). */
type RunAlert = { readonly send: Alert } | { readonly skip: string; readonly note?: boolean };

function alertForRun(ctx: AgentContext, config: NotificationsConfig, step: IncidentStep, runId: number, now: Date): RunAlert {
  const run = ctx.store.getRunDetail(runId, 20)!;
  const base = { destination: run.destination, runId, status: run.status };
  if (step.alert) {
    if (!config.onFailure) return { skip: 'notifications for failures are off' };
    const incident = step.incident ?? step.closed!;
    return { send: { ...base, event: `incident.${step.alert}`, content: composeIncidentMail(step.alert, incident, run, run.destination, composeContext(ctx), now) } };
  }
  if (run.status === 'failed' && step.incident) {
    return {
      skip: `Notification not sent: ${run.destination} has been failing since ${step.incident.openedAt} (${step.incident.failures} failed runs; the incident was alerted at ${step.incident.lastAlertAt}; reminders every ${config.reminderMinutes} minute(s)).`,
      note: true,
    };
  }
  const kind = kindForStatus(run.status);
  if (!kind) return { skip: `${run.status} runs are not mailed` };
  if (!wants(config, kind)) return { skip: `notifications for ${kind} runs are off` };
  const slot = claimSlot(ctx, config, run.destination, kind, now);
  if (!slot.ok) {
    return { skip: `Notification not sent: one about ${kind} runs of ${run.destination} went out at ${slot.last} (at most one every ${config.rateLimitMinutes} minute(s)).`, note: true };
  }
  return { send: { ...base, event: `run.${run.status}`, content: composeRunMail(run, composeContext(ctx)) } };
}

/**
 * Advances the destination's incident and sends what the settings ask for. Never throws: the
 * outcome (sent, suppressed, or a channel's error) is recorded as an event of the run.
 */
export async function notifyRunFinished(ctx: AgentContext, runId: number, options: { dryRun?: boolean; now?: Date } = {}): Promise<NotifyOutcome> {
  const record = (level: 'info' | 'warn', detail: string): void => {
    try {
      ctx.store.addRunEvent(runId, level, 'notify', detail);
    } catch {
      // the store is gone (agent shutting down): nothing more to record
    }
  };
  try {
    if (options.dryRun) return { sent: false, detail: 'previews are not mailed' };
    const now = options.now ?? new Date();
    const run = ctx.store.getRun(runId);
    if (!run) return { sent: false, detail: `run ${runId} not found` };
    const config = ctx.store.getNotifications();
    // the incident is kept whatever the notification settings: the dashboard and `status` show it
    const step = advanceIncident(ctx, run.destination, { type: 'run', status: run.status, runId, message: run.message ?? '', at: now }, config);
    const where = { destination: run.destination, runId };
    if (step.alert === 'opened') {
      record('warn', `Incident opened: ${run.destination} is failing.`);
      ctx.log.warn('incident.opened', `Incident opened: ${run.destination} is failing (run ${runId}).`, where);
    }
    if (step.alert === 'recovered') {
      record('info', `Incident closed: ${run.destination} delivered again (it was ${step.closed!.cause} since ${step.closed!.openedAt}).`);
      ctx.log.info('incident.closed', `Incident closed: ${run.destination} delivered again (it was ${step.closed!.cause} since ${step.closed!.openedAt}).`, where);
    }
    if (!config.enabled) return { sent: false, detail: 'notifications are off' };
    const alert = alertForRun(ctx, config, step, runId, now);
    if ('skip' in alert) {
      if (alert.note) record('info', alert.skip);
      return { sent: false, detail: alert.skip };
    }
    const { complete, ...outcome } = describeOutcomes(await deliverAlert(ctx, alert.send, now));
    record(complete ? 'info' : 'warn', outcome.detail);
    ctx.log.log(complete ? 'info' : 'warn', complete ? 'notify.sent' : 'notify.failed', outcome.detail, where);
    return outcome;
  } catch (err) {
    const detail = `Notification could not be sent: ${(err as Error).message}`;
    record('warn', detail);
    ctx.log.warn('notify.failed', detail, { runId });
    return { sent: false, detail };
  }
}

/**
 * Staleness found by the agent's watch: opens the destination's incident or reminds when due
 * (`alert` says which; none while an alert about it is recent). Sends per the settings.
 */
export async function notifyStale(ctx: AgentContext, info: StaleInfo, now = new Date()): Promise<NotifyOutcome & { readonly alert?: IncidentAlert }> {
  const config = ctx.store.getNotifications();
  const step = advanceIncident(ctx, info.destination, { type: 'stale', message: describeStale(info), at: now }, config);
  if (!step.alert) return { sent: false, detail: `Notification not sent: the incident of ${info.destination} was alerted at ${step.incident?.lastAlertAt}.` };
  const { alert } = step;
  if (!config.enabled) return { alert, sent: false, detail: 'notifications are off' };
  if (!config.onFailure) return { alert, sent: false, detail: 'notifications for failures are off' };
  const content = composeIncidentMail(alert, step.incident!, undefined, info.destination, composeContext(ctx), now);
  const { complete: _complete, ...outcome } = describeOutcomes(await deliverAlert(ctx, { event: `incident.${alert}`, destination: info.destination, content }, now));
  return { alert, ...outcome };
}

/** `rostersync notify test`: one mail to the configured recipients (or `to`), ignoring on/off and rate limits. */
export async function sendTestMail(ctx: AgentContext, options: { to?: readonly string[]; now?: Date } = {}): Promise<MailReceipt> {
  const config = ctx.store.getNotifications();
  const password = loadSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [SMTP_PASSWORD_FIELD])[SMTP_PASSWORD_FIELD];
  return sendMail(config, password, composeTestMail(composeContext(ctx), options.now ?? new Date()), { to: options.to });
}
