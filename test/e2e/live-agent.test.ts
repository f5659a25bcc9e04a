/**
 * The live agent in Chromium (#15 done-when): `rostersync ui` — the real CLI process — on a fresh
 * home with the demo SIS and its folder destination. A `* * * * *` schedule set and saved in the GUI
 * starts a run within 90 s; the dashboard shows it live (rows read twice, increasing, with rate and
 * ETA) and its end, all without a reload; the next scheduled run is cancelled from the dashboard's
 * Cancel button: "Cancelling…", then `cancelled`, and the vendor's folder still holds the previous
 * delivery, byte for byte.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_DESTINATION } from '../../src/agent/demo.js';
import { createFetchApi } from '../../src/shared/api-client.js';
import type { Api } from '../../src/shared/api.contract.js';
import { launchChromium, openPage, screenshot, screenshotIfFailed, startUi, type RunningUi } from '../helpers/browser.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

/** Large enough that a run lasts several seconds on this machine (rows are read twice while it writes). */
const STUDENTS = 20_000;

let work: string;
let home: string;
let ui: RunningUi;
let api: Api;
let browser: Browser;
let page: Page;
let pageErrors: () => string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-e2e-live-'));
  home = join(work, 'home');
  // The demo district with one good delivery to its outbox: later runs have an ETA basis.
  const demo = await cliInProcess(home)('demo', '--students', String(STUDENTS));
  expect(demo.code, demo.out + demo.err).toBe(0);
  ui = await startUi(home);
  api = createFetchApi({ baseUrl: ui.origin, key: ui.key });
  browser = await launchChromium();
  ({ page, pageErrors } = await openPage(browser, { width: 1440, height: 1000 }));
}, 300_000);

