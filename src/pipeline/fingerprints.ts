/**
 * Row fingerprints (key + hash of the row), never the rows themselves, without SQLite on the hot path:
 * - in memory, per generated file: a 64-bit key filter for uniqueness and references (key-filter.ts),
 *   and every record's 64-bit key hash + 64-bit row hash + key position in typed arrays (20 bytes);
 * - the keys themselves (and, for files of people, SIS origins for findings) appended to two scratch
 *   files in the run folder, read back by position;
 * - when a file is complete: its records sorted where they are (radix), each reported duplicate
 *   confirmed against the keys (a 64-bit collision fails the run), a merge with the previous delivery's
 *   sorted section (read from disk in chunks) for the diff, and the section written to the run's
 *   fingerprint file (fingerprint-file.ts); only files of people keep their sorted records (for SIS
 *   origins) until the end of the extract.
 * The run's file becomes the destination's "last good delivery" once the delivery succeeded.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileDiff } from '../shared/run.js';
import { KeyFilter, keyHash, type KeyHash } from './key-filter.js';
import { hashKey64, hashValues64Into } from './fast-hash.js';
import {
  FINGERPRINT_FILE_VERSION,
  FingerprintFile,
  FingerprintFileError,
  FingerprintFileWriter,
  findKeyHash,
  keyBlobOf,
  permute,
  sortByKeyHash,
  sortRecordsInPlace,
  WORDS,
  type KeyBlob,
} from './fingerprint-file.js';
import { privateDir } from './retention.js';

/** Version of the fingerprint files (fingerprint-file.ts). 2 was an SQLite file (converted once, see convertLegacyFingerprints). */
export const FINGERPRINT_VERSION = FINGERPRINT_FILE_VERSION;

/** Left-out keys whose reason is kept for the findings of rows that referred to them (the rest say "left out"). */
const LEFT_OUT_REASONS = 10_000;

/** Records of the previous delivery read at a time for a diff (1.25 MiB). */
const PREVIOUS_CHUNK = 65_536;

/** Keys of each kind (added, removed, changed) shown per file in a diff. */
const DIFF_SAMPLES = 5;

/** A run's own fingerprint file, in its run folder, until it is delivered. */
export const RUN_FINGERPRINTS = 'fingerprints.fp';

export function fingerprintPath(fingerprintsDir: string, destination: string): string {
  return join(fingerprintsDir, `${encodeURIComponent(destination)}.fp`);
}

/** Where a destination's fingerprints were kept before version 3 (SQLite). */
export function legacyFingerprintPath(path: string): string {
  return path.replace(/\.fp$/, '.db');
}

/** References of a file worker's file to files the main thread wrote at the same time: checked when those are complete. */
export interface DeferredReferences {
  readonly file: string;
  readonly expectedRole: number;
  /** Distinct salted key hashes, (a, b) pairs. */
  readonly hashes: Uint32Array;
}

/** A key reported as a duplicate that the written fingerprints do not hold twice: a 64-bit hash collision. */
export class FingerprintCollision extends Error {}

/** An append-only scratch file written in 1 MiB chunks and read back by byte range. */
class ScratchFile {
  private readonly fd: number;
  private readonly chunk = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private flushed = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w+', 0o600);
  }

  get size(): number {
    return this.flushed + this.used;
  }

  append(text: string): void {
    const most = text.length * 3;
    if (this.used + most > this.chunk.length) {
      this.flush();
      if (most > this.chunk.length) {
        const big = Buffer.from(text, 'utf8');
        this.writeAt(big, this.flushed);
        this.flushed += big.length;
        return;
      }
    }
    // Keys are mostly ASCII: copied unit by unit (no native call per key); anything else is encoded by Buffer.write.
    const chunk = this.chunk;
    const n = text.length;
    let used = this.used;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        used = this.used + chunk.write(text, this.used, 'utf8');
        break;
      }
      chunk[used++] = c;
    }
    this.used = used;
  }

  read(start: number, end: number): Buffer {
    this.flush();
    const out = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < out.length) done += readSync(this.fd, out, done, out.length - done, start + done);
    return out;
  }

  /** The bytes [start, end) in pieces of at most 1 MiB. */
  copy(start: number, end: number, write: (chunk: Buffer) => void): void {
    for (let at = start; at < end; at += 1 << 20) write(this.read(at, Math.min(end, at + (1 << 20))));
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }

  private flush(): void {
    if (!this.used) return;
    this.writeAt(this.chunk.subarray(0, this.used), this.flushed);
    this.flushed += this.used;
    this.used = 0;
  }

  private writeAt(buffer: Buffer, position: number): void {
    let done = 0;
    while (done < buffer.length) done += writeSync(this.fd, buffer, done, buffer.length - done, position + done);
  }
}

/** An ArrayBuffer that grows in place up to its maxByteLength (ES2024; Node 20 has it, the ES2023 lib does not type it). */
interface ResizableBuffer extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}

/** How far a Words grows in place (address space reserved, not memory): 1 GiB, 53 M records of a hash section. */
const MAX_IN_PLACE_BYTES = 1 << 30;

