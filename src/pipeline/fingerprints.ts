/**
 * Row fingerprints (key + hash of the row), never the rows themselves: the run's scratch database
 * checks key uniqueness and references without holding a district in memory, and — once the
 * delivery succeeds — becomes the destination's "last good delivery" for the next run's diff.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileDiff } from '../shared/run.js';
import { hashValues96 } from './fast-hash.js';
import { KeyFilter } from './key-filter.js';

export function hashRow(values: readonly string[]): Buffer {
  return hashValues96(values);
}

/**
 * `PRAGMA user_version` of a fingerprint file. 2: row hashes are hashValues96 (fast-hash.ts).
 * A previous file of another version is not compared (its hashes mean something else): the run
 * then behaves as a first delivery.
 */
export const FINGERPRINT_VERSION = 2;

/** Rows per multi-row INSERT: one native call per batch instead of per row. */
const BATCH = 256;

export function fingerprintPath(fingerprintsDir: string, destination: string): string {
  return join(fingerprintsDir, `${encodeURIComponent(destination)}.db`);
}

export class FingerprintDb {
  readonly db: Database.Database;
  private readonly insertKey: Database.Statement;
  private readonly hasKey: Database.Statement;
  private readonly previousHash: Database.Statement | undefined;
  private readonly insertPendingRef: Database.Statement;
  private insertConsistency: Database.Statement | undefined;
  private firstConsistency: Database.Statement | undefined;
  readonly hasPrevious: boolean;
  /** Keys written per file (see key-filter.ts); dropped with releaseFilter once no later file refers to them. */
  private readonly filters = new Map<string, KeyFilter>();
  private readonly released = new Set<string>();
  private readonly keyBuffer: unknown[] = [];
  private readonly refBuffer: unknown[] = [];
  private readonly insertKeyBatch: Database.Statement;
  private readonly insertRefBatch: Database.Statement;

  /** Files other files refer to: their filters keep 64-bit hashes; the others' only 32 (see key-filter.ts). */
  private readonly referenced: ReadonlySet<string> | undefined;

