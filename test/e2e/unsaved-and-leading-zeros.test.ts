/**
 * Two admin-GUI safeguards in Chromium against `rostersync ui` on the demo district (#15.6):
 *  - the unsaved-changes guard: an edited source name makes the sidebar, a link and the back button
 *    ask "Discard unsaved changes?" — Keep editing stays with the edit, Discard changes leaves without
 *    saving; the edit typed back to the saved value asks nothing; a reload gets the browser's own
 *    question; every other form opens clean (no question without an edit) and asks once edited;
 *  - site IDs from a vendor file whose codes lost their leading zeros (3, 5, 7 for the SIS's 003,
 *    005, 007): the import names them, offers "Pad to 003, 005, 007?", and the saved map has 003.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { DEMO_DESTINATION, DEMO_SOURCE } from '../../src/agent/demo.js';
import { createFetchApi } from '../../src/shared/api-client.js';
import { launchChromium, openPage, screenshot, screenshotIfFailed, startUi, type RunningUi } from '../helpers/browser.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

let work: string;
let ui: RunningUi;
let browser: Browser;
let page: Page;
let pageErrors: () => string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-e2e-unsaved-'));
  const demo = await cliInProcess(join(work, 'home'))('demo', '--students', '150');
  expect(demo.code, demo.out + demo.err).toBe(0);
  ui = await startUi(join(work, 'home'));
  browser = await launchChromium();
  ({ page, pageErrors } = await openPage(browser, { width: 1360, height: 900 }));
  await page.goto(ui.loginUrl);
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
}, 180_000);

afterEach(async (ctx) => {
  await screenshotIfFailed(ctx, page, 'unsaved-');
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sidebar = (name: string): Locator => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const heading = (name: string): Locator => page.getByRole('heading', { name, level: 1 });
const discardDialog = (): Locator => page.getByRole('dialog', { name: 'Discard unsaved changes?' });
const sourceName = (): Locator => page.getByRole('textbox', { name: 'Name', exact: true });

/** Opens a page by its address, as a bookmark would (the page before it had no edits). */
async function openAt(hash: string, title: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
  await heading(title).waitFor();
}

