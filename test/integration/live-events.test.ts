/**
 * Live progress as data (#15.2): GET /api/events streams a run's typed events as Server-Sent Events,
 * authenticated with the API key (here as EventSource sends it: ?key=); the run id of syncNow is the
 * id of the streamed run-started event; progress counts rows up to the run's recorded total; without
 * the key the stream is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgent, closeAgent, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_DESTINATION } from '../../src/agent/demo.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { createFetchApi } from '../../src/shared/api-client.js';
import type { LiveEvent } from '../../src/shared/api.contract.js';

let home: string;
let ctx: AgentContext;
let server: ApiServer;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-live-'));
  ctx = openAgent(home);
  await setupDemo(ctx, { students: 800 });
  server = await startApiServer(ctx, { port: 0, advertise: false });
}, 120_000);
afterAll(async () => {
  await server.close();
  closeAgent(ctx);
  rmSync(home, { recursive: true, force: true });
});

/** Reads SSE events from the stream until `stop` says so. */
async function readEvents(response: Response, stop: (e: LiveEvent) => boolean): Promise<LiveEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: LiveEvent[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const event = JSON.parse(data.slice(6)) as LiveEvent;
      events.push(event);
      if (stop(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
}

describe('GET /api/events', () => {
  it('refuses a stream without the key', async () => {
    const response = await fetch(`${server.url}/api/events`);
    expect(response.status).toBe(401);
  });

  it('streams a run from run-started (its id) through progress to run-finished', { timeout: 120_000 }, async () => {
    const response = await fetch(`${server.url}/api/events?key=${encodeURIComponent(server.key)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const api = createFetchApi({ baseUrl: server.url, key: server.key });
    const reading = readEvents(response, (e) => e.type === 'run-finished');
    const { runId } = await api.syncNow({ destination: DEMO_DESTINATION });
    const events = await reading;
    expect(events[0]).toMatchObject({ type: 'run-started', runId, destination: DEMO_DESTINATION, trigger: 'manual' });
    const finished = events.at(-1)!;
    expect(finished).toMatchObject({ type: 'run-finished', runId, status: 'success' });
    const progress = events.filter((e): e is Extract<LiveEvent, { type: 'progress' }> => e.type === 'progress');
    expect(progress.map((p) => p.stage)).toEqual(expect.arrayContaining(['plan', 'write', 'validate', 'deliver', 'record']));
    const rows = progress.map((p) => p.rows);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(rows.at(-1)).toBe(ctx.store.getRun(runId)!.rows);
    expect(events.some((e) => e.type === 'log' && e.stage === 'write')).toBe(true);
  });
});
