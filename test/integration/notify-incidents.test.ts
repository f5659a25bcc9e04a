/**
 * Incident alerting end to end, with a real SMTP server and a real HTTP receiver for the webhook
 * on loopback: a failure opens an incident (one alert on each channel), later failures remind
 * only after reminderMinutes, the next delivery sends a recovery alert, and a failure after that
 * is a new incident alerted at once. A channel that is down is visible (`rostersync status`,
 * channel health) and its alerts are retried by the agent's watch. Staleness is found by the
 * watch for a destination that is not scheduled. No alert carries a student's personal values.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, saveSecrets, NOTIFICATIONS_SECRET_OWNER, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { runDestination } from '../../src/agent/runner.js';
import { notificationsSchema, scheduleSchema, type NotificationsConfig } from '../../src/shared/config.schema.js';
import { WEBHOOK_URL_FIELD } from '../../src/notify/webhook.js';
import { channelHealth } from '../../src/notify/channels.js';
import { getIncident } from '../../src/notify/notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ManualClock } from '../../src/scheduler/clock.js';
import { main } from '../../src/cli/main.js';
import { closedPort, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { startHttpReceiver, type TestHttpReceiver } from '../helpers/http-receiver.js';
import { breakOutbox, mendOutbox } from '../helpers/demo-outbox.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

const TO = ['it-director@district.test'];
const MINUTE = 60_000;

let ctx: AgentContext;
let smtp: TestSmtpServer;
let hook: TestHttpReceiver;
let outbox: string;

const configure = (over: Partial<NotificationsConfig> = {}): void =>
  ctx.store.setSetting(
    'notifications',
    notificationsSchema.parse({ enabled: true, host: '127.0.0.1', port: smtp.port, security: 'none', from: 'rostersync@district.test', to: TO, reminderMinutes: 60, webhookEnabled: true, ...over }),
  );
const run = (at: Date) => runDestination(ctx, DEMO_DESTINATION, { trigger: 'schedule', now: () => at });
const statusCli = async (): Promise<{ code: number; text: string }> => {
  const out: string[] = [];
  const code = await main(['node', 'rostersync', 'status', '--home', ctx.layout.home], { out: (t) => out.push(t), err: (t) => out.push(t) });
  return { code, text: out.join('\n') };
};
const hookEvents = (): unknown[] => hook.posts.map((p) => p.body.event);

/** Every value the run's findings name, and the digits of each (a phone number written another way). */
function personalValues(runId: number): string[] {
  const values = ctx.store
    .getRunDetail(runId, 5000)!
    .findings.map((f) => f.value)
    .filter((v): v is string => !!v && v.length >= 4);
  return [...new Set(values.flatMap((v) => [v, v.replace(/\D/g, '')].filter((x) => x.length >= 4)))];
}

beforeAll(async () => {
  ctx = openAgent(mkdtempSync(join(tmpdir(), 'rs-incidents-')));
  outbox = (await setupDemo(ctx, { students: 40 })).outbox;
  smtp = await startSmtpServer();
  hook = await startHttpReceiver();
  saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [WEBHOOK_URL_FIELD]: hook.url });
});
afterAll(async () => {
  await smtp.close();
  await hook.close();
  closeAgent(ctx);
});
beforeEach(() => {
  smtp.messages.length = 0;
  hook.posts.length = 0;
  hook.status = 200;
  onStoreFile(ctx.store, (db) => db.exec(`DELETE FROM destination_state WHERE key LIKE 'notify.%' OR key = 'incident'; DELETE FROM settings WHERE key LIKE 'notify.%';`));
  mendOutbox(ctx, outbox);
  ctx.store.saveDestination({ ...ctx.store.getDestination(DEMO_DESTINATION)!, schedule: scheduleSchema.parse({}) });
  configure();
});