describe('unsaved changes: the guard', { timeout: 120_000 }, () => {
  it('asks before the sidebar leaves an edited source; Keep editing stays with the edit', async () => {
    await openAt(`#/sources/${DEMO_SOURCE}`, 'Sources');
    await expect.poll(() => sourceName().inputValue()).toBe(DEMO_SOURCE);
    await sourceName().fill('district-sis-renamed');
    await page.getByText('Unsaved changes', { exact: true }).waitFor();
    await sidebar('History').click();
    await discardDialog().waitFor();
    await screenshot(page, 'unsaved-01-discard-dialog');
    await discardDialog().getByRole('button', { name: 'Keep editing' }).click();
    await discardDialog().waitFor({ state: 'hidden' });
    expect(new URL(page.url()).hash).toBe(`#/sources/${DEMO_SOURCE}`);
    expect(await heading('Sources').isVisible()).toBe(true);
    expect(await sourceName().inputValue()).toBe('district-sis-renamed');
  });

  it('asks before the back button and before a link inside the page, and puts the address back', async () => {
    await page.goBack();
    await discardDialog().waitFor();
    await discardDialog().getByRole('button', { name: 'Keep editing' }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/sources/${DEMO_SOURCE}`);
    expect(await sourceName().inputValue()).toBe('district-sis-renamed');

    await page.getByRole('link', { name: 'Add source' }).click();
    await discardDialog().waitFor();
    await discardDialog().getByRole('button', { name: 'Keep editing' }).click();
    expect(new URL(page.url()).hash).toBe(`#/sources/${DEMO_SOURCE}`);
    expect(await sourceName().inputValue()).toBe('district-sis-renamed');
  });

  it('a reload or a closed tab gets the browser’s own question', async () => {
    const asked = new Promise<string>((resolve) => page.once('dialog', (d) => void d.dismiss().then(() => resolve(d.type()))));
    // runBeforeUnload: the page may refuse to close; dismissing the question keeps it open.
    await page.close({ runBeforeUnload: true });
    expect(await asked).toBe('beforeunload');
    expect(page.isClosed()).toBe(false);
    expect(await sourceName().inputValue()).toBe('district-sis-renamed');
  });

  it('typed back to the saved value, the form is clean and leaving asks nothing', async () => {
    await sourceName().fill(DEMO_SOURCE);
    await page.getByText('Unsaved changes', { exact: true }).waitFor({ state: 'hidden' });
    await sidebar('Dashboard').click();
    await heading('Dashboard').waitFor();
    expect(await discardDialog().isVisible()).toBe(false);
  });

  it('Discard changes leaves without saving', async () => {
    await openAt(`#/sources/${DEMO_SOURCE}`, 'Sources');
    await sourceName().fill('district-sis-renamed');
    await sidebar('History').click();
    await discardDialog().getByRole('button', { name: 'Discard changes' }).click();
    await heading('History').waitFor();
    expect(new URL(page.url()).hash).toBe('#/history');
    // Nothing was saved: the source still has its name.
    const api = createFetchApi({ baseUrl: ui.origin, key: ui.key, fetch });
    expect((await api.listSources({})).map((s) => s.config.name)).toEqual([DEMO_SOURCE]);
    // And the next page does not inherit the question.
    await sidebar('Dashboard').click();
    await heading('Dashboard').waitFor();
    expect(await discardDialog().isVisible()).toBe(false);
  });

  /** Every form: opened (and every tab or step visited) without an edit, leaving asks nothing; after `edit`, it asks. */
  const FORMS: readonly { name: string; hash: string; title: string; visit?: () => Promise<void>; edit: () => Promise<void> }[] = [
    {
      name: 'destination editor (schedule tab)',
      hash: `#/destinations/${DEMO_DESTINATION}`,
      title: 'Destinations',
      visit: async () => {
        for (const tab of ['Connection', 'Format', 'Safety', 'Schedule']) await page.getByRole('tab', { name: tab }).click();
      },
      edit: async () => {
        await page.getByRole('tabpanel').getByRole('checkbox').first().click();
      },
    },
    {
      name: 'mapping wizard',
      hash: `#/mapping/${DEMO_DESTINATION}`,
      title: 'Mapping',
      visit: async () => {
        for (const step of ['Columns', 'Preview', 'Save']) await page.getByRole('button', { name: step, exact: true }).click();
        await page.getByRole('button', { name: 'Format', exact: true }).click();
      },
      edit: async () => {
        await page.getByRole('button', { name: 'Columns', exact: true }).click();
        const comesFrom = page.getByRole('combobox', { name: /: comes from$/ }).first();
        await comesFrom.waitFor();
        await comesFrom.selectOption((await comesFrom.inputValue()) === 'field' ? 'const' : 'field');
      },
    },
    {
      name: 'site-ID map',
      hash: `#/sitemap/${DEMO_DESTINATION}`,
      title: 'Site IDs',
      edit: async () => {
        await page.getByLabel('Label for school 003').fill('Lincoln (renamed)');
      },
    },
    {
      name: 'settings: notifications',
      hash: '#/settings',
      title: 'Settings',
      edit: async () => {
        await page.getByLabel('SMTP host').fill('smtp.district.example');
      },
    },
    {
      name: 'settings: retention',
      hash: '#/settings',
      title: 'Settings',
      edit: async () => {
        await page.getByLabel('Keep run history (days)').fill('30');
      },
    },
  ];
  for (const form of FORMS) {
    it(`${form.name}: clean when opened, asks once edited`, async () => {
      await openAt(form.hash, form.title);
      await page.waitForLoadState('networkidle');
      await form.visit?.();
      await page.waitForLoadState('networkidle');
      await sidebar('Audit').click();
      await heading('Audit').waitFor();
      expect(await discardDialog().isVisible(), `${form.name} asked without an edit`).toBe(false);

      await openAt(form.hash, form.title);
      await page.waitForLoadState('networkidle');
      await form.visit?.();
      await form.edit();
      await sidebar('Audit').click();
      await discardDialog().waitFor();
      await discardDialog().getByRole('button', { name: 'Discard changes' }).click();
      await heading('Audit').waitFor();
    });
  }
});

describe('site IDs: codes that lost their leading zeros', { timeout: 120_000 }, () => {
  it('imports 3, 5, 7, offers "Pad to 003, 005, 007?" and saves 003, 005, 007', async () => {
    const file = join(work, 'vendor-sites.csv');
    writeFileSync(file, 'School Code,Site ID,School Name\r\n3,V-3,Lincoln Elementary School\r\n5,V-5,Cedar Ridge Middle School\r\n7,V-7,O\'Keeffe High School\r\n');
    await openAt(`#/sitemap/${DEMO_DESTINATION}`, 'Site IDs');
    await expect.poll(() => page.getByLabel('Vendor site ID for school 003').inputValue()).toBe('SITE-003');
    await page.getByLabel('Import CSV or Excel…').setInputFiles(file);

    const offer = page.getByTestId('leading-zeros');
    await offer.waitFor();
    await offer.getByText('School code 3 (Lincoln Elementary School) is 003 in the source').waitFor();
    expect(await offer.textContent()).toContain(`Compared with the 3 school(s) of source ${DEMO_SOURCE} and the 3 code(s) of the current site map.`);
    expect(await offer.textContent()).toContain('Pad to 003, 005, 007?');
    await screenshot(page, 'leading-zeros-01-offer');

    // Save waits for the answer.
    await page.getByRole('button', { name: 'Save site IDs' }).click();
    await page.getByText('pad them or keep them as imported first').waitFor();

    await offer.getByRole('button', { name: 'Pad to 003, 005, 007' }).click();
    await offer.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByLabel('Vendor site ID for school 003').inputValue()).toBe('V-3');
    await page.getByRole('button', { name: 'Save site IDs' }).click();
    await page.getByText(`Site IDs for ${DEMO_DESTINATION} saved (3 schools).`).waitFor();
    await page.getByText('Every school in the source has a site ID.').waitFor();
    await screenshot(page, 'leading-zeros-02-saved');

    const api = createFetchApi({ baseUrl: ui.origin, key: ui.key, fetch });
    expect((await api.getSiteMap({ destination: DEMO_DESTINATION })).map((e) => [e.schoolCode, e.siteId])).toEqual([
      ['003', 'V-3'],
      ['005', 'V-5'],
      ['007', 'V-7'],
    ]);
  });

  it('raised no page errors', () => {
    expect(pageErrors()).toEqual([]);
  });
});
