import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, Store } from '../../src/store/store.js';
import { CONFIG_DOOR } from '../../src/home/config-door.js';
import { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from '../../src/store/migrations/index.js';
import { onStoreFile } from '../helpers/store-file-sql.js';

const tempDb = (): string => join(mkdtempSync(join(tmpdir(), 'rs-store-')), 'rostersync.db');

describe('store migrations', () => {
  it('creates a new store at the latest schema version, in WAL mode', () => {
    const store = new Store(tempDb(), CONFIG_DOOR);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const { journalMode, tables } = onStoreFile(store, (db) => ({
      journalMode: db.pragma('journal_mode', { simple: true }),
      tables: db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all(),
    }));
    expect(journalMode).toBe('wal');
    expect(tables).toEqual(expect.arrayContaining(['sources', 'destinations', 'site_map', 'secrets', 'runs', 'run_files', 'run_events', 'run_findings', 'audit_ledger']));
    store.close();
  });

  it('upgrades an older database in place and keeps its data', () => {
    const path = tempDb();
    const db = new Database(path);
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare(`INSERT INTO site_map (destination, school_code, site_id, label) VALUES ('d', '007', 'S7', 'Seven')`).run();
    const next: Migration = { version: MIGRATIONS[MIGRATIONS.length - 1]!.version + 1, description: 'test', sql: 'ALTER TABLE site_map ADD COLUMN note TEXT' };
    expect(migrate(db, [...MIGRATIONS, next])).toBe(next.version);
    expect(db.pragma('user_version', { simple: true })).toBe(next.version);
    expect(db.prepare('SELECT school_code, site_id, note FROM site_map').get()).toEqual({ school_code: '007', site_id: 'S7', note: null });
    // running again is a no-op
    expect(migrate(db, [...MIGRATIONS, next])).toBe(next.version);
    db.close();
  });

  it('rolls a failing migration back whole', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS);
    const broken: Migration = { version: LATEST_SCHEMA_VERSION + 1, description: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM no_such_table;' };
    expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow(/no_such_table/);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half'`).get()).toBeUndefined();
  });

  it('refuses a store written by a newer RosterSync', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    expect(() => migrate(db)).toThrow(/newer RosterSync/);
  });

  it('version 2 adds run_locks to a version 1 store', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.filter((m) => m.version <= 1));
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'run_locks'`).get()).toBeUndefined();
    migrate(db, MIGRATIONS.filter((m) => m.version <= 2));
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    const columns = db.prepare(`SELECT name FROM pragma_table_info('run_locks')`).pluck().all();
    expect(columns).toEqual(['destination', 'token', 'pid', 'host', 'purpose', 'acquired_at', 'heartbeat_at']);
    db.close();
  });

  it('version 3 adds the publish journal and honest-ledger columns; existing ledger entries read as complete', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.filter((m) => m.version <= 2));
    db.prepare(
      `INSERT INTO audit_ledger (run_id, destination, destination_type, delivered_at, file, remote_path, records, sha256, personal_columns)
       VALUES (1, 'd', 'folder', '2025-01-01T00:00:00.000Z', 'users.csv', NULL, 3, 'x', '["givenName"]')`,
    ).run();
    migrate(db, MIGRATIONS.filter((m) => m.version <= 3));
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(db.prepare(`SELECT name FROM pragma_table_info('publish_journal')`).pluck().all()).toEqual(['id', 'run_id', 'destination', 'state', 'plan', 'resume', 'opened_at', 'closed_at', 'note']);
    expect(db.prepare('SELECT status, column_counts, note FROM audit_ledger').get()).toEqual({ status: 'complete', column_counts: '{}', note: null });
    expect(db.prepare(`SELECT name FROM pragma_table_info('run_files') WHERE name = 'personal_counts'`).pluck().get()).toBe('personal_counts');
    db.close();
  });

  it('version 4 adds the binding of each secret; secrets stored before read as unbound until the agent binds them', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.filter((m) => m.version <= 3));
    db.prepare(`INSERT INTO secrets (owner, field, sealed) VALUES ('source:sis', 'password', 'v1:a:b:c')`).run();
    migrate(db, MIGRATIONS.filter((m) => m.version <= 4));
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(db.prepare('SELECT owner, field, sealed, binding, bound_to FROM secrets').get()).toEqual({ owner: 'source:sis', field: 'password', sealed: 'v1:a:b:c', binding: null, bound_to: null });
    db.close();
  });

  it('version 5 adds custom SIS profiles beside custom formats', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.filter((m) => m.version <= 4));
    migrate(db, MIGRATIONS.filter((m) => m.version <= 5));
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    db.prepare(`INSERT INTO custom_profiles (id, definition, updated_at) VALUES ('mine', '{}', 'now')`).run();
    expect(db.prepare('SELECT id FROM custom_profiles').all()).toEqual([{ id: 'mine' }]);
    db.close();
  });

  it('marks runs of a process that died as failed (interrupted)', () => {
    const store = new Store(tempDb(), CONFIG_DOOR);
    const id = store.createRun('d', 'schedule', false);
    onStoreFile(store, (db) => db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(999999, id)); // as a process now gone left it
    expect(store.failInterruptedRuns(() => false)).toEqual([id]);
    expect(store.getRun(id)?.status).toBe('failed');
    expect(store.getRunDetail(id)?.events.at(-1)?.message).toMatch(/Interrupted/);
    store.close();
  });
});
