/**
 * GUI end-to-end in Chromium (#12): from an empty data folder, a RosarioSIS-shaped PostgreSQL
 * database (test/fixtures/sis/rosariosis.sql, read through a read-only login) becomes a valid
 * OneRoster 1.1 delivery with no SQL typed: add source → test → detect → use the profile → add a
 * folder destination (OneRoster 1.1) → preview → sync now; the delivered row counts match the fixture.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, openPage, screenshot as saveScreenshot, screenshotIfFailed, startUi, unlabelledControls, type RunningUi } from '../helpers/browser.js';
import { createPostgresDatabase, PG_HOST, PG_PORT, type TestDatabase } from '../helpers/databases.js';
import { checkOneRosterSet } from '../helpers/oneroster-check.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/sis/rosariosis.sql');
/** Rows per entity the fixture's current year holds (test/integration/profiles-postgres.test.ts checks them entity by entity). */
const COUNTS = { schools: 2, terms: 8, courses: 4, classes: 5, students: 7, teachers: 4, guardians: 3, enrollments: 15 };
const SOURCE = 'rosario';
const DEST = 'oneroster-folder';

let work: string;
let outbox: string;
let db: TestDatabase;
let login: { user: string; secrets: Record<string, string> };
let ui: RunningUi;
let browser: Browser;
let page: Page;
let pageErrors: () => string[];

async function screenshot(target: Page, name: string): Promise<void> {
  await saveScreenshot(target, name);
  expect(await unlabelledControls(target), `unlabelled form fields on screen ${name}`).toEqual([]);
}

async function open(screen: 'Dashboard' | 'Sources' | 'Destinations' | 'Mapping'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: screen, exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).first().textContent()).toContain(screen);
}

async function visible(locator: Locator, timeout = 30_000): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout });
  return locator;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-e2e-profile-'));
  outbox = join(work, 'outbox');
  db = await createPostgresDatabase('rs_e2e_rosario');
  await db.exec(readFileSync(FIXTURE, 'utf8'));
  login = await db.createLogin('read-only');
  ui = await startUi(join(work, 'home'));
  browser = await launchChromium();
  ({ page, pageErrors } = await openPage(browser, { width: 1360, height: 1000 }));
}, 120_000);

