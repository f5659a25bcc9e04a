/**
 * The webhook channel: one JSON POST per alert to a URL the district chooses (a Teams or Slack
 * incoming webhook, a monitoring system). The body carries `text` (what Slack and Teams incoming
 * webhooks display) plus the structured fields a monitoring system wants. The URL often embeds
 * a token, so it is a sealed secret (owner `notifications`, field `webhookUrl`), never config.
 */
import type { MailContent } from './compose.js';

export const WEBHOOK_URL_FIELD = 'webhookUrl';

export interface WebhookPayload {
  /** What chat tools display: the subject, a blank line, the body. */
  readonly text: string;
  readonly event: string;
  readonly subject: string;
  readonly body: string;
  readonly destination?: string;
  readonly runId?: number;
  readonly status?: string;
  readonly host: string;
  readonly at: string;
}

export class WebhookError extends Error {}

export function webhookPayload(content: MailContent, fields: Omit<WebhookPayload, 'text' | 'subject' | 'body'>): WebhookPayload {
  return { text: `${content.subject}\n\n${content.text}`, subject: content.subject, body: content.text, ...fields };
}

/** Where a webhook URL points, without its path and query (they may hold a token): for messages and logs. */
export function describeWebhook(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return 'an invalid URL';
  }
}

export async function postWebhook(url: string, payload: WebhookPayload, timeoutMs = 15_000): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookError('The webhook URL is not a valid URL.');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new WebhookError(`The webhook URL must be http(s), not ${parsed.protocol}`);
  let response: Response;
  try {
    response = await fetch(parsed, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'RosterSync' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    throw new WebhookError(`Webhook ${describeWebhook(url)}: ${cause?.message ?? (err as Error).message}`, { cause: err });
  }
  // the body is read (and dropped) so the connection can be reused or closed cleanly
  const answer = (await response.text().catch(() => '')).slice(0, 200);
  if (!response.ok) throw new WebhookError(`Webhook ${describeWebhook(url)} answered HTTP ${response.status}${answer ? `: ${answer}` : ''}`);
}
