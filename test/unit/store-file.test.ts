/**
 * The store file: only a missing file is a new data folder; empty, truncated, corrupt or foreign
 * files are refused naming the file and the newest backup; backups (online, and automatic before a
 * migration) restore round-trip and never carry the machine key.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, Store } from '../../src/store/store.js';
import { CONFIG_DOOR } from '../../src/home/config-door.js';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from '../../src/store/migrations/index.js';
import { backupFileName, listBackups, StoreFileError } from '../../src/store/store-file.js';
import { closeAgent, loadSecrets, openAgent, saveSecrets, sourceSecretOwner } from '../../src/home/context.js';
import { main } from '../../src/cli/main.js';
import { destinationConfigSchema, type SourceConfig } from '../../src/shared/config.schema.js';

const tempHome = (): string => mkdtempSync(join(tmpdir(), 'rs-storefile-'));

async function cli(home: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'rostersync', '--home', home, ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** A home with a configured source, a sealed secret and a site map. */
function populatedHome(): string {
  const home = tempHome();
  const ctx = openAgent(home, {});
  ctx.store.saveSource({ name: 'sis', type: 'postgres', settings: { host: 'sis.local', port: 5432, database: 'sis', user: 'rs' }, entities: {} } as unknown as SourceConfig);
  saveSecrets(ctx, sourceSecretOwner('sis'), { password: 'S3cret-pw' });
  ctx.store.saveDestination(destinationConfigSchema.parse({ name: 'vendor', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: join(home, 'outbox') } }));
  ctx.store.replaceSiteMap('vendor', [{ schoolCode: '007', siteId: 'A-7', label: 'Lincoln' }]);
  closeAgent(ctx);
  return home;
}