afterEach(async (ctx) => {
  await screenshotIfFailed(ctx, page, 'profile-');
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.stop();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('GUI: a RosarioSIS database delivered as OneRoster 1.1 without typing SQL', { timeout: 240_000 }, () => {
  it('adds the PostgreSQL source, tests it, detects RosarioSIS and uses its profile in one click', async () => {
    await page.goto(ui.loginUrl);
    await visible(page.getByRole('heading', { name: 'Dashboard', level: 1 }));
    await open('Sources');
    await page.getByRole('link', { name: 'Add source' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(SOURCE);
    await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption('postgres');
    await page.getByRole('textbox', { name: 'Host', exact: true }).fill(PG_HOST);
    await page.getByLabel('Port', { exact: true }).fill(String(PG_PORT));
    await page.getByRole('textbox', { name: 'Database', exact: true }).fill(db.name);
    await page.getByRole('textbox', { name: 'User name', exact: true }).fill(login.user);
    await page.getByLabel('Password', { exact: true }).fill(login.secrets.password!);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(async () => (await page.getByTestId('source-check').textContent()) ?? '', { timeout: 30_000 }).toMatch(/./);
    const detection = await visible(page.getByTestId('source-detection'));
    expect(await detection.textContent()).toMatch(/tables students, student_enrollment, schools, school_marking_periods, courses, course_periods, schedule, staff, students_join_users found: RosarioSIS/);
    expect(await detection.textContent()).toMatch(/Tested in CI against a PostgreSQL fixture/);
    await screenshot(page, 'profile-01-detected');

    await page.getByRole('button', { name: 'Use the RosarioSIS profile' }).click();
    await visible(page.getByTestId('source-profile'));
    await page.getByRole('tab', { name: /^Queries \(8\)/ }).click();
    // The boxes stay empty (the profile's SQL is the grey placeholder) until the admin overrides one.
    const students = page.getByLabel('Students query', { exact: true });
    expect(await students.inputValue()).toBe('');
    expect(await students.getAttribute('placeholder')).toMatch(/custom_200000000/);
    await screenshot(page, 'profile-02-queries-from-profile');
    await page.getByRole('button', { name: 'Override the students query' }).click();
    expect(await students.inputValue()).toMatch(/^WITH RECURSIVE lineage/);
    await page.getByRole('button', { name: 'Use the profile’s query' }).click();
    expect(await students.inputValue()).toBe('');
    await page.getByRole('button', { name: 'Sample students' }).click();
    const sample = await visible(page.getByRole('table', { name: 'Sample of students' }));
    expect(await sample.getByRole('row').count()).toBe(COUNTS.students + 1);
    await page.getByRole('button', { name: 'Save source' }).click();
    await visible(page.getByRole('link', { name: new RegExp(SOURCE) }));
    await screenshot(page, 'profile-03-source-saved');
  });

  it('adds a OneRoster 1.1 folder destination that sends the SIS school codes', async () => {
    await open('Destinations');
    await page.getByRole('link', { name: 'Add destination' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(DEST);
    await page.getByRole('combobox', { name: 'Deliver to' }).selectOption('folder');
    await page.getByRole('textbox', { name: 'Path', exact: true }).fill(outbox);
    await page.getByRole('tab', { name: 'Format' }).click();
    await page.getByRole('combobox', { name: 'Source', exact: true }).selectOption(SOURCE);
    await page.getByRole('combobox', { name: 'Vendor format' }).selectOption('oneroster-1.1');
    await page.getByRole('tab', { name: 'Safety' }).click();
    await page.getByRole('combobox', { name: 'Schools missing from the site ID map' }).selectOption('use-sis-code');
    await page.getByRole('button', { name: 'Save destination' }).click();
    await visible(page.getByRole('link', { name: new RegExp(DEST) }));
    await screenshot(page, 'profile-04-destination');
  });

  it('previews the delivery in the mapping wizard with no column left to map', async () => {
    await open('Mapping');
    await visible(page.getByRole('heading', { name: /Step 1 of 4: Format/ }));
    await page.getByRole('button', { name: 'Next: Columns' }).click();
    await visible(page.getByTestId('required-ok'));
    await page.getByRole('button', { name: 'Next: Preview' }).click();
    const summary = await visible(page.getByTestId('preview-summary'), 90_000);
    expect(await summary.textContent()).not.toMatch(/[1-9]\d* error/);
    await visible(page.getByRole('tab', { name: /users\.csv/ }));
    await screenshot(page, 'profile-05-preview');
  });

  it('syncs now and delivers a valid OneRoster 1.1 set with the fixture’s row counts', async () => {
    await open('Dashboard');
    const grid = await visible(page.getByTestId('dashboard-destinations'));
    await page.getByRole('button', { name: `Sync ${DEST} now` }).click();
    await expect
      .poll(async () => (await grid.getByRole('row').nth(1).textContent()) ?? '', { timeout: 120_000, interval: 1000 })
      .toMatch(/OK|Failed|Held/);
    expect(await grid.getByRole('row').nth(1).textContent()).toContain('OK');
    await screenshot(page, 'profile-06-synced');
    const check = checkOneRosterSet(outbox);
    expect(check.problems).toEqual([]);
    expect(check.rows).toMatchObject({
      orgs: COUNTS.schools,
      academicSessions: COUNTS.terms,
      courses: COUNTS.courses,
      classes: COUNTS.classes,
      users: COUNTS.students + COUNTS.teachers + COUNTS.guardians,
      enrollments: COUNTS.enrollments,
      demographics: COUNTS.students,
    });
    expect(pageErrors()).toEqual([]);
  });
});
