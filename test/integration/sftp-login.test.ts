/**
 * SFTP destination against a real OpenSSH server (test/helpers/sshd.ts): every way to log in,
 * every way it is refused, host-key pinning, folders, the connection test, and secrets staying out
 * of every message and log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd } from '../helpers/sshd.js';
import type { SshdServer } from '../helpers/sshd.js';
import { Stager, expectNoSecrets, recordingContext, sha256 } from '../contract/destination.contract.js';
import { probeHostKey, replaceRemote, sftpDestination, sftpSettingsSchema } from '../../src/destinations/sftp/sftp.js';
import type { SftpSettingsInput } from '../../src/destinations/sftp/sftp.js';
import { HOST_KEY_SEEN_STATE } from '../../src/destinations/types.js';
import { SftpSession, resolveAuth } from '../../src/destinations/sftp/sftp-session.js';
import { DeliveryError } from '../../src/destinations/types.js';
import type { DeliveryContext, StagedFile } from '../../src/destinations/types.js';
import type { Secrets } from '../../src/sources/types.js';

let server: SshdServer;
let stager: Stager;
/** Every message and log line produced in this file, grepped for secrets at the end. */
const texts: string[] = [];
/** Every secret used in this file. */
const usedSecrets: Record<string, string> = {};

const key = (path: string): string => readFileSync(path, 'utf8');

function settings(extra: Partial<SftpSettingsInput> = {}) {
  return sftpSettingsSchema.parse({
    host: server.host,
    port: server.port,
    username: server.user,
    remoteDir: 'Upload',
    trustedFingerprint: server.hostKeyFingerprint,
    connectTimeoutMs: 5_000,
    retries: 0,
    ...extra,
  });
}

function remember(secrets: Secrets): Secrets {
  for (const [k, v] of Object.entries(secrets)) if (v) usedSecrets[`${k}-${Object.keys(usedSecrets).length}`] = v;
  return secrets;
}

async function deliver(extra: Partial<SftpSettingsInput>, secrets: Secrets, files: readonly StagedFile[], ctxExtra: Partial<DeliveryContext> = {}) {
  const ctx = recordingContext(ctxExtra);
  try {
    const receipt = await sftpDestination.deliver(settings(extra), remember(secrets), files, ctx);
    texts.push(receipt.message, JSON.stringify(receipt));
    return { receipt, ctx };
  } finally {
    texts.push(...ctx.lines.map((l) => l.message));
  }
}

async function refused(extra: Partial<SftpSettingsInput>, secrets: Secrets, files: readonly StagedFile[], ctxExtra: Partial<DeliveryContext> = {}) {
  const ctx = recordingContext(ctxExtra);
  const err = await sftpDestination.deliver(settings(extra), remember(secrets), files, ctx).then(
    () => new Error('delivery unexpectedly succeeded'),
    (e: unknown) => e,
  );
  texts.push(...ctx.lines.map((l) => l.message));
  expect(err).toBeInstanceOf(DeliveryError);
  texts.push((err as DeliveryError).message);
  return { err: err as DeliveryError, ctx };
}

function uploaded(): string[] {
  return readdirSync(server.uploadDir).sort();
}

function clearUpload(): void {
  for (const name of readdirSync(server.uploadDir)) rmSync(join(server.uploadDir, name), { force: true });
}

const CSV = 'School_id,Student_id,Last_name,First_name\r\n0042,000123,Nguyen,Anh\r\n';

beforeAll(async () => {
  server = await startSshd({ label: 'login' });
  stager = new Stager();
});

afterAll(async () => {
  stager?.dispose();
  await server?.dispose();
});

