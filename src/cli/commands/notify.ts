/**
 * `rostersync notify show|set|test`: the SMTP notification settings (the password is a sealed
 * secret of owner `notifications`, read from standard input or ROSTERSYNC_SMTP_PASSWORD, never
 * from the command line) and a test mail.
 */
import type { Command } from 'commander';
import { saveSecrets, loadSecrets } from '../../agent/context.js';
import { notificationsSchema, describeZodError } from '../../shared/config.schema.js';
import { NOTIFICATIONS_SECRET_OWNER, SMTP_PASSWORD_FIELD, mailerProblems } from '../../notify/mailer.js';
import { sendTestMail } from '../../notify/notifier.js';
import { UsageError, withAgent, type CliKit } from '../cli-kit.js';

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
  const notify = program.command('notify').description('e-mail notifications: settings and a test mail');

  notify
    .command('show')
    .description('print the notification settings (the password is never shown)')
    .action(
      action((cmd) =>
        withAgent(globals(cmd), (ctx) => {
          const config = ctx.store.getNotifications();
          const hasPassword = loadSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [SMTP_PASSWORD_FIELD])[SMTP_PASSWORD_FIELD] !== undefined;
          const problems = config.enabled ? mailerProblems(config) : [];
          print(globals(cmd), { ...config, passwordSet: hasPassword, problems }, () =>
            [
              `Notifications: ${config.enabled ? 'on' : 'off'}`,
              `SMTP: ${config.host || '—'}:${config.port} (${config.security})${config.user ? `, login ${config.user}${hasPassword ? ' (password set)' : ' (no password set)'}` : ''}`,
              `From: ${config.from || '—'}`,
              `To: ${config.to.join(', ') || '—'}`,
              `On failure: ${config.onFailure ? 'yes' : 'no'}   On hold: ${config.onHold ? 'yes' : 'no'}   On success: ${config.onSuccess ? 'yes' : 'no'}`,
              `At most one mail per destination and status every ${config.rateLimitMinutes} minute(s)`,
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
    .option('--port <n>', 'SMTP port (465 for TLS, 587 for STARTTLS, 25 plain)', (v) => Number(v))
    .option('--security <mode>', 'starttls, tls or none')
    .option('--user <name>', 'SMTP login (empty for none)')
    .option('--password-stdin', 'read the SMTP password from standard input (or set ROSTERSYNC_SMTP_PASSWORD)')
    .option('--from <address>', 'sender address')
    .option('--to <addresses>', 'recipients, comma-separated', list)
    .option('--on-failure <yes|no>', 'mail failed runs')
    .option('--on-hold <yes|no>', 'mail held runs')
    .option('--on-success <yes|no>', 'mail successful runs')
    .option('--rate-limit <minutes>', 'at most one mail per destination and status within this many minutes', (v) => Number(v))
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
            caFile?: string;
          }>();
          const yesNo = (name: string, v: string | undefined): boolean | undefined => {
            if (v === undefined) return undefined;
            if (/^(yes|true|on)$/i.test(v)) return true;
            if (/^(no|false|off)$/i.test(v)) return false;
            throw new UsageError(`--${name} takes yes or no; got "${v}".`);
          };
          if (o.enable && o.disable) throw new UsageError('Give --enable or --disable, not both.');
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
              caFile: o.caFile,
            }).filter(([, v]) => v !== undefined),
          );
          const parsed = notificationsSchema.safeParse({ ...current, ...changes });
          if (!parsed.success) throw new UsageError(describeZodError(parsed.error, 'notifications.'));
          ctx.store.setSetting('notifications', parsed.data);
          const password = o.passwordStdin ? await readStdin() : process.env.ROSTERSYNC_SMTP_PASSWORD;
          if (password !== undefined) saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [SMTP_PASSWORD_FIELD]: password });
          print(globals(cmd), { ...parsed.data, passwordChanged: password !== undefined }, () =>
            `Notification settings saved${password !== undefined ? ' (password stored sealed)' : ''}. Send a test: rostersync notify test`,
          );
          return 0;
        }),
      ),
    );

  notify
    .command('test')
    .description('send a test mail to the configured recipients (or --to), whatever the on/off settings')
    .option('--to <addresses>', 'send to these addresses instead, comma-separated', list)
    .action(
      action((cmd) =>
        withAgent(globals(cmd), async (ctx) => {
          const o = cmd.opts<{ to?: string[] }>();
          try {
            const receipt = await sendTestMail(ctx, { to: o.to });
            print(globals(cmd), receipt, () => `Test mail accepted for ${receipt.accepted.join(', ')}${receipt.rejected.length ? `; refused for ${receipt.rejected.join(', ')}` : ''}.`);
            return receipt.rejected.length ? 1 : 0;
          } catch (err) {
            io.err(`Test mail not sent: ${(err as Error).message}`);
            return 1;
          }
        }),
      ),
    );
}
