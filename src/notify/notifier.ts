/**
 * Who is told what, and how often. Called once after every finished run (from runSync and
 * approveHeldRun in src/pipeline/run-sync.ts, so the agent, the CLI and the API all notify), and
 * by the scheduler when a destination has gone stale.
 *
 * Rate limit: at most one mail per destination and status within `rateLimitMinutes` (a broken
 * night of hourly runs sends one mail). A mail that cannot be sent never changes the run's
 * outcome: the SMTP error is recorded as a run event.
 */
import { hostname } from 'node:os';
import type { AgentContext } from '../agent/context.js';
import { loadSecrets } from '../agent/context.js';
import { defaultHome } from '../agent/home.js';
import type { NotificationsConfig } from '../shared/config.schema.js';
import type { RunStatus } from '../shared/run.js';
import { composeRunMail, composeStaleMail, composeTestMail, type ComposeContext, type MailContent, type StaleInfo } from './compose.js';
import { NOTIFICATIONS_SECRET_OWNER, SMTP_PASSWORD_FIELD, sendMail, type MailReceipt } from './mailer.js';

export type NotifyKind = 'failed' | 'partial' | 'held' | 'success' | 'stale';

export interface NotifyOutcome {
  readonly sent: boolean;
  /** Why nothing was sent, or to whom it went. */
  readonly detail: string;
}

const RATE_KEY = (kind: NotifyKind): string => `notify.lastSent.${kind}`;

/** Which setting decides whether a run with this status is mailed (undefined: never mailed). */
export function kindForStatus(status: RunStatus): Exclude<NotifyKind, 'stale'> | undefined {
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
    case 'stale':
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

function composeContext(ctx: AgentContext): ComposeContext {
  const home = ctx.layout.home;
  return { host: hostname(), homeArg: home === defaultHome() ? '' : ` --home ${/\s/.test(home) ? JSON.stringify(home) : home}` };
}

function password(ctx: AgentContext): string | undefined {
  return loadSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [SMTP_PASSWORD_FIELD])[SMTP_PASSWORD_FIELD];
}

/**
 * The rate-limit gate: true (and the send time remembered) when a mail of this kind for this
 * destination may go now. Stale reminders go at most daily whatever the rate limit.
 */
function claimSlot(ctx: AgentContext, config: NotificationsConfig, destination: string, kind: NotifyKind, now: Date): { ok: true } | { ok: false; last: string } {
  const minutes = kind === 'stale' ? Math.max(config.rateLimitMinutes, 24 * 60) : config.rateLimitMinutes;
  const last = ctx.store.getDestinationState(destination, RATE_KEY(kind));
  if (last && minutes > 0 && now.getTime() - new Date(last).getTime() < minutes * 60_000) return { ok: false, last };
  ctx.store.setDestinationState(destination, RATE_KEY(kind), now.toISOString());
  return { ok: true };
}

function unclaim(ctx: AgentContext, destination: string, kind: NotifyKind, previous: string | undefined): void {
  if (previous) ctx.store.setDestinationState(destination, RATE_KEY(kind), previous);
  else ctx.store.db.prepare('DELETE FROM destination_state WHERE destination = ? AND key = ?').run(destination, RATE_KEY(kind));
}

async function gatedSend(ctx: AgentContext, destination: string, kind: NotifyKind, content: () => MailContent, now: Date): Promise<NotifyOutcome> {
  const config = ctx.store.getNotifications();
  if (!config.enabled) return { sent: false, detail: 'notifications are off' };
  if (!wants(config, kind)) return { sent: false, detail: `notifications for ${kind} runs are off` };
  const previous = ctx.store.getDestinationState(destination, RATE_KEY(kind));
  const slot = claimSlot(ctx, config, destination, kind, now);
  if (!slot.ok) {
    return { sent: false, detail: `Notification not sent: one about ${kind} runs of ${destination} went out at ${slot.last} (at most one every ${config.rateLimitMinutes} minute(s)).` };
  }
  try {
    const receipt: MailReceipt = await sendMail(config, password(ctx), content());
    return { sent: true, detail: `Notification sent to ${receipt.accepted.join(', ')}${receipt.rejected.length ? ` (refused: ${receipt.rejected.join(', ')})` : ''}.` };
  } catch (err) {
    // not sent: the next failure may try again
    unclaim(ctx, destination, kind, previous);
    throw err;
  }
}

/**
 * Mails about a finished run when the settings ask for it. Never throws: the outcome (sent,
 * suppressed, or the SMTP error) is recorded as an event of the run.
 */
export async function notifyRunFinished(ctx: AgentContext, runId: number, options: { dryRun?: boolean; now?: Date } = {}): Promise<NotifyOutcome> {
  try {
    if (options.dryRun) return { sent: false, detail: 'previews are not mailed' };
    const run = ctx.store.getRunDetail(runId, 20);
    if (!run) return { sent: false, detail: `run ${runId} not found` };
    const kind = kindForStatus(run.status);
    if (!kind) return { sent: false, detail: `${run.status} runs are not mailed` };
    const outcome = await gatedSend(ctx, run.destination, kind, () => composeRunMail(run, composeContext(ctx)), options.now ?? new Date());
    if (outcome.sent || outcome.detail.startsWith('Notification not sent')) ctx.store.addRunEvent(runId, 'info', 'notify', outcome.detail);
    return outcome;
  } catch (err) {
    const detail = `Notification could not be sent: ${(err as Error).message}`;
    try {
      ctx.store.addRunEvent(runId, 'warn', 'notify', detail);
    } catch {
      // the store is gone (agent shutting down): nothing more to record
    }
    return { sent: false, detail };
  }
}

/** Mails that a destination has had no upload for too long (rate-limited to one a day). Throws on SMTP errors. */
export async function notifyStale(ctx: AgentContext, info: StaleInfo, now = new Date()): Promise<NotifyOutcome> {
  return gatedSend(ctx, info.destination, 'stale', () => composeStaleMail(info, composeContext(ctx)), now);
}

/** `rostersync notify test`: one mail to the configured recipients (or `to`), ignoring on/off and rate limits. */
export async function sendTestMail(ctx: AgentContext, options: { to?: readonly string[]; now?: Date } = {}): Promise<MailReceipt> {
  const config = ctx.store.getNotifications();
  return sendMail(config, password(ctx), composeTestMail(composeContext(ctx), options.now ?? new Date()), { to: options.to });
}
