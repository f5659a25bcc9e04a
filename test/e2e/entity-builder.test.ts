/**
 * Issue 12.4 end to end: against a real PostgreSQL holding the demo district with a SIS's raw
 * column names (src/demo/sis-style.ts), an admin adds the source with a read-only login and builds
 * the students query without typing SQL — main table, a join to the demographics side table, a
 * related list of guardians, an "active only" filter, the columns suggested from the SIS's names
 * and checked against 20 sample rows — sees the generated SELECT, previews it, saves the source,
 * and the saved query's sample shows rows. Reopening the builder shows the saved choices.
 * Screenshots under test-artifacts/screenshots/eb-*.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, screenshot as saveScreenshot, screenshotIfFailed, startUi, unlabelledControls, type RunningUi } from '../helpers/browser.js';
import { createPostgresDatabase, PG_HOST, type TestDatabase } from '../helpers/databases.js';
import { loadSisStyleDistrict } from '../helpers/sis-style-builder.js';

const SOURCE = 'sis-style-pg';
const STUDENTS = 200;

let work: string;
let db: TestDatabase;
let reader: Awaited<ReturnType<TestDatabase['createLogin']>>;
let ui: RunningUi;
let browser: Browser;
let page: Page;
let pageErrors: () => string[];

async function screenshot(name: string): Promise<void> {
  await saveScreenshot(page, name);
  expect(await unlabelledControls(page), `unlabelled form fields on screen ${name}`).toEqual([]);
}

async function visible(locator: Locator, timeout = 30_000): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout });
  return locator;
}

const studentsQueryBox = (): Locator => page.locator('.entity-query').filter({ has: page.getByLabel('Students query', { exact: true }) });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-e2e-builder-'));
  db = await createPostgresDatabase('rs_e2e_builder');
  await loadSisStyleDistrict(db, STUDENTS);
  reader = await db.createLogin('read-only');
  ui = await startUi(join(work, 'home'));
  browser = await launchChromium();
  ({ page, pageErrors } = await openPage(browser, { width: 1360, height: 900 }));
}, 180_000);

afterEach(async (ctx) => {
  await screenshotIfFailed(ctx, page, 'eb-');
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.stop();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('entity builder in Chromium', { timeout: 240_000 }, () => {
  it('adds the SIS-style PostgreSQL source with a read-only login', async () => {
    await page.goto(ui.loginUrl);
    await visible(page.getByRole('heading', { name: 'Dashboard', level: 1 }));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources', exact: true }).click();
    await page.getByRole('link', { name: 'Add source' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(SOURCE);
    await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption('postgres');
    await page.getByRole('textbox', { name: 'Host', exact: true }).fill(PG_HOST);
    await page.getByRole('textbox', { name: 'Database', exact: true }).fill(db.name);
    await page.getByRole('textbox', { name: 'User name', exact: true }).fill(reader.user);
    await page.getByLabel('Password', { exact: true }).fill(reader.secrets.password!);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const check = await visible(page.getByTestId('source-check'));
    await expect.poll(() => check.getAttribute('class')).toContain('ok');
  });

  it('builds the students query without SQL: table, join, list, active filter, suggested columns from 20 sample rows', async () => {
    await page.getByRole('tab', { name: /^Queries/ }).click();
    await studentsQueryBox().getByRole('button', { name: 'Build without SQL' }).click();
    const builder = await visible(page.getByTestId('entity-builder-students'));
    await builder.getByRole('combobox', { name: 'Main table or view' }).selectOption('public.students');

    // The SIS's own names are mapped by the suggestions as soon as the sample is in.
    const source = (field: string): Locator => builder.getByRole('combobox', { name: `Source of ${field}`, exact: true });
    await expect.poll(() => source('student_id').inputValue()).toBe('col:b.Student_Number');
    expect(await source('school_codes').inputValue()).toBe('col:b.SchoolID');
    expect(await source('first_name').inputValue()).toBe('col:b.First_Name');
    expect(await source('grade').inputValue()).toBe('col:b.Grade_Level');
    expect(await source('birth_date').inputValue()).toBe('col:b.DOB');
    // Sample values come from the 20-row sample of the table.
    await expect.poll(() => builder.locator('tr[data-field="grade"] td').last().textContent()).toMatch(/\S/);

    // A join to the demographics side table.
    await builder.getByRole('button', { name: 'Add a join' }).click();
    await builder.getByRole('combobox', { name: 'Join 1 table' }).selectOption('public.student_demographics');
    await builder.getByRole('combobox', { name: 'Join 1: its column' }).selectOption('Student_Number');
    await builder.getByRole('combobox', { name: 'Join 1: equals' }).selectOption('b.Student_Number');
    await expect.poll(() => source('ethnicity').inputValue()).toBe('col:j1.FedEthnicity');

    // The guardians of each student, listed from the link table.
    await builder.getByRole('button', { name: 'Add a related list' }).click();
    await builder.getByRole('combobox', { name: 'List 1 table' }).selectOption('public.student_contacts');
    await builder.getByRole('combobox', { name: 'List 1: its column' }).selectOption('stu_id');
    await builder.getByRole('combobox', { name: 'List 1: equals' }).selectOption('b.Student_Number');
    await expect.poll(() => source('guardian_ids').inputValue()).toBe('list:0.ContactID');

    // Active students only.
    await builder.getByRole('button', { name: 'Add a filter' }).click();
    await builder.getByRole('combobox', { name: 'Filter 1 column' }).selectOption('b.Active');
    await builder.getByRole('combobox', { name: 'Filter 1 condition' }).selectOption('in');
    await builder.getByRole('textbox', { name: 'Filter 1 value' }).fill('Y, 1, true');

    const sql = await visible(builder.getByTestId('builder-sql'));
    await expect.poll(() => sql.textContent()).toContain(`WHERE b."Active" IN ('Y', '1', 'true')`);
    const text = (await sql.textContent()) ?? '';
    expect(text).toContain('b."Student_Number" AS "student_id"');
    expect(text).toContain('LEFT JOIN "public"."student_demographics" j1 ON j1."Student_Number" = b."Student_Number"');
    expect(text).toContain(`(SELECT string_agg(CAST(l1."ContactID" AS TEXT), ';'`);
    expect(text).toContain('FROM "public"."students" b');
    await screenshot('eb-01-builder-students');

    await builder.getByRole('button', { name: 'Preview 20 rows' }).click();
    const preview = await visible(builder.getByRole('table', { name: 'Preview of the students query' }));
    await expect.poll(() => preview.getByRole('row').count()).toBe(21);
    await visible(preview.getByRole('columnheader', { name: 'guardian_ids' }));
    await screenshot('eb-02-builder-preview');

    await builder.getByRole('button', { name: 'Use this query' }).click();
    await expect.poll(() => page.getByLabel('Students query', { exact: true }).inputValue()).toContain('FROM "public"."students" b');
  });

  it('saves the source; the saved students query samples rows; the builder reopens with the saved choices', async () => {
    await page.getByRole('button', { name: 'Save source' }).click();
    await visible(page.getByRole('link', { name: new RegExp(SOURCE) }));
    await expect.poll(() => page.url()).toContain(`#/sources/${SOURCE}`);
    await page.getByRole('tab', { name: /^Queries/ }).click();
    await studentsQueryBox().getByRole('button', { name: 'Sample students' }).click();
    const sample = await visible(page.getByRole('table', { name: 'Sample of students' }));
    await expect.poll(() => sample.getByRole('row').count()).toBe(21);
    for (const column of ['student_id', 'school_codes', 'first_name', 'last_name', 'grade', 'guardian_ids', 'ethnicity']) {
      await visible(sample.getByRole('columnheader', { name: column, exact: true }));
    }
    await screenshot('eb-03-saved-sample');

    await studentsQueryBox().getByRole('button', { name: 'Open the builder' }).click();
    const builder = await visible(page.getByTestId('entity-builder-students'));
    expect(await builder.getByRole('combobox', { name: 'Main table or view' }).inputValue()).toBe('public.students');
    expect(await builder.getByRole('combobox', { name: 'Source of guardian_ids', exact: true }).inputValue()).toBe('list:0.ContactID');
    expect(await builder.getByRole('textbox', { name: 'Filter 1 value' }).inputValue()).toBe('Y, 1, true');
    expect(pageErrors()).toEqual([]);
  });
});
