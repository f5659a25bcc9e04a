/**
 * The run page says how long a run's generated files are kept (#19.1): a failed preview's files
 * "kept until <date> (7 days, keepUndeliveredDays), then deleted"; after `rostersync purge` the same
 * page says when and how they were deleted. The real renderer in Debian's Chromium against
 * `rostersync ui` on the demo district; screenshots under test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { runDestination } from '../../src/agent/runner.js';
import { launchChromium, screenshot, startUi, watchPageErrors, type RunningUi } from '../helpers/browser.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

let home: string;
let ctx: AgentContext;
let ui: RunningUi;
let browser: Browser;
let page: Page;
let pageErrors: () => string[];
let failedRun: number;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-e2e-retention-'));
  ctx = openAgent(home);
  const demo = await setupDemo(ctx, { students: 150 });
  // A preview that fails: one student's grade no rule knows, and the destination blocks on errors.
  const sis = new Database(demo.sisPath);
  sis.prepare(`UPDATE students SET grade_level = 'ZZ' WHERE rowid = 1`).run();
  sis.close();
  ctx.store.saveDestination({ ...ctx.store.getDestination(DEMO_DESTINATION)!, onValidationError: 'block' });
  const failed = await runDestination(ctx, DEMO_DESTINATION, { trigger: 'preview', dryRun: true });
  expect(failed.status).toBe('failed');
  failedRun = failed.runId;
  ui = await startUi(home);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pageErrors = watchPageErrors(page);
  await page.goto(ui.loginUrl);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await ui?.stop();
  if (ctx) closeAgent(ctx);
  rmSync(home, { recursive: true, force: true });
});

describe('the run page', () => {
  it('says until when a failed preview keeps its files, and after a purge when and how they went', async () => {
    const ended = Date.parse(ctx.store.getRun(failedRun)!.endedAt!);
    const until = new Date(ended + 7 * 86_400_000).toISOString().replace('T', ' ').slice(0, 16);
    await page.goto(`${ui.origin}/#/history/${failedRun}`);
    const retention = page.getByTestId('files-retention');
    await retention.waitFor({ timeout: 30_000 });
    expect(await retention.textContent()).toBe(`kept until ${until} UTC (7 days, keepUndeliveredDays), then deleted.`);
    await screenshot(page, 'retention-01-failed-preview-kept');

    const purged = await cliInProcess(home)('purge', String(failedRun));
    expect(purged.code).toBe(0);
    await page.reload();
    await retention.waitFor({ timeout: 30_000 });
    expect(await retention.textContent()).toMatch(/^deleted \d{4}-\d\d-\d\d \d\d:\d\d UTC \(purged by rostersync purge \(.+\)\)\.$/);
    await screenshot(page, 'retention-02-purged');
    expect(pageErrors()).toEqual([]);
  }, 120_000);
});
