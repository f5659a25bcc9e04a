/**
 * The agent's API key: 32 random bytes in `<home>/api.key`, readable by its owner only (0600),
 * created on first start. GUI clients send it as `Authorization: Bearer <key>`.
 */
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const API_KEY_FILE = 'api.key';

export const apiKeyPath = (home: string): string => join(home, API_KEY_FILE);

/** Reads the key, creating it (mode 0600) when absent; tightens a too-open mode on POSIX. */
export function loadOrCreateApiKey(home: string): string {
  const path = apiKeyPath(home);
  mkdirSync(home, { recursive: true, mode: 0o750 });
  if (!existsSync(path)) {
    try {
      writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = readFileSync(path, 'utf8').trim();
  if (key.length < 32) throw new Error(`${path} does not hold a valid API key (expected at least 32 characters). Delete the file and start RosterSync again to create a new one.`);
  return key;
}

/** Reads an existing key (for clients such as the tray app); undefined when there is none. */
export function readApiKey(home: string): string | undefined {
  const path = apiKeyPath(home);
  if (!existsSync(path)) return undefined;
  const key = readFileSync(path, 'utf8').trim();
  return key || undefined;
}

/** Constant-time comparison of a presented key with the real one. */
export function keyMatches(presented: string, key: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(key).digest();
  return timingSafeEqual(a, b);
}

/**
 * Replaces the key with a new random one (written beside it with mode 0600, then renamed over it,
 * so no reader sees half a key). Every client holding the old key is refused from then on: API
 * servers on this data folder read the file again when it changes (`apiKeyFile`).
 */
export function rotateApiKey(home: string): string {
  const path = apiKeyPath(home);
  const next = `${path}.${process.pid}.partial`;
  const key = randomBytes(32).toString('base64url');
  rmSync(next, { force: true });
  writeFileSync(next, `${key}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(next, path);
  return key;
}

/** The key of a data folder as its file holds it now. */
export interface ApiKeyFile {
  current(): string;
}

/**
 * The key, read again whenever `<home>/api.key` changes (another inode, size or modification time):
 * a rotation by any process on this data folder takes effect on the next request, without a restart.
 */
export function apiKeyFile(home: string): ApiKeyFile {
  let key = loadOrCreateApiKey(home);
  let seen = fileStamp(apiKeyPath(home));
  return {
    current() {
      const stamp = fileStamp(apiKeyPath(home));
      if (stamp !== seen) {
        key = loadOrCreateApiKey(home);
        seen = fileStamp(apiKeyPath(home));
      }
      return key;
    },
  };
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
