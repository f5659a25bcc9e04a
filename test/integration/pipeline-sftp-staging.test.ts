/**
 * Upload while reading (SFTP `uploadWhileReading`), against a real OpenSSH server: each file goes to
 * its temporary name as soon as it is written, and reaches its final name only after validation and
 * the safety guard passed. A held run and a run blocked by validation leave nothing on the server —
 * no final file, no temporary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openAgent, closeAgent, saveSecrets, destinationSecretOwner, type AgentContext } from '../../src/home/context.js';
import { setupDemo, DEMO_SOURCE } from '../../src/agent/demo.js';
import { destinationConfigSchema } from '../../src/shared/config.schema.js';
import { runDestination } from '../../src/agent/runner.js';
import { getDestinationDriver } from '../../src/destinations/registry.js';
import { startSshd, type SshdServer } from '../helpers/sshd.js';

let server: SshdServer;
let ctx: AgentContext;
const home = mkdtempSync(join(tmpdir(), 'rs-sftp-staging-'));
const DESTINATION = 'vendor-staged';

function configure(extra: Record<string, unknown> = {}): void {
  ctx.store.saveDestination(
    destinationConfigSchema.parse({
      name: DESTINATION,
      source: DEMO_SOURCE,
      format: 'oneroster-1.1',
      formatOptions: { zip: false },
      type: 'sftp',
      settings: { host: server.host, port: server.port, username: server.user, remoteDir: 'Upload', trustedFingerprint: server.hostKeyFingerprint, retries: 0 },
      ...extra,
    }),
  );
}

const onServer = (): string[] => readdirSync(server.uploadDir).sort();
const events = (runId: number): { stage: string; message: string }[] => ctx.store.getRunDetail(runId)!.events.map((e) => ({ stage: e.stage, message: e.message }));

beforeAll(async () => {
  server = await startSshd({ label: 'staging' });
  ctx = openAgent(home);
  await setupDemo(ctx, { students: 400 });
  configure();
  saveSecrets(ctx, destinationSecretOwner(DESTINATION), { password: server.password });
  ctx.store.replaceSiteMap(DESTINATION, ctx.store.getSiteMap('demo-outbox'));
});
afterAll(async () => {
  if (ctx) closeAgent(ctx);
  await server?.dispose();
});

describe('SFTP upload while reading (real OpenSSH)', () => {
  it('stages a file under a temporary name only, publishes it under its final name, and discards what is left', async () => {
    const driver = getDestinationDriver('sftp');
    const local = join(home, 'staged.csv');
    writeFileSync(local, 'id\n1\n');
    const file = { name: 'staged.csv', localPath: local, bytes: 5, sha256: '', order: 1 };
    const context = { now: new Date(), destinationName: DESTINATION, log: () => undefined };
    const settings = { host: server.host, port: server.port, username: server.user, remoteDir: 'Upload', trustedFingerprint: server.hostKeyFingerprint };

    const first = driver.openStaging!(settings, { password: server.password }, context)!;
    await first.stage(file);
    expect(onServer().filter((n) => n.includes('staged'))).toEqual([expect.stringMatching(/^\.staged\.csv\.rostersync-tmp-[0-9a-f]{8}$/)]);
    const receipt = await first.publish([file]);
    expect(receipt.files.map((f) => f.remotePath)).toEqual(['Upload/staged.csv']);
    expect(onServer().filter((n) => n.includes('staged'))).toEqual(['staged.csv']);

    const second = driver.openStaging!(settings, { password: server.password }, context)!;
    writeFileSync(local, 'id\n2\n');
    await second.stage(file);
    expect(onServer().filter((n) => n.includes('staged'))).toHaveLength(2);
    await second.discard();
    expect(onServer().filter((n) => n.includes('staged'))).toEqual(['staged.csv']);
    expect(readFileSync(join(server.uploadDir, 'staged.csv'), 'utf8')).toBe('id\n1\n');
    rmSync(join(server.uploadDir, 'staged.csv'));

    expect(driver.openStaging!({ ...settings, uploadWhileReading: false }, { password: server.password }, context)).toBeUndefined();
    expect(driver.openStaging!({ ...settings, atomicRename: false }, { password: server.password }, context)).toBeUndefined();
  });

  it('stops staging after a failed upload (one connection attempt, not one per file) and uploads the rest at publish', async () => {
    const driver = getDestinationDriver('sftp');
    const files = ['a.csv', 'b.csv'].map((name, i) => {
      const localPath = join(home, name);
      writeFileSync(localPath, `id\n${i}\n`);
      return { name, localPath, bytes: 5, sha256: '', order: i };
    });
    const lines: string[] = [];
    const context = { now: new Date(), destinationName: DESTINATION, log: (_level: string, message: string) => lines.push(message) };
    const settings = { host: server.host, port: server.port, username: server.user, remoteDir: 'Upload', trustedFingerprint: server.hostKeyFingerprint, retries: 0 };
    const staging = driver.openStaging!(settings, { password: server.password }, context)!;
    await server.stop();
    try {
      for (const f of files) await staging.stage(f);
    } finally {
      await server.restart();
    }
    expect(lines.filter((l) => /could not be uploaded while reading/.test(l))).toHaveLength(1);
    const receipt = await staging.publish(files);
    expect(receipt.files.map((f) => f.remotePath)).toEqual(['Upload/a.csv', 'Upload/b.csv']);
    expect(onServer().filter((n) => /^\.?[ab]\.csv/.test(n))).toEqual(['a.csv', 'b.csv']);
    for (const f of ['a.csv', 'b.csv']) rmSync(join(server.uploadDir, f));
  });

  it('uploads each file to a temporary name while later files are read, and puts them in place after the checks', async () => {
    const result = await runDestination(ctx, DESTINATION, { trigger: 'cli' });
    expect(result.status, result.message).toBe('success');
    const names = result.files.map((f) => f.name);
    expect(names).toContain('enrollments.csv');
    expect(onServer()).toEqual([...names].sort());
    const log = events(result.runId);
    for (const name of names.filter((n) => n !== 'manifest.csv')) {
      expect(log.some((e) => new RegExp(`Uploaded ${name.replace('.', '\\.')} .* to the temporary .*\\.rostersync-tmp-`).test(e.message)), name).toBe(true);
      expect(log.some((e) => new RegExp(`Placing ${name.replace('.', '\\.')}`).test(e.message)), name).toBe(true);
    }
    // the manifest is written at the end: uploaded at delivery
    expect(log.some((e) => /Uploading manifest\.csv/.test(e.message))).toBe(true);
    // data files are put in place first, the manifest last (a reader never sees a manifest over a half-replaced set)
    const placed = log.filter((e) => /^Delivered Upload\//.test(e.message)).map((e) => e.message.split(' ')[1]);
    expect(placed.at(-1)).toBe('Upload/manifest.csv');
    expect(placed).toHaveLength(names.length);
  });

  it('deletes the temporaries of a run the safety guard holds; the delivered files stay as they were', async () => {
    const before = onServer();
    configure({ guard: { maxChangedShare: 0, minRecordsForShare: 1 } });
    const sis = new Database(join(ctx.layout.demoDir, 'sis.db'));
    sis.exec("UPDATE students SET first_name = first_name || 'x' WHERE rowid <= 5");
    sis.close();
    const result = await runDestination(ctx, DESTINATION, { trigger: 'cli' });
    expect(result.status, result.message).toBe('held');
    expect(events(result.runId).some((e) => /to the temporary/.test(e.message))).toBe(true);
    expect(onServer()).toEqual(before);
  });

  it('deletes the temporaries of a run that validation blocks, and nothing reaches a final name', async () => {
    configure({ onValidationError: 'block' });
    ctx.store.replaceSiteMap(DESTINATION, ctx.store.getSiteMap('demo-outbox').slice(1)); // a school without a vendor site ID
    const before = onServer();
    const result = await runDestination(ctx, DESTINATION, { trigger: 'cli' });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/validation error/);
    expect(events(result.runId).some((e) => /to the temporary/.test(e.message))).toBe(true);
    expect(onServer()).toEqual(before);
    ctx.store.replaceSiteMap(DESTINATION, ctx.store.getSiteMap('demo-outbox'));
  });

  it('with uploadWhileReading off, uploads only at delivery', async () => {
    configure({
      settings: { host: server.host, port: server.port, username: server.user, remoteDir: 'Upload', trustedFingerprint: server.hostKeyFingerprint, retries: 0, uploadWhileReading: false },
      guard: { maxChangedShare: 1, maxRemovedShare: 1 },
    });
    const result = await runDestination(ctx, DESTINATION, { trigger: 'cli' });
    expect(result.status, result.message).toBe('success');
    expect(events(result.runId).some((e) => /to the temporary/.test(e.message))).toBe(false);
    expect(onServer().some((n) => n.includes('.rostersync-tmp-'))).toBe(false);
  });
});
