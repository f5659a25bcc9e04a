/**
 * Exit codes exactly as the README says: 0 success, 1 a run (or a connection) failed or was held,
 * 2 a usage or configuration error — for commander's own usage errors in every subcommand too,
 * which are checked in real child processes (commander would otherwise exit the process with 1).
 * And `rostersync schedules` says "running now" only while the lock's process is alive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { closeAgent, openAgent } from '../../src/home/context.js';
import { deadPid, killAllStarted, runCli } from '../helpers/child-process.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

const home = mkdtempSync(join(tmpdir(), 'rs-exit-codes-'));

const cli = cliInProcess(home);

beforeAll(async () => {
  mkdirSync(join(home, 'exports'));
  const destination = (name: string) => ({ name, source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: join(home, name) }, schedule: { enabled: true } });
  const file = join(home, 'config.yaml');
  writeFileSync(
    file,
    YAML.stringify({
      version: 1,
      sources: [{ name: 'sis', type: 'folder', settings: { path: join(home, 'exports') }, entities: { students: { file: 'students.csv' } } }],
      destinations: [destination('alive'), destination('dead')],
    }),
  );
  expect((await cli('config', 'import', file)).code).toBe(0);
});

afterAll(async () => {
  process.exitCode = 0;
  await killAllStarted();
  rmSync(home, { recursive: true, force: true });
});

describe('usage errors exit 2 in every command group', () => {
  /** Commander's own refusals, which it used to end with process.exit(1): checked in real processes. */
  const commanderCases: readonly { args: string[]; message: RegExp }[] = [
    { args: ['history', '--bogus'], message: /unknown option '--bogus'/ },
    { args: ['frobnicate'], message: /unknown command 'frobnicate'/ },
    { args: ['history', 'show'], message: /missing required argument 'runId'/ },
    { args: ['source', 'sample', 'sis', 'students', '--limit', '0'], message: /--limit takes a whole number \(1 to 500\)/ },
  ];

  it('commander usage errors, as separate processes, with the problem on stderr', { timeout: 240_000 }, async () => {
    const results = await Promise.all(commanderCases.map((c) => runCli(['--home', home, ...c.args])));
    results.forEach((r, i) => {
      expect({ args: commanderCases[i]!.args, code: r.code }).toEqual({ args: commanderCases[i]!.args, code: 2 });
      expect(r.stderr).toMatch(commanderCases[i]!.message);
    });
  });

  const cases: readonly { args: string[]; message: RegExp }[] = [
    { args: ['history', '--limit', 'abc'], message: /--limit takes a whole number \(1 or more\); got "abc"/ },
    { args: ['history', '--since', '2026-02-30'], message: /--since takes a date \(YYYY-MM-DD\); got "2026-02-30"/ },
    { args: ['audit', '--since', 'yesterday'], message: /--since takes a date/ },
    { args: ['destination', 'test', 'nope'], message: /No destination named "nope"/ },
    { args: ['notify', 'set', '--port', '99999999'], message: /--port takes a whole number \(1 to 65535\)/ },
    { args: ['format', 'show', 'no-such-format'], message: /No format "no-such-format"/ },
    { args: ['run', 'alive', 'nope'], message: /No destination named "nope"/ },
    { args: ['preview', 'nope'], message: /No destination named "nope"/ },
    { args: ['service', 'status', '--platform', 'amiga'], message: /--platform is linux or windows; got "amiga"/ },
    { args: ['history', 'prune', '--older-than', '-3'], message: /--older-than takes a whole number of days/ },
  ];

  for (const c of cases) {
    it(`${c.args.join(' ')} exits 2`, async () => {
      const result = await cli(...c.args);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(c.message);
    });
  }

  it('help and a successful command exit 0; a failed run exits 1', async () => {
    expect((await cli('--help')).code).toBe(0);
    expect((await cli('history')).code).toBe(0);
    // The export folder has no students.csv: the run fails, which is 1, not a usage error.
    const run = await cli('run', 'alive');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/FAILED/);
  });
});

describe('rostersync schedules', () => {
  it('says "running now" only while the lock holder is alive; a dead holder shows as interrupted', async () => {
    const ctx = openAgent(home);
    const dead = await deadPid();
    try {
      const at = new Date().toISOString();
      const refuse = (): never => {
        throw new Error('already locked');
      };
      ctx.store.locks.take('alive', refuse, () => ({ destination: 'alive', token: 'token-alive', pid: process.pid, host: hostname(), purpose: 'schedule', acquiredAt: at, heartbeatAt: at }));
      ctx.store.locks.take('dead', refuse, () => ({ destination: 'dead', token: 'token-dead', pid: dead, host: hostname(), purpose: 'schedule', acquiredAt: at, heartbeatAt: at }));
    } finally {
      closeAgent(ctx);
    }
    const json = await cli('--json', 'schedules');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.out) as { destination: string; runningNow: { pid: number } | null; staleLock: { pid: number; why: string } | null }[];
    const byName = new Map(rows.map((r) => [r.destination, r]));
    expect(byName.get('alive')).toMatchObject({ runningNow: { pid: process.pid }, staleLock: null });
    expect(byName.get('dead')).toMatchObject({ runningNow: null, staleLock: { pid: dead, why: `process ${dead} is gone` } });

    const text = (await cli('schedules')).out;
    expect(text).toContain(`running now: pid ${process.pid}`);
    expect(text).not.toContain(`running now: pid ${dead}`);
    expect(text).toMatch(new RegExp(`interrupted: the run started .* by pid ${dead} is not running \\(process ${dead} is gone\\)`));
  });
});
