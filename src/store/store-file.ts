/**
 * The store file's own safety: a store that exists is never treated as new (only a missing file
 * means a new data folder), a damaged one is refused with the file and the newest backup named,
 * and backups go to `<home>/backups/rostersync-YYYYMMDD-HHMMSS.db` (UTC).
 */
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The store file is empty, truncated, corrupt or not a RosterSync store. */
export class StoreFileError extends Error {
  override name = 'StoreFileError';
  constructor(
    readonly path: string,
    problem: string,
    readonly newestBackup: string | undefined,
    backupsDir: string,
  ) {
    const restore = newestBackup
      ? `Restore the newest backup, ${newestBackup}: stop the agent, then run \`rostersync store restore ${newestBackup}\`.`
      : `No backup was found in ${backupsDir}; restore the file from the server's own backups.`;
    super(`The store ${path} ${problem}. It is not opened as a new, empty data folder. ${restore} To start over instead, move the damaged file away.`);
  }
}

const BACKUP_NAME = /^rostersync-\d{8}-\d{6}(?:-[a-z0-9-]+)?\.db$/;

/** Backups in `dir`, newest first (by the timestamp in the name). */
export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
    .reverse()
    .map((name) => join(dir, name));
}

/** `rostersync-20261202-031500.db` (UTC), with an optional suffix such as `before-schema-3`. */
export function backupFileName(at: Date, suffix?: string): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `rostersync-${stamp}${suffix ? `-${suffix}` : ''}.db`;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const HEADER_BYTES = 100;

/**
 * What is wrong with an existing store file, judged from its size and its 100-byte header (no
 * SQLite call, so nothing can "repair" it by starting over); undefined when it looks whole.
 */
export function storeFileProblem(path: string): string | undefined {
  const size = statSync(path).size;
  if (size === 0) return 'is empty (0 bytes)';
  if (size < HEADER_BYTES) return `is truncated (${size} bytes, shorter than a SQLite header)`;
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1', 0, 16) !== SQLITE_MAGIC) return 'is not a SQLite database (its header is damaged)';
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return 'has a damaged header (impossible page size)';
  if (size % pageSize !== 0) return `is truncated (${size} bytes is not a whole number of ${pageSize}-byte pages)`;
  // The header's page count is valid only when its version-valid-for number matches the change counter.
  const pages = header.readUInt32BE(28);
  if (pages > 0 && header.readUInt32BE(92) === header.readUInt32BE(24) && size < pages * pageSize) {
    return `is truncated (${size} bytes; its header says ${pages * pageSize})`;
  }
  return undefined;
}

/** SQLite's own words for a damaged file (better-sqlite3 puts them in `code`). */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'));
}

/**
 * A copy of a backup checked whole before it may replace the live store: header, SQLite's
 * quick_check, schema version. `path` is a private copy (opening a WAL database leaves -wal/-shm
 * files beside it); `named` is the backup as the admin named it, for messages.
 */
function verifyStoreCopy(path: string, named: string, latestSchema: number): { readonly schemaVersion: number } {
  const problem = storeFileProblem(path);
  if (problem) throw new Error(`${named} ${problem}; it cannot be restored.`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw new Error(`${named} fails SQLite's integrity check (${check}); it cannot be restored.`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion === 0) throw new Error(`${named} is not a RosterSync store (no schema version).`);
    if (schemaVersion > latestSchema) throw new Error(`${named} was written by a newer RosterSync (schema ${schemaVersion}; this version knows up to ${latestSchema}).`);
    return { schemaVersion };
  } catch (err) {
    if (isCorruptionError(err)) throw new Error(`${named} is corrupt (${(err as Error).message}); it cannot be restored.`, { cause: err });
    throw err;
  } finally {
    db?.close();
  }
}

/**
 * Puts a verified backup in place of the store (the agent must be stopped). The store it replaces,
 * damaged or not, is kept beside it as `rostersync.db.replaced-…` with its WAL, never deleted.
 */
export function restoreStoreFile(storePath: string, backupPath: string, latestSchema: number, at: Date = new Date()): { readonly schemaVersion: number; readonly replaced?: string } {
  if (!existsSync(backupPath)) throw new Error(`${backupPath} does not exist.`);
  const incoming = `${storePath}.restoring-${process.pid}`;
  copyFileSync(backupPath, incoming);
  let schemaVersion: number;
  try {
    ({ schemaVersion } = verifyStoreCopy(incoming, backupPath, latestSchema));
  } catch (err) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${incoming}${suffix}`, { force: true });
    throw err;
  }
  let replaced: string | undefined;
  if (existsSync(storePath)) {
    replaced = `${storePath}.replaced-${backupFileName(at).slice('rostersync-'.length, -'.db'.length)}`;
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(`${storePath}${suffix}`)) renameSync(`${storePath}${suffix}`, `${replaced}${suffix}`);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${storePath}${suffix}`, { force: true });
  renameSync(incoming, storePath);
  return { schemaVersion, replaced };
}
