/**
 * Live runs through the API, with a real second process (#15.2, #15.6):
 *  - a run cancelled through the API (cancelRun, as the GUI's Cancel button calls it) while rows
 *    flow ends `cancelled`, says nothing was delivered, and the destination's folder holds nothing
 *    of it;
 *  - /api/events carries runs another process starts on the same data folder (`rostersync run` from
 *    a terminal while the agent serves the GUI): run-started while it runs, run-finished with its
 *    final status — here `cancelled`, because the API's cancel reaches that process through the store.
 * The events are read with the tray app's feed (createFetchEventFeed: fetch, bearer key).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { DEMO_DESTINATION, setupDemo } from '../../src/agent/demo.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { createFetchApi } from '../../src/shared/api-client.js';
import { createFetchEventFeed, type LiveFeedState } from '../../src/shared/live-feed.js';
import type { Api, LiveEvent } from '../../src/shared/api.contract.js';
import { killAllStarted, spawnCli } from '../helpers/child-process.js';
import { until } from '../helpers/wait.js';

/** Big enough that a run is still reading when the test has seen its first rows and asked it to stop. */
const STUDENTS = 20_000;

let home: string;
let ctx: AgentContext;
let server: ApiServer;
let api: Api;
const events: LiveEvent[] = [];
const states: LiveFeedState[] = [];
let stopFeed: () => void;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-live-runs-'));
  ctx = openAgent(home);
  await setupDemo(ctx, { students: STUDENTS });
  server = await startApiServer(ctx, { port: 0, advertise: false });
  api = createFetchApi({ baseUrl: server.url, key: server.key });
  stopFeed = createFetchEventFeed({ baseUrl: server.url, key: server.key }).subscribe(
    (e) => events.push(e),
    (s) => states.push(s),
  );
  await until('the event stream is live', () => states.includes('live'), 30_000);
}, 240_000);

afterAll(async () => {
  stopFeed?.();
  await killAllStarted();
  await server?.close();
  if (ctx) closeAgent(ctx);
  if (home) rmSync(home, { recursive: true, force: true });
});

const of = (runId: number) => events.filter((e) => e.runId === runId);
const finishedOf = (runId: number) => of(runId).find((e): e is Extract<LiveEvent, { type: 'run-finished' }> => e.type === 'run-finished');

/** Files in the demo destination's folder (the vendor's side), staging included. */
function delivered(): string[] {
  const outbox = ctx.layout.outbox;
  return existsSync(outbox) ? readdirSync(outbox, { recursive: true }).map(String) : [];
}

describe('live runs', () => {
  it('cancels a run of this process while rows flow: cancelled, nothing delivered', { timeout: 240_000 }, async () => {
    const { runId } = await api.syncNow({ destination: DEMO_DESTINATION });
    const moving = await until(
      'rows flowing',
      () => of(runId).find((e) => e.type === 'progress' && e.rows > 0),
      180_000,
    );
    expect(moving).toMatchObject({ type: 'progress', runId });
    const asked = await api.cancelRun({ id: runId });
    expect(asked.id).toBe(runId);
    const finished = await until('the run ends', () => finishedOf(runId), 120_000);
    expect(finished.status).toBe('cancelled');
    const run = await api.getRun({ id: runId });
    expect(run.status).toBe('cancelled');
    expect(run.message).toMatch(/^Cancelled by an administrator; nothing was delivered\./);
    expect(run.endedAt).not.toBeNull();
    expect(delivered()).toEqual([]);
    // the destination is free again, and its state says so
    const dashboard = await api.getDashboard({});
    expect(dashboard.destinations.find((d) => d.name === DEMO_DESTINATION)!.lastRun).toMatchObject({ id: runId, status: 'cancelled' });
  });

  it('streams the start and end of a run another process runs on this data folder, and cancels it there', { timeout: 240_000 }, async () => {
    const cli = spawnCli(['run', DEMO_DESTINATION, '--home', home]);
    const started = await until(
      'run-started of the CLI run',
      () => events.find((e): e is Extract<LiveEvent, { type: 'run-started' }> => e.type === 'run-started' && e.trigger === 'cli'),
      180_000,
    );
    const runId = started.runId;
    expect(started).toMatchObject({ destination: DEMO_DESTINATION, dryRun: false });
    // Its rows flow in the other process: the API cancels it through the store, that process stops it.
    expect((await api.getStatus({})).runningRuns).not.toContain(runId);
    await api.cancelRun({ id: runId });
    const finished = await until('run-finished of the CLI run', () => finishedOf(runId), 120_000);
    expect(finished).toMatchObject({ destination: DEMO_DESTINATION, status: 'cancelled' });
    expect(finished.message).toMatch(/^Cancelled by an administrator/);
    const exit = await cli.exited;
    expect(exit.code, exit.stdout + exit.stderr).not.toBe(0);
    expect(exit.stdout + exit.stderr).toMatch(/cancelled/i);
    expect(delivered()).toEqual([]);
    // exactly one start and one end for that run
    expect(of(runId).map((e) => e.type)).toEqual(['run-started', 'run-finished']);
  });
});
