import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  deliveryOrder,
  mayRetry,
  normalizeRemoteDir,
  patternProblem,
  remoteFileName,
  remoteJoin,
  remoteNameProblem,
  renderFileName,
  sftpSettingsSchema,
  splitName,
  tempName,
  tempOwner,
} from '../../src/destinations/sftp/sftp-settings.js';
import { planDelivery, sftpDestination } from '../../src/destinations/sftp/sftp.js';
import type { StagedFile } from '../../src/destinations/types.js';

const now = new Date(2025, 0, 7, 5, 9); // local time 2025-01-07 05:09

describe('sftp settings schema', () => {
  it('fills defaults: port 22, password auth, atomic rename, bounded retries', () => {
    const s = sftpSettingsSchema.parse({ host: 'sftp.vendor.example', username: 'district42' });
    expect(s).toMatchObject({
      port: 22,
      remoteDir: '',
      authMethod: 'password',
      trustedFingerprint: '',
      atomicRename: true,
      retries: 3,
      fileNamePatterns: {},
    });
    expect(s.connectTimeoutMs).toBeGreaterThan(0);
    expect(s.idleTimeoutMs).toBeGreaterThan(0);
    expect(s.retryMaxTotalMs).toBeGreaterThan(0);
    expect(s.keepaliveIntervalMs).toBeGreaterThan(0);
  });

  it('refuses unknown tokens, slashes in patterns, unknown fields and bad ports with readable messages', () => {
    const bad = sftpSettingsSchema.safeParse({ host: 'h', username: 'u', fileNamePattern: '{stem}_{yyyymmdd}.csv' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/unknown token \{yyyymmdd\}; use \{name\} \{stem\}/);
    expect(sftpSettingsSchema.safeParse({ host: 'h', username: 'u', fileNamePatterns: { 'a.csv': 'sub/{name}' } }).success).toBe(false);
    expect(sftpSettingsSchema.safeParse({ host: 'h', username: 'u', password: 'x' }).success).toBe(false);
    expect(sftpSettingsSchema.safeParse({ host: 'h', username: 'u', port: 70000 }).success).toBe(false);
    expect(sftpSettingsSchema.safeParse({ host: ' ', username: 'u' }).success).toBe(false);
  });

  it('declares the secret fields so the store encrypts them and exports leave them out', () => {
    expect(sftpDestination.secretFields).toEqual(['password', 'privateKey', 'passphrase']);
    expect(sftpDestination.id).toBe('sftp');
  });
});

describe('remote file names', () => {
  it('splits names into stem and extension', () => {
    expect(splitName('students.csv')).toEqual({ stem: 'students', ext: 'csv' });
    expect(splitName('oneroster.tar.gz')).toEqual({ stem: 'oneroster.tar', ext: 'gz' });
    expect(splitName('README')).toEqual({ stem: 'README', ext: '' });
    expect(splitName('.hidden')).toEqual({ stem: '.hidden', ext: '' });
  });

  it('renders every token in local time, zero-padded', () => {
    expect(renderFileName('{stem}_{yyyy}{MM}{dd}_{HH}{mm}.{ext}', 'students.csv', now)).toBe('students_20250107_0509.csv');
    expect(renderFileName('{name}', 'students.csv', now)).toBe('students.csv');
    expect(renderFileName('{stem}.{ext}', 'README', now)).toBe('README');
    expect(patternProblem('{stem}_{yyyy}{MM}{dd}.{ext}')).toBeUndefined();
    expect(patternProblem('')).toMatch(/empty/);
  });

  it('uses the per-file pattern first, then the common pattern, then the name', () => {
    const s = sftpSettingsSchema.parse({ host: 'h', username: 'u', fileNamePattern: '{stem}-{yyyy}.{ext}', fileNamePatterns: { 'users.csv': 'USERS.CSV' } });
    expect(remoteFileName(s, 'users.csv', now)).toBe('USERS.CSV');
    expect(remoteFileName(s, 'classes.csv', now)).toBe('classes-2025.csv');
    expect(remoteFileName(sftpSettingsSchema.parse({ host: 'h', username: 'u' }), 'classes.csv', now)).toBe('classes.csv');
  });

  it('joins folders the way the server expects', () => {
    expect(normalizeRemoteDir('')).toBe('');
    expect(normalizeRemoteDir('./')).toBe('');
    expect(normalizeRemoteDir('Upload/')).toBe('Upload');
    expect(normalizeRemoteDir('\\Upload\\in\\')).toBe('/Upload/in');
    expect(normalizeRemoteDir('/')).toBe('/');
    expect(remoteJoin('', 'a.csv')).toBe('a.csv');
    expect(remoteJoin('/', 'a.csv')).toBe('/a.csv');
    expect(remoteJoin('Upload', 'a.csv')).toBe('Upload/a.csv');
    expect(remoteJoin('/home/d42//Upload/', 'a.csv')).toBe('/home/d42/Upload/a.csv');
  });

  it('refuses unusable remote names', () => {
    expect(remoteNameProblem('..')).toBeDefined();
    expect(remoteNameProblem('a\nb.csv')).toMatch(/control/);
    expect(remoteNameProblem('students.csv')).toBeUndefined();
  });

  it('names temporaries so they are hidden, recognisable and tied to their final name', () => {
    const t = tempName('students.csv', '0a1b2c3d');
    expect(t).toBe('.students.csv.rostersync-tmp-0a1b2c3d');
    expect(tempOwner(t)).toBe('students.csv');
    expect(tempOwner('.students.csv.rostersync-tmp-xyz')).toBeUndefined();
    expect(tempOwner('students.csv')).toBeUndefined();
  });
});

describe('delivery plan', () => {
  const f = (name: string, order: number): StagedFile => ({ name, localPath: `/stage/${name}`, bytes: 1, sha256: '', order });

  it('orders orgs → users → classes → enrollments and keeps ties in their given order', () => {
    const files = [f('enrollments.csv', 40), f('teachers.csv', 20), f('schools.csv', 10), f('students.csv', 20), f('sections.csv', 30)];
    expect(deliveryOrder(files).map((x) => x.name)).toEqual(['schools.csv', 'teachers.csv', 'students.csv', 'sections.csv', 'enrollments.csv']);
  });

  it('refuses two files that would land on the same remote name, before connecting', () => {
    const s = sftpSettingsSchema.parse({ host: 'h', username: 'u', remoteDir: 'Upload', fileNamePattern: 'roster_{yyyy}{MM}{dd}.csv' });
    expect(() => planDelivery(s, [f('a.csv', 1), f('b.csv', 2)], now)).toThrow(/a\.csv and b\.csv would both be uploaded as "roster_20250107\.csv"/);
    const ok = planDelivery(sftpSettingsSchema.parse({ host: 'h', username: 'u', remoteDir: 'Upload' }), [f('b.csv', 2), f('a.csv', 1)], now);
    expect(ok.map((p) => p.remotePath)).toEqual(['Upload/a.csv', 'Upload/b.csv']);
  });
});

describe('retry policy', () => {
  it('backs off exponentially, capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 2_000))).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(backoffDelay(20, 2_000)).toBe(60_000);
    expect(backoffDelay(0, 2_000)).toBe(0);
  });

  it('stops at the retry count and at the total time budget', () => {
    const base = { retries: 3, sinceFirstFailureMs: 0, delayMs: 1_000, retryMaxTotalMs: 60_000 };
    expect(mayRetry({ ...base, attemptsSoFar: 1 })).toBe(true);
    expect(mayRetry({ ...base, attemptsSoFar: 3 })).toBe(true);
    expect(mayRetry({ ...base, attemptsSoFar: 4 })).toBe(false);
    expect(mayRetry({ ...base, attemptsSoFar: 1, retries: 0 })).toBe(false);
    expect(mayRetry({ ...base, attemptsSoFar: 1, sinceFirstFailureMs: 59_500 })).toBe(false);
    expect(mayRetry({ ...base, attemptsSoFar: 1, sinceFirstFailureMs: 59_000 })).toBe(true);
  });
});
