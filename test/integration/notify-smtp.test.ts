/**
 * Notifications delivered to a real SMTP server on loopback (smtp-server): recipients, subject
 * and body for failed, held and successful runs; a failing destination is one incident (one mail,
 * reminders only after reminderMinutes); STARTTLS and implicit TLS with a CA file; and a refusing
 * or absent server never changes the outcome of the sync (the alert waits for a retry).
 * Incidents end to end (recovery, webhook, retries, masking): notify-incidents.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, saveSecrets, smtpIdentity, staleSecret, NOTIFICATIONS_SECRET_OWNER, SMTP_PASSWORD_FIELD, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { runDestination } from '../../src/agent/runner.js';
import { notificationsSchema, type NotificationsConfig } from '../../src/shared/config.schema.js';
import { notifyStale, sendTestMail } from '../../src/notify/notifier.js';
import { channelHealth } from '../../src/notify/channels.js';
import { main } from '../../src/cli/main.js';
import { closedPort, makeCertificate, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { breakOutbox, mendOutbox } from '../helpers/demo-outbox.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

const USER = 'rostersync-mailer';
const PASSWORD = 'Pa55-word!smtp';
const TO = ['it-director@district.test', 'data-team@district.test'];

let ctx: AgentContext;
let smtp: TestSmtpServer;
let outbox: string;

/** Sets the notification settings; pointed at another server, the admin types the password again (a stored one stays with its server). */
const configure = (over: Partial<NotificationsConfig>): void => {
  const config = notificationsSchema.parse({ enabled: true, host: '127.0.0.1', port: smtp.port, security: 'none', user: USER, from: 'rostersync@district.test', to: TO, ...over });
  ctx.store.setSetting('notifications', config);
  if (staleSecret(ctx, NOTIFICATIONS_SECRET_OWNER, [SMTP_PASSWORD_FIELD], smtpIdentity(config))) saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [SMTP_PASSWORD_FIELD]: PASSWORD });
};

const clearNotifyState = (): void => {
  onStoreFile(ctx.store, (db) => db.exec(`DELETE FROM destination_state WHERE key LIKE 'notify.%' OR key = 'incident'; DELETE FROM settings WHERE key LIKE 'notify.%';`));
};
const events = (runId: number): string[] => ctx.store.getRunDetail(runId)!.events.filter((e) => e.stage === 'notify').map((e) => `${e.level}: ${e.message}`);

beforeAll(async () => {
  ctx = openAgent(mkdtempSync(join(tmpdir(), 'rs-notify-')));
  outbox = (await setupDemo(ctx, { students: 40 })).outbox;
  smtp = await startSmtpServer({ user: USER, password: PASSWORD });
  saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [SMTP_PASSWORD_FIELD]: PASSWORD });
});
afterAll(async () => {
  await smtp.close();
  closeAgent(ctx);
});
beforeEach(() => {
  smtp.messages.length = 0;
  clearNotifyState();
  mendOutbox(ctx, outbox);
  configure({});
});

