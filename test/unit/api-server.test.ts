/**
 * The API server's gatekeeping over real loopback HTTP on a fresh home: key file, 401 without or
 * with a wrong key, 403 for a foreign Host or Origin (DNS rebinding), 400 naming the bad field,
 * 404 for an unknown call, static files confined to the renderer folder, api.json lifecycle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAgent, openAgent, type AgentContext } from '../../src/home/context.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { readApiInfo } from '../../src/home/api-info.js';

let home: string;
let ctx: AgentContext;
let server: ApiServer;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so Host/Origin can be anything a browser or attacker might send. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const host = (): string => `127.0.0.1:${server.port}`;
const call = (name: string, body: unknown, extra: Record<string, string> = {}): Promise<Answer> =>
  raw('POST', `/api/${name}`, { host: host(), 'content-type': 'application/json', authorization: `Bearer ${server.key}`, ...extra }, JSON.stringify(body));
const errorOf = (a: Answer): { code: string; message: string } => (JSON.parse(a.body) as { error: { code: string; message: string } }).error;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-api-unit-'));
  ctx = openAgent(home);
  const staticDir = join(home, 'www');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>GUI</title>');
  server = await startApiServer(ctx, { port: 0, staticDir });
});

afterAll(async () => {
  await server.close();
  closeAgent(ctx);
  rmSync(home, { recursive: true, force: true });
});

describe('API key', () => {
  it('is created in <home>/api.key, readable by its owner only, and kept across restarts', async () => {
    const path = join(home, 'api.key');
    expect(readFileSync(path, 'utf8').trim()).toBe(server.key);
    expect(server.key.length).toBeGreaterThanOrEqual(43);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = await startApiServer(ctx, { port: 0, advertise: false });
    try {
      expect(second.key).toBe(server.key);
    } finally {
      await second.close();
    }
  });

  it('puts the key only in the fragment of the login URL', () => {
    expect(server.loginUrl).toBe(`http://127.0.0.1:${server.port}/#key=${server.key}`);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('answers 401 without a key and with a wrong key', async () => {
    const missing = await raw('POST', '/api/getStatus', { host: host(), 'content-type': 'application/json' }, '{}');
    expect(missing.status).toBe(401);
    expect(errorOf(missing).code).toBe('unauthorized');
    const wrong = await call('getStatus', {}, { authorization: 'Bearer not-the-key' });
    expect(wrong.status).toBe(401);
    const ok = await call('getStatus', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).home).toBe(home);
  });
});

describe('origin guard', () => {
  it('answers 403 to a foreign Host (DNS rebinding), even with the key', async () => {
    const rebinding = await call('getStatus', {}, { host: `attacker.example:${server.port}` });
    expect(rebinding.status).toBe(403);
    expect(errorOf(rebinding).message).toContain('127.0.0.1');
    expect((await raw('GET', '/', { host: 'attacker.example' })).status).toBe(403);
    expect((await call('getStatus', {}, { host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
  });

  it('answers 403 to a foreign Origin or a cross-site fetch', async () => {
    expect((await call('getStatus', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await call('getStatus', {}, { origin: 'null' })).status).toBe(403);
    expect((await call('getStatus', {}, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await call('getStatus', {}, { origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await call('getStatus', {}, { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` })).status).toBe(200);
  });
});

describe('requests', () => {
  it('answers 400 naming the field of a bad input', async () => {
    const bad = await call('saveDestination', { config: { name: 'v', source: 's', format: 'oneroster-1.1', type: 'sftp', schedule: { time: '25:00' } } });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).code).toBe('bad-request');
    expect(errorOf(bad).message).toContain('input.config.schedule.time');
    const missing = await call('getRun', {});
    expect(errorOf(missing).message).toContain('input.id');
    const extra = await call('getStatus', { surprise: 1 });
    expect(extra.status).toBe(400);
  });

  it('answers 400 to a body that is not JSON, 404 to an unknown call, 400 to GET on the API', async () => {
    const notJson = await raw('POST', '/api/getStatus', { host: host(), 'content-type': 'application/json', authorization: `Bearer ${server.key}` }, '{oops');
    expect(notJson.status).toBe(400);
    const form = await raw('POST', '/api/getStatus', { host: host(), 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${server.key}` }, 'a=1');
    expect(form.status).toBe(400);
    expect(errorOf(form).message).toContain('application/json');
    const unknown = await call('dropEverything', {});
    expect(unknown.status).toBe(404);
    expect((await call('__proto__', {})).status).toBe(404);
    const get = await raw('GET', '/api/getStatus', { host: host(), authorization: `Bearer ${server.key}` });
    expect(get.status).toBe(400);
  });

  it('answers 404 with the reason when a record does not exist', async () => {
    const r = await call('getSource', { name: 'nope' });
    expect(r.status).toBe(404);
    expect(errorOf(r).message).toBe('No source named "nope".');
  });

  it('sends security headers and no-store on API answers', async () => {
    const r = await call('getStatus', {});
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('static files', () => {
  it('serves index.html with the CSP and never a file outside the renderer folder', async () => {
    const index = await raw('GET', '/', { host: host() });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>GUI</title>');
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    for (const path of ['/../api.key', '/%2e%2e/api.key', '/..%2fapi.key', '/%2e%2e%2frostersync.db', '/www/../../api.key']) {
      const r = await raw('GET', path, { host: host() });
      expect(r.body).not.toContain(server.key);
      expect(r.body).not.toContain('SQLite');
    }
    expect((await raw('GET', '/missing.js', { host: host() })).status).toBe(404);
  });
});

describe('api.json', () => {
  it('advertises the port while running and is removed on close', async () => {
    const info = readApiInfo(home)!;
    expect(info).toMatchObject({ port: server.port, pid: process.pid, url: server.url });
    const other = mkdtempSync(join(tmpdir(), 'rs-api-unit2-'));
    const ctx2 = openAgent(other);
    const s2 = await startApiServer(ctx2, { port: 0 });
    expect(existsSync(join(other, 'api.json'))).toBe(true);
    await s2.close();
    expect(existsSync(join(other, 'api.json'))).toBe(false);
    closeAgent(ctx2);
    rmSync(other, { recursive: true, force: true });
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startApiServer(ctx, { host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow(/127\.0\.0\.1 only/);
  });
});
