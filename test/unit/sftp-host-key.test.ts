import { describe, expect, it } from 'vitest';
import {
  decideHostKey,
  hostKeyInfo,
  hostKeyRefusal,
  keyTypeLabel,
  trustCommand,
} from '../../src/destinations/sftp/sftp-host-key.js';
import { isFingerprint, normalizeFingerprint } from '../../src/shared/fingerprint.js';
import {
  SftpFailure,
  redactSecrets,
  secretNeedles,
  toDeliveryError,
  translateConnectError,
  translateKeyParseError,
  translateOpError,
} from '../../src/destinations/sftp/sftp-errors.js';
import { DeliveryError } from '../../src/destinations/types.js';

// A public host key and the fingerprint `ssh-keygen -l -f key.pub` printed for it:
// 256 SHA256:tKR7ayXMrAuDAMmDU90dXEm/GPnv7+pVOQm3EPFLUPU root@vm (ED25519)
const PUB = 'AAAAC3NzaC1lZDI1NTE5AAAAIIZdEOwoYg2dKTacJpjdZ3wHpOR2cL40NC9LIgku9Ipi';
const FP = 'SHA256:tKR7ayXMrAuDAMmDU90dXEm/GPnv7+pVOQm3EPFLUPU';
const OTHER = 'SHA256:AAAAayXMrAuDAMmDU90dXEm/GPnv7+pVOQm3EPFLUPU';

describe('host key fingerprints', () => {
  it('equal what ssh-keygen -l prints, with the key type read from the blob', () => {
    expect(hostKeyInfo(Buffer.from(PUB, 'base64'))).toEqual({ fingerprint: FP, keyType: 'ssh-ed25519' });
    expect(keyTypeLabel('ssh-ed25519')).toBe('ED25519');
    expect(keyTypeLabel('ecdsa-sha2-nistp256')).toBe('ECDSA');
    expect(keyTypeLabel('ssh-rsa')).toBe('RSA');
  });

  it('accept what admins paste: with or without prefix, padding, or a whole ssh-keygen line', () => {
    expect(normalizeFingerprint(FP)).toBe(FP);
    expect(normalizeFingerprint(` ${FP.slice(7)}= `)).toBe(FP);
    expect(normalizeFingerprint(`256 ${FP} root@vm (ED25519)`)).toBe(FP);
    expect(normalizeFingerprint('sha256:abc')).toBe('SHA256:abc');
    expect(normalizeFingerprint('  ')).toBe('');
    expect(isFingerprint(FP)).toBe(true);
    expect(isFingerprint('MD5:12:34')).toBe(false);
  });

  it('decide: trusted, unknown (nothing pinned) or mismatch', () => {
    const presented = { fingerprint: FP, keyType: 'ssh-ed25519' };
    expect(decideHostKey(FP, presented).kind).toBe('trusted');
    expect(decideHostKey(`256 ${FP} x (ED25519)`, presented).kind).toBe('trusted');
    expect(decideHostKey('', presented).kind).toBe('unknown');
    expect(decideHostKey(OTHER, presented)).toEqual({ kind: 'mismatch', presented, trusted: OTHER });
  });

  it('refusals show the fingerprint(s) and the exact trust command', () => {
    const presented = { fingerprint: FP, keyType: 'ssh-ed25519' };
    const unknown = hostKeyRefusal({ kind: 'unknown', presented }, 'sftp.vendor.example:22', { via: 'command', destinationName: 'clever' });
    expect(unknown).toContain(`${FP} (ED25519)`);
    expect(unknown).toContain('rostersync destination trust clever');
    const changed = hostKeyRefusal({ kind: 'mismatch', presented, trusted: OTHER }, 'sftp.vendor.example:22', { via: 'command', destinationName: 'Clever nightly' });
    expect(changed).toContain(`expected ${OTHER}, got ${FP} (ED25519)`);
    expect(changed).toContain('rostersync destination trust "Clever nightly"');
    expect(trustCommand(undefined)).toBe('rostersync destination trust <destination name>');
    expect(hostKeyRefusal({ kind: 'unknown', presented }, 'sftp.vendor.example:22', { via: 'command', destinationName: 'clever', homeArgs: ' --home /srv/rs' })).toContain('run: rostersync destination trust clever --home /srv/rs');
  });

  it('refusals for a screen that offers "Trust this key" beside them name no command to run', () => {
    const presented = { fingerprint: FP, keyType: 'ssh-ed25519' };
    const unknown = hostKeyRefusal({ kind: 'unknown', presented }, 'sftp.vendor.example:22', { via: 'in-place' });
    expect(unknown).toBe(`The SFTP server sftp.vendor.example:22 is not trusted yet: its host key fingerprint is ${FP} (ED25519). Compare it with the fingerprint the vendor gave you before trusting it.`);
    const changed = hostKeyRefusal({ kind: 'mismatch', presented, trusted: OTHER }, 'sftp.vendor.example:22', { via: 'in-place' });
    expect(changed).toContain(`expected ${OTHER}, got ${FP} (ED25519)`);
    expect(changed).toMatch(/Confirm the new fingerprint with the vendor before trusting it\.$/);
    expect(`${unknown} ${changed}`).not.toMatch(/rostersync|run:/);
  });
});

