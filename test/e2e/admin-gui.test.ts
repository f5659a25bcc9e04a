/**
 * The admin GUI end to end: the real renderer (dist-renderer/) in Debian's Chromium against
 * `rostersync ui` on a fresh data folder, delivering to a real OpenSSH SFTP server.
 *
 * A first-time setup as an IT admin does it: add the SIS (the demo SQLite district) on Sources →
 * add the vendor's SFTP destination and trust its host key → map OneRoster 1.1 in the wizard →
 * import the vendor's site IDs from an .xlsx file → Sync now → open the run in History and see its
 * files and counts. Then a keyboard-only pass through the wizard. Every screen is saved under
 * test-artifacts/screenshots/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parse } from 'csv-parse/sync';
import type { Browser, Locator, Page } from 'playwright-core';
import { createDemoDatabase } from '../../src/demo/sqlite-loader.js';
import { DEMO_QUERIES } from '../../src/demo/queries.js';
import { ENTITIES } from '../../src/shared/format.js';
import { launchChromium, openPage, screenshot as saveScreenshot, screenshotIfFailed, startUi, unlabelledControls, type RunningUi } from '../helpers/browser.js';
import { startSshd, type SshdServer } from '../helpers/sshd.js';
import { PG_ADMIN_USER, PG_HOST } from '../helpers/databases.js';

const SOURCE = 'district-sis';
const DEST = 'vendor-sftp';
const ENTITY_LABEL: Record<string, string> = {
  schools: 'Schools',
  terms: 'Terms',
  courses: 'Courses',
  classes: 'Classes',
  students: 'Students',
  teachers: 'Teachers',
  guardians: 'Guardians',
  enrollments: 'Enrollments',
  roster: 'Roster (student in class)',
};

let work: string;
let home: string;
let sisPath: string;
let siteMapXlsx: string;
let schoolCodes: string[] = [];
let sshd: SshdServer;
let ui: RunningUi;
let browser: Browser;
let page: Page;
let pageErrors: () => string[];

async function writeSiteMapXlsx(file: string, codes: readonly string[]): Promise<void> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Sites');
  sheet.addRow(['School Code', 'Site ID', 'School Name']);
  // Leading zeros must survive: the codes are written as text cells.
  for (const code of codes) sheet.addRow([code, `V-${code}`, `School ${code}`]);
  await book.xlsx.writeFile(file);
}

/** Page scripts as strings: the test project has no DOM types (tsconfig.json is Node-only). */
interface FocusInfo {
  readonly tag: string;
  readonly text: string;
  readonly label: string;
  readonly role: string;
  readonly outline: boolean;
  readonly parentOutline: boolean;
}
const BLUR = '(document.activeElement && document.activeElement.blur(), null)';
const FOCUSED_TEXT = '(document.activeElement ? document.activeElement.textContent : null)';
const FOCUSED = `(() => {
  const a = document.activeElement;
  if (!a) return null;
  const visible = (el) => { const st = getComputedStyle(el); return st.outlineStyle !== 'none' && st.outlineWidth !== '0px'; };
  const byFor = a.id ? document.querySelector('label[for="' + a.id + '"]') : null;
  return {
    tag: a.tagName.toLowerCase(),
    text: (a.textContent || '').trim(),
    label: a.getAttribute('aria-label') || (byFor ? byFor.textContent : '') || '',
    role: a.getAttribute('role') || '',
    outline: visible(a),
    parentOutline: a.parentElement ? visible(a.parentElement) : false,
  };
})()`;

/** Saves a screenshot of the screen and checks that every form field on it has a label. */
async function screenshot(target: Page, name: string): Promise<void> {
  await saveScreenshot(target, name);
  expect(await unlabelledControls(target), `unlabelled form fields on screen ${name}`).toEqual([]);
}

/** Navigates with the sidebar, as a user does. */
async function open(screen: 'Dashboard' | 'Sources' | 'Destinations' | 'Mapping' | 'Site IDs' | 'History' | 'Audit' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: screen, exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).first().textContent()).toContain(screen === 'Site IDs' ? 'Site IDs' : screen);
}