describe('mail after a run', () => {
  it('a failed run mails every recipient with the summary and what to do', async () => {
    breakOutbox(ctx);
    const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
    expect(result.status).toBe('failed');
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.from).toBe('rostersync@district.test');
    expect(mail.to).toEqual(TO);
    expect(mail.user).toBe(USER);
    expect(mail.subject).toBe(`[RosterSync] demo-outbox: FAILED — incident opened (run ${result.runId})`);
    expect(mail.text).toContain('Destination: demo-outbox');
    expect(mail.text).toContain(`Run:         ${result.runId} (schedule)`);
    expect(mail.text).toContain(`Agent:       ${hostname()}`);
    expect(mail.text).toContain('Delivery to demo-outbox failed');
    expect(mail.text).toContain(`rostersync history show ${result.runId} --home ${ctx.layout.home}`);
    expect(mail.text).toContain(`rostersync run demo-outbox --home ${ctx.layout.home}`);
    expect(mail.text).not.toContain(PASSWORD);
    expect(events(result.runId)).toEqual(['warn: Incident opened: demo-outbox is failing.', `info: Notification sent: mailed to ${TO.join(', ')}.`]);
  });

  it('a broken night sends one mail: later failures are recorded, and remind only after reminderMinutes', async () => {
    configure({ reminderMinutes: 60 });
    breakOutbox(ctx);
    const first = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
    const second = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
    const third = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
    expect([first.status, second.status, third.status]).toEqual(['failed', 'failed', 'failed']);
    expect(smtp.messages).toHaveLength(1);
    expect(events(second.runId)[0]).toMatch(/^info: Notification not sent: demo-outbox has been failing since .* \(2 failed runs; the incident was alerted at .*; reminders every 60 minute\(s\)\)\.$/);
    const later = new Date(Date.now() + 61 * 60_000);
    const fourth = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule', now: () => later });
    expect(fourth.status).toBe('failed');
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[1]!.subject).toMatch(/^\[RosterSync\] demo-outbox: still failing after 1 h( \d+ min)? \(4 failed runs\)$/);
  });

  it('success is mailed only when asked for, with files and counts', async () => {
    configure({ onSuccess: false });
    const quiet = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
    expect(quiet.status).toBe('success');
    expect(smtp.messages).toHaveLength(0);
    expect(events(quiet.runId)).toEqual([]);

    configure({ onSuccess: true });
    const loud = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.subject).toBe(`[RosterSync] demo-outbox: delivered (run ${loud.runId})`);
    const users = loud.files.find((f) => f.name === 'users.csv')!;
    expect(mail.text).toContain(`users.csv: ${users.rows} rows`);
    expect(mail.text).toMatch(/Since the last good delivery:\n {2}orgs\.csv: \d+ records \(was \d+; \+0 added, -0 removed, ~0 changed\)/);
  });

  it('previews are never mailed', async () => {
    configure({ onSuccess: true });
    await runDestination(ctx, DEMO_DESTINATION, { trigger: 'preview', dryRun: true });
    expect(smtp.messages).toHaveLength(0);
  });

  it('a held run mails how to approve or discard it', async () => {
    expect((await runDestination(ctx, DEMO_DESTINATION, { trigger: 'cli' })).status).toBe('success');
    smtp.messages.length = 0;
    await setupDemo(ctx, { students: 10 }); // three quarters of the students leave: the guard holds
    try {
      const held = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
      expect(held.status).toBe('held');
      expect(smtp.messages).toHaveLength(1);
      const mail = smtp.messages[0]!;
      expect(mail.subject).toBe(`[RosterSync] demo-outbox: HELD for approval (run ${held.runId})`);
      expect(mail.text).toMatch(/Held because:\n {2}- users\.csv: \d+ of \d+ records .* would be removed/);
      expect(mail.text).toContain(`Deliver: rostersync approve ${held.runId} --home ${ctx.layout.home}`);
      expect(mail.text).toContain(`Discard: rostersync discard ${held.runId} --home ${ctx.layout.home}`);
      expect(mail.text).toMatch(/users\.csv: \d+ records \(was \d+; \+\d+ added, -\d+ removed/);
    } finally {
      await setupDemo(ctx, { students: 40 });
    }
  });

  it('notifications off sends nothing', async () => {
    configure({ enabled: false });
    breakOutbox(ctx);
    await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
    expect(smtp.messages).toHaveLength(0);
  });
});

