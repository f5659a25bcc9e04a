/**
 * Secrets stay where they were saved. A stored source or destination re-pointed at another server
 * (through the API's test/discover/sample/save, or behind the API's back in the store, as a config
 * import would) never sends its stored secret there: a real TCP listener that asks for the password
 * in clear (as a hostile PostgreSQL server would) records every byte it receives, and the password
 * never arrives. Typed again, it is sent (which proves the listener would have caught it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { closeAgent, destinationSecretOwner, openAgent, saveSecrets, sourceSecretOwner, type AgentContext } from '../../src/home/context.js';
import { DEMO_DESTINATION, DEMO_SOURCE, setupDemo } from '../../src/agent/demo.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { runDestination } from '../../src/agent/runner.js';
import { ApiError, type Api } from '../../src/shared/api.contract.js';
import type { DestinationConfig, SourceConfig } from '../../src/shared/config.schema.js';
import { createFetchApi } from '../../src/shared/api-client.js';

const PASSWORD = 'Stored-Pg-pw-5c1e9a';
const SFTP_PASSWORD = 'Stored-Sftp-pw-8d2b4f';
const SMTP_PASSWORD = 'Stored-Smtp-pw-1a7c3e';

/** A listener that answers a PostgreSQL startup with "send your password in clear" and keeps every byte it gets. */
interface RecordingServer {
  readonly port: number;
  received(): Buffer;
  close(): Promise<void>;
}

