/**
 * Where alerts go — e-mail (SMTP) and a webhook — and what happens when a channel is down.
 *
 * An alert that a channel could not take is kept (store setting `notify.pending`, already masked:
 * no personal values) and retried with back-off by the agent's watch (retryPendingAlerts), at most
 * MAX_ATTEMPTS times. Each channel's health (last success, last failure and its error, alerts
 * waiting) is kept in `notify.health` for the dashboard, `rostersync status` and the agent's log.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { AgentContext } from '../home/context.js';
import { loadSecrets, NOTIFICATIONS_SECRET_OWNER, SMTP_PASSWORD_FIELD } from '../home/context.js';
import type { NotificationsConfig } from '../shared/config.schema.js';
import type { MailContent } from './compose.js';
import { sendMail } from './mailer.js';
import { WEBHOOK_URL_FIELD, postWebhook, webhookPayload } from './webhook.js';

export const CHANNELS = ['email', 'webhook'] as const;
export type ChannelId = (typeof CHANNELS)[number];

export interface Alert {
  /** e.g. `incident.opened`, `run.held`, `test`. */
  readonly event: string;
  readonly destination?: string;
  readonly runId?: number;
  readonly status?: string;
  readonly content: MailContent;
}

const alertSchema = z.object({
  event: z.string(),
  destination: z.string().optional(),
  runId: z.number().optional(),
  status: z.string().optional(),
  content: z.object({ subject: z.string(), text: z.string() }),
});

const pendingSchema = z.object({
  items: z
    .array(z.object({ id: z.string(), channel: z.enum(CHANNELS), alert: alertSchema, attempts: z.number().int(), nextAttemptAt: z.string(), firstFailedAt: z.string() }))
    .default([]),
});
type Pending = z.infer<typeof pendingSchema>['items'][number];

const healthSchema = z.record(
  z.string(),
  z.object({ lastOkAt: z.string().optional(), lastErrorAt: z.string().optional(), lastError: z.string().optional(), failing: z.boolean().default(false) }),
);
export type ChannelHealth = z.infer<typeof healthSchema>[string] & { readonly channel: ChannelId; readonly waiting: number };

const PENDING_KEY = 'notify.pending';
const HEALTH_KEY = 'notify.health';
/** Retries of one alert: 5 min, 10, 20, 40, 80, then every 2 h 40 (about 14 h in all). */
const MAX_ATTEMPTS = 10;
const FIRST_RETRY_MS = 5 * 60_000;
const MAX_RETRY_MS = 160 * 60_000;
/** Alerts kept for retry at most; the oldest go first (they are the least useful by then). */
const MAX_PENDING = 50;

/** The channels this configuration sends to: e-mail when an SMTP server is set, the webhook when it is on. */
export function activeChannels(config: NotificationsConfig): ChannelId[] {
  const channels: ChannelId[] = [];
  if (config.host) channels.push('email');
  if (config.webhookEnabled) channels.push('webhook');
  return channels;
}

async function send(ctx: AgentContext, config: NotificationsConfig, channel: ChannelId, alert: Alert, now: Date): Promise<string> {
  switch (channel) {
    case 'email': {
      const password = loadSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [SMTP_PASSWORD_FIELD])[SMTP_PASSWORD_FIELD];
      const receipt = await sendMail(config, password, alert.content);
      return `mailed to ${receipt.accepted.join(', ')}${receipt.rejected.length ? ` (refused: ${receipt.rejected.join(', ')})` : ''}`;
    }
    case 'webhook': {
      const url = loadSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [WEBHOOK_URL_FIELD])[WEBHOOK_URL_FIELD];
      if (!url) throw new Error('The webhook is on but no webhook URL is stored (rostersync notify set --webhook-url-stdin).');
      const { content, ...fields } = alert;
      await postWebhook(url, webhookPayload(content, { ...fields, host: hostname(), at: now.toISOString() }));
      return 'posted to the webhook';
    }
    default: {
      const never: never = channel;
      throw new Error(`Unknown channel ${String(never)}`);
    }
  }
}

function readHealth(ctx: AgentContext): z.infer<typeof healthSchema> {
  return ctx.store.getSetting(HEALTH_KEY, healthSchema);
}