describe('a failing SMTP server never fails the sync', () => {
  it('refused recipients: the run is still a success and the SMTP error is a run event', async () => {
    const refusing = await startSmtpServer({ refuseRecipients: true });
    try {
      configure({ port: refusing.port, user: '', onSuccess: true });
      const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
      expect(result.status).toBe('success');
      expect(ctx.store.getRun(result.runId)!.status).toBe('success');
      const [event] = events(result.runId);
      expect(event).toMatch(new RegExp(`^warn: Notification not sent: email failed \\(SMTP 127\\.0\\.0\\.1:${refusing.port} \\(none\\): .*550.*\\); it will be retried\\.$`));
      expect(refusing.messages).toHaveLength(0);
    } finally {
      await refusing.close();
    }
  });

  it('a wrong password: recorded without the password, sync unaffected, next failure may try again', async () => {
    saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [SMTP_PASSWORD_FIELD]: 'wrong-password-123' });
    try {
      configure({ onSuccess: true });
      const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
      expect(result.status).toBe('success');
      const [event] = events(result.runId);
      expect(event).toMatch(/^warn: Notification not sent: email failed \(SMTP .*(Invalid username or password|535)/);
      expect(event).not.toContain('wrong-password-123');
      expect(smtp.logins.at(-1)).toEqual({ user: USER, ok: false });
      // the unsent mail waits for a retry, and the channel shows as failing
      expect(channelHealth(ctx)).toEqual([expect.objectContaining({ channel: 'email', failing: true, waiting: 1 })]);
      expect(channelHealth(ctx)[0]!.lastError).not.toContain('wrong-password-123');
    } finally {
      saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [SMTP_PASSWORD_FIELD]: PASSWORD });
    }
  });

  it('nothing listening: the failed run stays failed for its own reason, not the mail', async () => {
    configure({ port: await closedPort() });
    breakOutbox(ctx);
    const result = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule' });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/Delivery to demo-outbox failed/);
    expect(events(result.runId)).toEqual(['warn: Incident opened: demo-outbox is failing.', expect.stringMatching(/^warn: Notification not sent: email failed \(SMTP .*ECONNREFUSED.*\); it will be retried\.$/)]);
  });
});

describe('TLS', () => {
  it('STARTTLS and implicit TLS, trusting the server through caFile', async () => {
    const certificate = makeCertificate();
    for (const security of ['starttls', 'tls'] as const) {
      const server = await startSmtpServer({ tls: security, certificate, user: USER, password: PASSWORD });
      try {
        configure({ port: server.port, security, caFile: certificate.certFile, host: '127.0.0.1' });
        const receipt = await sendTestMail(ctx);
        expect(receipt.accepted).toEqual(TO);
        expect(server.messages).toHaveLength(1);
        expect(server.messages[0]!.secure).toBe(true);
        expect(server.messages[0]!.user).toBe(USER);
      } finally {
        await server.close();
      }
    }
  });

  it('STARTTLS required: an untrusted certificate is an error, not a silent plain-text fallback', async () => {
    const server = await startSmtpServer({ tls: 'starttls', certificate: makeCertificate(), user: USER, password: PASSWORD });
    try {
      configure({ port: server.port, security: 'starttls' });
      await expect(sendTestMail(ctx)).rejects.toThrow(/self[- ]signed certificate/i);
      expect(server.messages).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

describe('stale destinations and the test command', () => {
  it('a stale destination opens an incident; reminders follow reminderMinutes (12 h by default)', async () => {
    const now = new Date();
    const info = { destination: DEMO_DESTINATION, hours: 2184, lastDelivery: '2026-01-01T02:00:00.000Z', limitHours: 2160 };
    expect((await notifyStale(ctx, info, now)).sent).toBe(true);
    expect((await notifyStale(ctx, info, new Date(now.getTime() + 3 * 3_600_000))).sent).toBe(false);
    expect((await notifyStale(ctx, info, new Date(now.getTime() + 13 * 3_600_000))).sent).toBe(true);
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[0]!.subject).toBe('[RosterSync] demo-outbox: no delivery for too long — incident opened');
    expect(smtp.messages[0]!.text).toContain('No successful delivery to demo-outbox for 2184 hours (last 2026-01-01T02:00:00.000Z); the limit is 2160 hours.');
    expect(smtp.messages[1]!.subject).toBe('[RosterSync] demo-outbox: still not delivering (stale) after 13 h');
  });

  it('`rostersync notify test` sends a test mail', async () => {
    const out: string[] = [];
    const code = await main(['node', 'rostersync', 'notify', 'test', '--home', ctx.layout.home], { out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code).toBe(0);
    expect(out.join('')).toContain(`Test mail accepted for ${TO.join(', ')}`);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.subject).toBe('[RosterSync] Test notification');
    expect(smtp.messages[0]!.to).toEqual(TO);

    configure({ port: await closedPort() });
    const failed: string[] = [];
    const failedCode = await main(['node', 'rostersync', 'notify', 'test', '--home', ctx.layout.home], { out: (t) => failed.push(t), err: (t) => failed.push(t) });
    expect(failedCode).toBe(1);
    expect(failed.join('')).toMatch(/Test mail not sent: SMTP 127\.0\.0\.1:\d+ \(none\): .*ECONNREFUSED/);
  });
});
