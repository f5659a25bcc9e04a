/**
 * Faults against a real OpenSSH server: the server dies or freezes in the middle of a large upload.
 * The vendor must never see a partial file under its final name; the run fails (or succeeds on a
 * retry when the server comes back in time) and a later run delivers the complete file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd } from '../helpers/sshd.js';
import type { SshdServer } from '../helpers/sshd.js';
import { recordingContext, expectNoSecrets } from '../contract/destination.contract.js';
import { sftpDestination, sftpSettingsSchema } from '../../src/destinations/sftp/sftp.js';
import type { SftpSettingsInput } from '../../src/destinations/sftp/sftp.js';
import { DeliveryError } from '../../src/destinations/types.js';
import type { StagedFile } from '../../src/destinations/types.js';

const BIG_BYTES = 80 * 1024 * 1024;

let server: SshdServer;
let localDir: string;
let big: StagedFile;
const allTexts: string[] = [];

function settings(extra: Partial<SftpSettingsInput> = {}) {
  return sftpSettingsSchema.parse({
    host: server.host,
    port: server.port,
    username: server.user,
    remoteDir: 'Upload',
    trustedFingerprint: server.hostKeyFingerprint,
    connectTimeoutMs: 3_000,
    idleTimeoutMs: 5_000,
    retries: 0,
    retryBaseDelayMs: 200,
    ...extra,
  });
}

function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Resolve once a temporary upload in the server's folder has grown past `bytes` (read on the server's disk). */
async function whenUploadPasses(bytes: number, timeoutMs = 20_000): Promise<string> {
  const started = Date.now();
  for (;;) {
    for (const name of readdirSync(server.uploadDir)) {
      if (!name.includes('.rostersync-tmp-')) continue;
      try {
        if (statSync(join(server.uploadDir, name)).size >= bytes) return name;
      } catch {
        // renamed or removed meanwhile
      }
    }
    if (Date.now() - started > timeoutMs) throw new Error(`no temporary upload grew past ${bytes} bytes within ${timeoutMs} ms; sshd log:\n${server.logs().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function clearUpload(): void {
  for (const name of readdirSync(server.uploadDir)) rmSync(join(server.uploadDir, name), { force: true });
}

beforeAll(async () => {
  server = await startSshd({ label: 'fault' });
  localDir = mkdtempSync(join(tmpdir(), 'rostersync-sftp-fault-'));
  const path = join(localDir, 'enrollments.csv');
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  for (let written = 0; written < BIG_BYTES; written += 4 * 1024 * 1024) {
    const chunk = randomBytes(Math.min(4 * 1024 * 1024, BIG_BYTES - written));
    hash.update(chunk);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  big = { name: 'enrollments.csv', localPath: path, bytes: BIG_BYTES, sha256: hash.digest('hex'), order: 4 };
});

afterAll(async () => {
  await server?.dispose();
  if (localDir) rmSync(localDir, { recursive: true, force: true });
});

describe('SFTP faults during a large upload (real OpenSSH)', () => {
  it('server killed mid-upload: no file under its final name, the run fails, a later run delivers it whole', async () => {
    clearUpload();
    const ctx = recordingContext({ destinationName: 'vendor' });
    const delivery = sftpDestination.deliver(settings(), { password: server.password }, [big], ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    await whenUploadPasses(4 * 1024 * 1024);
    await server.stop();
    const err = await delivery;
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).code).toBe('io');
    expect((err as DeliveryError).message).toMatch(/^The connection to 127\.0\.0\.1:\d+ was lost while uploading enrollments\.csv\.$/);
    expect((err as DeliveryError).delivered).toEqual([]);
    const left = readdirSync(server.uploadDir);
    expect(left).not.toContain('enrollments.csv');
    allTexts.push((err as Error).message, ...ctx.lines.map((l) => l.message));

    await server.restart();
    const ctx2 = recordingContext();
    const receipt = await sftpDestination.deliver(settings(), { password: server.password }, [big], ctx2);
    expect(receipt.files).toHaveLength(1);
    expect(receipt.files[0]).toMatchObject({ name: 'enrollments.csv', remotePath: 'Upload/enrollments.csv', bytes: BIG_BYTES, attempts: 1 });
    const final = join(server.uploadDir, 'enrollments.csv');
    expect(statSync(final).size).toBe(BIG_BYTES);
    expect(fileHash(final)).toBe(big.sha256);
    // The temporary the killed upload left behind was cleaned up by the next run.
    expect(readdirSync(server.uploadDir)).toEqual(['enrollments.csv']);
    allTexts.push(receipt.message, ...ctx2.lines.map((l) => l.message));
  });

  it('server killed mid-upload and back within the retry window: the same run succeeds on a retry', async () => {
    clearUpload();
    const ctx = recordingContext();
    const delivery = sftpDestination.deliver(settings({ retries: 6, retryBaseDelayMs: 250, retryMaxTotalMs: 30_000 }), { password: server.password }, [big], ctx);
    await whenUploadPasses(4 * 1024 * 1024);
    await server.stop();
    await new Promise((r) => setTimeout(r, 600));
    await server.restart();
    const receipt = await delivery;
    expect(receipt.files[0]?.attempts).toBeGreaterThanOrEqual(2);
    expect(ctx.lines.some((l) => l.level === 'warn' && /Retry 1 of 6/.test(l.message))).toBe(true);
    const final = join(server.uploadDir, 'enrollments.csv');
    expect(fileHash(final)).toBe(big.sha256);
    expect(readdirSync(server.uploadDir)).toEqual(['enrollments.csv']);
    allTexts.push(receipt.message, ...ctx.lines.map((l) => l.message));
  });

  it('retries stop at retryMaxTotalMs when the server stays down', async () => {
    await server.stop();
    try {
      const ctx = recordingContext();
      const err = await sftpDestination
        .deliver(settings({ retries: 20, retryBaseDelayMs: 100, retryMaxTotalMs: 1_000 }), { password: server.password }, [big], ctx)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(DeliveryError);
      expect((err as DeliveryError).code).toBe('unreachable');
      expect((err as DeliveryError).message).toMatch(/connection refused/);
      const attempts = Number(/Gave up after (\d+) attempts/.exec((err as Error).message)?.[1]);
      // 100 + 200 + 400 ms of backoff fit in 1 s, the next 800 ms wait does not: about 4 attempts, far below 21.
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(6);
      expect(ctx.lines.filter((l) => l.level === 'warn')).toHaveLength(attempts - 1);
      allTexts.push((err as Error).message, ...ctx.lines.map((l) => l.message));
    } finally {
      await server.restart();
    }
  });

  it('server freezes mid-upload: the idle timeout ends the attempt, nothing under the final name', async () => {
    clearUpload();
    const ctx = recordingContext();
    const delivery = sftpDestination
      .deliver(settings({ idleTimeoutMs: 1_000, keepaliveIntervalMs: 0 }), { password: server.password }, [big], ctx)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await whenUploadPasses(4 * 1024 * 1024);
    server.pause();
    let err: unknown;
    try {
      err = await delivery;
    } finally {
      server.resume();
    }
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).code).toBe('timeout');
    expect((err as DeliveryError).message).toMatch(/stalled: no progress for 1 s/);
    expect(readdirSync(server.uploadDir)).not.toContain('enrollments.csv');
    allTexts.push((err as Error).message, ...ctx.lines.map((l) => l.message));
  });

  it('cancelling the run (AbortSignal) stops the upload, nothing under the final name', async () => {
    clearUpload();
    const controller = new AbortController();
    const ctx = recordingContext({ signal: controller.signal });
    const delivery = sftpDestination.deliver(settings({ retries: 5 }), { password: server.password }, [big], ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    await whenUploadPasses(4 * 1024 * 1024);
    controller.abort();
    const err = await delivery;
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).message).toMatch(/cancelled/);
    expect(ctx.lines.some((l) => l.level === 'warn')).toBe(false); // no retry after a cancel
    expect(readdirSync(server.uploadDir)).not.toContain('enrollments.csv');
    allTexts.push((err as Error).message, ...ctx.lines.map((l) => l.message));
  });

  it('no secret in any message or log line of these runs', () => {
    expect(allTexts.length).toBeGreaterThan(5);
    expectNoSecrets(allTexts, { password: server.password });
  });
});
