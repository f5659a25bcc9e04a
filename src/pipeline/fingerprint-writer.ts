/**
 * Writes a run's fingerprints (key + row hash per record) and deferred references into its scratch
 * SQLite file from a worker thread, so the row hashing and the B-tree inserts run on another core
 * while this thread maps rows; the worker also diffs each file against the previous delivery as
 * soon as the file is complete. Keys and row values arrive in batches; the worker inserts each
 * batch with one statement (`json_each` over the keys, the row hashes as one blob), all in one
 * transaction.
 *
 * The caller never waits for SQLite, except:
 * - when more than MAX_IN_FLIGHT batches are queued (backpressure: memory stays flat), and
 * - in `finish()`, which returns once everything is committed and the file is closed.
 * Both waits are short synchronous `Atomics.wait`s on a shared counter of handled messages; an
 * error in the worker (a full disk) is thrown to the caller at the next wait.
 *
 * The worker's code is `writerThread` below, started with `eval` from its own source text (with
 * `createHashers` and `diffFile` passed in the same way): it needs no build step of its own and
 * runs the same from dist/ and under the test runner. Each must stay self-contained (no closure
 * over this module).
 */
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type * as WorkerThreads from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { FileDiff } from '../shared/run.js';
import { createHashers } from './fast-hash.js';

/** Keys per message to the worker. */
const KEYS_PER_BATCH = 2048;
/**
 * Messages the worker may have queued before the caller waits: enough for the caller to go on
 * reading the next file while the worker diffs a large one (≈ 256 k rows). Fewer (32) did not
 * lower the peak RSS of a 500 k-student run and made the extract wait 0.7 s.
 */
const MAX_IN_FLIGHT = 128;
/** A wait this long without progress means the worker is stuck: the run fails rather than hang. */
const STALL_MS = 120_000;

/** Shared words: [0] messages handled, [1] 1 once the worker failed or closed. */
const HANDLED = 0;
const STOPPED = 1;

/**
 * A file's keys against the previous delivery's (attached as `prev`): counts in one pass over this
 * run's keys, and a few keys of each kind, queried only when there are some. Self-contained: the
 * writer thread runs it from its source text as each file completes; FingerprintDb for the rest.
 */
export function diffFile(db: BetterSqlite3.Database, file: string, hasPrevious: boolean, samples: number): FileDiff {
  const count = (sql: string): number => db.prepare(sql).pluck().get(file) as number;
  const keys = (sql: string): string[] => db.prepare(sql).pluck().all(file, samples) as string[];
  if (!hasPrevious) {
    const current = count('SELECT COUNT(*) FROM keys WHERE file = ?');
    return { file, previous: 0, current, added: current, removed: 0, changed: 0, unchanged: 0, sampleAdded: keys('SELECT key FROM keys WHERE file = ? LIMIT ?'), sampleRemoved: [], sampleChanged: [] };
  }
  const pass = db
    .prepare(
      `SELECT COUNT(*) AS current, COALESCE(SUM(p.row_hash IS NULL), 0) AS added, COALESCE(SUM(p.row_hash <> c.row_hash), 0) AS changed
       FROM keys c LEFT JOIN prev.keys p ON p.file = c.file AND p.key = c.key WHERE c.file = ?`,
    )
    .get(file) as { current: number; added: number; changed: number };
  const { current, added, changed } = pass;
  const previous = count('SELECT COUNT(*) FROM prev.keys WHERE file = ?');
  const removed = previous - (current - added);
  return {
    file,
    previous,
    current,
    added,
    removed,
    changed,
    unchanged: current - added - changed,
    sampleAdded: added ? keys('SELECT key FROM keys c WHERE c.file = ? AND NOT EXISTS (SELECT 1 FROM prev.keys p WHERE p.file = c.file AND p.key = c.key) LIMIT ?') : [],
    sampleRemoved: removed ? keys('SELECT key FROM prev.keys p WHERE p.file = ? AND NOT EXISTS (SELECT 1 FROM keys c WHERE c.file = p.file AND c.key = p.key) LIMIT ?') : [],
    sampleChanged: changed ? keys('SELECT c.key FROM keys c JOIN prev.keys p ON p.file = c.file AND p.key = c.key WHERE c.file = ? AND p.row_hash <> c.row_hash LIMIT ?') : [],
  };
}

type ToWorker =
  /**
   * Keys concatenated in `keys` (one string copies faster than an array of them), `keyLengths[i]` code
   * units each; with each key its row's values joined by U+001F in `rows` (`rowLengths[i]`), which
   * the worker fingerprints (hashValues96 of the joined values is the hash of the values).
   */
  | {
      readonly kind: 'keys';
      readonly file: string;
      readonly keys: string;
      readonly keyLengths: Uint32Array;
      readonly rows: string;
      readonly rowLengths: Uint32Array;
      /** With the keys of a file of people (FileDef.personRoles): each key's SIS origin, JSON, for role findings. */
      readonly origins?: string;
    }
  /** Keys of rows left out after they were written (a failed same-file reference and what depends on it). */
  | { readonly kind: 'drop'; readonly file: string; readonly keys: string }
  | { readonly kind: 'diff'; readonly file: string; readonly samples: number }
  | { readonly kind: 'finish' }
  | { readonly kind: 'abort' };