afterEach(async (ctx) => {
  await screenshotIfFailed(ctx, page, 'live-');
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** sha256 of every file in the vendor's folder. */
function outboxDigest(): Record<string, string> {
  const outbox = join(home, 'outbox');
  return Object.fromEntries(
    readdirSync(outbox)
      .sort()
      .map((name) => [name, createHash('sha256').update(readFileSync(join(outbox, name))).digest('hex')]),
  );
}

/** Page script: remembers whether a button ever said "Cancelling…" (an in-process run stops within a second). */
const WATCH_CANCELLING = `new MutationObserver(() => {
  if ([...document.querySelectorAll('button')].some((b) => b.textContent === 'Cancelling…')) window.sawCancelling = true;
}).observe(document.body, { subtree: true, childList: true, characterData: true })`;

const destinations = () => page.getByTestId('dashboard-destinations');
const cancelButton = () => destinations().getByRole('button', { name: new RegExp(`^Cancel run \\d+ of ${DEMO_DESTINATION}$`) });

/** The running run's id, from its Cancel button. */
async function runningRunId(): Promise<number> {
  const label = (await cancelButton().getAttribute('aria-label')) ?? '';
  return Number(/Cancel run (\d+)/.exec(label)![1]);
}

/** The text of run `id`'s row in the dashboard's Recent runs ('' while it is not listed). */
async function recentRunText(id: number): Promise<string> {
  const row = page.getByRole('table', { name: 'Recent runs' }).getByRole('row').filter({ has: page.getByRole('link', { name: `#${id}`, exact: true }) });
  return (await row.count()) ? ((await row.first().textContent()) ?? '') : '';
}

/** The live row count the dashboard shows for the running run. */
async function liveRows(): Promise<number> {
  const text = (await destinations().getByTestId('live-rows').textContent({ timeout: 5000 }).catch(() => null)) ?? '';
  return Number(text.replace(/[^\d]/g, '') || '-1');
}

describe('the live agent in the GUI', { timeout: 600_000 }, () => {
  it('runs a schedule set in the GUI within 90 s and shows its rows rising without a reload, then cancels the next run', async () => {
    await page.goto(ui.loginUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Destinations', exact: true }).click();
    await page.getByRole('link', { name: new RegExp(`^${DEMO_DESTINATION}`) }).click();
    await page.getByRole('tab', { name: 'Schedule' }).click();
    await page.getByLabel('Run on a schedule').check();
    await page.getByRole('combobox', { name: 'When' }).selectOption('cron');
    await page.getByLabel('Cron expression').fill('* * * * *');
    await page.getByRole('button', { name: 'Save destination' }).click();
    await page.getByText(`Destination ${DEMO_DESTINATION} saved.`).first().waitFor({ state: 'visible' });
    const savedAt = Date.now();
    const before = outboxDigest();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
    await expect.poll(() => page.getByTestId('live-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    // A mark on the page: it is still there at the end only if the page was never reloaded.
    await page.evaluate('window.notReloaded = true');

    // The scheduled run appears by itself within 90 s of saving.
    await cancelButton().waitFor({ state: 'visible', timeout: 90_000 });
    expect(Date.now() - savedAt).toBeLessThan(90_000);
    const scheduled = await runningRunId();
    expect((await api.getRun({ id: scheduled })).trigger).toBe('schedule');

    // Its rows, read twice, rise while the page stays as it is.
    await expect.poll(liveRows, { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
    const first = await liveRows();
    await expect.poll(liveRows, { timeout: 60_000, interval: 100 }).toBeGreaterThan(first);
    // The rate and the ETA from the demo's first delivery are on the line too.
    const progress = destinations().getByTestId(`run-progress-${scheduled}`);
    await expect.poll(async () => (await progress.textContent()) ?? '', { timeout: 60_000, interval: 100 }).toMatch(/rows\/s · (about .+ left|almost done)/);
    expect(await progress.textContent()).toMatch(/of about [\d,]+ rows/);
    await screenshot(page, 'live-01-dashboard-during-run');

    // Its end arrives too: Sync now is back and the run is in Recent runs as succeeded (warnings only in the demo).
    await destinations().getByRole('button', { name: `Sync ${DEMO_DESTINATION} now` }).waitFor({ state: 'visible', timeout: 240_000 });
    await expect.poll(() => recentRunText(scheduled), { timeout: 15_000 }).toContain('Succeeded');
    expect((await api.getRun({ id: scheduled })).status).toBe('success');

    // The next minute's run: cancelled from the dashboard.
    await expect.poll(async () => ((await cancelButton().isVisible()) ? await runningRunId() : 0), { timeout: 120_000, interval: 200 }).toBeGreaterThan(scheduled);
    const second = await runningRunId();
    await expect.poll(liveRows, { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
    const deliveredBefore = outboxDigest();
    // Whether "Cancelling…" is ever shown, however briefly (an in-process run stops within a second).
    await page.evaluate(WATCH_CANCELLING);
    await cancelButton().click();
    const dialog = page.getByRole('dialog', { name: `Cancel run #${second} of ${DEMO_DESTINATION}?` });
    await dialog.waitFor({ state: 'visible' });
    await screenshot(page, 'live-02-cancel-confirmation');
    await dialog.getByRole('button', { name: 'Stop the run' }).click();
    // "Cancelling…" until the run's end arrives, then the honest final status.
    await expect.poll(() => recentRunText(second), { timeout: 120_000 }).toContain('Cancelled');
    expect(await page.evaluate('window.sawCancelling === true')).toBe(true);
    expect(await destinations().textContent()).not.toContain('Cancelling…');
    const cancelled = await api.getRun({ id: second });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.message).toMatch(/^Cancelled by an administrator; nothing was delivered\./);
    // Nothing of the cancelled run reached the vendor's folder: it still holds the scheduled run's delivery.
    expect(outboxDigest()).toEqual(deliveredBefore);
    expect(Object.keys(deliveredBefore)).toEqual(Object.keys(before));
    await screenshot(page, 'live-03-dashboard-after-cancel');

    // No more runs: pause the schedules from the dashboard.
    await page.getByRole('button', { name: 'Pause schedules' }).click();
    await page.getByText('Scheduled runs are paused').first().waitFor({ state: 'visible' });
    expect(await page.evaluate('window.notReloaded === true')).toBe(true);
    expect(pageErrors()).toEqual([]);
  });
});