describe('a failing destination is one incident', () => {
  it('fail → alert; still failing → one reminder; recovered → alert; fail again → a new incident, alerted at once', async () => {
    const t0 = new Date();
    const at = (minutes: number): Date => new Date(t0.getTime() + minutes * MINUTE);
    breakOutbox(ctx);
    const first = await run(at(0));
    expect(first.status).toBe('failed');
    expect(smtp.messages.map((m) => m.subject)).toEqual([`[RosterSync] demo-outbox: FAILED — incident opened (run ${first.runId})`]);
    expect(hookEvents()).toEqual(['incident.opened']);
    expect(hook.posts[0]!.body).toMatchObject({ destination: DEMO_DESTINATION, runId: first.runId, status: 'failed', subject: smtp.messages[0]!.subject });
    expect(String(hook.posts[0]!.body.text)).toContain('Delivery to demo-outbox failed');
    expect(getIncident(ctx, DEMO_DESTINATION)).toMatchObject({ cause: 'failing', failures: 1, firstRunId: first.runId });

    await run(at(10));
    await run(at(30));
    expect(smtp.messages).toHaveLength(1);
    expect(hook.posts).toHaveLength(1);

    const reminded = await run(at(61));
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[1]!.subject).toBe('[RosterSync] demo-outbox: still failing after 1 h 1 min (4 failed runs)');
    expect(smtp.messages[1]!.text).toContain(`Run:         ${reminded.runId} (schedule), FAILED`);
    expect(hookEvents()).toEqual(['incident.opened', 'incident.reminder']);
    await run(at(70));
    expect(smtp.messages).toHaveLength(2);

    const status = await statusCli();
    expect(status.code).toBe(1);
    expect(status.text).toMatch(/INCIDENT: {6}failing for \d+ (min|h)/);
    expect(status.text).toContain('5 failed run(s)');

    mendOutbox(ctx, outbox);
    const recovered = await run(at(120));
    expect(recovered.status).toBe('success');
    expect(smtp.messages).toHaveLength(3);
    expect(smtp.messages[2]!.subject).toBe(`[RosterSync] demo-outbox: recovered after 2 h (run ${recovered.runId})`);
    expect(smtp.messages[2]!.text).toContain('Delivered again after 2 h. The last problem was: Delivery to demo-outbox failed');
    expect(hookEvents().at(-1)).toBe('incident.recovered');
    expect(getIncident(ctx, DEMO_DESTINATION)).toBeUndefined();
    expect((await statusCli()).code).toBe(0);

    // a failure five minutes after the recovery is a new incident: no rate limit swallows it
    breakOutbox(ctx);
    const again = await run(at(125));
    expect(smtp.messages).toHaveLength(4);
    expect(smtp.messages[3]!.subject).toBe(`[RosterSync] demo-outbox: FAILED — incident opened (run ${again.runId})`);
    expect(getIncident(ctx, DEMO_DESTINATION)).toMatchObject({ failures: 1, firstRunId: again.runId });
  });
});