function recordHealth(ctx: AgentContext, channel: ChannelId, now: Date, error?: string): void {
  const health = readHealth(ctx);
  const was = health[channel] ?? { failing: false };
  health[channel] = error === undefined ? { ...was, lastOkAt: now.toISOString(), failing: false } : { ...was, lastErrorAt: now.toISOString(), lastError: error, failing: true };
  ctx.store.setSetting(HEALTH_KEY, health);
}

function readPending(ctx: AgentContext): Pending[] {
  return ctx.store.getSetting(PENDING_KEY, pendingSchema).items;
}

function writePending(ctx: AgentContext, items: readonly Pending[]): void {
  ctx.store.setSetting(PENDING_KEY, { items: items.slice(-MAX_PENDING) });
}

const retryDelay = (attempts: number): number => Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS);

export interface ChannelOutcome {
  readonly channel: ChannelId;
  readonly ok: boolean;
  readonly detail: string;
}

/** Sends an alert to every active channel; a channel that fails keeps the alert for retry. Never throws. */
export async function deliverAlert(ctx: AgentContext, alert: Alert, now: Date): Promise<ChannelOutcome[]> {
  const config = ctx.store.getNotifications();
  const outcomes: ChannelOutcome[] = [];
  for (const channel of activeChannels(config)) {
    try {
      const detail = await send(ctx, config, channel, alert, now);
      recordHealth(ctx, channel, now);
      outcomes.push({ channel, ok: true, detail });
    } catch (err) {
      const error = (err as Error).message;
      recordHealth(ctx, channel, now, error);
      writePending(ctx, [...readPending(ctx), { id: randomUUID(), channel, alert, attempts: 1, nextAttemptAt: new Date(now.getTime() + retryDelay(1)).toISOString(), firstFailedAt: now.toISOString() }]);
      outcomes.push({ channel, ok: false, detail: `${channel} failed (${error}); it will be retried` });
    }
  }
  return outcomes;
}

export interface RetryReport {
  readonly sent: number;
  readonly failed: number;
  readonly gaveUp: readonly string[];
}

/** Retries the alerts whose time has come (called by the agent's watch). */
export async function retryPendingAlerts(ctx: AgentContext, now: Date): Promise<RetryReport> {
  const config = ctx.store.getNotifications();
  const active = new Set(activeChannels(config));
  /** What this round did to each item it handled: the item to keep (rescheduled), or null (sent, dropped). */
  const handled = new Map<string, Pending | null>();
  let sent = 0;
  let failed = 0;
  const gaveUp: string[] = [];
  for (const item of readPending(ctx)) {
    if (!config.enabled || !active.has(item.channel)) {
      handled.set(item.id, null); // the channel was switched off: nothing left to retry
      continue;
    }
    if (new Date(item.nextAttemptAt) > now) continue;
    try {
      await send(ctx, config, item.channel, item.alert, now);
      recordHealth(ctx, item.channel, now);
      handled.set(item.id, null);
      sent++;
    } catch (err) {
      failed++;
      recordHealth(ctx, item.channel, now, (err as Error).message);
      const attempts = item.attempts + 1;
      if (attempts > MAX_ATTEMPTS) {
        gaveUp.push(`${item.channel}: "${item.alert.content.subject}" (first failed ${item.firstFailedAt}) after ${item.attempts} attempts`);
        handled.set(item.id, null);
      } else {
        handled.set(item.id, { ...item, attempts, nextAttemptAt: new Date(now.getTime() + retryDelay(attempts)).toISOString() });
      }
    }
  }
  // re-read: alerts queued while this round awaited (a run finished meanwhile) stay as they are
  writePending(
    ctx,
    readPending(ctx).flatMap((p) => {
      const outcome = handled.get(p.id);
      return outcome === undefined ? [p] : outcome === null ? [] : [outcome];
    }),
  );
  return { sent, failed, gaveUp };
}

/** Each active channel's health with the number of alerts waiting for it, for the dashboard and `rostersync status`. */
export function channelHealth(ctx: AgentContext): ChannelHealth[] {
  const config = ctx.store.getNotifications();
  const health = readHealth(ctx);
  const pending = readPending(ctx);
  return activeChannels(config).map((channel) => ({ channel, ...(health[channel] ?? { failing: false }), waiting: pending.filter((p) => p.channel === channel).length }));
}