describe('SFTP logins (real OpenSSH, chrooted account)', () => {
  it('password login delivers into Upload, with a dated remote name', async () => {
    clearUpload();
    const file = stager.file('students.csv', CSV, 2);
    const { receipt, ctx } = await deliver({ fileNamePatterns: { 'students.csv': '{stem}_{yyyy}{MM}{dd}-{HH}{mm}.{ext}' } }, { password: server.password }, [file]);
    expect(receipt.files).toEqual([
      expect.objectContaining({ name: 'students.csv', remotePath: 'Upload/students_20250901-0230.csv', bytes: file.bytes, attempts: 1 }),
    ]);
    expect(readFileSync(join(server.uploadDir, 'students_20250901-0230.csv'), 'utf8')).toBe(CSV);
    expect(uploaded()).toEqual(['students_20250901-0230.csv']);
    expect(ctx.remembered.get(HOST_KEY_SEEN_STATE)).toBe(server.hostKeyFingerprint);
    expect(ctx.lines.some((l) => l.level === 'info' && l.message.includes('Delivered Upload/students_20250901-0230.csv'))).toBe(true);
  });

  it('key login with an OpenSSH key without passphrase', async () => {
    clearUpload();
    const file = stager.file('teachers.csv', CSV, 2);
    const { receipt } = await deliver({ authMethod: 'key' }, { privateKey: key(server.keyPaths.ed25519) }, [file]);
    expect(receipt.files[0]?.remotePath).toBe('Upload/teachers.csv');
    expect(sha256(readFileSync(join(server.uploadDir, 'teachers.csv')))).toBe(file.sha256);
  });

  it('key login with a passphrase: OpenSSH ed25519 and PEM RSA', async () => {
    clearUpload();
    const a = stager.file('schools.csv', CSV, 1);
    await deliver({ authMethod: 'key' }, { privateKey: key(server.keyPaths.ed25519Encrypted), passphrase: server.keyPaths.passphrase }, [a]);
    const b = stager.file('sections.csv', CSV, 3);
    await deliver({ authMethod: 'key' }, { privateKey: key(server.keyPaths.rsaPemEncrypted), passphrase: server.keyPaths.passphrase }, [b]);
    expect(uploaded()).toEqual(['schools.csv', 'sections.csv']);
  });

  it('an encrypted key without its passphrase is refused before connecting', async () => {
    const { err } = await refused({ authMethod: 'key' }, { privateKey: key(server.keyPaths.ed25519Encrypted) }, [stager.file('a.csv', CSV, 1)]);
    expect(err.code).toBe('auth');
    expect(err.message).toBe('The private key is protected by a passphrase: enter the passphrase for this destination.');
  });

  it('a wrong passphrase is named as such (OpenSSH and PEM keys)', async () => {
    for (const path of [server.keyPaths.ed25519Encrypted, server.keyPaths.rsaPemEncrypted]) {
      const { err } = await refused({ authMethod: 'key' }, { privateKey: key(path), passphrase: 'not-the-passphrase-9' }, [stager.file('a.csv', CSV, 1)]);
      expect(err.code).toBe('auth');
      expect(err.message).toMatch(/passphrase .*wrong/);
    }
  });

  it('a wrong password: login failed, the password was rejected, nothing uploaded', async () => {
    clearUpload();
    const { err } = await refused({}, { password: 'Wrong-pw-31337x' }, [stager.file('students.csv', CSV, 1)]);
    expect(err.code).toBe('auth');
    expect(err.message).toBe(`Login failed for user "${server.user}" on ${server.host}:${server.port}: the server rejected the password.`);
    expect(uploaded()).toEqual([]);
  });

  it('a key the server does not know: login failed, the key was rejected', async () => {
    const { err } = await refused({ authMethod: 'key' }, { privateKey: key(server.keyPaths.unauthorized) }, [stager.file('students.csv', CSV, 1)]);
    expect(err.code).toBe('auth');
    expect(err.message).toMatch(/^Login failed for user "rsync-test" on 127\.0\.0\.1:\d+: the server rejected the private key/);
  });

  it('missing credentials and a public key pasted as private key are configuration errors', async () => {
    const a = await refused({}, {}, [stager.file('a.csv', CSV, 1)]);
    expect(a.err.code).toBe('config');
    expect(a.err.message).toMatch(/No password is stored/);
    const b = await refused({ authMethod: 'key' }, { privateKey: key(`${server.keyPaths.ed25519}.pub`) }, [stager.file('a.csv', CSV, 1)]);
    expect(b.err.code).toMatch(/config|auth/);
    expect(b.err.message).toMatch(/private key/);
  });
});

