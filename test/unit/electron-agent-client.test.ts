/**
 * How the tray app finds and talks to the agent: api.json + api.key in the home, the spawn
 * command for `rostersync agent`, and IPC requests forwarded to a real API server on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { AgentClient, agentSpawnSpec, findRunningAgent, waitForAgent } from '../../electron/agent-client.js';
import { readApiKey } from '../../src/home/api-key.js';

let home: string;
let ctx: AgentContext;
let server: ApiServer;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-tray-'));
  ctx = openAgent(home);
  server = await startApiServer(ctx, { port: 0 });
});

afterAll(async () => {
  await server.close();
  closeAgent(ctx);
  rmSync(home, { recursive: true, force: true });
});

describe('finding the agent', () => {
  it('finds a running agent by api.json and api.key', () => {
    expect(findRunningAgent(home)).toEqual({ kind: 'found', endpoint: { url: server.url, key: server.key, via: 'running' } });
  });

  it('finds none in an empty home, and none whose process is gone', () => {
    const empty = mkdtempSync(join(tmpdir(), 'rs-tray-empty-'));
    try {
      expect(findRunningAgent(empty)).toEqual({ kind: 'none' });
      writeFileSync(join(empty, 'api.json'), JSON.stringify({ port: 1, pid: 2 ** 22 + 12345, url: 'http://127.0.0.1:1', startedAt: '' }));
      expect(findRunningAgent(empty)).toEqual({ kind: 'none' });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('explains when the agent runs but its key cannot be read (a service account owns it)', () => {
    const result = findRunningAgent(home, {
      readInfo: () => ({ port: 9, pid: 77, url: 'http://127.0.0.1:9', startedAt: '' }),
      readKey: () => {
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      },
    });
    expect(result.kind).toBe('no-key');
    if (result.kind === 'no-key') expect(result.message).toContain(join(home, 'api.key'));
  });

  it('waits for an agent to advertise itself, and stops waiting when the child gave up', async () => {
    expect((await waitForAgent(home, { timeoutMs: 1000 })).kind).toBe('found');
    const empty = mkdtempSync(join(tmpdir(), 'rs-tray-wait-'));
    try {
      expect(await waitForAgent(empty, { timeoutMs: 60_000, intervalMs: 10, stopped: () => true })).toEqual({ kind: 'none' });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('starts `rostersync agent` with Electron’s own Node', () => {
    expect(agentSpawnSpec({ execPath: '/opt/RosterSync/rostersync', appRoot: '/opt/RosterSync/resources/app.asar', home: '/var/lib/rostersync' })).toEqual({
      command: '/opt/RosterSync/rostersync',
      args: ['/opt/RosterSync/resources/app.asar/bin/rostersync.js', 'agent', '--home', '/var/lib/rostersync'],
      env: { ELECTRON_RUN_AS_NODE: '1', ROSTERSYNC_HOME: '/var/lib/rostersync' },
    });
  });
});

describe('forwarding IPC requests', () => {
  it('answers with the value or with the agent’s error code and message, never throwing', async () => {
    const client = new AgentClient({ url: server.url, key: server.key, via: 'running' });
    const status = await client.forward({ name: 'getStatus', input: {} });
    expect(status).toMatchObject({ ok: true, value: { home } });
    expect(await client.forward({ name: 'getSource', input: { name: 'nope' } })).toEqual({ ok: false, error: { code: 'not-found', message: 'No source named "nope".' } });
    expect(await client.forward({ name: 'getRun', input: { id: 'x' } })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await client.forward({ name: 'constructor', input: {} })).toEqual({ ok: false, error: { code: 'bad-request', message: 'Not a RosterSync API call.' } });
    expect(await client.forward('getStatus')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const wrongKey = new AgentClient({ url: server.url, key: 'x'.repeat(43), via: 'running' });
    expect(await wrongKey.forward({ name: 'getStatus', input: {} })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await client.call('listSources', {})).length).toBe(0);
  });

  it('after the key was rotated, signs in again with the key file’s new key (a copy of the old key is refused)', async () => {
    const tray = new AgentClient({ url: server.url, key: server.key, via: 'running' }, () => readApiKey(home));
    const stale = new AgentClient({ url: server.url, key: server.key, via: 'running' });
    const rotated = await tray.call('rotateApiKey', {});
    expect(readApiKey(home)).toBe(rotated.key);
    expect(await stale.forward({ name: 'getStatus', input: {} })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await tray.forward({ name: 'getStatus', input: {} })).toMatchObject({ ok: true, value: { home } });
  });
});