function resizableBuffer(byteLength: number, maxByteLength: number): ResizableBuffer | undefined {
  try {
    const buffer = new (ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ResizableBuffer)(byteLength, { maxByteLength });
    return typeof buffer.resize === 'function' && buffer.maxByteLength === maxByteLength ? buffer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A growable Uint32Array. It grows in place (a resizable ArrayBuffer, `data` tracks its length):
 * doubling never holds the old array and its copy at once (a 3 M-record hash section is 62 MB);
 * past MAX_IN_PLACE_BYTES, or where resizable buffers are missing, it grows by copying.
 */
class Words {
  data: Uint32Array;
  length = 0;
  private resizable: ResizableBuffer | undefined;
  constructor(initial: number) {
    const words = Math.max(16, initial);
    this.resizable = words * 4 < MAX_IN_PLACE_BYTES ? resizableBuffer(words * 4, MAX_IN_PLACE_BYTES) : undefined;
    this.data = this.resizable ? new Uint32Array(this.resizable) : new Uint32Array(words);
  }
  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }
  /** Room for `n` more words: the caller writes data[length …] and advances length itself. */
  reserve(n: number): Uint32Array {
    while (this.length + n > this.data.length) this.grow();
    return this.data;
  }
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
  /** Gives back the room beyond `length` (words kept once complete): in place, else by an exact copy when more than 1/8 is unused. */
  trim(): void {
    if (this.resizable) this.resizable.resize(this.length * 4);
    else if (this.data.length - this.length > this.length / 8) this.data = this.data.slice(0, this.length);
  }
  /** Drops the words (their memory goes with the last view of them). */
  release(): void {
    this.data = new Uint32Array(0);
    this.resizable = undefined;
  }
  private grow(): void {
    const r = this.resizable;
    if (r && r.byteLength < r.maxByteLength) {
      r.resize(Math.min(r.maxByteLength, Math.max(64, r.byteLength * 2)));
      return;
    }
    const bigger = new Uint32Array(Math.max(16, this.data.length * 2));
    bigger.set(this.data);
    this.data = bigger;
    this.resizable = undefined;
  }
}

/** One generated file's records in this run. */
class FileRecords {
  /** WORDS per record: key hash (2), row hash (2), record number. */
  readonly hashes: Words;
  /** Per record, where its key starts in the keys scratch (relative to keyStart); one more at the end. */
  readonly keyOffsets: Words;
  /** Files of people: per record, where its SIS origin starts in the origins scratch (relative to originStart). */
  readonly originOffsets: Words | undefined;
  /** Hashes of records left out after they were written ("a:b"). */
  dropped: Set<string> | undefined;
  count = 0;
  /** After completion, files of people only: the records sorted by key hash (for SIS origins). */
  sorted: Uint32Array | undefined;
  sortedCount = 0;
  complete = false;

  constructor(
    readonly keyStart: number,
    readonly originStart: number,
    people: boolean,
    expected: number,
  ) {
    this.hashes = new Words(expected * WORDS);
    this.keyOffsets = new Words(expected + 1);
    this.keyOffsets.push(0);
    this.originOffsets = people ? new Words(expected + 1) : undefined;
    this.originOffsets?.push(0);
  }
}

/** The previous delivery's records of one file, sorted by this run's key hash. */
interface PreviousSection {
  readonly file: string;
  readonly hashes: Uint32Array;
  readonly count: number;
}

/**
 * The run's fingerprints:
 * 1. extract — keys go to the in-memory filters (uniqueness and references, answered at once) and to
 *    the per-file records; `fileComplete` sorts, confirms, diffs and writes each file;
 * 2. after `finishWrites()` — SIS origins for findings, the diffs, delta bookkeeping, `save()` (the
 *    run's file, for a held run or before a delivery) and promotion to "last good delivery".
 */
export class FingerprintDb {
  private readonly previousFile: FingerprintFile | undefined;
  readonly hasPrevious: boolean;
  /** This run's salt for key hashes: the previous delivery's (so sections merge), unless a collision asked for a new one. */
  private readonly salt: number;
  private readonly keys: ScratchFile;
  private readonly origins: ScratchFile;
  private out: FingerprintFileWriter | undefined;
  private saved = false;
  private readonly records = new Map<string, FileRecords>();
  /** Row rule `consistent` keeps first values per key in its own scratch file. */
  private consistencyDb: Database.Database | undefined;
  private insertConsistency: Database.Statement | undefined;
  private firstConsistency: Database.Statement | undefined;
  /** Keys written per file (see key-filter.ts); dropped with releaseFilter once no later file refers to them. */
  private readonly filters = new Map<string, KeyFilter>();
  /** Files of repeated rows (FileDef.repeats): their record keys, which references name. */
  private readonly recordFilters = new Map<string, KeyFilter>();
  /** Keys of rows left out per file (not delivered), so a reference to one says why it cannot resolve. */
  private readonly leftOut = new Map<string, KeyFilter>();
  /** Why the first LEFT_OUT_REASONS left-out keys were left out ("file\u001fkey" → reason). */
  private readonly leftOutReasons = new Map<string, string>();
  private readonly released = new Set<string>();
  private readonly diffs = new Map<string, FileDiff>();
  /** Per file, the removed keys removedKeys() listed (confirmed against the exact diff). */
  private readonly removedListed = new Map<string, number>();
  /** Keys the filters called duplicates, confirmed against the written keys when their file completes. */
  private readonly duplicates: { file: string; key: string }[] = [];
  private collision: FingerprintCollision | undefined;
  /** Delta deliveries: records of the previous delivery that stay in this one (all removed ones, or these keys). */
  private readonly keepRequests = new Map<string, 'removed' | Set<string>>();
  private previousCache: PreviousSection | undefined;
  private finished = false;
  private closed = false;
  private readonly pair = new Uint32Array(2);
  private readonly rowHash = new Uint32Array(2);
  /** The file addHashedKey added to last, with its key filter and records (forgotten when its filter is released). */
  private addingFile: string | undefined;
  private addingFilter: KeyFilter | undefined;
  private addingRecords: FileRecords | undefined;

  /**
   * References to these files (written by another thread at the same time) are not answered here:
   * each is taken as resolving and kept, per target file and expected role, for deferredChecks().
   */
  private readonly deferredTargets: ReadonlySet<string>;
  private readonly deferred = new Map<string, { file: string; expectedRole: number; keys: KeyFilter }>();
  /** The same filters per target file, indexed by expected role. */
  private readonly deferredByFile = new Map<string, KeyFilter[]>();

  /**
   * `path`: this run's fingerprint file (written by save()); `previousPath`: the last good delivery's.
   * A file worker (file-worker.ts) passes the run's `salt`, so its section merges with the main
   * thread's, and the files another thread writes as `deferredTargets`.
   */
  constructor(
    readonly path: string,
    private readonly previousPath: string | undefined,
    options: { readonly salt?: number; readonly deferredTargets?: Iterable<string> } = {},
  ) {
    this.deferredTargets = new Set(options.deferredTargets ?? []);
    mkdirSync(dirname(path), { recursive: true });
    for (const p of [path, this.partialPath, this.consistencyPath]) rmSync(p, { force: true });
    if (previousPath && !existsSync(previousPath) && existsSync(legacyFingerprintPath(previousPath))) convertLegacyFingerprints(legacyFingerprintPath(previousPath), previousPath);
    let previous: FingerprintFile | undefined;
    try {
      previous = previousPath && existsSync(previousPath) ? FingerprintFile.open(previousPath) : undefined;
    } catch (err) {
      // Not comparable (damaged, another version): the run behaves as a first delivery.
      if (!(err instanceof FingerprintFileError)) throw err;
    }
    this.previousFile = previous;
    this.hasPrevious = previous !== undefined;
    this.salt = options.salt ?? (previous && !existsSync(this.resaltPath) ? previous.salt : randomBytes(4).readUInt32LE(0));
    this.keys = new ScratchFile(`${path}-keys`);
    this.origins = new ScratchFile(`${path}-origins`);
    this.out = new FingerprintFileWriter(this.partialPath, this.salt);
  }

  /**
   * Records a row key of `file` with its row's values; false when the key was already there (a
   * duplicate). `recordKey`: in a file of repeated rows (FileDef.repeats), the record the row belongs
   * to, which references name. A file of people (FileDef.personRoles) gives every row its role code
   * (kept in memory beside the key references look up) and SIS origin (kept on disk, for findings).
   */
  addKey(file: string, key: string, row: readonly string[], options: { readonly recordKey?: string; readonly person?: { readonly role: number; readonly origin: string } } = {}): boolean {
    const { recordKey, person } = options;
    hashKey64(key, this.pair, this.salt);
    return this.addHashedKey(file, key, this.pair[0]!, this.pair[1]!, row, recordKey, person !== undefined, person?.role ?? 0, person?.origin ?? '');
  }

  /**
   * addKey for a key the caller hashed already with this run's salt (keySalt; hash halves `a`, `b`):
   * the row path hashes each key once and reuses the hash (no options object per row). `people`:
   * a file of people, whose rows carry `role` and `origin`.
   */
  addHashedKey(file: string, key: string, a: number, b: number, row: readonly string[], recordKey: string | undefined, people: boolean, role: number, origin: string): boolean {
    // One file is written at a time: its filter and records are kept from the last call (no Map lookups per row).
    const same = file === this.addingFile;
    const filter = same ? this.addingFilter! : this.filterFor(file, this.filters, people && recordKey === undefined);
    if (!filter.addHash(a, b, recordKey === undefined && people ? role : 0)) {
      this.duplicates.push({ file, key });
      return false;
    }
    if (recordKey !== undefined) this.filterFor(file, this.recordFilters, people).add(recordKey, people ? role : undefined);
    let records = same ? this.addingRecords! : undefined;
    if (records === undefined || records.complete) {
      records = this.recordsFor(file, people);
      this.addingFile = file;
      this.addingFilter = filter;
      this.addingRecords = records;
    }
    const h = records.hashes;
    const data = h.reserve(WORDS);
    const at = h.length;
    data[at] = a;
    data[at + 1] = b;
    // The row hash kept per record: the first 64 bits of hashValues96.
    hashValues64Into(row, data, at + 2);
    data[at + 4] = records.count++;
    h.length = at + WORDS;
    this.keys.append(key);
    records.keyOffsets.push(this.keys.size - records.keyStart);
    if (records.originOffsets) {
      this.origins.append(origin);
      records.originOffsets.push(this.origins.size - records.originStart);
    }
    return true;
  }

  private recordsFor(file: string, people: boolean): FileRecords {
    let records = this.records.get(file);
    if (!records) {
      // A file's keys arrive together: the file before this one is complete.
      for (const [other, r] of this.records) if (!r.complete) this.fileComplete(other);
      records = new FileRecords(this.keys.size, this.origins.size, people, this.previousFile?.count(file) ?? 0);
      this.records.set(file, records);
    }
    if (records.complete) throw new Error(`Internal: keys of ${file} added after the file was complete.`);
    return records;
  }

  private filterFor(file: string, filters: Map<string, KeyFilter>, tagged: boolean): KeyFilter {
    let filter = filters.get(file);
    if (!filter) {
      if (this.released.has(file)) throw new Error(`Internal: keys of ${file} added after the file was complete.`);
      filters.set(file, (filter = new KeyFilter({ salt: this.salt, expectedKeys: this.previousFile?.count(file), tagged })));
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
   * A reference to a file another thread writes (deferredTargets) answers 0 and is kept with the
   * role the referrer expects (`expectedRole`) for deferredChecks().
   */
  roleOf(file: string, key: string, expectedRole = 0): number {
    hashKey64(key, this.pair, this.salt);
    return this.roleOfKeyHash(file, this.pair[0]!, this.pair[1]!, expectedRole);
  }

  /** roleOf for a key the caller hashed with this run's salt (keySalt), as the hash halves `a`, `b`. */
  roleOfKeyHash(file: string, a: number, b: number, expectedRole = 0): number {
    if (this.deferredTargets.size !== 0 && this.deferredTargets.has(file)) {
      this.deferredFor(file, expectedRole).addHash(a, b);
      return 0;
    }
    const filter = this.referenced(file);
    return filter === undefined ? -1 : filter.tagOfPair(a, b);
  }

  /** The deferred references to `file` expecting `expectedRole` (looked up without building a string per reference). */
  private deferredFor(file: string, expectedRole: number): KeyFilter {
    let byRole = this.deferredByFile.get(file);
    if (!byRole) this.deferredByFile.set(file, (byRole = []));
    let keys = byRole[expectedRole];
    if (!keys) {
      byRole[expectedRole] = keys = new KeyFilter({ salt: this.salt });
      this.deferred.set(`${file}\u001f${expectedRole}`, { file, expectedRole, keys });
    }
    return keys;
  }

  /** The references taken as resolving (deferredTargets): per target file and expected role, their distinct key hashes (a, b pairs). */
  deferredChecks(): DeferredReferences[] {
    return [...this.deferred.values()].map((d) => ({ file: d.file, expectedRole: d.expectedRole, hashes: d.keys.hashes() }));
  }

  /**
   * Whether every deferred reference of another thread's file resolves here exactly as it would
   * have while that file was written: the target has the key, with the expected role when both
   * sides name one. Asked once the target files are complete and before their filters are released.
   */
  deferredReferencesResolve(checks: readonly DeferredReferences[]): boolean {
    for (const check of checks) {
      const filter = this.referenced(check.file);
      if (!filter) return false;
      const h = check.hashes;
      for (let i = 0; i < h.length; i += 2) {
        const role = filter.tagOfHash({ a: h[i]!, b: h[i + 1]! });
        if (role < 0 || (role > 0 && check.expectedRole > 0 && role !== check.expectedRole)) return false;
      }
    }
    return true;
  }

  /** This run's key hash salt (a file worker hashes with the same one). */
  get keySalt(): number {
    return this.salt;
  }

  /** Records of `file` in the last good delivery (0 without one): how large the file is expected to be. */
  previousCount(file: string): number {
    return this.previousFile?.count(file) ?? 0;
  }

  /**
   * A file written and fingerprinted by a file worker (file-worker.ts), complete: its section is
   * copied from the worker's saved fingerprint file `from` into this run's, with the diff the
   * worker computed. Nothing refers to such a file, so no key filter of it is kept.
   */
  adoptFile(file: string, from: string, diff: FileDiff): void {
    if (this.records.has(file) || this.diffs.has(file)) throw new Error(`Internal: ${file} was adopted from a file worker but was also written here.`);
    for (const [other, r] of this.records) if (!r.complete) this.fileComplete(other);
    const written = FingerprintFile.open(from);
    try {
      // Copied in chunks: the main thread never holds the worker's (largest) section.
      this.writer().copyFile(written, file);
    } finally {
      written.close();
    }
    this.diffs.set(file, diff);
    this.released.add(file);
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
   * keys (already out of the filter, removeKeyHash) are marked left out and leave the fingerprints.
   */
  dropWrittenKeys(file: string, dropped: readonly { key: string; reason: string }[]): void {
    const records = this.records.get(file);
    if (records?.complete) throw new Error(`Internal: keys of ${file} dropped after the file was complete.`);
    for (const d of dropped) {
      this.markLeftOut(file, d.key, d.reason);
      if (!records) continue;
      hashKey64(d.key, this.pair, this.salt);
      (records.dropped ??= new Set()).add(`${this.pair[0]}:${this.pair[1]}`);
    }
  }

  /** Where a key of a file of people came from in the SIS (after its file is complete). */
  originOf(file: string, key: string): string | undefined {
    const records = this.records.get(file);
    if (!records?.sorted || !records.originOffsets) return undefined;
    hashKey64(key, this.pair, this.salt);
    const at = findKeyHash(records.sorted, records.sortedCount, this.pair[0]!, this.pair[1]!);
    if (at < 0) return undefined;
    const r = records.sorted[at * WORDS + 4]!;
    const o = records.originOffsets.data;
    return this.origins.read(records.originStart + o[r]!, records.originStart + o[r + 1]!).toString('utf8');
  }

  /** Frees the in-memory key filters of a finished file no later file refers to. */
  releaseFilter(file: string): void {
    this.filters.delete(file);
    if (file === this.addingFile) this.addingFile = this.addingFilter = this.addingRecords = undefined;
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

  /** Whether the last good delivery had this record with exactly these values (a delta run leaves it out). */
  unchangedSincePrevious(file: string, key: string, row: readonly string[]): boolean {
    hashKey64(key, this.pair, this.salt);
    return this.unchangedSincePreviousHash(file, this.pair[0]!, this.pair[1]!, row);
  }

  /** unchangedSincePrevious for a key the caller hashed with this run's salt (keySalt). */
  unchangedSincePreviousHash(file: string, a: number, b: number, row: readonly string[]): boolean {
    if (!this.hasPrevious) return false;
    const previous = this.previousSection(file);
    const at = findKeyHash(previous.hashes, previous.count, a, b);
    if (at < 0) return false;
    hashValues64Into(row, this.rowHash, 0);
    return previous.hashes[at * WORDS + 2] === this.rowHash[0] && previous.hashes[at * WORDS + 3] === this.rowHash[1];
  }

  /**
   * The file has all its keys: sorted, its duplicates confirmed, diffed against the previous delivery
   * and written to the run's fingerprint file; only files of people keep their records (for origins).
   */
  fileComplete(file: string): void {
    const records = this.records.get(file);
    if (!records) {
      // A file with no keys here: empty, or adopted from a file worker with its diff.
      if (!this.diffs.has(file)) this.diffs.set(file, this.diffOf(file, new Uint32Array(0), 0, new Uint32Array(1), 0));
      return;
    }
    if (records.complete) return;
    records.complete = true;
    // Sorted where they are (word 4 is each record's number, so equal key hashes keep the order they were written in).
    const h = records.hashes.view();
    sortRecordsInPlace(h, records.count);
    const gone = records.dropped;
    let sorted = h;
    if (gone?.size) {
      // Without the records left out after they were written; a file of people keeps them all (for their SIS origins).
      const kept = records.originOffsets ? new Uint32Array(h.length) : h;
      let n = 0;
      for (let r = 0; r < records.count; r++) {
        if (gone.has(`${h[r * WORDS]}:${h[r * WORDS + 1]}`)) continue;
        if (kept === h) kept.copyWithin(n * WORDS, r * WORDS, r * WORDS + WORDS);
        else kept.set(h.subarray(r * WORDS, r * WORDS + WORDS), n * WORDS);
        n++;
      }
      sorted = kept.subarray(0, n * WORDS);
    }
    const count = sorted.length / WORDS;
    const keyStart = records.keyStart;
    const offsets = records.keyOffsets.data;
    const keyOf = (r: number): string => this.keys.read(keyStart + offsets[r]!, keyStart + offsets[r + 1]!).toString('utf8');
    for (const d of this.duplicates) {
      if (d.file !== file || this.collision) continue;
      hashKey64(d.key, this.pair, this.salt);
      const at = findKeyHash(sorted, count, this.pair[0]!, this.pair[1]!);
      if (at < 0 || keyOf(sorted[at * WORDS + 4]!) !== d.key) {
        this.collision = new FingerprintCollision(
          `${file}: the key ${d.key} was taken for a duplicate because another key has the same 64-bit fingerprint in this run. ` +
            'Nothing was delivered; run the sync again (each run fingerprints keys differently).',
        );
      }
    }
    this.diffs.set(file, this.diffOf(file, sorted, count, offsets.subarray(0, records.count + 1), keyStart));
    // A delta run's loaded previous section of this file (unchangedSincePrevious, removedKeys) is not needed any more; mergeKept reads it again if it must.
    if (this.previousCache?.file === file) this.previousCache = undefined;
    const keyEnd = keyStart + offsets[records.count]!;
    const blob: KeyBlob = { offsets: offsets.subarray(0, records.count + 1), copy: (write) => this.keys.copy(keyStart, keyEnd, write) };
    this.writer().addFile(file, sorted, count, blob);
    if (records.originOffsets) {
      // Rows left out after they were written keep their SIS origin: findings about them name it.
      // Exactly sized when the file grew past its pre-sized arrays (doubling leaves up to half unused).
      records.hashes.trim();
      records.originOffsets.trim();
      records.sorted = records.hashes.view();
      records.sortedCount = records.count;
    }
    // The hashes and key offsets are on disk now; a file of people keeps its sorted records and origin offsets.
    records.hashes.release();
    records.keyOffsets.release();
  }

  /**
   * This run's sorted records of `file` against the previous delivery's: counts in one merge, then
   * the DIFF_SAMPLES smallest keys of each kind (in the keys' UTF-8 order), read in one pass over each
   * side's keys. `keyOffsets`/`keyStart` locate this run's keys (record order) in the keys scratch.
   */
  private diffOf(file: string, sorted: Uint32Array, count: number, keyOffsets: Uint32Array, keyStart: number): FileDiff {
    const kind = new Uint8Array(keyOffsets.length); // per record number: 1 added, 2 changed
    const previous = this.previousInOrder(file);
    const previousCount = previous.count;
    let p: Uint32Array = new Uint32Array(0);
    let pFrom = 0;
    let pTo = 0;
    const removedKeys = new Uint8Array(this.hasPrevious ? this.previousFile!.keyCount(file) : 0);
    let added = 0;
    let removed = 0;
    let changed = 0;
    let i = 0;
    let j = 0;
    while (i < count || j < previousCount) {
      if (j >= pTo && j < previousCount) {
        p = previous.read(j);
        pFrom = j;
        pTo = j + p.length / WORDS;
      }
      const ci = i * WORDS;
      const pj = (j - pFrom) * WORDS;
      const order = i >= count ? 1 : j >= previousCount ? -1 : sorted[ci]! !== p[pj]! ? (sorted[ci]! < p[pj]! ? -1 : 1) : sorted[ci + 1]! === p[pj + 1]! ? 0 : sorted[ci + 1]! < p[pj + 1]! ? -1 : 1;
      if (order === 0) {
        if (sorted[ci + 2] !== p[pj + 2] || sorted[ci + 3] !== p[pj + 3]) {
          changed++;
          kind[sorted[ci + 4]!] = 2;
        }
        i++;
        j++;
      } else if (order < 0) {
        added++;
        kind[sorted[ci + 4]!] = 1;
        i++;
      } else {
        removed++;
        removedKeys[p[pj + 4]!] = 1;
        j++;
      }
    }
    const sampleAdded = new SmallestKeys();
    const sampleChanged = new SmallestKeys();
    if (added || changed) {
      forEachKey(keyOffsets, (from, to) => this.keys.read(keyStart + from, keyStart + to), (r, bytes) => {
        if (kind[r] === 1) sampleAdded.offer(bytes);
        else if (kind[r] === 2) sampleChanged.offer(bytes);
      });
    }
    const sampleRemoved = new SmallestKeys();
    if (removed) for (const { index, key } of this.previousFile!.keys(file)) if (removedKeys[index] === 1) sampleRemoved.offer(Buffer.from(key, 'utf8'));
    return { file, previous: previousCount, current: count, added, removed, changed, unchanged: count - added - changed, sampleAdded: sampleAdded.keys(), sampleRemoved: sampleRemoved.keys(), sampleChanged: sampleChanged.keys() };
  }

  /**
   * The previous delivery's records of `file` in key-hash order, for a merge: read from disk in chunks
   * of PREVIOUS_CHUNK records (it is sorted there) when its salt is this run's, else (after a resalt)
   * or when already loaded, the loaded section. `read(from)`: the records from `from` on, at least one.
   */
  private previousInOrder(file: string): { readonly count: number; read(from: number): Uint32Array } {
    if (!this.hasPrevious) return { count: 0, read: () => new Uint32Array(0) };
    if (this.previousCache?.file === file || this.previousFile!.salt !== this.salt) {
      const section = this.previousSection(file);
      return { count: section.count, read: (from) => section.hashes.subarray(from * WORDS, section.count * WORDS) };
    }
    const previousFile = this.previousFile!;
    const chunk = new Uint32Array(Math.min(PREVIOUS_CHUNK, previousFile.count(file)) * WORDS);
    return { count: previousFile.count(file), read: (from) => previousFile.readHashes(file, from, chunk) };
  }

  /** The previous delivery's records of `file`, sorted by this run's key hash (re-hashed from its keys after a resalt); one file at a time. */
  private previousSection(file: string): PreviousSection {
    if (this.previousCache?.file === file) return this.previousCache;
    const previous = this.previousFile!;
    let hashes = previous.hashes(file);
    const count = hashes.length / WORDS;
    if (previous.salt !== this.salt) {
      const recordOf = new Int32Array(previous.keyCount(file)).fill(-1);
      for (let r = 0; r < count; r++) recordOf[hashes[r * WORDS + 4]!] = r;
      for (const { index, key } of previous.keys(file)) {
        const r = recordOf[index]!;
        if (r < 0) continue;
        hashKey64(key, this.pair, this.salt);
        hashes[r * WORDS] = this.pair[0]!;
        hashes[r * WORDS + 1] = this.pair[1]!;
      }
      hashes = permute(hashes, sortByKeyHash(hashes, count));
    }
    this.previousCache = { file, hashes, count };
    return this.previousCache;
  }

  /** End of the extract: completes every file still open and fails on a confirmed 64-bit collision. */
  finishWrites(): void {
    for (const file of this.records.keys()) this.fileComplete(file);
    this.finished = true;
    this.closeConsistency();
    if (this.collision) {
      this.markResalt();
      throw this.collision;
    }
  }

  /** This run's keys against the previous delivery's, per file. */
  diff(files: readonly string[]): FileDiff[] {
    if (!this.finished) throw new Error('Internal: the fingerprints are diffed only after finishWrites().');
    const diffs = files.map((file) => {
      if (!this.diffs.has(file)) this.fileComplete(file);
      return this.diffs.get(file)!;
    });
    for (const d of diffs) {
      const listed = this.removedListed.get(d.file);
      if (listed !== undefined && listed !== d.removed) {
        this.markResalt();
        throw new FingerprintCollision(
          `${d.file}: ${d.removed} record(s) were removed since the last delivery, but ${listed} were found while writing (another key has the same 64-bit fingerprint in this run). ` +
            'Nothing was delivered; run the sync again (each run fingerprints keys differently).',
        );
      }
    }
    return diffs;
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
    const previous = this.previousSection(file);
    const referenced = referencedKeys(previous.hashes, previous.count, this.previousFile!.keyCount(file));
    let removed = 0;
    for (const { index, key } of this.previousFile!.keys(file)) {
      if (referenced[index] === 0 || filter?.has(key)) continue;
      removed++;
      yield key;
    }
    this.removedListed.set(file, removed);
  }

  /** Delta deliveries without deletion rows: records removed from the source stay "delivered" (kept from the last good delivery). */
  keepRemovedFromPrevious(file: string): void {
    if (this.hasPrevious) this.keepRequests.set(file, 'removed');
  }

  /** Records whose rows were left out of this delivery keep what the vendor has: their last delivered fingerprints. */
  keepFromPrevious(file: string, keys: Iterable<string>): void {
    if (!this.hasPrevious) return;
    const wanted = new Set(keys);
    if (wanted.size) this.keepRequests.set(file, wanted);
  }

  /** Writes this run's fingerprint file (`path`): for a held run, and before a delivery (a publish recovered after a crash promotes it). */
  save(): void {
    if (this.saved) return;
    if (!this.finished) throw new Error('Internal: the fingerprints are saved only after finishWrites().');
    const writer = this.writer();
    for (const file of this.keepRequests.keys()) if (!this.records.has(file)) writer.addFile(file, new Uint32Array(0), 0, keyBlobOf([]));
    writer.finish();
    this.out = undefined;
    if (this.keepRequests.size) this.mergeKept();
    else renameSync(this.partialPath, this.path);
    this.saved = true;
  }

  /** Rewrites the run's file with the previous delivery's records that stay (delta deliveries). */
  private mergeKept(): void {
    const written = FingerprintFile.open(this.partialPath);
    const writer = new FingerprintFileWriter(this.path, this.salt);
    try {
      for (const file of written.files) {
        const current = written.hashes(file);
        const count = current.length / WORDS;
        const blob = written.blob(file);
        const request = this.keepRequests.get(file);
        if (!request) {
          writer.addFile(file, current, count, blob);
          continue;
        }
        const previous = this.previousSection(file);
        const kept: number[] = [];
        const wantedHashes = request === 'removed' ? undefined : new Set([...request].map((k) => (hashKey64(k, this.pair, this.salt), `${this.pair[0]}:${this.pair[1]}`)));
        for (let r = 0; r < previous.count; r++) {
          const a = previous.hashes[r * WORDS]!;
          const b = previous.hashes[r * WORDS + 1]!;
          if (findKeyHash(current, count, a, b) >= 0) continue;
          if (wantedHashes && !wantedHashes.has(`${a}:${b}`)) continue;
          kept.push(r);
        }
        if (!kept.length) {
          writer.addFile(file, current, count, blob);
          continue;
        }
        const merged = new Uint32Array((count + kept.length) * WORDS);
        merged.set(current);
        const extraKeys: string[] = [];
        const firstExtra = blob.offsets.length - 1;
        kept.forEach((r, n) => {
          merged.set(previous.hashes.subarray(r * WORDS, r * WORDS + WORDS), (count + n) * WORDS);
          merged[(count + n) * WORDS + 4] = firstExtra + n;
          extraKeys.push(this.previousFile!.keyAt(file, previous.hashes[r * WORDS + 4]!));
        });
        const extras = keyBlobOf(extraKeys);
        const offsets = new Uint32Array(blob.offsets.length + extraKeys.length);
        offsets.set(blob.offsets);
        const base = blob.offsets[blob.offsets.length - 1]!;
        for (let n = 1; n <= extraKeys.length; n++) offsets[firstExtra + n] = base + extras.offsets[n]!;
        const total = count + kept.length;
        // Word 4 grows with the position among records of equal key hash (only kept ones can share one): the stable order.
        sortRecordsInPlace(merged, total);
        writer.addFile(file, merged, total, {
          offsets,
          copy: (write) => {
            blob.copy(write);
            extras.copy(write);
          },
        });
      }
      writer.finish();
    } catch (err) {
      writer.abort();
      throw err;
    } finally {
      written.close();
      rmSync(this.partialPath, { force: true });
    }
  }

  /** Stops (a failed run) or releases what the run held; the saved file stays for the caller to keep or delete. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.out?.abort();
    this.out = undefined;
    rmSync(this.partialPath, { force: true });
    this.keys.close();
    this.origins.close();
    this.closeConsistency();
    this.previousFile?.close();
    this.previousCache = undefined;
  }

  /** Makes this run's fingerprints the destination's last good delivery (atomic rename). */
  promoteTo(target: string): void {
    this.save();
    this.close();
    promoteFingerprintFile(this.path, target);
  }

  private writer(): FingerprintFileWriter {
    if (!this.out) throw new Error('Internal: the fingerprints were already saved.');
    return this.out;
  }

  private get partialPath(): string {
    return `${this.path}.partial`;
  }

  private get consistencyPath(): string {
    return `${this.path}-consistency`;
  }

  /** After a collision, the next run of this destination hashes keys with a new salt. */
  private get resaltPath(): string {
    return `${this.previousPath ?? this.path}.resalt`;
  }

  private markResalt(): void {
    if (this.previousPath) {
      mkdirSync(dirname(this.previousPath), { recursive: true });
      closeSync(openSync(this.resaltPath, 'w'));
    }
  }

  private closeConsistency(): void {
    if (this.consistencyDb?.open) this.consistencyDb.close();
    this.consistencyDb = undefined;
    rmSync(this.consistencyPath, { force: true });
  }
}

/** The DIFF_SAMPLES smallest keys offered, in UTF-8 byte order (as SQLite's BINARY collation ordered them). */
class SmallestKeys {
  private readonly kept: Buffer[] = [];
  offer(key: Buffer): void {
    if (this.kept.length === DIFF_SAMPLES && Buffer.compare(key, this.kept[DIFF_SAMPLES - 1]!) >= 0) return;
    const copy = Buffer.from(key);
    let at = this.kept.findIndex((k) => Buffer.compare(copy, k) < 0);
    if (at < 0) at = this.kept.length;
    this.kept.splice(at, 0, copy);
    if (this.kept.length > DIFF_SAMPLES) this.kept.pop();
  }
  keys(): string[] {
    return this.kept.map((k) => k.toString('utf8'));
  }
}

/** Visits every key of a blob (`offsets`: one more than keys) with its bytes, reading about 1 MiB at a time. */
function forEachKey(offsets: Uint32Array, read: (from: number, to: number) => Buffer, visit: (index: number, bytes: Buffer) => void): void {
  const keys = offsets.length - 1;
  let index = 0;
  while (index < keys) {
    let end = index + 1;
    while (end < keys && offsets[end + 1]! - offsets[index]! <= 1 << 20) end++;
    const chunk = read(offsets[index]!, offsets[end]!);
    for (let r = index; r < end; r++) visit(r, chunk.subarray(offsets[r]! - offsets[index]!, offsets[r + 1]! - offsets[index]!));
    index = end;
  }
}

/** Per key position of a section, 1 when a record uses it (a key left out after it was written stays in the blob, unused). */
function referencedKeys(hashes: Uint32Array, count: number, keys: number): Uint8Array {
  const used = new Uint8Array(keys);
  for (let r = 0; r < count; r++) used[hashes[r * WORDS + 4]!] = 1;
  return used;
}

/** Promotes a kept fingerprint file (a held run's) without reading it; a pre-version-3 SQLite file is converted on the way. */
export function promoteFingerprintFile(path: string, target: string): void {
  // Owner-only, like runs/: the keys are student IDs.
  privateDir(dirname(target));
  if (path.endsWith('.db')) {
    convertLegacyFingerprints(path, target);
    return;
  }
  renameSync(path, target);
  rmSync(`${target}.resalt`, { force: true });
  rmSync(legacyFingerprintPath(target), { force: true });
}

/**
 * Upgrade: a destination's SQLite fingerprints (version 2: key + 96-bit row hash) are read once and
 * written as a version-3 file (the row hash's first 64 bits are the version-3 row hash, so the next
 * run's diff is exact: nothing looks changed, nothing is held for the upgrade). Another version is
 * left as it is and the next run behaves as a first delivery.
 */
export function convertLegacyFingerprints(legacyPath: string, target: string): boolean {
  let db: Database.Database;
  try {
    db = new Database(legacyPath, { readonly: true, fileMustExist: true });
  } catch {
    return false;
  }
  try {
    if ((db.pragma('user_version', { simple: true }) as number) !== 2) return false;
    const salt = randomBytes(4).readUInt32LE(0);
    const pair = new Uint32Array(2);
    const partial = `${target}.converting`;
    const writer = new FingerprintFileWriter(partial, salt);
    try {
      const files = db.prepare('SELECT DISTINCT file FROM keys ORDER BY file').pluck().all() as string[];
      for (const file of files) {
        const keys: string[] = [];
        const h = new Words(1024);
        for (const row of db.prepare('SELECT key, row_hash FROM keys WHERE file = ?').iterate(file) as Iterable<{ key: string; row_hash: Buffer }>) {
          hashKey64(row.key, pair, salt);
          h.push(pair[0]!);
          h.push(pair[1]!);
          h.push(row.row_hash.readUInt32LE(0));
          h.push(row.row_hash.readUInt32LE(4));
          h.push(keys.length);
          keys.push(row.key);
        }
        const hashes = h.view();
        sortRecordsInPlace(hashes, keys.length);
        writer.addFile(file, hashes, keys.length, keyBlobOf(keys));
      }
      writer.finish();
    } catch (err) {
      writer.abort();
      rmSync(partial, { force: true });
      throw err;
    }
    privateDir(dirname(target));
    renameSync(partial, target);
  } finally {
    db.close();
  }
  rmSync(legacyPath, { force: true });
  return true;
}

/**
 * The files of a destination's last good delivery that hold a record keyed `key` — alone (looked up
 * by its hash), or as one part of a composite key (parts joined by U+001F; the keys of such files
 * are read). For an admin's data-privacy question, not for the hot path. Empty without fingerprints.
 */
export function filesHoldingKey(path: string, key: string): string[] {
  if (!existsSync(path) && existsSync(legacyFingerprintPath(path))) convertLegacyFingerprints(legacyFingerprintPath(path), path);
  if (!existsSync(path)) return [];
  const file = FingerprintFile.open(path);
  try {
    const pair = new Uint32Array(2);
    hashKey64(key, pair, file.salt);
    const found: string[] = [];
    for (const name of file.files) {
      const hashes = file.hashes(name);
      if (findKeyHash(hashes, hashes.length / WORDS, pair[0]!, pair[1]!) >= 0) {
        found.push(name);
        continue;
      }
      if (!file.isComposite(name)) continue;
      const used = referencedKeys(hashes, hashes.length / WORDS, file.keyCount(name));
      for (const { index, key: k } of file.keys(name)) {
        if (used[index] === 1 && k.includes('\u001f') && k.split('\u001f').includes(key)) {
          found.push(name);
          break;
        }
      }
    }
    return found.sort();
  } finally {
    file.close();
  }
}

/**
 * Per file, the keys of the last good delivery (`previousPath`) that a kept run's fingerprints
 * (`runPath`, a held run's) do not hold: exactly what approving that run would remove at the vendor.
 * Only files in `files` are compared.
 */
export function removedKeysBetween(previousPath: string, runPath: string, files: readonly string[]): Map<string, string[]> {
  const removed = new Map<string, string[]>();
  const previous = FingerprintFile.open(previousPath);
  const run = FingerprintFile.open(runPath);
  const pair = new Uint32Array(2);
  try {
    for (const file of files) {
      const before = previous.hashes(file);
      const count = before.length / WORDS;
      const after = run.hashes(file);
      const afterCount = after.length / WORDS;
      const keys: string[] = [];
      if (previous.salt === run.salt) {
        // Same salt: the hashes compare directly; only the removed keys are read.
        for (let r = 0; r < count; r++) {
          if (findKeyHash(after, afterCount, before[r * WORDS]!, before[r * WORDS + 1]!) < 0) keys.push(previous.keyAt(file, before[r * WORDS + 4]!));
        }
      } else {
        const used = referencedKeys(before, count, previous.keyCount(file));
        for (const { index, key } of previous.keys(file)) {
          if (used[index] !== 1) continue;
          hashKey64(key, pair, run.salt);
          if (findKeyHash(after, afterCount, pair[0]!, pair[1]!) < 0) keys.push(key);
        }
      }
      removed.set(file, keys.sort());
    }
  } finally {
    previous.close();
    run.close();
  }
  return removed;
}

/**
 * A held run's fingerprint file (runs/<id>/fingerprints.fp). A run held before the upgrade kept an
 * SQLite one: it is converted in place (approving it then promotes the converted file).
 */
export function heldRunFingerprints(runDir: string): string | undefined {
  const path = join(runDir, RUN_FINGERPRINTS);
  const legacy = join(runDir, 'fingerprints.db');
  if (!existsSync(path) && existsSync(legacy)) convertLegacyFingerprints(legacy, path);
  return existsSync(path) ? path : undefined;
}
