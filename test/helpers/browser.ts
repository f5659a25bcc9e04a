/**
 * End-to-end test harness for the admin GUI: starts `rostersync ui` on a fresh data folder (the
 * real built CLI: dist/ and dist-renderer/), launches Debian's Chromium through playwright-core,
 * and saves screenshots under test-artifacts/screenshots/.
 *
 * Usage:
 *   const ui = await startUi(home);           // ui.loginUrl, ui.stop()
 *   const browser = await launchChromium();   // browser.close()
 *   await screenshot(page, '01-dashboard');
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots');

/** The GUI tests run the built agent and renderer, exactly what `rostersync ui` serves. */
export function assertBuilt(): void {
  const missing = [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), join(REPO_ROOT, 'dist-renderer', 'index.html')].filter((f) => !existsSync(f));
  if (missing.length) {
    throw new Error(`The GUI end-to-end tests need the build: ${missing.join(', ')} missing. Run "npm run build && npm run build:renderer" first (npm test does).`);
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the GUI end-to-end tests drive Debian's Chromium. Install it with: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface RunningUi {
  readonly loginUrl: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly key: string;
  /** Everything the process printed, for assertion messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

/** Spawns `node bin/rostersync.js ui --home HOME --port 0` and waits for its login URL. */
export async function startUi(home: string, options: { readonly timeoutMs?: number } = {}): Promise<RunningUi> {
  assertBuilt();
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'rostersync.js'), 'ui', '--home', home, '--port', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let exited = false;
  const exitPromise = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      done();
    }),
  );
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, 5000);
    await exitPromise;
    clearTimeout(timer);
  };
  const loginUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`rostersync ui printed no login URL within ${options.timeoutMs ?? 20000} ms. Output:\n${out}`));
    }, options.timeoutMs ?? 20000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const match = /(http:\/\/127\.0\.0\.1:\d+\/#key=\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rostersync ui exited with code ${code} before printing a login URL. Output:\n${out}`));
    });
  });
  const url = new URL(loginUrl);
  const key = decodeURIComponent(url.hash.replace(/^#key=/, ''));
  return { loginUrl, origin: url.origin, key, output: () => out, stop };
}

/** Full-page PNG under test-artifacts/screenshots/NAME.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A page in a fresh browser context with the tests' 30 s default timeout, and its page and console errors collected. */
export async function openPage(browser: Browser, viewport: { readonly width: number; readonly height: number }, options: { readonly acceptDownloads?: boolean } = {}): Promise<{ page: Page; pageErrors: () => string[] }> {
  const page = await (await browser.newContext({ viewport, ...options })).newPage();
  page.setDefaultTimeout(30_000);
  return { page, pageErrors: watchPageErrors(page) };
}

/** In an afterEach: when the test failed, a screenshot `FAILED-<prefix>-<test name>` of what the page showed. */
export async function screenshotIfFailed(ctx: { readonly task: { readonly name: string; readonly result?: { readonly state?: string } } }, page: Page | undefined, prefix: string): Promise<void> {
  if (ctx.task.result?.state !== 'fail' || !page) return;
  await screenshot(page, `FAILED-${prefix}${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
}

/** Collects uncaught page errors and console errors, so a test can assert there were none. */
export function watchPageErrors(page: Page): () => string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  return () => errors;
}

/**
 * Form controls on the page without an accessible name (no <label>, aria-label or
 * aria-labelledby), described by tag, type and id, for an assertion that every field is labelled.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) out.push(el.tagName.toLowerCase() + (el.type ? '[type=' + el.type + ']' : '') + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : ''));
    }
    return out;
  })()`)) as string[];
}