async function startRecordingServer(): Promise<RecordingServer> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let askedForPassword = false;
    socket.on('data', (data) => {
      chunks.push(data);
      if (!askedForPassword) {
        askedForPassword = true;
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received: () => Buffer.concat(chunks),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let home: string;
let ctx: AgentContext;
let server: ApiServer;
let fake: RecordingServer;
let api: Api;

const pgSource = (port: number): SourceConfig =>
  ({ name: 'sis-pg', type: 'postgres', settings: { host: '127.0.0.1', port, database: 'sis', user: 'reader', connectTimeoutSeconds: 5 }, entities: {} }) as unknown as SourceConfig;

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rs-binding-'));
  ctx = openAgent(home, {});
  await setupDemo(ctx, { students: 60 });
  server = await startApiServer(ctx, { port: 0, host: '127.0.0.1', advertise: false, onError: (err) => console.error(err) });
  api = createFetchApi({ baseUrl: server.url, key: server.key });
  fake = await startRecordingServer();
});

afterAll(async () => {
  await server?.close();
  await fake?.close();
  if (ctx) closeAgent(ctx);
  rmSync(home, { recursive: true, force: true });
});

describe('API: a stored secret is only sent to the server it was saved for', () => {
  it('refuses to test, discover or sample a stored source re-pointed at another server; the password never arrives', async () => {
    const saved = await api.saveSource({ config: pgSource(5432), secrets: { password: PASSWORD } });
    expect(saved.secretsSavedFor).toEqual({ password: '127.0.0.1:5432/sis' });
    const moved = { ...saved.config, settings: { ...saved.config.settings, port: fake.port } };
    const expected = `secrets.password: The password was saved for 127.0.0.1:5432/sis; enter it again to use it with the new server (127.0.0.1:${fake.port}/sis).`;

    for (const call of [api.testSource({ config: moved }), api.discoverSource({ config: moved }), api.sampleSource({ config: moved, query: 'SELECT 1', limit: 1 })]) {
      const err = await apiError(call);
      expect(err.code).toBe('reenter-secret');
      expect(err.message).toBe(expected);
    }
    const refusedSave = await apiError(api.saveSource({ config: moved }));
    expect(refusedSave.code).toBe('reenter-secret');
    expect((await api.getSource({ name: 'sis-pg' })).config.settings.port).toBe(5432);
    expect(fake.received().length).toBe(0);

    // typed again, the password goes to the new server: the listener does catch a password when one is sent
    // (the listener never completes the login, so the test itself fails with a timeout)
    const typedAgain = await api.testSource({ config: moved, secrets: { password: 'Typed-again-pw-42' } });
    expect(typedAgain).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(typedAgain.message).toMatch(/did not answer/);
    expect(fake.received().toString('latin1')).toContain('Typed-again-pw-42');
    expect(fake.received().toString('latin1')).not.toContain(PASSWORD);

    // saving the new server with the password typed again binds it there
    const rebound = await api.saveSource({ config: moved, secrets: { password: 'Typed-again-pw-42' } });
    expect(rebound.secretsSavedFor).toEqual({ password: `127.0.0.1:${fake.port}/sis` });
    // clearing the secret instead is allowed too
    const cleared = await api.saveSource({ config: pgSource(5433), secrets: { password: '' } });
    expect(cleared.secretsSet).toEqual({ password: false });
    await api.deleteSource({ name: 'sis-pg' });
  });

  it('refuses to test a stored SFTP destination re-pointed at another server or account', async () => {
    const saved = await api.saveDestination({
      config: { name: 'vendor-sftp', source: DEMO_SOURCE, format: 'oneroster-1.1', type: 'sftp', settings: { host: 'sftp.vendor.example', port: 22, username: 'district42', retries: 0 } },
      secrets: { password: SFTP_PASSWORD },
    });
    expect(saved.secretsSavedFor).toEqual({ password: 'district42@sftp.vendor.example:22' });
    const before = fake.received().length;
    for (const settings of [{ host: '127.0.0.1', port: fake.port }, { username: 'someone-else' }]) {
      const moved = { ...saved.config, settings: { ...saved.config.settings, ...settings } };
      const err = await apiError(api.testDestination({ config: moved }));
      expect(err.code).toBe('reenter-secret');
      expect(err.message).toMatch(/^secrets\.password: The password was saved for district42@sftp\.vendor\.example:22; enter it again to use it with the new server/);
      expect((await apiError(api.saveDestination({ config: moved }))).code).toBe('reenter-secret');
    }
    // host names compare without case; other settings (remote folder, retries) do not matter
    const same = { ...saved.config, settings: { ...saved.config.settings, host: 'SFTP.Vendor.Example', remoteDir: 'Upload' } };
    expect((await api.saveDestination({ config: same })).secretsSet).toMatchObject({ password: true });
    expect(fake.received().length).toBe(before);
  });

  it('refuses to keep the SMTP password for another mail server unless it is typed again', async () => {
    const notifications = { enabled: true, host: 'smtp.district.example', port: 587, security: 'starttls' as const, user: 'mailer', from: 'rs@district.example', to: ['it@district.example'] };
    await api.saveNotifications({ notifications, password: SMTP_PASSWORD });
    const err = await apiError(api.saveNotifications({ notifications: { ...notifications, host: '127.0.0.1', port: fake.port } }));
    expect(err.code).toBe('reenter-secret');
    expect(err.message).toContain('The password was saved for mailer@smtp.district.example:587');
    expect((await api.getSettings({})).notifications.host).toBe('smtp.district.example');
    const moved = await api.saveNotifications({ notifications: { ...notifications, host: 'smtp2.district.example' }, password: SMTP_PASSWORD });
    expect(moved.notifications.hasPassword).toBe(true);
  });
});

describe('runs: a connection that no longer matches its secret fails instead of sending it', () => {
  it('a source re-pointed behind the API (as a config import would) fails at connect with the message', async () => {
    const demo = ctx.store.getSource(DEMO_SOURCE)!;
    ctx.store.saveSource({ ...pgSource(5432), entities: demo.entities });
    saveSecrets(ctx, sourceSecretOwner('sis-pg'), { password: PASSWORD });
    const demoDestination = ctx.store.getDestination(DEMO_DESTINATION)!;
    const destination: DestinationConfig = { ...demoDestination, name: 'from-pg', source: 'sis-pg', settings: { path: join(home, 'from-pg') } };
    ctx.store.saveDestination(destination);
    ctx.store.replaceSiteMap('from-pg', ctx.store.getSiteMap(DEMO_DESTINATION));
    ctx.store.saveSource({ ...pgSource(fake.port), entities: demo.entities });

    const before = fake.received().length;
    const result = await runDestination(ctx, 'from-pg', { trigger: 'cli' });
    expect(result.status).toBe('failed');
    expect(result.message).toBe(
      `Source sis-pg: The password was saved for 127.0.0.1:5432/sis; enter it again to use it with the new server (127.0.0.1:${fake.port}/sis).`,
    );
    expect(fake.received().length).toBe(before);
  });

  it('an SFTP destination re-pointed behind the API fails at delivery with the message and sends nothing', async () => {
    const demoDestination = ctx.store.getDestination(DEMO_DESTINATION)!;
    const sftp: DestinationConfig = { ...demoDestination, name: 'to-sftp', type: 'sftp', settings: { host: 'sftp.vendor.example', port: 22, username: 'district42', retries: 0 } };
    ctx.store.saveDestination(sftp);
    ctx.store.replaceSiteMap('to-sftp', ctx.store.getSiteMap(DEMO_DESTINATION));
    saveSecrets(ctx, destinationSecretOwner('to-sftp'), { password: SFTP_PASSWORD });
    ctx.store.saveDestination({ ...sftp, settings: { ...sftp.settings, host: '127.0.0.1', port: fake.port } });

    const before = fake.received().length;
    const result = await runDestination(ctx, 'to-sftp', { trigger: 'cli' });
    expect(result.status).toBe('failed');
    expect(result.message).toContain(
      `The password was saved for district42@sftp.vendor.example:22; enter it again to use it with the new server (district42@127.0.0.1:${fake.port}).`,
    );
    expect(fake.received().length).toBe(before);
  });
});
