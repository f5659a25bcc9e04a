/**
 * Row fingerprints (key + hash of the row), never the rows themselves: 8 bytes per key in memory
 * for uniqueness and references, and the run's scratch database (written by a worker thread) for
 * the diff — which, once the delivery succeeds, becomes the destination's "last good delivery".
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileDiff } from '../shared/run.js';
import { KeyFilter, keyHash, type KeyHash } from './key-filter.js';
import { diffFile, FingerprintWriter } from './fingerprint-writer.js';

/**
 * `PRAGMA user_version` of a fingerprint file. 2: row hashes are hashValues96 (fast-hash.ts).
 * A previous file of another version is not compared (its hashes mean something else): the run
 * then behaves as a first delivery.
 */
export const FINGERPRINT_VERSION = 2;

/** hashValues96 separates values with U+001F: the hash of the values joined by it is the hash of the values. */
const ROW_VALUE_SEPARATOR = '\u001f';

/** Left-out keys whose reason is kept for the findings of rows that referred to them (the rest say "left out"). */
const LEFT_OUT_REASONS = 10_000;

/** Keys of each kind (added, removed, changed) shown per file in a diff. */
const DIFF_SAMPLES = 5;

export function fingerprintPath(fingerprintsDir: string, destination: string): string {
  return join(fingerprintsDir, `${encodeURIComponent(destination)}.db`);
}

/** A key reported as a duplicate that the written fingerprints do not hold twice: a 64-bit hash collision. */
export class FingerprintCollision extends Error {}

/**
 * The run's fingerprints, in two phases:
 * 1. extract — keys go to the in-memory filters (uniqueness and references, answered at once) and,
 *    with deferred references, to a worker thread that writes them (fingerprint-writer.ts);
 * 2. after `finishWrites()` — the file is opened here for the end-of-run reference check, the diff
 *    against the previous delivery, delta bookkeeping and promotion to "last good delivery".
 */
export class FingerprintDb {
  private database: Database.Database | undefined;
  private writer: FingerprintWriter | undefined;
  /** The previous delivery's fingerprints, read-only, for delta runs' per-row lookups. */
  private previousDb: Database.Database | undefined;
  private previousHash: Database.Statement | undefined;
  /** Row rule `consistent` keeps first values per key in its own scratch file (this thread's). */
  private consistencyDb: Database.Database | undefined;
  private insertConsistency: Database.Statement | undefined;
  private firstConsistency: Database.Statement | undefined;
  readonly hasPrevious: boolean;
  /** Keys written per file (see key-filter.ts); dropped with releaseFilter once no later file refers to them. */
  private readonly filters = new Map<string, KeyFilter>();
  /** Files of repeated rows (FileDef.repeats): their record keys, which references name. */
  private readonly recordFilters = new Map<string, KeyFilter>();
  /** Keys of rows left out per file (not delivered), so a reference to one says why it cannot resolve. */
  private readonly leftOut = new Map<string, KeyFilter>();
  /** Why the first LEFT_OUT_REASONS left-out keys were left out ("file\u001fkey" → reason). */
  private readonly leftOutReasons = new Map<string, string>();
  private readonly released = new Set<string>();
  /** Per-file diffs the writer computed (finishWrites collects them). */
  private diffs = new Map<string, FileDiff>();
  /** Keys per file at the last delivery (its fingerprints' file_keys table), to size the filters. */
  private expectedKeys = new Map<string, number>();
  /** Keys per file in this run, recorded for the next one. */
  private readonly keyCounts = new Map<string, number>();
  /** Per file, the removed keys removedKeys() listed (confirmed against the exact diff). */
  private readonly removedListed = new Map<string, number>();
  /** Keys the filters called duplicates, confirmed against the written file in finishWrites. */
  private readonly duplicates: { file: string; key: string }[] = [];
  /** This run's salt for the filters' key hashes (a collision is not met twice). */
  private readonly salt = randomBytes(4).readUInt32LE(0);
  private originStatement: Database.Statement | undefined;

  constructor(
    readonly path: string,
    private readonly previousPath: string | undefined,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    rmSync(this.consistencyPath, { force: true });
    const db = new Database(path);
    db.pragma('journal_mode = OFF');
    db.exec(`
      CREATE TABLE keys (file TEXT NOT NULL, key TEXT NOT NULL, row_hash BLOB NOT NULL, PRIMARY KEY (file, key)) WITHOUT ROWID;
      CREATE TABLE origins (file TEXT NOT NULL, key TEXT NOT NULL, origin TEXT NOT NULL, PRIMARY KEY (file, key)) WITHOUT ROWID;
    `);
    db.pragma(`user_version = ${FINGERPRINT_VERSION}`);
    db.close();
    this.hasPrevious = Boolean(previousPath && existsSync(previousPath) && fingerprintVersion(previousPath) === FINGERPRINT_VERSION);
    if (this.hasPrevious) this.expectedKeys = keyCounts(previousPath!);
    this.writer = new FingerprintWriter(path, this.hasPrevious ? previousPath : undefined);
  }