function expectRefused(home: string, problem: RegExp): StoreFileError {
  const storePath = join(home, 'rostersync.db');
  const sizeBefore = statSync(storePath).size;
  let caught: unknown;
  try {
    closeAgent(openAgent(home, {}));
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(StoreFileError);
  const error = caught as StoreFileError;
  expect(error.message).toContain(`The store ${storePath} `);
  expect(error.message).toMatch(problem);
  expect(error.message).toContain('It is not opened as a new, empty data folder.');
  expect(statSync(storePath).size).toBe(sizeBefore); // left exactly as found
  return error;
}

describe('a damaged store is refused, never treated as new', () => {
  it('refuses a 0-byte store and names the newest backup to restore', async () => {
    const home = populatedHome();
    expect((await cli(home, 'store', 'backup')).code).toBe(0);
    const backup = listBackups(join(home, 'backups'))[0]!;
    writeFileSync(join(home, 'rostersync.db'), '');
    const error = expectRefused(home, /is empty \(0 bytes\)/);
    expect(error.newestBackup).toBe(backup);
    expect(error.message).toContain(`Restore the newest backup, ${backup}: stop the agent, then run \`rostersync store restore ${backup}\`.`);
    const run = await cli(home, 'history');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/is empty \(0 bytes\)/);
    expect(run.out).not.toMatch(/No runs yet/);
  });

  it('refuses a truncated store', () => {
    const home = populatedHome();
    const path = join(home, 'rostersync.db');
    truncateSync(path, Math.floor(statSync(path).size / 2) + 100);
    expect(expectRefused(home, /is truncated/).message).toContain(`No backup was found in ${join(home, 'backups')}`);
    truncateSync(path, 60);
    expectRefused(home, /is truncated \(60 bytes, shorter than a SQLite header\)/);
  });

  it('refuses a store cut at a page boundary (its header says it is longer)', () => {
    const home = populatedHome();
    const path = join(home, 'rostersync.db');
    const pageSize = readFileSync(path).readUInt16BE(16);
    truncateSync(path, pageSize * 2);
    expectRefused(home, /is truncated|is corrupt/);
  });

  it('refuses a store whose header or pages are garbage', () => {
    const home = populatedHome();
    const path = join(home, 'rostersync.db');
    const bytes = readFileSync(path);
    bytes.write('garbage garbage!', 0, 'latin1');
    writeFileSync(path, bytes);
    expectRefused(home, /is not a SQLite database/);

    const home2 = populatedHome();
    const path2 = join(home2, 'rostersync.db');
    const bytes2 = readFileSync(path2);
    bytes2.fill(0x5a, 100, bytes2.length); // schema page and every table page overwritten
    writeFileSync(path2, bytes2);
    expectRefused(home2, /is corrupt/);
  });

  it("refuses a SQLite file that is not a RosterSync store instead of upgrading it into one", () => {
    const home = tempHome();
    const db = new Database(join(home, 'rostersync.db'));
    db.exec('CREATE TABLE invoices (id INTEGER)');
    db.close();
    expectRefused(home, /is a SQLite database but not a RosterSync store \(no schema version; tables invoices\)/);
  });

  it('makes a new store only where there is no file', () => {
    const home = tempHome();
    const ctx = openAgent(home, {});
    expect(ctx.store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    closeAgent(ctx);
    expect(readdirSync(home).filter((n) => n.startsWith('rostersync.db.new-'))).toEqual([]);
  });
});

describe('store backup and restore', () => {
  it('backs up with the online backup API (no key inside), restores round-trip, and keeps the replaced store', async () => {
    const home = populatedHome();
    const key = readFileSync(join(home, 'machine.key'), 'utf8').trim();
    const made = await cli(home, '--json', 'store', 'backup');
    expect(made.code).toBe(0);
    const { backup } = JSON.parse(made.out) as { backup: string };
    expect(backup).toMatch(/backups\/rostersync-\d{8}-\d{6}\.db$/);
    expect(statSync(backup).mode & 0o077).toBe(0);
    expect(readdirSync(join(home, 'backups'))).toEqual([backup.split('/').pop()]);
    const bytes = readFileSync(backup);
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    expect(bytes.includes(Buffer.from(key, 'base64'))).toBe(false);
    expect(bytes.includes(Buffer.from('S3cret-pw'))).toBe(false);

    // after the backup: the configuration changes, then the store is lost
    const ctx = openAgent(home, {});
    ctx.store.replaceSiteMap('vendor', []);
    closeAgent(ctx);
    writeFileSync(join(home, 'rostersync.db'), '');

    const restored = await cli(home, 'store', 'restore', backup);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toContain(`Restored ${join(home, 'rostersync.db')} from ${backup}`);
    const replaced = readdirSync(home).filter((n) => n.startsWith('rostersync.db.replaced-'));
    expect(replaced).toHaveLength(1);
    expect(statSync(join(home, replaced[0]!)).size).toBe(0);

    // the backup itself is left exactly as it was, with nothing beside it
    expect(readdirSync(join(home, 'backups'))).toEqual([backup.split('/').pop()]);
    expect(readdirSync(home).filter((n) => n.includes('.restoring-'))).toEqual([]);

    const back = openAgent(home, {});
    expect(back.store.getSiteMap('vendor')).toEqual([{ schoolCode: '007', siteId: 'A-7', label: 'Lincoln' }]);
    expect(loadSecrets(back, sourceSecretOwner('sis'), ['password']).password).toBe('S3cret-pw');
    closeAgent(back);
  });

  it('refuses to restore a damaged backup and leaves the store alone', async () => {
    const home = populatedHome();
    const bad = join(home, 'bad.db');
    writeFileSync(bad, 'not a database at all, not even close, and longer than one hundred bytes of header for sure ...........');
    const before = readFileSync(join(home, 'rostersync.db'));
    const result = await cli(home, 'store', 'restore', bad);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/is not a SQLite database .*cannot be restored/);
    expect(readFileSync(join(home, 'rostersync.db')).equals(before)).toBe(true);
    expect(readdirSync(home).filter((n) => n.includes('.restoring-'))).toEqual([]);
  });

  it('copies the store to the backups folder before a migration changes it', () => {
    const home = tempHome();
    const path = join(home, 'rostersync.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    migrate(db, MIGRATIONS.slice(0, -1));
    db.prepare(`INSERT INTO site_map (destination, school_code, site_id, label) VALUES ('d', '007', 'S7', 'Seven')`).run();
    db.close();
    const store = new Store(path, CONFIG_DOOR);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    store.close();
    const backups = listBackups(join(home, 'backups'));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(new RegExp(`rostersync-\\d{8}-\\d{6}-before-schema-${LATEST_SCHEMA_VERSION}\\.db$`));
    const copy = new Database(backups[0]!, { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION - 1);
    expect(copy.prepare('SELECT site_id FROM site_map').pluck().get()).toBe('S7');
    copy.close();
    // opening again at the latest version makes no further copy
    new Store(path, CONFIG_DOOR).close();
    expect(listBackups(join(home, 'backups'))).toHaveLength(1);
  });

  it('names backups by UTC time and lists them newest first', () => {
    expect(backupFileName(new Date('2026-12-02T03:04:05.678Z'))).toBe('rostersync-20261202-030405.db');
    const dir = join(tempHome(), 'backups');
    mkdirSync(dir);
    for (const n of ['rostersync-20261101-000000.db', 'rostersync-20261202-000000-before-schema-3.db', 'notes.txt']) writeFileSync(join(dir, n), '');
    expect(listBackups(dir).map((p) => p.split('/').pop())).toEqual(['rostersync-20261202-000000-before-schema-3.db', 'rostersync-20261101-000000.db']);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
  });
});