async function visible(locator: Locator, timeout = 30_000): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout });
  return locator;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-e2e-'));
  home = join(work, 'home');
  sisPath = join(work, 'sis', 'district.db');
  createDemoDatabase(sisPath, { students: 400 });
  // The district's school codes, from the demo SIS itself.
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(sisPath, { readonly: true });
  schoolCodes = (db.prepare('SELECT sch_code FROM schools ORDER BY sch_code').all() as { sch_code: string }[]).map((r) => r.sch_code);
  db.close();
  siteMapXlsx = join(work, 'vendor-sites.xlsx');
  await writeSiteMapXlsx(siteMapXlsx, schoolCodes);
  sshd = await startSshd({ label: 'e2e-gui' });
  ui = await startUi(home);
  browser = await launchChromium();
  ({ page, pageErrors } = await openPage(browser, { width: 1360, height: 900 }, { acceptDownloads: true }));
});

afterEach(async (ctx) => {
  await screenshotIfFailed(ctx, page, '');
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.stop();
  await sshd?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('admin GUI: first-time setup in Chromium', { timeout: 180_000 }, () => {
  it('signs in with the login URL and shows an empty dashboard', async () => {
    await page.goto(ui.loginUrl);
    await visible(page.getByRole('heading', { name: 'Dashboard', level: 1 }));
    // The key left the address bar (it stays in sessionStorage only).
    expect(page.url()).not.toContain('key=');
    await visible(page.getByText('No destinations yet.'));
    await screenshot(page, '01-dashboard-empty');
  });

  it('asks for the access key when the page is opened without the login link', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    try {
      const other = await context.newPage();
      await other.goto(`${ui.origin}/`);
      await other.getByRole('heading', { name: 'Sign in to RosterSync' }).waitFor();
      await screenshot(other, '01b-sign-in');
      await other.getByLabel('Access key').fill('not-the-key');
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByTestId('sign-in-error').waitFor();
      await other.getByLabel('Access key').fill(ui.key);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('adds the SQLite SIS on Sources, tests it, browses a table', async () => {
    await open('Sources');
    await page.getByRole('link', { name: 'Add source' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(SOURCE);
    await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption('sqlite');
    await page.getByRole('textbox', { name: 'Path', exact: true }).fill(sisPath);
    await page.getByRole('tab', { name: /^Queries/ }).click();
    for (const entity of ENTITIES) await page.getByLabel(`${ENTITY_LABEL[entity]} query`, { exact: true }).fill(DEMO_QUERIES[entity]);
    await page.getByRole('tab', { name: 'Connection' }).click();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const check = await visible(page.getByTestId('source-check'));
    await expect.poll(() => check.getAttribute('class')).toContain('ok');
    await page.getByRole('button', { name: 'Save source' }).click();
    await visible(page.getByRole('link', { name: new RegExp(SOURCE) }));
    await expect.poll(() => page.url()).toContain(`#/sources/${SOURCE}`);

    // A sample of one entity query.
    await page.getByRole('tab', { name: /^Queries/ }).click();
    await page.getByRole('button', { name: 'Sample schools' }).click();
    const schoolsSample = await visible(page.getByRole('table', { name: 'Sample of schools' }));
    expect(await schoolsSample.getByRole('row').count()).toBe(schoolCodes.length + 1);
    await screenshot(page, '02-sources-saved');

    // Browse tables → columns and sample rows of `students`.
    await page.getByRole('tab', { name: 'Browse tables' }).click();
    await page.getByRole('button', { name: 'List tables' }).click();
    await page.getByRole('button', { name: 'Show students', exact: true }).click();
    const sample = await visible(page.getByRole('table', { name: 'Sample rows of students' }));
    expect(await sample.getByRole('row').count()).toBeGreaterThan(5);
    await page.getByText('Column types').click();
    await visible(page.getByRole('table', { name: 'Columns of students' }));
    await screenshot(page, '03-sources-browse');
  });

  it('adds the SFTP destination, confirms the host key and tests the connection', async () => {
    await open('Destinations');
    await page.getByRole('link', { name: 'Add destination' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(DEST);
    await page.getByRole('combobox', { name: 'Deliver to' }).selectOption('sftp');
    await page.getByRole('textbox', { name: 'Host', exact: true }).fill(sshd.host);
    await page.getByLabel('Port', { exact: true }).fill(String(sshd.port));
    await page.getByRole('textbox', { name: 'User name', exact: true }).fill(sshd.user);
    await page.getByLabel('Password', { exact: true }).fill(sshd.password);
    await page.getByLabel('Remote folder', { exact: true }).fill('Upload');
    await screenshot(page, '04-destination-connection');

    // Host key: fetched from the server, shown, compared, trusted.
    await page.getByRole('button', { name: 'Get the server’s key' }).click();
    const probed = await visible(page.getByTestId('host-key-offer'));
    expect(await probed.textContent()).toContain(sshd.hostKeyFingerprint);
    await screenshot(page, '05-destination-host-key');
    await page.getByRole('button', { name: 'Trust this key' }).click();
    expect(await (await visible(page.getByTestId('trusted-fingerprint'))).textContent()).toBe(sshd.hostKeyFingerprint);

    await page.getByRole('tab', { name: 'Format' }).click();
    await page.getByRole('combobox', { name: 'Source', exact: true }).selectOption(SOURCE);
    await page.getByRole('combobox', { name: 'Vendor format' }).selectOption('oneroster-1.1');
    await screenshot(page, '06-destination-format');
    await page.getByRole('tab', { name: 'Schedule' }).click();
    await page.getByLabel('Run on a schedule').check();
    await page.getByRole('button', { name: 'Add blackout dates' }).click();
    await page.getByLabel('From', { exact: true }).fill('2026-07-01');
    await page.getByLabel('To', { exact: true }).fill('2026-08-15');
    await page.getByLabel('Label', { exact: true }).fill('Summer break');
    await screenshot(page, '07-destination-schedule');
    await page.getByRole('tab', { name: 'Safety' }).click();
    await page.getByLabel('More than this share of records disappears (%)').fill('5');
    await screenshot(page, '08-destination-safety');

    await page.getByRole('button', { name: 'Save destination' }).click();
    await expect.poll(() => page.url()).toContain(`#/destinations/${DEST}`);
    await page.getByRole('tab', { name: 'Connection' }).click();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const check = await visible(page.getByTestId('destination-check'));
    await expect.poll(() => check.getAttribute('class'), { timeout: 30_000 }).toContain('ok');
    await screenshot(page, '09-destination-saved');

    // Another port is another server: the stored password is not kept for it, and the form says so.
    const reenter = page.getByText(`The stored value was saved for ${sshd.user}@${sshd.host}:${sshd.port}; enter it again to use it with the new server.`);
    await page.getByLabel('Port', { exact: true }).fill(String(sshd.port + 1));
    await visible(reenter);
    await page.getByLabel('Port', { exact: true }).fill(String(sshd.port));
    await expect.poll(() => reenter.count()).toBe(0);
  });

  it('maps OneRoster 1.1 with the wizard: suggestions, a transform, live preview, save', async () => {
    await open('Mapping');
    // One destination: the wizard opens on it.
    await visible(page.getByRole('heading', { name: /Step 1 of 4: Format/ }));
    await page.getByLabel(/OneRoster 1.1 CSV \(bulk\)/).check();
    await screenshot(page, '10-mapping-format');
    await page.getByRole('button', { name: 'Next: Columns' }).click();
    await visible(page.getByRole('heading', { name: /Step 2 of 4: Columns/ }));
    await visible(page.getByTestId('mapping-grid'));
    // The demo SIS names its columns as the format expects: no required column is left unmapped.
    await visible(page.getByTestId('required-ok'));

    // Make school names upper case in orgs.csv and watch the live preview follow.
    await page.getByRole('tab', { name: /^orgs\.csv/ }).click();
    await page.getByLabel('name: add a step', { exact: true }).selectOption({ label: 'UPPER CASE' });
    const preview = page.getByTestId('preview-orgs.csv');
    await expect
      .poll(async () => ((await preview.count()) ? ((await preview.getByRole('cell').allTextContents()).join('|')) : ''), { timeout: 30_000 })
      .toMatch(/[A-Z]{3,} [A-Z]{3,}/);
    await screenshot(page, '11-mapping-columns');

    // Leaving a required column unmapped is loud: a list above the grid and a red row.
    await page.getByLabel('type: comes from', { exact: true }).selectOption('const');
    await page.getByLabel('type: fixed value', { exact: true }).fill('');
    await visible(page.getByTestId('required-unmapped'));
    expect(await page.getByTestId('required-unmapped').textContent()).toContain('orgs.csv › type');
    await screenshot(page, '12-mapping-required-unmapped');
    await page.getByLabel('type: comes from', { exact: true }).selectOption('default');
    await visible(page.getByTestId('required-ok'));

    await page.getByRole('button', { name: 'Next: Preview' }).click();
    const summary = await visible(page.getByTestId('preview-summary'), 60_000);
    // no site map yet: every row that names a school is bad, so the destination's error budget would stop the run
    expect(await summary.textContent()).toMatch(/error/);
    await visible(page.getByRole('tab', { name: /academicSessions\.csv/ }));
    await screenshot(page, '13-mapping-preview');

    await page.getByRole('button', { name: 'Next: Save' }).click();
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await visible(page.getByText(/^Saved\./));
    await screenshot(page, '14-mapping-saved');
  });

  it('imports the vendor’s site IDs from an .xlsx file and saves them', async () => {
    await open('Site IDs');
    await visible(page.getByRole('heading', { name: `Site IDs for ${DEST}` }));
    // Before the import every school of the source is listed as unmapped.
    const unmapped = await visible(page.getByRole('table', { name: 'Unmapped schools' }));
    await expect.poll(() => unmapped.getByRole('row').count()).toBe(schoolCodes.length + 1);
    await screenshot(page, '15-site-ids-empty');

    await page.getByLabel('Import CSV or Excel…').setInputFiles(siteMapXlsx);
    await visible(page.getByText(`${schoolCodes.length} schools read from vendor-sites.xlsx`));
    await expect.poll(() => page.getByLabel(`Vendor site ID for school ${schoolCodes[0]}`).inputValue()).toBe(`V-${schoolCodes[0]}`);
    await page.getByRole('button', { name: 'Save site IDs' }).click();
    await visible(page.getByText('Every school in the source has a site ID.'));
    // The saved map stays on screen, leading zeros intact.
    await expect.poll(() => page.getByLabel(`Vendor site ID for school ${schoolCodes[0]}`).inputValue()).toBe(`V-${schoolCodes[0]}`);
    expect(await page.getByRole('table', { name: 'Site ID map' }).getByRole('row').count()).toBe(schoolCodes.length + 1);
    await screenshot(page, '16-site-ids-imported');
  });

  it('syncs now from the dashboard and delivers the files over SFTP', async () => {
    await open('Dashboard');
    const grid = await visible(page.getByTestId('dashboard-destinations'));
    await page.getByRole('button', { name: `Sync ${DEST} now` }).click();
    // The run finishes: the status cell leaves "Running" and shows OK.
    await expect
      .poll(async () => (await grid.getByRole('row').nth(1).textContent()) ?? '', { timeout: 120_000, interval: 1000 })
      .toMatch(/OK|Failed|Held/);
    expect(await grid.getByRole('row').nth(1).textContent()).toContain('OK');
    await screenshot(page, '17-dashboard-after-sync');
    const delivered = readdirSync(sshd.uploadDir).sort();
    expect(delivered).toEqual(expect.arrayContaining(['orgs.csv', 'users.csv', 'classes.csv', 'enrollments.csv', 'manifest.csv']));
    // The site IDs from the spreadsheet went out as the schools' sourcedIds.
    const orgs = parse(readFileSync(join(sshd.uploadDir, 'orgs.csv')), { columns: true, bom: true }) as Record<string, string>[];
    expect(orgs.map((o) => o.sourcedId).sort()).toEqual(schoolCodes.map((c) => `V-${c}`).sort());
    expect(orgs.every((o) => o.name === o.name.toUpperCase())).toBe(true);
  });

  it('opens the run in History and shows its files and counts', async () => {
    await open('History');
    const runs = await visible(page.getByTestId('runs'));
    await expect.poll(() => runs.getByRole('row').count()).toBeGreaterThan(1);
    await screenshot(page, '18-history');
    await runs.getByRole('link', { name: /^#\d+$/ }).first().click();
    await visible(page.getByRole('heading', { level: 1, name: new RegExp(`Run #\\d+ · ${DEST}`) }));
    const files = await visible(page.getByTestId('run-files'));
    const fileText = (await files.textContent()) ?? '';
    for (const name of ['orgs.csv', 'users.csv', 'enrollments.csv']) expect(fileText).toContain(name);
    // Counts: the users.csv row shows as many rows as the delivered file has.
    const users = parse(readFileSync(join(sshd.uploadDir, 'users.csv')), { columns: true, bom: true }) as unknown[];
    const usersRow = files.getByRole('row').filter({ hasText: 'users.csv' });
    expect(await usersRow.textContent()).toContain(users.length.toLocaleString('en-US'));
    const counts = page.getByLabel('Counts');
    expect(await counts.textContent()).toMatch(/Files/);
    await screenshot(page, '19-run-files');
    await page.getByRole('tab', { name: 'Changes' }).click();
    await screenshot(page, '20-run-changes');
    await page.getByRole('tab', { name: /^Findings/ }).click();
    await visible(page.getByTestId('findings'));
    await page.getByLabel(/^Warnings \(/).check();
    await screenshot(page, '21-run-findings');
    await page.getByRole('tab', { name: 'Delivery' }).click();
    await visible(page.getByRole('table', { name: 'Delivery attempts' }));
    await screenshot(page, '22-run-delivery');
    await page.getByRole('tab', { name: /^Log/ }).click();
    await visible(page.getByLabel('Run log'));
    await screenshot(page, '23-run-log');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download report (JSON)' }).click();
    expect((await download).suggestedFilename()).toMatch(/\.json$/);
  });

  it('shows the delivery on Audit with the personal-data columns that held a value, and who received a student', async () => {
    await open('Audit');
    const deliveries = await visible(page.getByTestId('audit'));
    await expect.poll(() => deliveries.getByRole('row').count()).toBeGreaterThan(1);
    const row = deliveries.getByRole('row').filter({ hasText: DEST }).first();
    expect(await row.textContent()).toContain('Complete');
    const users = parse(readFileSync(join(sshd.uploadDir, 'users.csv')), { columns: true, bom: true }) as Record<string, string>[];
    const withName = users.filter((u) => (u.givenName ?? '').trim() !== '').length;
    expect(await row.textContent()).toContain(`givenName (${withName.toLocaleString('en-US')})`);
    const student = users.find((u) => u.role === 'student')!;
    await page.getByLabel('Student ID (as delivered)').fill(student.sourcedId!);
    await page.getByRole('button', { name: 'Look up' }).click();
    const answer = await visible(page.getByTestId('who-received'));
    await expect.poll(async () => (await answer.textContent()) ?? '').toContain('users.csv');
    expect(await answer.textContent()).toContain(DEST);
    await screenshot(page, '23b-audit');
  });

  it('holds a run that changes too much and delivers it after approval on the dashboard', async () => {
    // A tighter safety threshold, set in the GUI.
    await open('Destinations');
    await page.getByRole('link', { name: new RegExp(`^${DEST}`) }).click();
    await page.getByRole('tab', { name: 'Safety' }).click();
    await page.getByLabel('More than this share of records changes (%)').fill('10');
    await page.getByRole('button', { name: 'Save destination' }).click();
    await visible(page.getByText(`Destination ${DEST} saved.`));
    // The SIS changes every student's first name: far more than 10% of users.csv.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(sisPath);
    db.prepare("UPDATE students SET first_name = first_name || 'x'").run();
    db.close();

    await open('Dashboard');
    await page.getByRole('button', { name: `Sync ${DEST} now` }).click();
    const hold = await visible(page.getByRole('article', { name: /Held run \d+ for vendor-sftp/ }), 120_000);
    expect(await hold.textContent()).toMatch(/users\.csv/);
    await screenshot(page, '24-dashboard-held');
    const before = readFileSync(join(sshd.uploadDir, 'users.csv'), 'utf8');
    await hold.getByRole('button', { name: 'Approve' }).click();
    const dialog = await visible(page.getByRole('dialog'));
    await screenshot(page, '25-dashboard-approve-dialog');
    await dialog.getByRole('button', { name: 'Approve and deliver' }).click();
    await expect.poll(() => page.getByRole('article', { name: /Held run/ }).count(), { timeout: 60_000 }).toBe(0);
    const grid = page.getByTestId('dashboard-destinations');
    await expect.poll(async () => (await grid.getByRole('row').nth(1).textContent()) ?? '', { timeout: 60_000 }).toContain('OK');
    const after = readFileSync(join(sshd.uploadDir, 'users.csv'), 'utf8');
    expect(after).not.toBe(before);
    expect(after).toMatch(/x,/);
  });

  it('sets up e-mail notifications on Settings and sends a test mail to a real SMTP server', async () => {
    const received: { to: string[]; body: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, done) {
        let body = '';
        stream.on('data', (c: Buffer) => (body += c.toString('utf8')));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), body });
          done();
        });
      },
    });
    await new Promise<void>((ok) => smtp.listen(0, '127.0.0.1', () => ok()));
    const port = (smtp.server.address() as AddressInfo).port;
    try {
      await open('Settings');
      await visible(page.getByRole('heading', { name: 'Alerts' }));
      expect(await page.getByText(home, { exact: true }).count()).toBe(1);
      await page.getByLabel('Send alerts', { exact: true }).check();
      await page.getByRole('textbox', { name: 'SMTP host' }).fill('127.0.0.1');
      await page.getByRole('spinbutton', { name: 'Port', exact: true }).fill(String(port));
      await page.getByRole('combobox', { name: 'Security' }).selectOption('none');
      await page.getByRole('textbox', { name: 'From', exact: true }).fill('rostersync@district.example');
      await page.getByRole('textbox', { name: 'To', exact: true }).fill('it@district.example');
      await page.getByRole('button', { name: 'Save notifications' }).click();
      await visible(page.getByText('Notification settings saved.'));
      await page.getByRole('button', { name: 'Send test email' }).click();
      const result = await visible(page.getByTestId('test-email-result'));
      await expect.poll(() => result.getAttribute('class')).toContain('ok');
      expect(received.map((m) => m.to)).toEqual([['it@district.example']]);
      await screenshot(page, '26-settings');
    } finally {
      await new Promise<void>((ok) => smtp.close(() => ok()));
    }
  });

  it('walks through the mapping wizard with the keyboard only', async () => {
    await page.goto(`${ui.origin}/#/dashboard`);
    await visible(page.getByRole('heading', { name: 'Dashboard', level: 1 }));
    await page.evaluate(BLUR);

    /** Presses Tab until the focused element matches; fails after `max` presses. Checks focus is visible. */
    const tabTo = async (describe: string, match: (el: FocusInfo) => boolean, max = 120): Promise<void> => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        const el = (await page.evaluate(FOCUSED)) as FocusInfo | null;
        if (el && match(el)) {
          expect(el.outline || el.parentOutline, `focus on ${describe} is visible`).toBe(true);
          return;
        }
      }
      throw new Error(`Tab never reached ${describe} within ${max} presses`);
    };

    await tabTo('the Mapping link', (e) => e.tag === 'a' && e.text === 'Mapping');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: /Step 1 of 4: Format/ }));
    await tabTo('the OneRoster radio', (e) => e.tag === 'input' && /OneRoster 1\.1/.test(e.label));
    await page.keyboard.press('Space');
    await tabTo('Next: Columns', (e) => e.tag === 'button' && e.text === 'Next: Columns');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: /Step 2 of 4: Columns/ }));
    // Focus moved to the step heading: the next Tab continues inside the step.
    await expect.poll(() => page.evaluate(FOCUSED_TEXT)).toMatch(/Step 2 of 4/);
    await visible(page.getByTestId('mapping-grid'));
    await tabTo('the orgs.csv tab', (e) => e.role === 'tab');
    // Arrow keys move between file tabs.
    const before = await page.evaluate(FOCUSED_TEXT);
    await page.keyboard.press('ArrowRight');
    const after = await page.evaluate(FOCUSED_TEXT);
    expect(after).not.toBe(before);
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(FOCUSED_TEXT)).toBe(before);
    expect(before).toContain('orgs.csv');
    // Change the identifier of orgs.csv to a fixed value, by keyboard.
    await tabTo('identifier: comes from', (e) => e.tag === 'select' && e.label === 'identifier: comes from');
    await page.keyboard.press('ArrowDown'); // Format default → Source column
    await page.keyboard.press('ArrowDown'); // → Fixed value
    expect(await page.getByLabel('identifier: comes from').inputValue()).toBe('const');
    await page.keyboard.press('Tab');
    await page.keyboard.type('KB-1');
    expect(await page.getByLabel('identifier: fixed value').inputValue()).toBe('KB-1');
    await screenshot(page, '27-keyboard-columns');
    await tabTo('Next: Preview', (e) => e.tag === 'button' && e.text === 'Next: Preview', 400);
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: /Step 3 of 4: Preview/ }));
    await visible(page.getByTestId('preview-summary'), 60_000);
    await tabTo('Next: Save', (e) => e.tag === 'button' && e.text === 'Next: Save', 400);
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: /Step 4 of 4: Save/ }));
    await tabTo('Save mapping', (e) => e.tag === 'button' && e.text === 'Save mapping');
    await page.keyboard.press('Enter');
    await visible(page.getByText(/^Saved\./));
    await screenshot(page, '28-keyboard-saved');

    // The saved mapping reached the agent.
    const res = await fetch(`${ui.origin}/api/getDestination`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ui.key}` },
      body: JSON.stringify({ name: DEST }),
    });
    const view = (await res.json()) as { config: { mapping: Record<string, Record<string, Record<string, { const?: string }>>> } };
    expect(view.config.mapping['orgs.csv']?.schools?.identifier?.const).toBe('KB-1');
  });

  it('deletes a source only after the confirmation dialog says so', async () => {
    await open('Sources');
    await page.getByRole('link', { name: 'Add source' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('scratch-sis');
    await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption('sqlite');
    await page.getByRole('textbox', { name: 'Path', exact: true }).fill(sisPath);
    await page.getByRole('button', { name: 'Save source' }).click();
    await expect.poll(() => page.url()).toContain('#/sources/scratch-sis');

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = await visible(page.getByRole('dialog', { name: 'Delete source scratch-sis?' }));
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await visible(page.getByRole('link', { name: /scratch-sis/ }));

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await visible(dialog.getByText(/Destinations that read from it stop working/));
    await screenshot(page, '29-delete-source-confirm');
    await dialog.getByRole('button', { name: 'Delete source' }).click();
    await visible(page.getByText('Source scratch-sis deleted.'));
    await expect.poll(() => page.getByRole('link', { name: /scratch-sis/ }).count()).toBe(0);
    await expect.poll(() => page.url()).not.toContain('scratch-sis');
  });

  it('warns in red that a PostgreSQL login can write, with the statements for a read-only login', async () => {
    await open('Sources');
    await page.getByRole('link', { name: 'Add source' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('pg-admin-login');
    await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption('postgres');
    await page.getByRole('textbox', { name: 'Host', exact: true }).fill(PG_HOST);
    await page.getByRole('textbox', { name: 'Database', exact: true }).fill('postgres');
    await page.getByRole('textbox', { name: 'User name', exact: true }).fill(PG_ADMIN_USER);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const warning = await visible(page.getByTestId('source-login-writable'));
    expect(await warning.getAttribute('class')).toContain('error');
    await visible(warning.getByText('This login can write to the SIS'));
    await visible(warning.getByText(/superuser/));
    await visible(warning.getByText(/Runs from this source are refused/));
    expect(await warning.locator('pre').textContent()).toMatch(/GRANT SELECT ON ALL TABLES IN SCHEMA public TO rostersync_reader;/);
    await screenshot(page, '30-source-login-can-write');
  });

  it('raised no page errors', () => {
    expect(pageErrors()).toEqual([]);
  });
});