  /**
   * Records a row key of `file` with its row's values (fingerprinted by the writer thread); false when
   * the key was already there (a duplicate). `recordKey`: in a file of repeated rows (FileDef.repeats),
   * the record the row belongs to, which references to the file name. A file of people
   * (FileDef.personRoles) gives every row its role code (kept in memory beside the key references
   * look up) and SIS origin (kept on disk, for findings).
   */
  addKey(file: string, key: string, row: readonly string[], options: { readonly recordKey?: string; readonly person?: { readonly role: number; readonly origin: string } } = {}): boolean {
    const { recordKey, person } = options;
    const filter = this.filterFor(file, this.filters, person !== undefined && recordKey === undefined);
    if (!filter.add(key, recordKey === undefined ? person?.role : 0)) {
      this.duplicates.push({ file, key });
      return false;
    }
    if (recordKey !== undefined) this.filterFor(file, this.recordFilters, person !== undefined).add(recordKey, person?.role);
    this.extracting().addKey(file, key, row.join(ROW_VALUE_SEPARATOR), person?.origin);
    return true;
  }

  private filterFor(file: string, filters: Map<string, KeyFilter>, tagged: boolean): KeyFilter {
    let filter = filters.get(file);
    if (!filter) {
      if (this.released.has(file)) throw new Error(`Internal: keys of ${file} added after the file was complete.`);
      filters.set(file, (filter = new KeyFilter({ salt: this.salt, expectedKeys: this.expectedKeys.get(file), tagged })));
    }
    return filter;
  }

  /** The filter references to `file` are answered from: its record keys in a file of repeated rows, else its keys. */
  private referenced(file: string): KeyFilter | undefined {
    const filter = this.recordFilters.get(file) ?? this.filters.get(file);
    if (!filter && this.released.has(file)) throw new Error(`Internal: ${file} was looked up after its keys were released.`);
    return filter;
  }

  /**
   * Whether `file` holds the record `key` so far, and as whom: -1 when it does not (exact; see
   * key-filter.ts), else the role code stored with it in a file of people (0 in other files).
   */
  roleOf(file: string, key: string): number {
    return this.referenced(file)?.tagOf(key) ?? -1;
  }

  /** The salted hash of `key` as every filter of this run stores it (same-file links keep hashes, not keys). */
  keyHash(key: string): KeyHash {
    return keyHash(key, this.salt);
  }

  /** The role code of a hashed record key of `file` (-1 when absent). */
  roleOfHash(file: string, hash: KeyHash): number {
    return this.referenced(file)?.tagOfHash(hash) ?? -1;
  }

  /** A row of `file` was left out: a reference to its key explains why instead of calling it unknown. */
  markLeftOut(file: string, key: string, reason: string): void {
    let filter = this.leftOut.get(file);
    if (!filter) this.leftOut.set(file, (filter = new KeyFilter({ salt: this.salt })));
    if (filter.add(key) && this.leftOutReasons.size < LEFT_OUT_REASONS) this.leftOutReasons.set(`${file}\u001f${key}`, reason);
  }

  /** Why `key` of `file` was left out ('' when the reason was not kept), or undefined when it was not left out. */
  leftOutReason(file: string, key: string): string | undefined {
    if (!this.leftOut.get(file)?.has(key)) return undefined;
    return this.leftOutReasons.get(`${file}\u001f${key}`) ?? '';
  }

  /** Takes a hashed record key out of `file`'s filter (a row resolved as left out after it was written). */
  removeKeyHash(file: string, hash: KeyHash): void {
    this.referenced(file)?.removeHash(hash);
  }

  /**
   * Rows of a complete file left out after they were written (a failed link inside the file): their
   * keys (already out of the filter, removeKeyHash) are marked left out and leave the written fingerprints.
   */
  dropWrittenKeys(file: string, dropped: readonly { key: string; reason: string }[]): void {
    for (const d of dropped) this.markLeftOut(file, d.key, d.reason);
    this.extracting().dropKeys(
      file,
      dropped.map((d) => d.key),
    );
  }

  /** Where a key of a file of people came from in the SIS (after finishWrites). */
  originOf(file: string, key: string): string | undefined {
    this.originStatement ??= this.written().prepare('SELECT origin FROM origins WHERE file = ? AND key = ?').pluck();
    return this.originStatement.get(file, key) as string | undefined;
  }

