/**
 * The demo district delivered over SFTP to a real OpenSSH server, configured through the CLI:
 * host key refused until trusted, password set from stdin-less env, a full run, the audit ledger,
 * and a grep for the password across everything the agent writes or prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { main } from '../../src/cli/main.js';
import { openAgent, closeAgent } from '../../src/home/context.js';
import { setupDemo, DEMO_SOURCE } from '../../src/agent/demo.js';
import { destinationConfigSchema } from '../../src/shared/config.schema.js';
import { startSshd, type SshdServer } from '../helpers/sshd.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

let server: SshdServer;
const home = mkdtempSync(join(tmpdir(), 'rs-sftp-pipeline-'));
let printed = '';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'rostersync', '--home', home, ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  printed += out + err;
  return { code, out, err };
}

beforeAll(async () => {
  server = await startSshd({ label: 'pipeline' });
  const ctx = openAgent(home);
  await setupDemo(ctx);
  ctx.store.saveDestination(
    destinationConfigSchema.parse({
      name: 'vendor',
      source: DEMO_SOURCE,
      format: 'oneroster-1.1',
      formatOptions: { zip: true },
      type: 'sftp',
      settings: { host: server.host, port: server.port, username: server.user, remoteDir: 'Upload', retries: 0 },
    }),
  );
  ctx.store.replaceSiteMap('vendor', ctx.store.getSiteMap('demo-outbox'));
  closeAgent(ctx);
});
afterAll(async () => {
  await server?.dispose();
  process.exitCode = 0;
});

describe('demo district → SFTP (real OpenSSH)', () => {
  it('refuses to deliver to a server whose host key was never trusted, and says how to trust it', async () => {
    process.env.RS_TEST_SFTP_PASSWORD = server.password;
    expect((await cli('destination', 'set-secret', 'vendor', 'password', '--from-env', 'RS_TEST_SFTP_PASSWORD')).code).toBe(0);
    const run = await cli('run', 'vendor');
    expect(run.code).toBe(1);
    expect(run.out).toContain(server.hostKeyFingerprint);
    // the printed command works as printed: it names this data folder
    expect(run.out).toContain(`rostersync destination trust vendor --home ${home}`);
    expect(readdirSync(server.uploadDir)).toEqual([]);
  });

  it('trusts the key only when it matches the fingerprint the admin checked', async () => {
    const wrong = await cli('destination', 'trust', 'vendor', '--fingerprint', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/nothing was trusted/);
    const right = await cli('destination', 'trust', 'vendor', '--fingerprint', `256 ${server.hostKeyFingerprint} root@host (ED25519)`);
    expect(right.code).toBe(0);
    const test = await cli('destination', 'test', 'vendor');
    expect(test.code).toBe(0);
    expect(test.out).toMatch(/Throughput/);
  });

  it('delivers the zipped OneRoster set and records files, remote paths and the audit ledger', async () => {
    const run = await cli('--json', 'run', 'vendor');
    expect(run.code).toBe(0);
    const [result] = JSON.parse(run.out) as { runId: number; status: string; files: { name: string; remotePath: string; sha256: string; bytes: number }[] }[];
    expect(result!.status).toBe('success');
    expect(result!.files.map((f) => f.name)).toEqual(['oneroster.zip']);
    const ctxRows = openAgent(home);
    expect(ctxRows.store.getRun(result!.runId)!.rows).toBeGreaterThan(15_000);
    closeAgent(ctxRows);
    expect(readdirSync(server.uploadDir)).toEqual(['oneroster.zip']);
    expect(readFileSync(join(server.uploadDir, 'oneroster.zip')).length).toBe(result!.files[0]!.bytes);
    expect(result!.files[0]!.remotePath).toBe('Upload/oneroster.zip');
    const ctx = openAgent(home);
    const audit = ctx.store.listAudit({ destination: 'vendor' });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.personalColumns).toEqual(expect.arrayContaining(['users.csv:givenName', 'users.csv:email', 'demographics.csv:birthDate']));
    closeAgent(ctx);
  });

  it('records a failed delivery when the server is down, and keeps the files for the retry', async () => {
    await server.stop();
    try {
      const run = await cli('run', 'vendor');
      expect(run.code).toBe(1);
      expect(run.out).toMatch(/FAILED/);
      expect(run.out).toMatch(/Generated files are kept in /);
    } finally {
      await server.restart();
    }
    expect((await cli('run', 'vendor')).code).toBe(0);
  });

  it('never writes or prints the password: logs, history, findings, config export, store', async () => {
    await cli('--json', 'history');
    await cli('history', 'show', '1');
    await cli('config', 'export');
    const secret = server.password;
    expect(printed).not.toContain(secret);
    const ctx = openAgent(home);
    onStoreFile(ctx.store, (db) => {
      for (const table of ['runs', 'run_events', 'run_findings', 'run_files', 'destinations', 'sources', 'settings', 'audit_ledger', 'destination_state', 'secrets', 'publish_journal']) {
        const dump = JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all());
        expect(dump, table).not.toContain(secret);
      }
    });
    closeAgent(ctx);
    // the raw database file and its WAL do not hold it either
    for (const f of readdirSync(home).filter((n) => n.startsWith('rostersync.db'))) {
      expect(readFileSync(join(home, f)).includes(Buffer.from(secret)), f).toBe(false);
    }
    const raw = new Database(join(home, 'rostersync.db'), { readonly: true });
    expect(raw.prepare(`SELECT sealed FROM secrets WHERE owner = 'destination:vendor'`).pluck().get()).toMatch(/^v2:/);
    raw.close();
  });
});
