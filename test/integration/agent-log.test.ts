/**
 * The agent's log as an administrator reads it: runs from any command leave started/finished lines
 * with levels in <home>/logs/rostersync.log; an agent killed mid-run and started again leaves its
 * own start lines, the interrupted run and the retry's started/finished lines; `rostersync logs`
 * prints, filters and follows them and refuses bad flags with exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { LAST_SLOT_KEY } from '../../src/scheduler/scheduler.js';
import { scheduleSchema } from '../../src/shared/config.schema.js';
import type { LogRecord } from '../../src/log/logger.js';
import { closeAfterAll } from '../helpers/cleanup.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { killAllStarted, spawnCli } from '../helpers/child-process.js';
import { until } from '../helpers/wait.js';

const opened = closeAfterAll();
let home: string;
let ctx: AgentContext;
let cli: ReturnType<typeof cliInProcess>;

const logRecords = (): LogRecord[] =>
  readFileSync(ctx.layout.logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogRecord);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-agent-log-'));
  opened.dirs.push(home);
  ctx = openAgent(home);
  opened.contexts.push(ctx);
  // big enough that a run is still going a few seconds after its first files are written
  await setupDemo(ctx, { students: 3000 });
  cli = cliInProcess(home);
}, 240_000);
afterAll(killAllStarted);

describe('the log file', () => {
  it('holds run started, stages and finished lines with levels for a run from the CLI', async () => {
    const run = await cli('run', DEMO_DESTINATION, '--json');
    expect(run.code).toBe(0);
    const runId = (JSON.parse(run.out) as { runId: number }[])[0]!.runId;
    const lines = logRecords().filter((r) => r.runId === runId);
    expect(lines[0]).toMatchObject({ level: 'info', event: 'run.started', destination: DEMO_DESTINATION, stage: 'plan', message: `Run of ${DEMO_DESTINATION} started (cli).` });
    expect(lines.at(-1)).toMatchObject({ level: 'info', event: 'run.finished', stage: 'record', message: expect.stringMatching(/^Run success: /) });
    expect(lines.some((r) => r.event === 'run.stage' && r.stage === 'write')).toBe(true);
  }, 120_000);
});

describe('rostersync logs', () => {
  it('prints the log as readable lines, JSON lines with --json, and filters by level and time', async () => {
    const all = await cli('logs');
    expect(all.code).toBe(0);
    expect(all.out).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} [+-]\\d{2}:\\d{2} INFO  \\[${DEMO_DESTINATION} run \\d+ plan\\] Run of ${DEMO_DESTINATION} started \\(cli\\)\\.$`, 'm'));

    const json = await cli('logs', '--json');
    const parsed = json.out.trim().split('\n').map((l) => JSON.parse(l) as LogRecord);
    expect(parsed.map((r) => r.event)).toContain('run.finished');

    const warnings = await cli('logs', '--level', 'warn', '--json');
    expect(warnings.code).toBe(0);
    for (const r of warnings.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord)) expect(['warn', 'error']).toContain(r.level);

    const future = await cli('logs', '--since', '2999-01-01');
    expect(future).toMatchObject({ code: 0, out: '' });
    expect(future.err).toContain('No log lines match.');
  });

  it('refuses a bad --since or --level with exit 2 and says what it takes', async () => {
    const since = await cli('logs', '--since', 'yesterday');
    expect(since.code).toBe(2);
    expect(since.err).toContain('--since takes a time ago (30m, 2h, 7d)');
    expect(since.err).toContain('got "yesterday"');
    const level = await cli('logs', '--level', 'loud');
    expect(level.code).toBe(2);
    expect(level.err).toContain('--level is one of debug, info, warn, error; got "loud".');
  });

  it('--follow prints lines written after it started, until stopped', async () => {
    const follower = spawnCli(['logs', '--follow', '--home', home]);
    await follower.waitFor(/Run success: /, 60_000);
    // a line written by another process while it follows
    const preview = await cli('preview', DEMO_DESTINATION);
    expect(preview.code).toBe(0);
    await follower.waitFor(new RegExp(`Preview of ${DEMO_DESTINATION} started \\(preview\\)`), 60_000);
    follower.child.kill('SIGTERM');
    expect((await follower.exited).code).toBe(0);
  }, 120_000);
});

describe('an agent killed mid-run and started again', () => {
  it("leaves both starts, the interrupted run and the retry's started/finished lines, with levels", async () => {
    const d = ctx.store.getDestination(DEMO_DESTINATION)!;
    ctx.store.saveDestination({ ...d, schedule: scheduleSchema.parse({ enabled: true, preset: 'nightly', time: '02:00', timezone: 'UTC' }) });
    ctx.store.setDestinationState(DEMO_DESTINATION, LAST_SLOT_KEY, new Date(Date.now() - 3 * 86_400_000).toISOString());
    const before = ctx.store.listRuns({ limit: 1 })[0]?.id ?? 0;
    try {
      const first = spawnCli(['agent', '--home', home, '--no-api']);
      const killed = await until('the catch-up run to be mid-way', () => {
        const run = ctx.store.listRuns({ limit: 1 })[0];
        if (!run || run.id <= before || run.status !== 'running') return undefined;
        return ctx.store.getRunDetail(run.id, 0)!.events.some((e) => e.stage === 'write') ? run : undefined;
      }, 120_000);
      // the agent prints its log on standard output, readable
      await first.waitFor(/INFO {2}RosterSync agent running: 1 scheduled destination\(s\)/);
      first.child.kill('SIGKILL');
      await first.exited;

      const second = spawnCli(['agent', '--home', home, '--no-api']);
      await until('the retry to finish', () => logRecords().find((r) => r.event === 'run.finished' && r.runId !== undefined && r.runId > killed.id), 120_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${second.stdout()}\n${second.stderr()}`);
      });
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);

      const lines = logRecords().filter((r) => new Date(r.time).getTime() >= new Date(killed.startedAt).getTime() - 60_000);
      const pick = (event: string): LogRecord[] => lines.filter((r) => r.event === event);
      expect(pick('agent.starting').map((r) => r.pid)).toEqual([first.pid, second.pid]);
      expect(pick('agent.started').every((r) => r.level === 'info')).toBe(true);
      expect(pick('run.started').find((r) => r.runId === killed.id)).toMatchObject({ level: 'info', pid: first.pid, message: `Run of ${DEMO_DESTINATION} started (catch-up).` });
      expect(pick('run.finished').some((r) => r.runId === killed.id)).toBe(false);
      expect(pick('run.interrupted')).toEqual([expect.objectContaining({ level: 'warn', pid: second.pid, message: `Run ${killed.id} was interrupted (its process stopped before it finished); recorded as failed.` })]);
      expect(pick('run.retry')).toEqual([expect.objectContaining({ level: 'warn', destination: DEMO_DESTINATION, pid: second.pid })]);
      expect(pick('incident.opened')).toEqual([expect.objectContaining({ level: 'warn', destination: DEMO_DESTINATION, runId: killed.id })]);
      const retry = pick('run.started').find((r) => r.runId! > killed.id)!;
      expect(retry).toMatchObject({ level: 'info', pid: second.pid });
      expect(pick('run.finished').find((r) => r.runId === retry.runId)).toMatchObject({ level: 'info', message: expect.stringMatching(/^Run success: /) });
      expect(pick('agent.stopped')).toEqual([expect.objectContaining({ level: 'info', pid: second.pid })]);
    } finally {
      ctx.store.saveDestination({ ...ctx.store.getDestination(DEMO_DESTINATION)!, schedule: scheduleSchema.parse({}) });
    }
  }, 300_000);
});