  /** Frees the in-memory key filters of a finished file no later file refers to. */
  releaseFilter(file: string): void {
    const filter = this.filters.get(file);
    if (filter) this.keyCounts.set(file, filter.size);
    this.filters.delete(file);
    this.recordFilters.delete(file);
    this.leftOut.delete(file);
    this.released.add(file);
  }

  /** Row rule `consistent` (row-rules.ts): the first row and values seen for a key, when this row's values differ. */
  checkConsistent(file: string, rule: number, key: string, values: string, row: number): { row: number; values: string } | undefined {
    if (!this.consistencyDb) {
      this.consistencyDb = new Database(this.consistencyPath);
      this.consistencyDb.pragma('journal_mode = OFF');
      this.consistencyDb.pragma('synchronous = OFF');
      this.consistencyDb.exec('CREATE TABLE consistency (file TEXT NOT NULL, rule INTEGER NOT NULL, key TEXT NOT NULL, vals TEXT NOT NULL, row INTEGER NOT NULL, PRIMARY KEY (file, rule, key)) WITHOUT ROWID');
      this.consistencyDb.exec('BEGIN');
      this.insertConsistency = this.consistencyDb.prepare('INSERT OR IGNORE INTO consistency (file, rule, key, vals, row) VALUES (?, ?, ?, ?, ?)');
      this.firstConsistency = this.consistencyDb.prepare('SELECT vals AS "values", row FROM consistency WHERE file = ? AND rule = ? AND key = ?');
    }
    if (this.insertConsistency!.run(file, rule, key, values, row).changes === 1) return undefined;
    const first = this.firstConsistency!.get(file, rule, key) as { values: string; row: number };
    return first.values === values ? undefined : first;
  }

  /** The row hash delivered last time for this key, or undefined when it is new. */
  previous(file: string, key: string): Buffer | undefined {
    if (!this.hasPrevious) return undefined;
    if (!this.previousHash) {
      this.previousDb = new Database(this.previousPath!, { readonly: true });
      this.previousHash = this.previousDb.prepare('SELECT row_hash FROM keys WHERE file = ? AND key = ?').pluck();
    }
    return this.previousHash.get(file, key) as Buffer | undefined;
  }

  /**
   * End of the extract: waits until the worker has written and committed everything, confirms every
   * reported duplicate, and opens the file here for the checks and the diff.
   */
  finishWrites(): void {
    const writer = this.extracting();
    this.writer = undefined;
    this.diffs = writer.finish();
    this.closeScratch();
    const db = this.open();
    // Each file's size, so the next run sizes its key filters at once (keyCounts()).
    for (const [file, filter] of this.filters) this.keyCounts.set(file, filter.size);
    db.exec('CREATE TABLE file_keys (file TEXT PRIMARY KEY, keys INTEGER NOT NULL)');
    const insertCount = db.prepare('INSERT INTO file_keys (file, keys) VALUES (?, ?)');
    for (const [file, keys] of this.keyCounts) insertCount.run(file, keys);
    const holds = db.prepare('SELECT 1 FROM keys WHERE file = ? AND key = ?').pluck();
    const collision = this.duplicates.find((d) => holds.get(d.file, d.key) === undefined);
    if (collision) {
      throw new FingerprintCollision(
        `${collision.file}: the key ${collision.key} was taken for a duplicate because another key has the same 64-bit fingerprint in this run. ` +
          'Nothing was delivered; run the sync again (each run fingerprints keys differently).',
      );
    }
  }

  /** This run's keys against the previous delivery's, per file (most were diffed by the writer as their files completed). */
  diff(files: readonly string[]): FileDiff[] {
    const db = this.written();
    const diffs = files.map((file) => this.diffs.get(file) ?? diffFile(db, file, this.hasPrevious, DIFF_SAMPLES));
    for (const d of diffs) {
      const listed = this.removedListed.get(d.file);
      if (listed !== undefined && listed !== d.removed) {
        throw new FingerprintCollision(
          `${d.file}: ${d.removed} record(s) were removed since the last delivery, but ${listed} were found while writing (another key has the same 64-bit fingerprint in this run). ` +
            'Nothing was delivered; run the sync again (each run fingerprints keys differently).',
        );
      }
    }
    return diffs;
  }

  /** Time the extract has waited so far for the fingerprint writer to catch up (backpressure), in ms. */
  get writerWaitMs(): number {
    return this.writer?.waitedMs ?? 0;
  }

  /** The file has all its keys: the writer diffs it while the next file is read. */
  fileComplete(file: string): void {
    this.extracting().diffFile(file, DIFF_SAMPLES);
  }