describe('SFTP folders and permissions', () => {
  it('a missing remote folder is named', async () => {
    const { err } = await refused({ remoteDir: 'upload' }, { password: server.password }, [stager.file('students.csv', CSV, 1)]);
    expect(err.code).toBe('missing-folder');
    expect(err.message).toBe(
      `The remote folder "upload" does not exist on ${server.host}:${server.port} (user "rsync-test"). Check the remoteDir setting; names are case-sensitive.`,
    );
  });

  it('no write permission: refused, nothing left in the folder', async () => {
    const { err } = await refused({ remoteDir: '/ReadOnly' }, { password: server.password }, [stager.file('students.csv', CSV, 1)]);
    expect(err.code).toBe('permission');
    expect(err.message).toMatch(/^No permission on 127\.0\.0\.1:\d+ while uploading students\.csv: user "rsync-test" may not write to folder "\/ReadOnly"\.$/);
    expect(readdirSync(server.readOnlyDir)).toEqual(['README.txt']);
  });

  it('unreachable port: connection refused, in admin words', async () => {
    const { err } = await refused({ port: 1 }, { password: server.password }, [stager.file('students.csv', CSV, 1)]);
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(/^Cannot reach the SFTP server 127\.0\.0\.1:1: connection refused/);
  });

  it('a server that accepts TCP but never answers: connect timeout', async () => {
    server.pause();
    try {
      const { err } = await refused({ connectTimeoutMs: 800 }, { password: server.password }, [stager.file('students.csv', CSV, 1)]);
      expect(err.code).toBe('timeout');
      expect(err.message).toMatch(/No answer from the SFTP server 127\.0\.0\.1:\d+ within 0\.8 s/);
    } finally {
      server.resume();
    }
  });

  it('atomicRename off uploads straight to the final name', async () => {
    clearUpload();
    const file = stager.file('users.csv', CSV.repeat(50), 1);
    const { receipt } = await deliver({ atomicRename: false }, { password: server.password }, [file]);
    expect(receipt.files[0]?.remotePath).toBe('Upload/users.csv');
    expect(sha256(readFileSync(join(server.uploadDir, 'users.csv')))).toBe(file.sha256);
    expect(uploaded()).toEqual(['users.csv']);
  });

  it('removes leftover temporaries of earlier crashed runs for the files it delivers, and only those', async () => {
    clearUpload();
    writeFileSync(join(server.uploadDir, '.users.csv.rostersync-tmp-0badc0de'), 'half a fi');
    writeFileSync(join(server.uploadDir, '.other.csv.rostersync-tmp-0badc0de'), 'not ours to touch');
    writeFileSync(join(server.uploadDir, 'vendor-report.txt'), 'theirs');
    await deliver({}, { password: server.password }, [stager.file('users.csv', CSV, 1)]);
    expect(uploaded()).toEqual(['.other.csv.rostersync-tmp-0badc0de', 'users.csv', 'vendor-report.txt']);
  });

  it('without posix-rename, an existing final file is replaced by delete + rename', async () => {
    clearUpload();
    writeFileSync(join(server.uploadDir, 'final.csv'), 'old');
    writeFileSync(join(server.uploadDir, '.final.csv.rostersync-tmp-00000001'), 'new content');
    const session = await SftpSession.open({ settings: settings(), auth: resolveAuth('password', { password: server.password }), trustAdvice: { via: 'command' } });
    try {
      expect(session.hasPosixRename).toBe(true);
      const how = await replaceRemote(session, 'Upload/.final.csv.rostersync-tmp-00000001', 'Upload/final.csv', false);
      expect(how).toBe('delete-and-rename');
      writeFileSync(join(server.uploadDir, '.fresh.csv.rostersync-tmp-00000002'), 'x');
      expect(await replaceRemote(session, 'Upload/.fresh.csv.rostersync-tmp-00000002', 'Upload/fresh.csv', false)).toBe('rename');
    } finally {
      await session.close();
    }
    expect(readFileSync(join(server.uploadDir, 'final.csv'), 'utf8')).toBe('new content');
    expect(uploaded()).toEqual(['final.csv', 'fresh.csv']);
  });
});