/** What the worker sends back on its reply port (read synchronously at the next wait). */
type FromWorker = { readonly error: string } | { readonly diff: FileDiff };

interface WorkerStart {
  readonly sqlite: string;
  readonly path: string;
  /** The previous delivery's fingerprints, attached as `prev` for the per-file diffs. */
  readonly previousPath: string | undefined;
  readonly shared: SharedArrayBuffer;
  readonly replies: MessagePort;
}

/**
 * The worker thread (see the module comment: started from its source text). Everything it uses
 * arrives as an argument or through require(): a reference to an imported binding would not
 * survive being run from source (the test runner renames imports).
 */
function writerThread(hashers: ReturnType<typeof createHashers>, diff: typeof diffFile): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- an eval'd worker is a CommonJS script */
  const { parentPort, workerData } = require('node:worker_threads') as typeof WorkerThreads;
  const start = workerData as WorkerStart;
  const state = new Int32Array(start.shared);
  const done = (stopped: boolean): void => {
    if (stopped) Atomics.store(state, 1, 1);
    Atomics.add(state, 0, 1);
    Atomics.notify(state, 0);
  };
  let db: BetterSqlite3.Database | undefined;
  try {
    const Database = require(start.sqlite) as typeof BetterSqlite3;
    /* eslint-enable @typescript-eslint/no-require-imports */
    db = new Database(start.path);
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -16384');
    if (start.previousPath) db.prepare('ATTACH DATABASE ? AS prev').run(start.previousPath);
    db.exec('BEGIN');
  } catch (error) {
    start.replies.postMessage({ error: (error as Error).message } satisfies FromWorker);
    done(true);
    return;
  }
  const database = db;
  const insertKeys = database.prepare('INSERT INTO keys (file, key, row_hash) SELECT ?, j.value, substr(?, j.key * 12 + 1, 12) FROM json_each(?) AS j');
  const insertOrigins = database.prepare('INSERT INTO origins (file, key, origin) SELECT ?, k.value, o.value FROM json_each(?) AS k JOIN json_each(?) AS o ON o.key = k.key');
  const dropKeys = database.prepare('DELETE FROM keys WHERE file = ? AND key IN (SELECT value FROM json_each(?))');
  parentPort!.on('message', (message: ToWorker) => {
    try {
      switch (message.kind) {
        case 'keys': {
          const count = message.keyLengths.length;
          const keys: string[] = new Array<string>(count);
          const hashes = Buffer.allocUnsafe(count * 12);
          const one = [''];
          for (let i = 0, k = 0, r = 0; i < count; i++) {
            keys[i] = message.keys.slice(k, (k += message.keyLengths[i]!));
            one[0] = message.rows.slice(r, (r += message.rowLengths[i]!));
            hashers.hashValues96Into(one, hashes, i * 12);
          }
          const keyList = JSON.stringify(keys);
          insertKeys.run(message.file, hashes, keyList);
          if (message.origins !== undefined) insertOrigins.run(message.file, keyList, message.origins);
          done(false);
          return;
        }
        case 'diff':
          start.replies.postMessage({ diff: diff(database, message.file, start.previousPath !== undefined, message.samples) } satisfies FromWorker);
          done(false);
          return;
        case 'drop':
          dropKeys.run(message.file, message.keys);
          done(false);
          return;
        case 'finish':
          database.exec('COMMIT');
          database.close();
          done(true);
          parentPort!.close();
          return;
        case 'abort':
          database.close();
          done(true);
          parentPort!.close();
          return;
      }
    } catch (error) {
      start.replies.postMessage({ error: (error as Error).message } satisfies FromWorker);
      if (database.open) database.close();
      done(true);
      parentPort!.close();
    }
  });
}

export class FingerprintWriter {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly replies: MessagePort;
  private posted = 0;
  private stopped = false;
  private file = '';
  private keys = '';
  private rows = '';
  private keyCount = 0;
  private keyLengths = new Uint32Array(KEYS_PER_BATCH);
  private rowLengths = new Uint32Array(KEYS_PER_BATCH);
  /** SIS origins of the queued keys, for files of people (empty otherwise). */
  private origins: string[] = [];
  private readonly diffs = new Map<string, FileDiff>();
  private failure: string | undefined;
  /** Time the caller spent waiting for the worker to catch up (backpressure), in ms. */
  waitedMs = 0;