  /**
   * The keys of `file` at the last good delivery that this run has not written (while `file` is still
   * being written: its key filter answers, exactly for an absent key). Counted, so that diff() can
   * confirm the count against the exact one (a 64-bit collision would hide a removed record).
   */
  async *removedKeys(file: string): AsyncGenerator<string> {
    if (!this.hasPrevious) return;
    if (this.released.has(file)) throw new Error(`Internal: removed keys of ${file} asked for after its keys were released.`);
    const filter = this.filters.get(file);
    const db = new Database(this.previousPath!, { readonly: true });
    let removed = 0;
    try {
      for (const key of db.prepare('SELECT key FROM keys WHERE file = ?').pluck().iterate(file) as Iterable<string>) {
        if (filter?.has(key)) continue;
        removed++;
        yield key;
      }
      this.removedListed.set(file, removed);
    } finally {
      db.close();
    }
  }

  /** Delta deliveries without deletion rows: records removed from the source stay "delivered" (kept from the last good delivery). */
  keepRemovedFromPrevious(file: string): void {
    if (!this.hasPrevious) return;
    this.written().prepare('INSERT OR IGNORE INTO keys (file, key, row_hash) SELECT file, key, row_hash FROM prev.keys WHERE file = ?').run(file);
  }

  /** Records whose rows were left out of this delivery keep what the vendor has: their last delivered fingerprints. */
  keepFromPrevious(file: string, keys: Iterable<string>): void {
    if (!this.hasPrevious) return;
    const keep = this.written().prepare('INSERT OR IGNORE INTO keys (file, key, row_hash) SELECT file, key, row_hash FROM prev.keys WHERE file = ? AND key = ?');
    for (const key of keys) keep.run(file, key);
  }

  /** Stops writing (a failed run) or closes the finished file; the files stay for the caller to keep or delete. */
  close(): void {
    this.writer?.abort();
    this.writer = undefined;
    this.closeScratch();
    if (this.database?.open) this.database.close();
  }

  /** Makes this run's fingerprints the destination's last good delivery (atomic rename). */
  promoteTo(target: string): void {
    const db = this.written();
    this.originStatement = undefined;
    // SIS origins are for this run's findings; the last good delivery keeps keys and row hashes only.
    db.exec('DROP TABLE origins');
    if (this.hasPrevious) db.exec('DETACH DATABASE prev');
    db.close();
    mkdirSync(dirname(target), { recursive: true });
    renameSync(this.path, target);
  }

  private get consistencyPath(): string {
    return `${this.path}-consistency`;
  }

  private extracting(): FingerprintWriter {
    if (!this.writer) throw new Error('Internal: the fingerprints were already finished.');
    return this.writer;
  }

  private written(): Database.Database {
    if (!this.database?.open) throw new Error('Internal: the fingerprints are read only after finishWrites().');
    return this.database;
  }

  private open(): Database.Database {
    const db = new Database(this.path);
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -16384');
    if (this.hasPrevious) db.prepare('ATTACH DATABASE ? AS prev').run(this.previousPath);
    this.database = db;
    return db;
  }

  private closeScratch(): void {
    if (this.previousDb?.open) this.previousDb.close();
    this.previousDb = undefined;
    this.previousHash = undefined;
    if (this.consistencyDb?.open) this.consistencyDb.close();
    this.consistencyDb = undefined;
    rmSync(this.consistencyPath, { force: true });
  }
}

/** The previous delivery's keys per file (empty for a file written before file_keys existed). */
function keyCounts(path: string): Map<string, number> {
  try {
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare('SELECT file, keys FROM file_keys').all() as { file: string; keys: number }[];
      return new Map(rows.map((r) => [r.file, r.keys]));
    } finally {
      db.close();
    }
  } catch {
    return new Map();
  }
}

function fingerprintVersion(path: string): number | undefined {
  try {
    const db = new Database(path, { readonly: true });
    try {
      return db.pragma('user_version', { simple: true }) as number;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** Promotes a kept fingerprint file (a held run's) without reopening its rows. */
export function promoteFingerprintFile(path: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  renameSync(path, target);
}

/**
 * The files of a destination's last good delivery that hold a record keyed `key` — alone, or as one
 * part of a composite key (parts joined by U+001F). A scan of the key column: for an admin's
 * data-privacy question, not for the hot path. Empty when there is no fingerprint file.
 */
export function filesHoldingKey(path: string, key: string): string[] {
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(`SELECT DISTINCT file FROM keys WHERE key = @key OR instr(char(31) || key || char(31), char(31) || @key || char(31)) > 0 ORDER BY file`)
      .pluck()
      .all({ key }) as string[];
  } finally {
    db.close();
  }
}
