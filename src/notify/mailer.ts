/**
 * Sends one mail through the district's SMTP server with nodemailer: implicit TLS (465),
 * STARTTLS required (587), or plain (25, internal relays), optional login. The password is a
 * secret of owner `notifications` (field `password`), sealed in the store like every other secret.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { NotificationsConfig } from '../shared/config.schema.js';
import type { MailContent } from './compose.js';

export interface MailReceipt {
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
  readonly messageId: string;
}

/** What is missing before a mail can be sent, or an empty list. */
export function mailerProblems(config: NotificationsConfig): string[] {
  const problems: string[] = [];
  if (!config.host) problems.push('notifications.host: the SMTP server name is not set.');
  if (!config.from) problems.push('notifications.from: the sender address is not set.');
  if (!config.to.length) problems.push('notifications.to: no recipients are set.');
  return problems;
}

export async function sendMail(
  config: NotificationsConfig,
  password: string | undefined,
  content: MailContent,
  options: { to?: readonly string[]; timeoutMs?: number } = {},
): Promise<MailReceipt> {
  const problems = mailerProblems({ ...config, to: options.to ? [...options.to] : config.to });
  if (problems.length) throw new Error(problems.join(' '));
  const timeout = options.timeoutMs ?? 20_000;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    auth: config.user ? { user: config.user, pass: password ?? '' } : undefined,
    tls: config.caFile ? { ca: readFileSync(config.caFile) } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    const info = await transport.sendMail({
      from: config.from,
      to: [...(options.to ?? config.to)],
      subject: content.subject,
      text: content.text,
    });
    return {
      accepted: info.accepted.map(String),
      rejected: info.rejected.map(String),
      messageId: info.messageId,
    };
  } catch (err) {
    throw new Error(`SMTP ${config.host}:${config.port} (${config.security}): ${(err as Error).message}`, { cause: err });
  } finally {
    transport.close();
  }
}
