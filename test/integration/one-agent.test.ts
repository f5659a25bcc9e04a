/**
 * One agent per data folder (#15.1): `rostersync ui` and `rostersync agent` started together on one
 * home never both schedule — exactly one takes the agent lock and runs the scheduler, the others
 * attach to it (ui prints its login URL; a second agent refuses). When the agent is killed, the
 * next `ui` takes the data folder over and becomes the agent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent } from '../../src/home/context.js';
import { liveAgent } from '../../src/agent/agent-lock.js';
import { readApiInfo } from '../../src/home/api-info.js';
import { createFetchApi } from '../../src/shared/api-client.js';
import { killAllStarted, spawnCli, type Spawned } from '../helpers/child-process.js';
import { until } from '../helpers/wait.js';

const home = mkdtempSync(join(tmpdir(), 'rs-one-agent-'));
afterAll(async () => {
  await killAllStarted();
  rmSync(home, { recursive: true, force: true });
});

interface UiAnswer {
  readonly loginUrl: string;
  readonly pid: number;
  readonly started: boolean;
}

const answerOf = async (p: Spawned): Promise<UiAnswer> => JSON.parse(await p.waitFor(/"loginUrl"/, 90_000).then(() => p.stdout())) as UiAnswer;

function agentOfHome(): { pid: number } | undefined {
  const ctx = openAgent(home);
  try {
    return liveAgent(ctx.store);
  } finally {
    closeAgent(ctx);
  }
}

describe('two ui/agent processes on one home', () => {
  it('exactly one schedules; the others attach to it; a killed agent is taken over', { timeout: 180_000 }, async () => {
    // two `ui` started at the same moment race for the data folder
    const first = spawnCli(['ui', '--home', home, '--json']);
    const second = spawnCli(['ui', '--home', home, '--json']);
    const [a, b] = await Promise.all([answerOf(first), answerOf(second)]);
    const agent = a.started ? a : b;
    const attached = a.started ? b : a;
    expect([a.started, b.started].sort()).toEqual([false, true]);
    expect(attached.loginUrl).toBe(agent.loginUrl);
    expect(attached.pid).toBe(agent.pid);
    // the one that attached exits at once: it runs no scheduler and no watcher
    const attachedProcess = a.started ? second : first;
    expect((await attachedProcess.exited).code).toBe(0);
    expect(agentOfHome()?.pid).toBe(agent.pid);

    // the GUI served by the agent says who schedules
    const url = new URL(agent.loginUrl);
    const api = createFetchApi({ baseUrl: url.origin, key: decodeURIComponent(url.hash.slice('#key='.length)) });
    const status = await api.getStatus({});
    expect(status.agent).toMatchObject({ scheduling: 'here', pid: agent.pid, schedulesPaused: false });
    expect((await api.getDashboard({})).agent.scheduling).toBe('here');

    // `rostersync agent` on the same home refuses to compete
    const daemon = spawnCli(['agent', '--home', home]);
    const refused = await daemon.exited;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`Another RosterSync agent is already running for ${home} (pid ${agent.pid}`);

    // the agent is killed: its lock row and api.json stay behind, but do not count
    const agentProcess = a.started ? first : second;
    agentProcess.child.kill('SIGKILL');
    await agentProcess.exited;
    expect(readApiInfo(home)).toBeUndefined();
    expect(agentOfHome()).toBeUndefined();

    // the next `ui` takes the data folder over
    const third = spawnCli(['ui', '--home', home, '--json']);
    const c = await answerOf(third);
    expect(c.started).toBe(true);
    expect(c.pid).toBe(third.pid);
    await until('the new agent to hold the data folder', () => agentOfHome()?.pid === third.pid, 30_000);
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
    expect(agentOfHome()).toBeUndefined();
  });
});
