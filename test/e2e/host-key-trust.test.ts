/**
 * Trusting an SFTP server's host key from the destination test, in Chromium against `rostersync ui`
 * and a real OpenSSH server (#15.6): an unknown key is offered for trust beside the failed test (no
 * terminal command), trusting it tests again and passes; after the server's key changes, the test says
 * so, and replacing the trusted key takes a confirmation showing both fingerprints and the warning.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, openPage, screenshot as saveScreenshot, screenshotIfFailed, startUi, unlabelledControls, type RunningUi } from '../helpers/browser.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { startSshd, type SshdServer } from '../helpers/sshd.js';

const DEST = 'vendor-sftp';

let work: string;
let sshd: SshdServer;
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

/** Clicks Test connection and waits for the result; returns the result's notice. */
async function testConnection(): Promise<Locator> {
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByRole('button', { name: 'Test connection' }).waitFor({ state: 'visible', timeout: 60_000 });
  return visible(page.getByTestId('destination-check'), 60_000);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-e2e-hostkey-'));
  const home = join(work, 'home');
  // A district with its SIS (the demo source), so the new destination has something to deliver.
  const demo = await cliInProcess(home)('demo', '--students', '50');
  expect(demo.code, demo.out + demo.err).toBe(0);
  sshd = await startSshd({ label: 'e2e-hostkey' });
  ui = await startUi(home);
  browser = await launchChromium();
  ({ page, pageErrors } = await openPage(browser, { width: 1360, height: 1000 }));
}, 180_000);

afterEach(async (ctx) => {
  await screenshotIfFailed(ctx, page, 'hostkey-');
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await ui?.stop();
  await sshd?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('host key trust from the destination test', { timeout: 180_000 }, () => {
  it('an unknown key: the test offers it for trust in place; trusting tests again and passes', async () => {
    await page.goto(ui.loginUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Destinations', exact: true }).click();
    await page.getByRole('link', { name: 'Add destination' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(DEST);
    // SFTP is the registry's first type: a new destination starts as one.
    expect(await page.getByRole('combobox', { name: 'Deliver to' }).inputValue()).toBe('sftp');
    await page.getByRole('textbox', { name: 'Host', exact: true }).fill(sshd.host);
    await page.getByLabel('Port', { exact: true }).fill(String(sshd.port));
    await page.getByRole('textbox', { name: 'User name', exact: true }).fill(sshd.user);
    await page.getByLabel('Password', { exact: true }).fill(sshd.password);
    await page.getByLabel('Remote folder', { exact: true }).fill('Upload');
    // Signing in with a key shows the key's secrets instead of the password (the descriptor's oneOf per method).
    await page.getByRole('combobox', { name: 'Sign in with' }).selectOption('key');
    await visible(page.getByLabel('Private key', { exact: true }));
    expect(await page.getByLabel('Password', { exact: true }).count()).toBe(0);
    await page.getByRole('combobox', { name: 'Sign in with' }).selectOption('password');
    await page.getByRole('button', { name: 'Save destination' }).click();
    await expect.poll(() => page.url()).toContain(`#/destinations/${DEST}`);

    const check = await testConnection();
    expect(await check.getAttribute('class')).toContain('error');
    const message = (await check.textContent()) ?? '';
    expect(message).toContain('is not trusted yet');
    expect(message).toContain(sshd.hostKeyFingerprint);
    // Nothing to run in a terminal: the button is right here.
    expect(message).not.toMatch(/rostersync|run:/);
    const offer = await visible(page.getByTestId('host-key-offer'));
    expect(await offer.getByTestId('presented-fingerprint').textContent()).toBe(sshd.hostKeyFingerprint);
    await screenshot('hostkey-01-unknown-offered');

    await offer.getByRole('button', { name: 'Trust this key' }).click();
    await expect.poll(() => page.getByTestId('destination-check').getAttribute('class'), { timeout: 60_000 }).toContain('ok');
    expect(await page.getByTestId('destination-check').textContent()).toContain(`Host key ${sshd.hostKeyFingerprint}`);
    expect(await page.getByTestId('trusted-fingerprint').textContent()).toBe(sshd.hostKeyFingerprint);
    expect(await page.getByTestId('host-key-offer').count()).toBe(0);
    await screenshot('hostkey-02-trusted-test-ok');
  });

  it('a changed key: the test says so; replacing it takes a confirmation with both fingerprints and the warning', async () => {
    const old = sshd.hostKeyFingerprint;
    await sshd.restart({ newHostKey: true });
    const changed = sshd.hostKeyFingerprint;
    expect(changed).not.toBe(old);

    const check = await testConnection();
    expect(await check.getAttribute('class')).toContain('error');
    const message = (await check.textContent()) ?? '';
    expect(message).toContain(`presented a different host key: expected ${old}, got ${changed}`);
    expect(message).not.toMatch(/rostersync|run:/);
    const offer = await visible(page.getByTestId('host-key-offer'));
    expect(await offer.textContent()).toContain('presents a different');
    await screenshot('hostkey-03-changed-offered');

    // Cancel keeps the old key.
    await offer.getByRole('button', { name: 'Trust the new key…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replace the trusted host key?' });
    await visible(dialog);
    expect(await dialog.getByTestId('confirm-old-fingerprint').textContent()).toBe(old);
    expect(await dialog.getByTestId('confirm-new-fingerprint').textContent()).toBe(changed);
    expect(await dialog.textContent()).toMatch(/man-in-the-middle/);
    expect(await dialog.textContent()).toMatch(/moved or rebuilt its server/);
    await screenshot('hostkey-04-changed-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.getByTestId('trusted-fingerprint').textContent()).toBe(old);

    await offer.getByRole('button', { name: 'Trust the new key…' }).click();
    await dialog.getByRole('button', { name: 'Replace the key' }).click();
    await expect.poll(() => page.getByTestId('destination-check').getAttribute('class'), { timeout: 60_000 }).toContain('ok');
    expect(await page.getByTestId('trusted-fingerprint').textContent()).toBe(changed);
    await screenshot('hostkey-05-replaced-test-ok');

    // The agent kept it: a fresh load of the destination shows the new key trusted.
    await page.reload();
    expect(await (await visible(page.getByTestId('trusted-fingerprint'))).textContent()).toBe(changed);
    expect(pageErrors()).toEqual([]);
  });
});
