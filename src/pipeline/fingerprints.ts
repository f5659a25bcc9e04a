/**
 * Row fingerprints (key + hash of the row), never the rows themselves: the run's scratch database
 * checks key uniqueness and references without holding a district in memory, and — once the
 * delivery succeeds — becomes the destination's "last good delivery" for the next run's diff.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileDiff } from '../shared/run.js';

export function hashRow(values: readonly string[]): Buffer {
  return createHash('sha1').update(values.join('\u001f')).digest().subarray(0, 12);
}

export function fingerprintPath(fingerprintsDir: string, destination: string): string {
  return join(fingerprintsDir, `${encodeURIComponent(destination)}.db`);
}

export class FingerprintDb {
  readonly db: Database.Database;
  private readonly insertKey: Database.Statement;
  private readonly hasKey: Database.Statement;
  private readonly previousHash: Database.Statement | undefined;
  private readonly insertPendingRef: Database.Statement;
  readonly hasPrevious: boolean;

  constructor(
    readonly path: string,
    previousPath: string | undefined,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -65536');
    this.db.exec(`
      CREATE TABLE keys (file TEXT NOT NULL, key TEXT NOT NULL, row_hash BLOB NOT NULL, PRIMARY KEY (file, key)) WITHOUT ROWID;
      CREATE TABLE pending_refs (file TEXT NOT NULL, row INTEGER NOT NULL, column_name TEXT NOT NULL, value TEXT NOT NULL,
        target_file TEXT NOT NULL, severity TEXT NOT NULL, origin TEXT);
    `);
    this.hasPrevious = Boolean(previousPath && existsSync(previousPath));
    if (this.hasPrevious) {
      this.db.prepare('ATTACH DATABASE ? AS prev').run(previousPath);
      this.previousHash = this.db.prepare('SELECT row_hash FROM prev.keys WHERE file = ? AND key = ?').pluck();
    }
    this.insertKey = this.db.prepare('INSERT OR IGNORE INTO keys (file, key, row_hash) VALUES (?, ?, ?)');
    this.hasKey = this.db.prepare('SELECT 1 FROM keys WHERE file = ? AND key = ?').pluck();
    this.insertPendingRef = this.db.prepare(
      'INSERT INTO pending_refs (file, row, column_name, value, target_file, severity, origin) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.exec('BEGIN');
  }

  /** False when the key was already present in this file (a duplicate). */
  addKey(file: string, key: string, rowHash: Buffer): boolean {
    return this.insertKey.run(file, key, rowHash).changes === 1;
  }

  hasKeyIn(file: string, key: string): boolean {
    return this.hasKey.get(file, key) !== undefined;
  }

  /** The row hash delivered last time for this key, or undefined when it is new. */
  previous(file: string, key: string): Buffer | undefined {
    return this.previousHash?.get(file, key) as Buffer | undefined;
  }

  deferReference(file: string, row: number, column: string, value: string, targetFile: string, severity: string, origin: string | undefined): void {
    this.insertPendingRef.run(file, row, column, value, targetFile, severity, origin ?? null);
  }

  /** References to files not complete when the row was written (e.g. students → guardians in users.csv). */
  *unresolvedReferences(): Generator<{ file: string; row: number; column: string; value: string; targetFile: string; severity: string; origin: string | null }> {
    const stmt = this.db.prepare(
      `SELECT r.file, r.row, r.column_name AS "column", r.value, r.target_file AS targetFile, r.severity, r.origin FROM pending_refs r
       WHERE NOT EXISTS (SELECT 1 FROM keys k WHERE k.file = r.target_file AND k.key = r.value) ORDER BY r.rowid`,
    );
    yield* stmt.iterate() as Iterable<{ file: string; row: number; column: string; value: string; targetFile: string; severity: string; origin: string | null }>;
  }

  commit(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  diff(files: readonly string[], samples = 5): FileDiff[] {
    this.commit();
    return files.map((file) => {
      const current = this.count('SELECT COUNT(*) FROM keys WHERE file = ?', file);
      if (!this.hasPrevious) {
        return { file, previous: 0, current, added: current, removed: 0, changed: 0, unchanged: 0, sampleAdded: this.keys('SELECT key FROM keys WHERE file = ? LIMIT ?', file, samples), sampleRemoved: [], sampleChanged: [] };
      }
      const previous = this.count('SELECT COUNT(*) FROM prev.keys WHERE file = ?', file);
      const added = this.count('SELECT COUNT(*) FROM keys c WHERE c.file = ? AND NOT EXISTS (SELECT 1 FROM prev.keys p WHERE p.file = c.file AND p.key = c.key)', file);
      const removed = this.count('SELECT COUNT(*) FROM prev.keys p WHERE p.file = ? AND NOT EXISTS (SELECT 1 FROM keys c WHERE c.file = p.file AND c.key = p.key)', file);
      const changed = this.count('SELECT COUNT(*) FROM keys c JOIN prev.keys p ON p.file = c.file AND p.key = c.key WHERE c.file = ? AND p.row_hash <> c.row_hash', file);
      return {
        file,
        previous,
        current,
        added,
        removed,
        changed,
        unchanged: current - added - changed,
        sampleAdded: this.keys('SELECT key FROM keys c WHERE c.file = ? AND NOT EXISTS (SELECT 1 FROM prev.keys p WHERE p.file = c.file AND p.key = c.key) LIMIT ?', file, samples),
        sampleRemoved: this.keys('SELECT key FROM prev.keys p WHERE p.file = ? AND NOT EXISTS (SELECT 1 FROM keys c WHERE c.file = p.file AND c.key = p.key) LIMIT ?', file, samples),
        sampleChanged: this.keys('SELECT c.key FROM keys c JOIN prev.keys p ON p.file = c.file AND p.key = c.key WHERE c.file = ? AND p.row_hash <> c.row_hash LIMIT ?', file, samples),
      };
    });
  }

  /** Delta deliveries: records removed from the source stay "delivered" (kept from the last good delivery). */
  keepRemovedFromPrevious(): void {
    if (!this.hasPrevious) return;
    this.commit();
    this.db.exec('INSERT OR IGNORE INTO keys (file, key, row_hash) SELECT file, key, row_hash FROM prev.keys');
  }

  close(): void {
    this.commit();
    if (this.db.open) this.db.close();
  }

  /** Makes this run's fingerprints the destination's last good delivery (atomic rename). */
  promoteTo(target: string): void {
    this.commit();
    this.db.exec('DELETE FROM pending_refs');
    if (this.hasPrevious) this.db.exec('DETACH DATABASE prev');
    this.db.close();
    mkdirSync(dirname(target), { recursive: true });
    renameSync(this.path, target);
  }

  private count(sql: string, file: string): number {
    return this.db.prepare(sql).pluck().get(file) as number;
  }

  private keys(sql: string, file: string, limit: number): string[] {
    return this.db.prepare(sql).pluck().all(file, limit) as string[];
  }
}

/** Promotes a kept fingerprint file (a held run's) without reopening its rows. */
export function promoteFingerprintFile(path: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  renameSync(path, target);
}
