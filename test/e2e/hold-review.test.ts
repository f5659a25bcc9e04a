/**
 * The hold review in Chromium: a run that would empty one school at the vendor is held, and its card
 * on the dashboard says who — the school by name, grades and roles, sample names and IDs read from
 * the source — the threshold that tripped and what approving deletes; Sync now waits while the run
 * is held; the approve dialog restates the deletion; a discarded run shows as discarded.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { closeAgent, openAgent } from '../../src/home/context.js';
import { DEMO_DESTINATION } from '../../src/agent/demo.js';
import { launchChromium, openPage, screenshot, screenshotIfFailed, startUi, type RunningUi } from '../helpers/browser.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

let work: string;
let ui: RunningUi;
let browser: Browser;
let page: Page;
let pageErrors: () => string[];
/** The school the site map loses, and its name in the demo SIS. */
let lostCode = '';
let lostName = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-e2e-hold-'));
  const home = join(work, 'home');
  // The demo district with one good delivery to its outbox.
  const demo = await cliInProcess(home)('demo', '--students', '300');
  expect(demo.code, demo.out + demo.err).toBe(0);
  // The vendor's site map loses a school (a re-import from a stale sheet): its people become rows the
  // run leaves out — still in the SIS, no longer delivered. The bad-row budget is opened so the run
  // reaches the guard instead of being blocked.
  const ctx = openAgent(home);
  try {
    const destination = ctx.store.getDestination(DEMO_DESTINATION)!;
    ctx.store.saveDestination({ ...destination, maxBadRowShare: 1 });
    const [lost, ...kept] = ctx.store.getSiteMap(DEMO_DESTINATION);
    lostCode = lost!.schoolCode;
    lostName = lost!.label!;
    ctx.store.replaceSiteMap(DEMO_DESTINATION, kept);
  } finally {
    closeAgent(ctx);
  }
  ui = await startUi(home);
  browser = await launchChromium();
  ({ page, pageErrors } = await openPage(browser, { width: 1360, height: 1000 }));
}, 180_000);

afterEach(async (ctx) => {
  await screenshotIfFailed(ctx, page, 'hold-');
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('hold review in the GUI', { timeout: 180_000 }, () => {
  it('names the school a held run would empty, the threshold and what approving deletes', async () => {
    await page.goto(ui.loginUrl);
    await page.getByRole('button', { name: `Sync ${DEMO_DESTINATION} now` }).click();
    const card = page.getByRole('article', { name: new RegExp(`Held run \\d+ for ${DEMO_DESTINATION}`) });
    await card.waitFor({ state: 'visible', timeout: 120_000 });
    const users = card.getByTestId('removals-users.csv');
    await users.waitFor({ state: 'visible', timeout: 60_000 });
    // The school by name and code as the largest group (its students and teachers; guardians of its students may list another school first).
    expect(await users.locator('summary').textContent()).toMatch(new RegExp(`users\\.csv: (all \\d+|\\d+ of them) from ${lostName.replace(/'/g, '.')} \\(${lostCode}\\)`));
    const bySchool = users.getByRole('table', { name: /by school/ });
    expect(await bySchool.textContent()).toContain(`${lostName} (${lostCode})`);
    // Sample people: a name with its ID in brackets.
    expect(await bySchool.textContent()).toMatch(/[A-Z][a-z]+ [A-Z][\w'-]+ \(\d+\)/);
    expect(await users.getByLabel(/by role/).textContent()).toMatch(/Student \(\d+\)/);
    expect(await users.getByLabel(/by grade/).textContent()).toMatch(/By grade: .+ \(\d+\) · /);
    // The threshold that tripped, and what approving deletes at the vendor.
    expect(await card.textContent()).toMatch(/users\.csv: \d+ of \d+ records \([\d.]+%\) would be removed; the limit is 10%/);
    expect(await card.getByTestId('approve-effect').textContent()).toMatch(new RegExp(`users\\.csv at ${DEMO_DESTINATION} is replaced: \\d+ records there are deleted`));
    // Sync now waits for the decision, and says why.
    const sync = page.getByRole('button', { name: `Sync ${DEMO_DESTINATION} now` });
    expect(await sync.isDisabled()).toBe(true);
    const heldId = /Held run (\d+)/.exec((await card.getAttribute('aria-label')) ?? (await card.textContent()) ?? '')?.[1];
    const reason = page.getByTestId(`held-reason-${DEMO_DESTINATION}`);
    expect(await reason.textContent()).toMatch(/^Run #\d+ is held for approval: review it \(above\), then approve or discard it before a new run\.$/);
    if (heldId) expect(await reason.textContent()).toContain(`#${heldId}`);
    // Recent runs: the held run in one short line with a link to review it; the whole message is on its page.
    const recentHeld = page.getByTestId(/^recent-held-\d+$/);
    expect(await recentHeld.textContent()).toMatch(/^Held: \d+(\.\d)? % of [a-z]+ would be removed — review$/);
    await screenshot(page, 'hold-review-card');
  });

  it('restates the deletion in the approve dialog; a discarded run shows as discarded', async () => {
    const card = page.getByRole('article', { name: /Held run/ });
    await card.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.textContent()).toContain(`from ${lostName} (${lostCode})`);
    expect(await dialog.textContent()).toMatch(/users\.csv at demo-outbox is replaced: \d+ records there are deleted/);
    await screenshot(page, 'hold-review-approve-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await card.getByRole('button', { name: 'Discard' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => page.getByRole('article', { name: /Held run/ }).count(), { timeout: 30_000 }).toBe(0);
    const row = page.getByTestId('dashboard-destinations').getByRole('row').nth(1);
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 30_000 }).toMatch(/Discarded/);
    expect(await row.textContent()).not.toMatch(/Failed/);
    expect(await page.getByRole('button', { name: `Sync ${DEMO_DESTINATION} now` }).isDisabled()).toBe(false);
  });

  it('groups the discarded run\'s findings by rule and column, errors first', async () => {
    await page.getByRole('link', { name: 'History', exact: true }).click();
    await page.getByRole('link', { name: '#2', exact: true }).first().click();
    await page.getByRole('tab', { name: /^Findings/ }).click();
    const groups = page.getByTestId('finding-groups');
    await groups.waitFor({ state: 'visible', timeout: 30_000 });
    const rows = groups.getByRole('row');
    // The first group: the lost school's rows (left out, or its site-map errors), counted, before any warning.
    expect(await rows.nth(1).textContent()).toMatch(/^Error.*(site-map|left-out)\d+.*school code \d+ is not in the site map/);
    // Its samples name where the rows came from in the SIS (left-out rows have no row of their own in the file).
    expect(await rows.nth(1).textContent()).toMatch(/[a-z]+ row \d+; [a-z]+ row \d+/);
    expect(await rows.nth(1).textContent()).not.toMatch(/rows 1, 1/);
    const texts = await rows.allTextContents();
    const firstWarning = texts.findIndex((t) => t.includes('Warning'));
    const lastError = texts.map((t) => t.includes('Error')).lastIndexOf(true);
    expect(firstWarning === -1 || firstWarning > lastError).toBe(true);
    await groups.scrollIntoViewIfNeeded();
    await screenshot(page, 'grouped-findings');
  });

  it('raised no page errors', () => {
    expect(pageErrors()).toEqual([]);
  });
});
