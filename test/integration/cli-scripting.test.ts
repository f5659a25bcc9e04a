/**
 * The CLI as an administrator scripts it (#16.5): --version; a --home that does not exist is
 * refused (exit 2) except by the commands that set one up; history has a reason column and times
 * with their zone, refuses an unknown destination; history show prints what it says it prints;
 * printed follow-up commands carry the --home they were given.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { scheduleSchema } from '../../src/shared/config.schema.js';
import { REPO_ROOT } from '../helpers/child-process.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { main } from '../../src/cli/main.js';

const opened = closeAfterAll();
let home: string;
let ctx: AgentContext;
let sisPath: string;
let cli: ReturnType<typeof cliInProcess>;

/** The CLI without the helper's --home. */
async function bare(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'rostersync', ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs cli scripting '));
  opened.dirs.push(home);
  ctx = openAgent(home);
  opened.contexts.push(ctx);
  sisPath = (await setupDemo(ctx, { students: 300 })).sisPath;
  const d = ctx.store.getDestination(DEMO_DESTINATION)!;
  ctx.store.saveDestination({ ...d, schedule: scheduleSchema.parse({ timezone: 'America/New_York' }) });
  cli = cliInProcess(home);
  expect((await cli('run', DEMO_DESTINATION)).code).toBe(0);
}, 120_000);

describe('--version', () => {
  it('prints the version of package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await bare('--version');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out.trim()).toBe(version);
  });
});

describe('--home that does not exist', () => {
  it('is refused with exit 2 by commands that read a data folder, and nothing is created', async () => {
    const missing = join(tmpdir(), `rs-no-such-home-${process.pid}`);
    for (const args of [['history'], ['status'], ['logs'], ['run', DEMO_DESTINATION], ['schedules'], ['config', 'export']]) {
      const r = await bare('--home', missing, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(`--home ${missing}: no such folder. Check the path; a new data folder is made only by \`demo\`, \`agent\`, \`ui\`, \`config import\`, \`store restore\`, \`service install\`.`);
    }
    // also when --home comes after the command
    expect((await bare('history', '--home', missing)).code).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });

  it('is made by the commands that set a data folder up', async () => {
    const fresh = join(mkdtempSync(join(tmpdir(), 'rs-fresh-')), 'new-home');
    opened.dirs.push(fresh);
    const exported = join(home, 'config-for-fresh.yaml');
    expect((await cli('config', 'export', exported)).code).toBe(0);
    const imported = await bare('--home', fresh, 'config', 'import', exported);
    expect(imported.err).not.toContain('no such folder');
    expect(existsSync(join(fresh, 'rostersync.db'))).toBe(true);
  });
});

describe('history', () => {
  it('has a reason column and shows times in the destination’s schedule zone, with the zone', async () => {
    const failing = ctx.store.getSource(ctx.store.getDestination(DEMO_DESTINATION)!.source)!;
    ctx.store.saveSource({ ...failing, settings: { ...failing.settings, path: join(home, 'missing-sis.db') } });
    try {
      expect((await cli('run', DEMO_DESTINATION)).code).toBe(1);
    } finally {
      ctx.store.saveSource(failing);
    }
    const r = await cli('history');
    expect(r.code).toBe(0);
    const [header, failed] = r.out.split('\n');
    expect(header).toMatch(/^id\s+destination\s+trigger\s+status\s+started\s+rows\s+errors\s+warnings\s+reason$/);
    const run = ctx.store.listRuns({ limit: 1 })[0]!;
    expect(failed).toMatch(new RegExp(`^${run.id}\\s+${DEMO_DESTINATION}\\s+cli\\s+failed\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} E[SD]T\\s+0\\s+\\d+\\s+\\d+\\s+\\S`));
    expect(failed).toContain(run.message!.slice(0, 20));
  });

  it('refuses an unknown destination, a bad date, status or number with exit 2; a filter that matches nothing says so', async () => {
    const cases: [string[], string][] = [
      [['history', '--destination', 'nosuch'], `--destination: no destination named "nosuch". Configured: ${DEMO_DESTINATION}.`],
      [['history', '--since', 'garbage'], '--since takes a date (YYYY-MM-DD); got "garbage".'],
      [['history', '--limit', 'ten'], '--limit takes a whole number (1 or more); got "ten".'],
      [['history', '--status', 'great'], '--status must be one of'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
    }
    const none = await cli('history', '--since', '2999-01-01');
    expect(none).toMatchObject({ code: 0, out: 'No runs match.\n' });
  });
});

describe('held runs and follow-up commands', () => {
  it('history show prints every finding it says it shows; approve/discard commands carry --home', async () => {
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    ctx.store.saveDestination({ ...d, guard: { ...d.guard, maxChangedShare: 0, minRecordsForShare: 0 } });
    const sis = new Database(sisPath);
    sis.exec(`UPDATE students SET last_name = last_name || 'x' WHERE rowid % 10 = 0`);
    sis.close();
    try {
      const held = await cli('run', DEMO_DESTINATION);
      expect(held.code).toBe(1);
      const run = ctx.store.listRuns({ limit: 1 })[0]!;
      expect(run.status).toBe('held');
      const quotedHome = JSON.stringify(home); // the folder name has spaces
      expect(held.out).toContain(`Approve: rostersync approve ${run.id} --home ${quotedHome}   Discard: rostersync discard ${run.id} --home ${quotedHome}`);
      expect(run.message).toContain(`Approve with: rostersync approve ${run.id} --home ${quotedHome}`);

      const show = await cli('history', 'show', String(run.id));
      const detail = ctx.store.getRunDetail(run.id)!;
      const listed = Math.min(50, detail.findings.length);
      const lines = show.out.split('\n');
      const header = lines.findIndex((l) => l.startsWith(`First ${listed} finding(s)`));
      expect(header).toBeGreaterThan(0);
      expect(lines.slice(header + 1).filter((l) => /^ {2}(ERROR|WARNING) /.test(l))).toHaveLength(listed);

      expect((await cli('discard', String(run.id))).code).toBe(0);
    } finally {
      ctx.store.saveDestination(d);
      const restore = new Database(sisPath);
      restore.exec(`UPDATE students SET last_name = substr(last_name, 1, length(last_name) - 1) WHERE rowid % 10 = 0`);
      restore.close();
    }
  }, 120_000);
});