  constructor(
    readonly path: string,
    previousPath: string | undefined,
    options: { readonly referencedFiles?: Iterable<string> } = {},
  ) {
    this.referenced = options.referencedFiles ? new Set(options.referencedFiles) : undefined;
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -16384');
    this.db.exec(`
      CREATE TABLE keys (file TEXT NOT NULL, key TEXT NOT NULL, row_hash BLOB NOT NULL, PRIMARY KEY (file, key)) WITHOUT ROWID;
      CREATE TABLE pending_refs (file TEXT NOT NULL, row INTEGER NOT NULL, column_name TEXT NOT NULL, value TEXT NOT NULL,
        target_file TEXT NOT NULL, severity TEXT NOT NULL, origin TEXT);
      CREATE TABLE consistency (file TEXT NOT NULL, rule INTEGER NOT NULL, key TEXT NOT NULL, vals TEXT NOT NULL, row INTEGER NOT NULL,
        PRIMARY KEY (file, rule, key)) WITHOUT ROWID;
    `);
    this.db.pragma(`user_version = ${FINGERPRINT_VERSION}`);
    let hasPrevious = Boolean(previousPath && existsSync(previousPath));
    if (hasPrevious) {
      this.db.prepare('ATTACH DATABASE ? AS prev').run(previousPath);
      if (this.db.pragma('prev.user_version', { simple: true }) !== FINGERPRINT_VERSION) {
        this.db.exec('DETACH DATABASE prev');
        hasPrevious = false;
      }
    }
    this.hasPrevious = hasPrevious;
    if (this.hasPrevious) this.previousHash = this.db.prepare('SELECT row_hash FROM prev.keys WHERE file = ? AND key = ?').pluck();
    this.insertKeyBatch = this.db.prepare(`INSERT INTO keys (file, key, row_hash) VALUES ${Array(BATCH).fill('(?, ?, ?)').join(', ')}`);
    this.insertRefBatch = this.db.prepare(
      `INSERT INTO pending_refs (file, row, column_name, value, target_file, severity, origin) VALUES ${Array(BATCH).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
    this.insertKey = this.db.prepare('INSERT OR IGNORE INTO keys (file, key, row_hash) VALUES (?, ?, ?)');
    this.hasKey = this.db.prepare('SELECT 1 FROM keys WHERE file = ? AND key = ?').pluck();
    this.insertPendingRef = this.db.prepare(
      'INSERT INTO pending_refs (file, row, column_name, value, target_file, severity, origin) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.exec('BEGIN');
  }

  /** False when the key was already present in this file (a duplicate). */
  addKey(file: string, key: string, rowHash: Buffer): boolean {
    let filter = this.filters.get(file);
    if (!filter && !this.released.has(file)) this.filters.set(file, (filter = new KeyFilter({ narrow: this.referenced ? !this.referenced.has(file) : false })));
    if (filter?.add(key)) {
      // Never seen: new for certain; written with the next batch.
      this.keyBuffer.push(file, key, rowHash);
      if (this.keyBuffer.length === BATCH * 3) this.flushKeys();
      return true;
    }
    // Seen (or a 64-bit hash collision): SQLite decides.
    this.flushKeys();
    return this.insertKey.run(file, key, rowHash).changes === 1;
  }

  hasKeyIn(file: string, key: string): boolean {
    const filter = this.filters.get(file);
    if (filter) {
      const hit = filter.has(key);
      if (!hit || !filter.narrow) return hit;
    }
    this.flushKeys();
    return this.hasKey.get(file, key) !== undefined;
  }

  /** Frees the in-memory key filter of a finished file no later file refers to (lookups then go to SQLite). */
  releaseFilter(file: string): void {
    this.filters.delete(file);
    this.released.add(file);
  }

  private flushKeys(): void {
    const buffer = this.keyBuffer;
    if (!buffer.length) return;
    if (buffer.length === BATCH * 3) this.insertKeyBatch.run(buffer);
    else for (let i = 0; i < buffer.length; i += 3) this.insertKey.run(buffer[i], buffer[i + 1], buffer[i + 2]);
    buffer.length = 0;
  }

  private flushRefs(): void {
    const buffer = this.refBuffer;
    if (!buffer.length) return;
    if (buffer.length === BATCH * 7) this.insertRefBatch.run(buffer);
    else for (let i = 0; i < buffer.length; i += 7) this.insertPendingRef.run(buffer.slice(i, i + 7));
    buffer.length = 0;
  }

  /** Row rule `consistent` (row-rules.ts): the first row and values seen for a key, when this row's values differ. */
  checkConsistent(file: string, rule: number, key: string, values: string, row: number): { row: number; values: string } | undefined {
    this.insertConsistency ??= this.db.prepare('INSERT OR IGNORE INTO consistency (file, rule, key, vals, row) VALUES (?, ?, ?, ?, ?)');
    if (this.insertConsistency.run(file, rule, key, values, row).changes === 1) return undefined;
    this.firstConsistency ??= this.db.prepare('SELECT vals AS "values", row FROM consistency WHERE file = ? AND rule = ? AND key = ?');
    const first = this.firstConsistency.get(file, rule, key) as { values: string; row: number };
    return first.values === values ? undefined : first;
  }

  /** The row hash delivered last time for this key, or undefined when it is new. */
  previous(file: string, key: string): Buffer | undefined {
    return this.previousHash?.get(file, key) as Buffer | undefined;
  }

  deferReference(file: string, row: number, column: string, value: string, targetFile: string, severity: string, origin: string | undefined): void {
    this.refBuffer.push(file, row, column, value, targetFile, severity, origin ?? null);
    if (this.refBuffer.length === BATCH * 7) this.flushRefs();
  }

  /** References to files not complete when the row was written (e.g. students → guardians in users.csv). */
  *unresolvedReferences(): Generator<{ file: string; row: number; column: string; value: string; targetFile: string; severity: string; origin: string | null }> {
    this.flushKeys();
    this.flushRefs();
    const stmt = this.db.prepare(
      `SELECT r.file, r.row, r.column_name AS "column", r.value, r.target_file AS targetFile, r.severity, r.origin FROM pending_refs r
       WHERE NOT EXISTS (SELECT 1 FROM keys k WHERE k.file = r.target_file AND k.key = r.value) ORDER BY r.rowid`,
    );
    yield* stmt.iterate() as Iterable<{ file: string; row: number; column: string; value: string; targetFile: string; severity: string; origin: string | null }>;
  }

  commit(): void {
    if (this.db.open) {
      this.flushKeys();
      this.flushRefs();
    }
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  diff(files: readonly string[], samples = 5): FileDiff[] {
    this.commit();
    return files.map((file) => {
      if (!this.hasPrevious) {
        const current = this.count('SELECT COUNT(*) FROM keys WHERE file = ?', file);
        return { file, previous: 0, current, added: current, removed: 0, changed: 0, unchanged: 0, sampleAdded: this.keys('SELECT key FROM keys WHERE file = ? LIMIT ?', file, samples), sampleRemoved: [], sampleChanged: [] };
      }
      // One pass over this run's keys (each looked up in the previous delivery) instead of one per figure;
      // the sample queries run only when there is something to sample.
      const pass = this.db
        .prepare(
          `SELECT COUNT(*) AS current, COALESCE(SUM(p.row_hash IS NULL), 0) AS added, COALESCE(SUM(p.row_hash <> c.row_hash), 0) AS changed
           FROM keys c LEFT JOIN prev.keys p ON p.file = c.file AND p.key = c.key WHERE c.file = ?`,
        )
        .get(file) as { current: number; added: number; changed: number };
      const { current, added, changed } = pass;
      const previous = this.count('SELECT COUNT(*) FROM prev.keys WHERE file = ?', file);
      const removed = previous - (current - added);
      return {
        file,
        previous,
        current,
        added,
        removed,
        changed,
        unchanged: current - added - changed,
        sampleAdded: added
          ? this.keys('SELECT key FROM keys c WHERE c.file = ? AND NOT EXISTS (SELECT 1 FROM prev.keys p WHERE p.file = c.file AND p.key = c.key) LIMIT ?', file, samples)
          : [],
        sampleRemoved: removed
          ? this.keys('SELECT key FROM prev.keys p WHERE p.file = ? AND NOT EXISTS (SELECT 1 FROM keys c WHERE c.file = p.file AND c.key = p.key) LIMIT ?', file, samples)
          : [],
        sampleChanged: changed
          ? this.keys('SELECT c.key FROM keys c JOIN prev.keys p ON p.file = c.file AND p.key = c.key WHERE c.file = ? AND p.row_hash <> c.row_hash LIMIT ?', file, samples)
          : [],
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
    this.db.exec('DELETE FROM consistency');
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