describe('SFTP connection test (check)', () => {
  it('reports fingerprint, latency and throughput, and leaves no probe file', async () => {
    clearUpload();
    const result = await sftpDestination.check(settings(), remember({ password: server.password }));
    texts.push(result.message);
    expect(result.ok, result.message).toBe(true);
    expect(result.fingerprint).toBe(server.hostKeyFingerprint);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.throughputBytesPerSec).toBeGreaterThan(0);
    expect(result.message).toMatch(/folder "Upload" exists and is writable/);
    expect(uploaded()).toEqual([]);
  });

  it('fails with the reason for a read-only folder, a missing folder and a wrong key passphrase', async () => {
    const ro = await sftpDestination.check(settings({ remoteDir: 'ReadOnly' }), { password: server.password });
    expect(ro.ok).toBe(false);
    expect(ro.message).toMatch(/No permission .* may not write to folder "ReadOnly"/);
    const missing = await sftpDestination.check(settings({ remoteDir: 'Nope' }), { password: server.password });
    expect(missing.ok).toBe(false);
    expect(missing.message).toMatch(/folder "Nope" does not exist/);
    const pass = await sftpDestination.check(settings({ authMethod: 'key' }), remember({ privateKey: key(server.keyPaths.rsaPemEncrypted), passphrase: 'nope-nope-nope' }));
    expect(pass.ok).toBe(false);
    expect(pass.message).toMatch(/passphrase/);
    texts.push(ro.message, missing.message, pass.message);
  });
});

