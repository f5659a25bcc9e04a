/**
 * `rostersync ui`: serves the GUI and API on a fresh home, prints a login URL whose fragment holds
 * the key, answers API calls made with that key, points a second `ui` at the running server, and
 * cleans up when stopped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliKit, type CliIo } from '../../src/cli/cli-kit.js';
import { serveUi } from '../../src/cli/commands/ui.js';
import { buildCli } from '../../src/cli/main.js';
import { createFetchApi, takeKeyFromFragment, type KeyStorage } from '../../src/shared/api-client.js';

const home = mkdtempSync(join(tmpdir(), 'rs-ui-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function capture(): CliIo & { out: (t: string) => void; lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => void lines.push(t), err: (t) => void errors.push(t) };
}

function memoryStorage(): KeyStorage {
  const data = new Map<string, string>();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('rostersync ui', () => {
  it('is a registered command with --port', () => {
    const ui = buildCli(capture()).commands.find((c) => c.name() === 'ui');
    expect(ui?.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--port', '--renderer']));
  });

  it('serves the GUI, prints the login URL and stops cleanly', async () => {
    const renderer = join(home, 'gui');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>RosterSync GUI</title>');
    const io = capture();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const kit = cliKit({ out: (t) => (io.out(t), listening()), err: io.err }, () => undefined);
    const running = serveUi(kit, { home }, { renderer }, () => stopped);
    await ready;

    const text = io.lines.join('\n');
    const loginUrl = /http:\/\/127\.0\.0\.1:\d+\/#key=\S+/.exec(text)?.[0];
    expect(loginUrl).toBeDefined();
    expect(io.errors.join('\n')).toContain('do not share');
    const url = new URL(loginUrl!);
    const page = await fetch(`${url.origin}/`);
    expect(await page.text()).toContain('RosterSync GUI');

    // the browser client takes the key from the fragment and calls the API with it
    const { key } = takeKeyFromFragment(url.hash, memoryStorage());
    const api = createFetchApi({ baseUrl: url.origin, key: key! });
    expect((await api.getStatus({})).home).toBe(home);
    expect(await api.listDestinations({})).toEqual([]);
    expect(existsSync(join(home, 'api.json'))).toBe(true);

    // a second `ui` without --port points at the server that is already running
    const second = capture();
    const code = await serveUi(cliKit(second, () => undefined), { home, json: true }, {}, () => Promise.resolve());
    expect(code).toBe(0);
    const answer = JSON.parse(second.lines.join('\n')) as { loginUrl: string; started: boolean };
    expect(answer).toMatchObject({ loginUrl, started: false });

    stop();
    expect(await running).toBe(0);
    expect(existsSync(join(home, 'api.json'))).toBe(false);
    await expect(fetch(`${url.origin}/`)).rejects.toThrow();
  });
});