describe('a channel that is down', () => {
  it('is visible in `rostersync status` and its alert is retried by the agent’s watch until it goes through', async () => {
    const down = await closedPort();
    configure({ port: down });
    breakOutbox(ctx);
    const t0 = new Date();
    const failed = await run(t0);
    // the webhook took the alert; the mail waits
    expect(hookEvents()).toEqual(['incident.opened']);
    expect(smtp.messages).toHaveLength(0);
    const [email] = channelHealth(ctx);
    expect(email).toMatchObject({ channel: 'email', failing: true, waiting: 1 });
    expect(email!.lastError).toMatch(/ECONNREFUSED/);
    const event = ctx.store.getRunDetail(failed.runId)!.events.find((e) => e.stage === 'notify' && e.level === 'warn' && e.message.startsWith('Notification'));
    expect(event?.message).toMatch(/^Notification sent: email failed \(SMTP .*ECONNREFUSED.*\); it will be retried; posted to the webhook\.$/);
    const status = await statusCli();
    expect(status.code).toBe(1);
    expect(status.text).toMatch(/email: FAILING since .*ECONNREFUSED.* \(1 alert\(s\) waiting for a retry\)/);

    const logs: string[] = [];
    const clock = new ManualClock(new Date(t0.getTime() + 6 * MINUTE));
    const scheduler = new Scheduler(ctx, { run: (name, request) => runDestination(ctx, name, request), clock, log: (level, message) => logs.push(`${level}: ${message}`) });
    // still down at the first retry: logged once, kept for the next
    await scheduler.watch();
    expect(logs.filter((l) => l.includes('the email channel is failing'))).toHaveLength(1);
    expect(channelHealth(ctx)[0]).toMatchObject({ failing: true, waiting: 1 });
    await scheduler.watch();
    expect(logs.filter((l) => l.includes('the email channel is failing'))).toHaveLength(1);

    configure(); // the mail server is back
    await clock.advance(15 * MINUTE);
    await scheduler.watch();
    expect(smtp.messages.map((m) => m.subject)).toEqual([`[RosterSync] demo-outbox: FAILED — incident opened (run ${failed.runId})`]);
    expect(channelHealth(ctx)[0]).toMatchObject({ channel: 'email', failing: false, waiting: 0 });
    expect(logs).toContain('info: Notifications: 1 alert(s) that had failed were sent on retry.');
    expect(logs).toContain('info: Notifications: the email channel works again.');
  });

  it('a webhook that answers an error keeps the alert for a retry, and says so', async () => {
    hook.status = 503;
    breakOutbox(ctx);
    const failed = await run(new Date());
    expect(smtp.messages).toHaveLength(1);
    const webhook = channelHealth(ctx).find((c) => c.channel === 'webhook');
    expect(webhook).toMatchObject({ failing: true, waiting: 1 });
    expect(webhook!.lastError).toBe('Webhook http://127.0.0.1:' + new URL(hook.url).port + '/… answered HTTP 503: receiver refused');
    // the token in the URL's path is never shown
    expect(JSON.stringify(ctx.store.getRunDetail(failed.runId)!.events)).not.toContain('T0KEN');
  });
});

describe('staleness, found by the watch', () => {
  it('a destination that is not scheduled still opens a stale incident, and the next delivery closes it', async () => {
    expect((await run(new Date())).status).toBe('success');
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    ctx.store.saveDestination({ ...d, schedule: scheduleSchema.parse({ enabled: false, staleAfterHours: 2 }) });
    const clock = new ManualClock(new Date(Date.now() + 3 * 60 * MINUTE));
    const scheduler = new Scheduler(ctx, { run: (name, request) => runDestination(ctx, name, request), clock });
    await scheduler.watch();
    expect(smtp.messages.map((m) => m.subject)).toEqual(['[RosterSync] demo-outbox: no delivery for too long — incident opened']);
    expect(smtp.messages[0]!.text).toMatch(/No successful delivery to demo-outbox for 3 hours \(last \d{4}-\d\d-\d\dT[\d:.]+Z\); the limit is 2 hours\./);
    await clock.advance(10 * MINUTE);
    await scheduler.watch();
    expect(smtp.messages).toHaveLength(1);
    const delivered = await run(clock.now());
    expect(delivered.status).toBe('success');
    expect(smtp.messages[1]!.subject).toMatch(/^\[RosterSync\] demo-outbox: recovered after 10 min \(run \d+\)$/);
  });
});

describe('no personal values in any alert', () => {
  it('mail and webhook bodies hold no finding value and no phone digits, however the message spells them', async () => {
    configure({ onSuccess: true });
    const result = await run(new Date());
    expect(result.status).toBe('success');
    const values = personalValues(result.runId);
    expect(values.length).toBeGreaterThan(0); // the demo district has malformed phone numbers
    const phones = ctx.store.getRunDetail(result.runId, 5000)!.findings.filter((f) => f.column === 'phone');
    expect(phones.length).toBeGreaterThan(0);
    expect(smtp.messages).toHaveLength(1);
    const bodies = [smtp.messages[0]!.text, JSON.stringify(hook.posts.map((p) => p.body))];
    expect(bodies[0]).toContain('[value hidden]');
    for (const body of bodies) {
      for (const v of values) expect(body, `a finding value (${v.length} characters) appears in an alert`).not.toContain(v);
    }
  });
});