  /** `path` already holds the schema (FingerprintDb creates it); the worker adds the rows. */
  constructor(
    readonly path: string,
    previousPath: string | undefined,
  ) {
    const shared = new SharedArrayBuffer(8);
    this.state = new Int32Array(shared);
    const channel = new MessageChannel();
    this.replies = channel.port1;
    const start: WorkerStart = { sqlite: createRequire(import.meta.url).resolve('better-sqlite3'), path, previousPath, shared, replies: channel.port2 };
    this.worker = new Worker(`(${writerThread.toString()})((${createHashers.toString()})(), ${diffFile.toString()})`, { eval: true, workerData: start, transferList: [channel.port2] });
    // Errors come back through `replies` at the next wait; an uncaught one must not end the agent.
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  /**
   * Queues a key of `file` with its row's values joined by U+001F (fingerprinted by the worker), and for
   * a file of people its SIS origin (every key of such a file has one).
   */
  addKey(file: string, key: string, row: string, origin?: string): void {
    if (file !== this.file) {
      this.flushKeys();
      this.file = file;
    }
    if (origin !== undefined) this.origins.push(origin);
    this.keyLengths[this.keyCount] = key.length;
    this.rowLengths[this.keyCount++] = row.length;
    this.keys += key;
    this.rows += row;
    if (this.keyCount === KEYS_PER_BATCH) this.flushKeys();
  }

  /** Deletes keys of `file` written before (rows left out after the file was written), before the file is diffed. */
  dropKeys(file: string, keys: readonly string[]): void {
    this.flushKeys();
    this.post({ kind: 'drop', file, keys: JSON.stringify(keys) });
  }

  /** Diffs `file` (complete: all its keys were added) once the worker has written its keys. */
  diffFile(file: string, samples: number): void {
    this.flushKeys();
    this.post({ kind: 'diff', file, samples });
  }

  /** Writes what is queued, commits and closes the file; returns the diffs asked for, throws what the worker failed with. */
  finish(): Map<string, FileDiff> {
    this.flushKeys();
    this.post({ kind: 'finish' });
    this.waitFor(this.posted);
    this.stopped = true;
    this.collectReplies();
    this.throwIfFailed();
    return this.diffs;
  }

  /** Stops without committing (a failed run); the file is left for the caller to delete. */
  abort(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (Atomics.load(this.state, STOPPED) === 0) {
      this.worker.postMessage({ kind: 'abort' } satisfies ToWorker);
      this.posted++;
      Atomics.wait(this.state, HANDLED, this.posted - 1, 5_000);
    }
    void this.worker.terminate();
  }

  private flushKeys(): void {
    if (!this.keyCount) return;
    const keyLengths = this.keyLengths.subarray(0, this.keyCount);
    const rowLengths = this.rowLengths.subarray(0, this.keyCount);
    const origins = this.origins.length ? JSON.stringify(this.origins) : undefined;
    this.post({ kind: 'keys', file: this.file, keys: this.keys, keyLengths, rows: this.rows, rowLengths, origins }, [keyLengths.buffer as ArrayBuffer, rowLengths.buffer as ArrayBuffer]);
    this.origins = [];
    this.keys = '';
    this.rows = '';
    this.keyCount = 0;
    this.keyLengths = new Uint32Array(KEYS_PER_BATCH);
    this.rowLengths = new Uint32Array(KEYS_PER_BATCH);
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.stopped) throw new Error('The fingerprint writer is closed.');
    this.throwIfFailed();
    this.worker.postMessage(message, transfer);
    this.posted++;
    this.waitFor(this.posted - MAX_IN_FLIGHT);
  }

  /** Blocks until the worker handled `count` messages (or stopped). */
  private waitFor(count: number): void {
    for (;;) {
      const handled = Atomics.load(this.state, HANDLED);
      if (handled >= count || Atomics.load(this.state, STOPPED) === 1) return;
      const started = performance.now();
      const outcome = Atomics.wait(this.state, HANDLED, handled, STALL_MS);
      this.waitedMs += performance.now() - started;
      if (outcome === 'timed-out') {
        this.stopped = true;
        void this.worker.terminate();
        throw new Error(`Writing the run's fingerprints to ${this.path} made no progress for ${STALL_MS / 1000} s.`);
      }
    }
  }

  private collectReplies(): void {
    for (let reply = receiveMessageOnPort(this.replies); reply; reply = receiveMessageOnPort(this.replies)) {
      const message = reply.message as FromWorker;
      if ('error' in message) this.failure ??= message.error;
      else this.diffs.set(message.diff.file, message.diff);
    }
  }

  private throwIfFailed(): void {
    if (Atomics.load(this.state, STOPPED) === 0) return;
    this.collectReplies();
    if (this.failure !== undefined) {
      this.stopped = true;
      throw new Error(`Writing the run's fingerprints to ${this.path} failed: ${this.failure}`);
    }
  }
}
