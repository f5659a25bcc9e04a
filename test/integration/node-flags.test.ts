/**
 * The installed command really runs the pipeline with the agent's Node/V8 flags
 * (src/shared/node-flags.ts): `node bin/rostersync.js run …` started without them starts itself
 * again with them (src/service/relaunch.ts), which the run's agent-log line run.started shows
 * (its `node` field is the run's process.execArgv); ROSTERSYNC_V8_FLAGS replaces them; the exit
 * code, SIGTERM and a child killed by a signal come through the re-launching process unchanged.
 * Runs the built CLI (dist/, as `npm test` builds it first).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { agentNodeFlags, NODE_FLAGS_ENV, RELAUNCHED_ENV } from '../../src/shared/node-flags.js';
import { REPO_ROOT } from '../helpers/child-process.js';
import { until } from '../helpers/wait.js';

const BIN = join(REPO_ROOT, 'bin', 'rostersync.js');
let home: string;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** `node bin/rostersync.js ARGS` as an administrator would start it: no flags, no terminal. */
function rostersync(args: readonly string[], env: NodeJS.ProcessEnv = {}): { pid: number; out: () => string; exited: Promise<Exit> } {
  const base = { ...process.env };
  delete base[NODE_FLAGS_ENV];
  delete base[RELAUNCHED_ENV];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { pid: child.pid!, out: () => out + err, exited };
}

/** The `node` field of the agent-log line run.started of each run, in order. */
function runStartedFlags(): string[] {
  return readFileSync(join(home, 'logs', 'rostersync.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; node?: string })
    .filter((r) => r.event === 'run.started')
    .map((r) => r.node ?? '(none)');
}

/** The child processes of a process (Linux). */
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(' ')
    .filter(Boolean)
    .map(Number);

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'shared', 'node-flags.js'))) throw new Error('These tests run the built CLI: run "npm run build" first (npm test does).');
  home = mkdtempSync(join(tmpdir(), 'rs-node-flags-'));
  const ctx = openAgent(home);
  try {
    await setupDemo(ctx, { students: 40 });
  } finally {
    closeAgent(ctx);
  }
});

describe('rostersync run with the agent’s Node/V8 flags', () => {
  it('runs the pipeline in a process that has the flags for this machine’s cores', async () => {
    const exit = await rostersync(['run', DEMO_DESTINATION, '--home', home]).exited;
    expect(exit.code, exit.err).toBe(0);
    const expected = agentNodeFlags({ cores: availableParallelism(), env: {} });
    expect(expected.length).toBeGreaterThan(0);
    expect(runStartedFlags().at(-1)).toBe(expected.join(' '));
  });

  it('ROSTERSYNC_V8_FLAGS replaces them; set but empty, the run has none; an explicit flag is kept', async () => {
    expect((await rostersync(['run', DEMO_DESTINATION, '--home', home], { [NODE_FLAGS_ENV]: '--v8-pool-size=2 --max-semi-space-size=8' }).exited).code).toBe(0);
    expect(runStartedFlags().at(-1)).toBe('--v8-pool-size=2 --max-semi-space-size=8');
    expect((await rostersync(['run', DEMO_DESTINATION, '--home', home], { [NODE_FLAGS_ENV]: '' }).exited).code).toBe(0);
    expect(runStartedFlags().at(-1)).toBe('');
    const own = spawn(process.execPath, ['--v8-pool-size=3', BIN, 'run', DEMO_DESTINATION, '--home', home], { stdio: 'ignore', env: { ...process.env, [NODE_FLAGS_ENV]: '--v8-pool-size=1 --max-semi-space-size=8' } });
    expect(await new Promise((resolve) => own.on('close', resolve))).toBe(0);
    expect(runStartedFlags().at(-1)).toBe('--v8-pool-size=3 --max-semi-space-size=8');
  });

  it('an invalid ROSTERSYNC_V8_FLAGS stops the command with the reason (exit 2)', async () => {
    const exit = await rostersync(['run', DEMO_DESTINATION, '--home', home], { [NODE_FLAGS_ENV]: 'fast' }).exited;
    expect(exit.code).toBe(2);
    expect(exit.err).toContain('ROSTERSYNC_V8_FLAGS holds "fast"');
  });

  it('passes on the exit code and output of the re-launched command', async () => {
    const exit = await rostersync(['run', 'no-such-destination', '--home', home]).exited;
    expect(exit.code).toBe(2);
    expect(exit.err).toContain('No destination named "no-such-destination"');
  });

  it('SIGTERM to `rostersync agent` stops the agent cleanly (exit 0); a child killed by a signal ends the command with that signal', async () => {
    const agent = rostersync(['agent', '--home', home, '--no-api']);
    await until('the re-launched agent to run', () => /RosterSync agent running/.test(agent.out()) && childrenOf(agent.pid).length === 1, 30_000);
    process.kill(agent.pid, 'SIGTERM');
    const stopped = await agent.exited;
    expect(stopped.out).toContain('Stopping (SIGTERM received).');
    expect(stopped.code).toBe(0);

    const killed = rostersync(['agent', '--home', home, '--no-api']);
    const [child] = await until('the re-launched agent', () => (childrenOf(killed.pid).length === 1 ? childrenOf(killed.pid) : undefined), 30_000);
    process.kill(child!, 'SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
  });
});