describe('error translation', () => {
  const ctx = { where: 'sftp.vendor.example:22', username: 'd42', authMethod: 'password' as const, connectTimeoutMs: 20_000 };

  it('connect errors: refused, DNS, timeout, login', () => {
    const refused = translateConnectError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), ctx);
    expect(refused).toMatchObject({ code: 'unreachable', retryable: true });
    expect(refused.message).toMatch(/^Cannot reach the SFTP server sftp\.vendor\.example:22: connection refused/);
    expect(translateConnectError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), ctx)).toMatchObject({ code: 'unreachable', retryable: false });
    expect(translateConnectError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), ctx)).toMatchObject({
      code: 'timeout',
      retryable: true,
      message: 'No answer from the SFTP server sftp.vendor.example:22 within 20 s (connect and login; setting connectTimeoutMs).',
    });
    const login = translateConnectError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), ctx);
    expect(login).toMatchObject({ code: 'auth', retryable: false });
    expect(login.message).toBe('Login failed for user "d42" on sftp.vendor.example:22: the server rejected the password.');
    expect(translateConnectError(new Error('getConnection: All configured authentication methods failed'), { ...ctx, authMethod: 'key' }).message).toMatch(/rejected the private key/);
  });

  it('key problems: passphrase missing, passphrase wrong, not a key', () => {
    expect(translateKeyParseError(new Error('Encrypted private OpenSSH key detected, but no passphrase given'), false).message).toMatch(/protected by a passphrase/);
    expect(translateKeyParseError(new Error('OpenSSH key integrity check failed -- bad passphrase?'), true).message).toBe('The passphrase for the private key is wrong.');
    expect(translateKeyParseError(new Error('Malformed OpenSSH private key. Bad passphrase?'), true).code).toBe('auth');
    expect(translateKeyParseError(new Error('Unsupported key format'), false).code).toBe('config');
    expect(translateKeyParseError(new Error('whatever'), false).message).toMatch(/BEGIN and END lines/);
  });

  it('SFTP status codes: permission, missing, connection loss', () => {
    const op = { where: 'h:22', username: 'd42', action: 'uploading users.csv', path: 'Upload/.users.csv.rostersync-tmp-1', folder: 'folder "Upload"' };
    expect(translateOpError(Object.assign(new Error('Permission denied'), { code: 3 }), op)).toMatchObject({ code: 'permission', retryable: false });
    expect(translateOpError(Object.assign(new Error('No such file'), { code: 2 }), op)).toMatchObject({ code: 'missing-folder' });
    expect(translateOpError(new Error('_put: Unexpected close event'), op)).toMatchObject({ code: 'io', retryable: true });
    expect(translateOpError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), op)).toMatchObject({ code: 'io', retryable: true });
    expect(translateOpError(Object.assign(new Error('Failure'), { code: 4 }), op)).toMatchObject({ code: 'io', retryable: false });
  });
});

describe('secrets never leave', () => {
  const key = [
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
    'QyNTUxOQAAACCGXRDsKGINnSk2nCaY3Wd8B6TkdnC+NDQvSyIJLvSKYgAAAJCkx1nRpMdZ',
    '-----END OPENSSH PRIVATE KEY-----',
  ].join('\n');

  it('redacts passwords and every line of key material', () => {
    const needles = secretNeedles({ password: 'hunter2-long', privateKey: key, passphrase: undefined });
    const text = `login with hunter2-long failed; key QyNTUxOQAAACCGXRDsKGINnSk2nCaY3Wd8B6TkdnC+NDQvSyIJLvSKYgAAAJCkx1nRpMdZ leaked`;
    const out = redactSecrets(text, needles);
    expect(out).toBe('login with [secret] failed; key [secret] leaked');
    expect(needles).not.toContain('-----BEGIN OPENSSH PRIVATE KEY-----');
  });

  it('toDeliveryError redacts and keeps the delivered list', () => {
    const delivered = [{ name: 'orgs.csv', remotePath: 'Upload/orgs.csv', bytes: 3, durationMs: 1, attempts: 1 }];
    const e = toDeliveryError(new SftpFailure('boom pw=sekrit-value', 'io', true), secretNeedles({ password: 'sekrit-value' }), delivered);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.message).toBe('boom pw=[secret]');
    expect(e.code).toBe('io');
    expect(e.delivered).toEqual(delivered);
    expect(toDeliveryError(new Error('raw sekrit-value'), secretNeedles({ password: 'sekrit-value' })).message).toBe('SFTP delivery failed: raw [secret]');
  });
});
