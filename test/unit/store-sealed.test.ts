/**
 * The sealed store: its connection cannot be reached from outside (`#db`), and what other layers
 * used to do with raw SQL is a named method here — transactions that keep or drop their work as a
 * whole, the integrity check, the configuration signature, the last delivery time, the lock rows
 * and the publish journal's rows.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { CONFIG_DOOR } from '../../src/home/config-door.js';
import { sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { RunLockRow } from '../../src/store/run-locks-table.js';

const openStore = (): Store => new Store(join(mkdtempSync(join(tmpdir(), 'rs-sealed-')), 'rostersync.db'), CONFIG_DOOR);
const source = (name: string) => sourceConfigSchema.parse({ name, type: 'sqlite', settings: { path: '/srv/sis.db' }, entities: {} });

describe('the sealed store', () => {
  it('has no reachable connection', () => {
    const store = openStore();
    expect('db' in store).toBe(false);
    expect(Object.keys(store)).not.toContain('db');
    expect((store as unknown as Record<string, unknown>).db).toBeUndefined();
    store.close();
  });

  it('keeps a transaction whole: all of its work, or none of it when it throws', () => {
    const store = openStore();
    expect(store.transaction(() => {
      store.saveSource(source('a'));
      store.saveSource(source('b'));
      return store.listSources().length;
    })).toBe(2);
    expect(() =>
      store.transaction(() => {
        store.saveSource(source('c'));
        throw new Error('the secret could not be sealed');
      }, 'immediate'),
    ).toThrow('the secret could not be sealed');
    expect(store.listSources().map((s) => s.name)).toEqual(['a', 'b']);
    // nested: the inner one is a savepoint, undone with the outer one
    expect(() =>
      store.transaction(() => {
        store.transaction(() => store.saveSource(source('d')));
        throw new Error('outer failed');
      }),
    ).toThrow('outer failed');
    expect(store.hasSource('d')).toBe(false);
    // work that awaits cannot hold a transaction: refused, nothing stored
    expect(() => store.transaction(async () => store.saveSource(source('e')))).toThrow(/promise/i);
    store.close();
  });

  it('checks its integrity, signs its configuration and knows the last delivery', () => {
    const store = openStore();
    expect(store.integrityCheck()).toBe('ok');
    const empty = store.configurationSignature();
    store.saveSource(source('sis'));
    const withSource = store.configurationSignature();
    expect(withSource).not.toBe(empty);
    expect(store.configurationSignature()).toBe(withSource);
    store.deleteSource('sis');
    expect(store.configurationSignature()).toBe(empty);

    expect(store.lastDeliveredAt('vendor')).toBeNull();
    const runId = store.createRun('vendor', 'manual', false);
    const entry = { runId, destination: 'vendor', destinationType: 'folder', file: 'users.csv', remotePath: null, records: 1, sha256: 'x'.repeat(64), personalColumns: [], columnCounts: {}, status: 'complete' as const };
    store.addAuditEntries([{ ...entry, deliveredAt: '2026-01-02T02:00:00.000Z' }, { ...entry, deliveredAt: '2026-01-03T02:00:00.000Z' }]);
    store.addAuditEntries([{ ...entry, destination: 'other', deliveredAt: '2026-02-01T02:00:00.000Z' }]);
    expect(store.lastDeliveredAt('vendor')).toBe('2026-01-03T02:00:00.000Z');
    store.close();
  });

  it('takes, refreshes, lists and releases lock rows; a held row is replaced only when the caller lets it', () => {
    const store = openStore();
    const row = (token: string, pid: number): RunLockRow => ({ destination: 'vendor', token, pid, host: 'h', purpose: 'schedule', acquiredAt: '2026-01-01T00:00:00.000Z', heartbeatAt: '2026-01-01T00:00:00.000Z' });
    expect(store.locks.take('vendor', () => undefined, () => row('t1', 11))).toEqual(row('t1', 11));
    const seen: RunLockRow[] = [];
    expect(() =>
      store.locks.take(
        'vendor',
        (held) => {
          seen.push(held);
          throw new Error('busy');
        },
        () => row('t2', 22),
      ),
    ).toThrow('busy');
    expect(seen).toEqual([row('t1', 11)]);
    expect(store.locks.list()).toEqual([row('t1', 11)]);
    expect(() => store.locks.take('vendor', () => undefined, () => ({ ...row('t3', 33), destination: 'other' }))).toThrow(/cannot be taken as vendor's/);
    store.locks.heartbeat('vendor', 't1', '2026-01-01T00:05:00.000Z');
    store.locks.heartbeat('vendor', 'not-mine', '2026-01-01T09:00:00.000Z');
    expect(store.locks.list()[0]!.heartbeatAt).toBe('2026-01-01T00:05:00.000Z');
    store.locks.take('vendor', () => undefined, () => row('t2', 22));
    expect(store.locks.release('vendor', 't1')).toBe(false);
    expect(store.locks.list().map((r) => r.token)).toEqual(['t2']);
    expect(store.locks.release('vendor', 't2')).toBe(true);
    expect(store.locks.list()).toEqual([]);
    store.close();
    expect(store.locks.release('vendor', 't2')).toBe(false);
  });

  it("journals a publish: open, advance, close, and lists what is still open", () => {
    const store = openStore();
    const runId = store.createRun('vendor', 'manual', false);
    const id = store.journal.open({ runId, destination: 'vendor', state: 'staging', plan: { data: [] }, resume: { status: 'success' }, at: '2026-01-01T00:00:00.000Z' });
    store.journal.advance(id, { state: 'publishing', plan: { data: ['users.csv'] } });
    expect(store.journal.listOpen('vendor')).toEqual([
      { id, runId, destination: 'vendor', state: 'publishing', plan: { data: ['users.csv'] }, resume: { status: 'success' }, openedAt: '2026-01-01T00:00:00.000Z', closedAt: null, note: null },
    ]);
    expect(store.journal.listOpen('other')).toEqual([]);
    store.journal.advance(id, { state: 'published', at: '2026-01-01T00:01:00.000Z' });
    expect(store.journal.listOpen()).toEqual([]);
    store.close();
  });
});
