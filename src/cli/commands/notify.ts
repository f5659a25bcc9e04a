/**
 * `rostersync notify show|set|test`: alert settings — SMTP and a webhook (the SMTP password and the
 * webhook URL are sealed secrets of owner `notifications`, read from standard input or an
 * environment variable, never from the command line) — and a test alert on every channel.
 */
import type { Command } from 'commander';
import { loadSecrets, NOTIFICATIONS_SECRET_OWNER, saveSecrets, SMTP_PASSWORD_FIELD, smtpIdentity, staleSecret } from '../../home/context.js';
import { ConfigError } from '../../shared/config-issues.js';
import { mailerProblems } from '../../notify/mailer.js';
import { sendTestMail } from '../../notify/notifier.js';
import { activeChannels } from '../../notify/channels.js';
import { WEBHOOK_URL_FIELD, describeWebhook, postWebhook, webhookPayload } from '../../notify/webhook.js';
import { composeTestMail } from '../../notify/compose.js';
import { hostname } from 'node:os';
import { followUp, wholeNumber, UsageError, withAgent, type CliKit } from '../cli-kit.js';

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerNotifyCommands(program: Command, kit: CliKit): void {
  const { action, globals, print, io } = kit;
  const notify = program.command('notify').alias('notifications').description('alerts by e-mail and webhook: settings and a test');

  notify
    .command('show')
    .description('print the notification settings (the password is never shown)')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const config = ctx.store.getNotifications();
          const hasPassword = ctx.store.getSealedSecret(NOTIFICATIONS_SECRET_OWNER, SMTP_PASSWORD_FIELD) !== undefined;
          const hasWebhookUrl = ctx.store.getSealedSecret(NOTIFICATIONS_SECRET_OWNER, WEBHOOK_URL_FIELD) !== undefined;
          const webhookUrl = hasWebhookUrl ? loadSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [WEBHOOK_URL_FIELD])[WEBHOOK_URL_FIELD] : undefined;
          const problems = !config.enabled
            ? []
            : [
                ...(config.host || !config.webhookEnabled ? mailerProblems(config) : []),
                ...(config.webhookEnabled && !hasWebhookUrl ? ['The webhook is on but no URL is stored: rostersync notify set --webhook-url-stdin'] : []),
              ];
          print(globals(cmd), { ...config, passwordSet: hasPassword, webhookUrlSet: hasWebhookUrl, problems }, () =>
            [
              `Notifications: ${config.enabled ? 'on' : 'off'}`,
              `SMTP: ${config.host || '—'}:${config.port} (${config.security})${config.user ? `, login ${config.user}${hasPassword ? ' (password set)' : ' (no password set)'}` : ''}`,
              `From: ${config.from || '—'}`,
              `To: ${config.to.join(', ') || '—'}`,
              `On failure: ${config.onFailure ? 'yes' : 'no'}   On hold: ${config.onHold ? 'yes' : 'no'}   On success: ${config.onSuccess ? 'yes' : 'no'}`,
              `Webhook: ${config.webhookEnabled ? (webhookUrl ? `on, ${describeWebhook(webhookUrl)}` : 'on, no URL stored') : 'off'}`,
              `Failures: one alert when a destination starts failing or goes stale, a reminder every ${config.reminderMinutes} minute(s) while it lasts, one when it recovers`,
              `Held, partial and successful runs: at most one mail per destination and status every ${config.rateLimitMinutes} minute(s)`,
              ...problems.map((p) => `Problem: ${p}`),
            ].join('\n'),
          );
          return 0;
        }),
      ),
    );

  notify
    .command('set')
    .description('change notification settings; only the options given change')
    .option('--enable', 'turn notifications on')
    .option('--disable', 'turn notifications off')
    .option('--host <host>', 'SMTP server')
    .option('--port <n>', 'SMTP port (465 for TLS, 587 for STARTTLS, 25 plain)', wholeNumber('--port', 1, 65535))
    .option('--security <mode>', 'starttls, tls or none')
    .option('--user <name>', 'SMTP login (empty for none)')
    .option('--password-stdin', 'read the SMTP password from standard input (or set ROSTERSYNC_SMTP_PASSWORD)')
    .option('--from <address>', 'sender address')
    .option('--to <addresses>', 'recipients, comma-separated', list)
    .option('--on-failure <yes|no>', 'mail failed runs')
    .option('--on-hold <yes|no>', 'mail held runs')
    .option('--on-success <yes|no>', 'mail successful runs')
    .option('--rate-limit <minutes>', 'held, partial, successful runs: at most one mail per destination and status within this many minutes', wholeNumber('--rate-limit', 0))
    .option('--reminder <minutes>', 'while a destination keeps failing, remind this often (0 = never)', wholeNumber('--reminder', 0))
    .option('--webhook <on|off>', 'also POST every alert as JSON to the webhook URL')
    .option('--webhook-url-stdin', 'read the webhook URL from standard input (or set ROSTERSYNC_WEBHOOK_URL); it is stored sealed')
    .option('--ca-file <pem>', "CA certificate (PEM) that signed the SMTP server's certificate")
    .action(
      action((cmd) =>
        withAgent(globals(cmd), async (ctx) => {
          const o = cmd.opts<{
            enable?: boolean;
            disable?: boolean;
            host?: string;
            port?: number;
            security?: string;
            user?: string;
            passwordStdin?: boolean;
            from?: string;
            to?: string[];
            onFailure?: string;
            onHold?: string;
            onSuccess?: string;
            rateLimit?: number;
            reminder?: number;
            webhook?: string;
            webhookUrlStdin?: boolean;
            caFile?: string;
          }>();
          const yesNo = (name: string, v: string | undefined): boolean | undefined => {
            if (v === undefined) return undefined;
            if (/^(yes|true|on)$/i.test(v)) return true;
            if (/^(no|false|off)$/i.test(v)) return false;
            throw new UsageError(`--${name} takes yes or no; got "${v}".`);
          };
          if (o.enable && o.disable) throw new UsageError('Give --enable or --disable, not both.');
          if (o.passwordStdin && o.webhookUrlStdin) throw new UsageError('Standard input holds one secret: give --password-stdin or --webhook-url-stdin, not both (the other can come from its environment variable).');
          const current = ctx.store.getNotifications();
          const changes = Object.fromEntries(
            Object.entries({
              enabled: o.enable ? true : o.disable ? false : undefined,
              host: o.host,
              port: o.port,
              security: o.security,
              user: o.user,
              from: o.from,
              to: o.to,
              onFailure: yesNo('on-failure', o.onFailure),
              onHold: yesNo('on-hold', o.onHold),
              onSuccess: yesNo('on-success', o.onSuccess),
              rateLimitMinutes: o.rateLimit,
              reminderMinutes: o.reminder,
              webhookEnabled: yesNo('webhook', o.webhook),
              caFile: o.caFile,
            }).filter(([, v]) => v !== undefined),
          );
          try {
            ctx.store.saveNotifications({ ...current, ...changes });
          } catch (err) {
            throw err instanceof ConfigError ? err.at('notifications') : err;
          }
          const saved = ctx.store.getNotifications();
          const password = o.passwordStdin ? await readStdin() : process.env.ROSTERSYNC_SMTP_PASSWORD;
          if (password !== undefined) saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [SMTP_PASSWORD_FIELD]: password });
          else {
            const stale = staleSecret(ctx, NOTIFICATIONS_SECRET_OWNER, [SMTP_PASSWORD_FIELD], smtpIdentity(saved));
            if (stale) io.err(`Note: ${stale.message} (--password-stdin or ROSTERSYNC_SMTP_PASSWORD)`);
          }
          const webhookUrl = o.webhookUrlStdin ? await readStdin() : process.env.ROSTERSYNC_WEBHOOK_URL;
          if (webhookUrl !== undefined) {
            if (!/^https?:\/\/\S+$/.test(webhookUrl)) throw new UsageError('The webhook URL must start with https:// (or http:// on a trusted network) and hold no spaces.');
            saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [WEBHOOK_URL_FIELD]: webhookUrl });
          }
          const sealed = [password !== undefined ? 'password' : '', webhookUrl !== undefined ? 'webhook URL' : ''].filter(Boolean);
          print(globals(cmd), { ...saved, passwordChanged: password !== undefined, webhookUrlChanged: webhookUrl !== undefined }, () =>
            `Notification settings saved${sealed.length ? ` (${sealed.join(' and ')} stored sealed)` : ''}. Send a test: ${followUp(globals(cmd), 'notify test')}`,
          );
          return 0;
        }),
      ),
    );

  notify
    .command('test')
    .description('send a test alert on every channel (mail to the recipients or --to, and the webhook), whatever the on/off settings')
    .option('--to <addresses>', 'send the mail to these addresses instead, comma-separated', list)
    .action(
      action((cmd) =>
        withAgent(globals(cmd), async (ctx) => {
          const o = cmd.opts<{ to?: string[] }>();
          const config = ctx.store.getNotifications();
          const channels = activeChannels(config);
          if (!channels.length) throw new UsageError('No channel is set up: set an SMTP server (rostersync notify set --host …) or a webhook (--webhook on --webhook-url-stdin).');
          let failed = 0;
          for (const channel of channels) {
            try {
              if (channel === 'email') {
                const receipt = await sendTestMail(ctx, { to: o.to });
                if (receipt.rejected.length) failed++;
                io.out(`Test mail accepted for ${receipt.accepted.join(', ')}${receipt.rejected.length ? `; refused for ${receipt.rejected.join(', ')}` : ''}.`);
              } else {
                const url = loadSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [WEBHOOK_URL_FIELD])[WEBHOOK_URL_FIELD];
                if (!url) throw new Error('no webhook URL is stored (rostersync notify set --webhook-url-stdin)');
                const now = new Date();
                await postWebhook(url, webhookPayload(composeTestMail({ host: hostname(), homeArg: '' }, now), { event: 'test', host: hostname(), at: now.toISOString() }));
                io.out(`Test alert posted to the webhook ${describeWebhook(url)}.`);
              }
            } catch (err) {
              failed++;
              io.err(`Test ${channel === 'email' ? 'mail' : 'webhook'} not sent: ${(err as Error).message}`);
            }
          }
          return failed ? 1 : 0;
        }),
      ),
    );
}