describe('SFTP host-key pinning', () => {
  it('probeHostKey reads the fingerprint exactly as ssh-keygen -l prints it, without logging in', async () => {
    const mark = server.logs().length;
    const info = await probeHostKey({ host: server.host, port: server.port });
    expect(info).toEqual({ fingerprint: server.hostKeyFingerprint, keyType: 'ssh-ed25519' });
    await new Promise((r) => setTimeout(r, 100)); // let sshd write its log lines
    const log = server.logs().slice(mark);
    expect(log).toMatch(/Connection from 127\.0\.0\.1/);
    expect(log).not.toMatch(/Failed|Invalid user|Accepted/);
  });

  it('probeHostKey on a closed port says the server is unreachable', async () => {
    await expect(probeHostKey({ host: '127.0.0.1', port: 1 })).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('no trusted fingerprint yet: refuses, shows the fingerprint and the trust command; nothing uploaded', async () => {
    clearUpload();
    const mark = server.logs().length;
    const { err, ctx } = await refused({ trustedFingerprint: '' }, { password: server.password }, [stager.file('students.csv', CSV, 1)], { destinationName: 'clever' });
    expect(err.code).toBe('host-key');
    expect(err.message).toBe(
      `The SFTP server ${server.host}:${server.port} is not trusted yet: its host key fingerprint is ${server.hostKeyFingerprint} (ED25519). ` +
        'Compare it with the fingerprint the vendor gave you, then run: rostersync destination trust clever',
    );
    expect(ctx.remembered.get(HOST_KEY_SEEN_STATE)).toBe(server.hostKeyFingerprint);
    expect(uploaded()).toEqual([]);
    // The password was never sent to an untrusted server.
    await new Promise((r) => setTimeout(r, 100));
    expect(server.logs().slice(mark)).toMatch(/Connection from 127\.0\.0\.1/);
    expect(server.logs().slice(mark)).not.toMatch(/Failed password|Accepted password/);
    const check = await sftpDestination.check(settings({ trustedFingerprint: '' }), { password: server.password }, { destinationName: 'clever' });
    expect(check.ok).toBe(false);
    expect(check.fingerprint).toBe(server.hostKeyFingerprint);
    expect(check.hostKey).toEqual({ status: 'unknown', presented: server.hostKeyFingerprint, keyType: 'ED25519' });
    expect(check.message).toContain('rostersync destination trust clever');
    // A screen offering "Trust this key" beside the result: no command to run.
    const inPlace = await sftpDestination.check(settings({ trustedFingerprint: '' }), { password: server.password }, { destinationName: 'clever', trustInPlace: true });
    expect(inPlace.hostKey).toEqual({ status: 'unknown', presented: server.hostKeyFingerprint, keyType: 'ED25519' });
    expect(inPlace.message).toMatch(/Compare it with the fingerprint the vendor gave you before trusting it\.$/);
    expect(inPlace.message).not.toContain('rostersync');
  });

  it('a trusted fingerprint pasted as a whole ssh-keygen line is accepted', async () => {
    clearUpload();
    const line = `256 ${server.hostKeyFingerprint} root@vendor (ED25519)`;
    await deliver({ trustedFingerprint: line }, { password: server.password }, [stager.file('students.csv', CSV, 1)]);
    expect(uploaded()).toEqual(['students.csv']);
  });

  it('changed host key: refuses naming both fingerprints; trusting the new one delivers again', async () => {
    clearUpload();
    const old = server.hostKeyFingerprint;
    await server.restart({ newHostKey: true });
    const changed = server.hostKeyFingerprint;
    expect(changed).not.toBe(old);
    const { err } = await refused({ trustedFingerprint: old }, { password: server.password }, [stager.file('students.csv', CSV, 1)], { destinationName: 'clever' });
    expect(err.code).toBe('host-key');
    expect(err.message).toContain(`expected ${old}, got ${changed} (ED25519)`);
    expect(err.message).toContain('rostersync destination trust clever');
    expect(uploaded()).toEqual([]);
    const check = await sftpDestination.check(settings({ trustedFingerprint: old }), { password: server.password }, { trustInPlace: true });
    expect(check.ok).toBe(false);
    expect(check.hostKey).toEqual({ status: 'changed', presented: changed, keyType: 'ED25519', trusted: old });
    // What `rostersync destination trust NAME` does through the driver's host-key capability.
    const hostKey = sftpDestination.hostKey;
    if (!hostKey) throw new Error('the SFTP driver must offer the host-key capability');
    const stale = settings({ trustedFingerprint: old });
    const probed = await hostKey.probe(stale);
    expect(probed).toEqual({ fingerprint: changed, keyType: 'ssh-ed25519' });
    const pinned = hostKey.pin(stale, `256 ${probed.fingerprint} root@vendor (ED25519)`);
    expect(pinned).toEqual({ ...stale, trustedFingerprint: changed });
    expect(hostKey.pinned(pinned)).toBe(changed);
    const ctx = recordingContext();
    await sftpDestination.deliver(pinned, { password: server.password }, [stager.file('students.csv', CSV, 1)], ctx);
    texts.push(...ctx.lines.map((l) => l.message));
    expect(uploaded()).toEqual(['students.csv']);
  });
});

describe('secrets', () => {
  it('no password, passphrase or key material in any message or log line of this file', () => {
    expect(texts.length).toBeGreaterThan(20);
    expect(Object.keys(usedSecrets).length).toBeGreaterThan(5);
    expectNoSecrets(texts, usedSecrets);
  });
});
