/**
 * Both cores: one generated file written by a worker thread while the main thread writes the others.
 *
 * Which file (offloadableFile): the largest one that nothing refers to, that is not a file of people
 * and has no links inside it — in OneRoster enrollments.csv (~60 % of a district's rows), written while
 * the main thread writes orgs, sessions, courses, users, classes and demographics. The worker opens
 * its own source session, builds the same plan and runs the same writeFile as the main thread, with
 * its own FingerprintDb hashing keys with the run's salt.
 *
 * References into files the main thread is writing at the same time (enrollments → users, classes,
 * orgs) cannot be answered while the worker reads: each is taken as resolving and kept (distinct key
 * hashes per target file and expected role, FingerprintDb.deferredChecks). When the main thread
 * reaches the file's place in the plan, its targets are complete: if every kept reference resolves
 * with the expected role, the worker's result is exactly what the main thread would have written —
 * its findings, left-out rows and log lines (recorded in order by the worker) are replayed into the
 * run in the plan's order, its fingerprint section is adopted with its diff, and the file is staged.
 * Otherwise (a reference that does not resolve, more findings than the worker records, a 64-bit
 * collision, a worker that could not start) the file is written again on the main thread, as it
 * would have been without a worker: the findings stay identical, only the time is lost.
 *
 * Cancel reaches the worker through a message (its reads stop); progress comes back as row counts;
 * the worker's CPU time is recorded for the benchmark (thread-cpu.ts).
 */
import { availableParallelism } from 'node:os';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { DestinationConfig, SiteMapEntry, SourceConfig } from '../shared/config.schema.js';
import type { FormatDef } from '../shared/format.js';
import type { FileDiff, Finding } from '../shared/run.js';
import { getSourceDriver } from '../sources/registry.js';
import type { Secrets, SourceSession } from '../sources/types.js';
import { buildPlan, type FilePlan, type Plan } from './plan.js';
import type { WrittenFile } from './csv-writer.js';
import { FingerprintDb, type DeferredReferences } from './fingerprints.js';
import { FindingSink, RunFailure } from './findings.js';
import { InactiveRecords } from './inactive.js';
import { LeftOutRows } from './left-out.js';
import { RunProgress } from './progress.js';
import { ReadAhead } from './read-ahead.js';
import { writeFile, type ValidationClock } from './write-file.js';
import { currentThreadId, ownThreadCpu, recordExitedThread, registerThread } from './thread-cpu.js';

/** When a file worker is used: `auto` for files of at least PARALLEL_MIN_ROWS at the last delivery on a machine with 2+ cores. */
export type FileWorkerMode = 'auto' | 'always' | 'never';

/** Below this many records at the last delivery the worker's start (~0.1 s) costs more than it saves. */
export const PARALLEL_MIN_ROWS = 50_000;

/** Findings, left-out rows and log lines a worker records for the replay; past this the file is written again on the main thread. */
const MAX_RECORDED = 20_000;

/** The mode from ROSTERSYNC_FILE_WORKERS (auto, always, never), `auto` when unset. */
export function fileWorkerModeFromEnv(): FileWorkerMode {
  const value = process.env.ROSTERSYNC_FILE_WORKERS;
  return value === 'always' || value === 'never' ? value : 'auto';
}

/**
 * The index of the plan file a worker writes, or undefined: the file with the most records at the
 * last delivery (then the most references) among those nothing refers to, without people, links
 * inside or delta deletions, in a plan of two or more files whose inactive rule drops nothing.
 */
export function offloadableFile(plan: Plan, destination: DestinationConfig, previousCount: (file: string) => number, mode: FileWorkerMode, cores = availableParallelism()): number | undefined {
  if (mode === 'never' || (mode === 'auto' && cores < 2)) return undefined;
  // Records dropped as inactive drop their dependants in later files: that needs every file on one thread.
  if (plan.files.length < 2 || destination.syncMode === 'delta' || plan.format.inactive?.rule === 'drop') return undefined;
  const referenced = new Set(plan.files.flatMap((f) => f.references.map((r) => r.targetFile)));
  let best: number | undefined;
  const size = (f: FilePlan): [number, number] => [previousCount(f.def.name), f.references.length];
  for (const [index, file] of plan.files.entries()) {
    if (referenced.has(file.def.name) || file.def.personRoles !== undefined || file.deletions || !file.entities.length) continue;
    if (mode === 'auto' && previousCount(file.def.name) < PARALLEL_MIN_ROWS) continue;
    if (best === undefined) {
      best = index;
      continue;
    }
    const [rows, refs] = size(file);
    const [bestRows, bestRefs] = size(plan.files[best]!);
    if (rows > bestRows || (rows === bestRows && refs > bestRefs)) best = index;
  }
  return best;
}

/** What the worker needs to write its file: the run's resolved inputs (all structured-cloneable). */
export interface FileWorkerJob {
  readonly runId: number;
  readonly destination: DestinationConfig;
  readonly source: SourceConfig;
  readonly secrets: Secrets;
  readonly format: FormatDef;
  readonly siteMap: readonly SiteMapEntry[];
  readonly customProfiles: readonly unknown[];
  /** The run's start (the plan's `$runStartedAt`), ISO. */
  readonly now: string;
  readonly fileIndex: number;
  readonly filesDir: string;
  /** The worker's own fingerprint file (in the run folder), adopted by the main thread. */
  readonly fingerprintPath: string;
  readonly previousFingerprints: string;
  readonly salt: number;
  /** Files the main thread writes at the same time: references to them are deferred. */
  readonly deferredTargets: readonly string[];
}

/** In the order they happened in the worker: what it reported into the run's findings, left-out rows and log. */
type Recorded = { readonly finding: Finding } | { readonly leftOut: Finding } | { readonly log: readonly ['info' | 'warn' | 'error', string, string] };

interface WorkerOutcome {
  readonly written: WrittenFile;
  readonly recorded: readonly Recorded[];
  readonly rowsMapped: number;
  readonly clock: ValidationClock;
  readonly unmappedSchools: readonly string[];
  readonly diff: FileDiff;
  readonly deferred: readonly DeferredReferences[];
  /** The worker's time from its start to its file complete and fingerprinted (ms). */
  readonly elapsedMs: number;
}

type FromWorker =
  | { readonly kind: 'thread'; readonly tid: number }
  | { readonly kind: 'rows'; readonly rows: number }
  | { readonly kind: 'done'; readonly outcome: WorkerOutcome; readonly cpu?: { userMs: number; systemMs: number } }
  /** A RunFailure: the run fails with it at the file's place, after its recorded findings. */
  | { readonly kind: 'failed'; readonly message: string; readonly stage: string; readonly recorded: readonly Recorded[]; readonly deferred: readonly DeferredReferences[]; readonly cpu?: { userMs: number; systemMs: number } }
  /** Anything else: the main thread writes the file itself. */
  | { readonly kind: 'redo'; readonly reason: string; readonly cpu?: { userMs: number; systemMs: number } };

type ToWorker = { readonly kind: 'abort'; readonly reason: string };

/** The worker's recorded findings, in order (the main thread's sink counts, caps and summarises them on replay). */
class RecordingSink extends FindingSink {
  constructor(private readonly recorded: Recorded[]) {
    super();
  }
  override add(f: Finding): void {
    record(this.recorded, { finding: f });
  }
  override fillOriginLater(): void {
    // Only files of people complete findings with SIS origins; a worker never writes one.
    throw new RedoOnMain('a finding needs a SIS origin');
  }
}

class RecordingLeftOut extends LeftOutRows {
  constructor(private readonly recorded: Recorded[]) {
    super();
  }
  override add(first: Finding): void {
    record(this.recorded, { leftOut: first });
    super.add(first);
  }
}

/** The worker stops and the main thread writes the file (a RunFailure, so writeFile passes it through unchanged). */
class RedoOnMain extends RunFailure {
  constructor(reason: string) {
    super(reason, 'write');
  }
}

function record(recorded: Recorded[], entry: Recorded): void {
  if (recorded.length >= MAX_RECORDED) throw new RedoOnMain(`more than ${MAX_RECORDED} findings`);
  recorded.push(entry);
}

const WORKER_MARK = 'rostersync-file-worker';

/** The worker's side: writes the one file and reports. */
async function workerMain(job: FileWorkerJob, post: (message: FromWorker) => void): Promise<void> {
  const started = performance.now();
  const tid = currentThreadId();
  if (tid !== undefined) post({ kind: 'thread', tid });
  const abort = new AbortController();
  parentPort!.on('message', (message: ToWorker) => {
    if (message.kind === 'abort') abort.abort(new Error(message.reason));
  });
  const recorded: Recorded[] = [];
  const plan = buildPlan({ format: job.format, destination: job.destination, source: job.source, siteMap: job.siteMap, customProfiles: job.customProfiles, now: new Date(job.now) });
  const file = plan.files[job.fileIndex]!;
  const fp = new FingerprintDb(job.fingerprintPath, job.previousFingerprints, { salt: job.salt, deferredTargets: job.deferredTargets });
  let session: SourceSession | undefined;
  let reads: ReadAhead | undefined;
  try {
    session = await getSourceDriver(job.source.type).open(job.source.settings, job.secrets);
    reads = new ReadAhead(session, file.entities.map((e) => e.request), abort.signal);
    const clock: ValidationClock = { checks: 0, keys: 0 };
    const rowsMapped = new Map<string, number>();
    const progress = new RunProgress(job.runId, job.destination.name, null, (event) => post({ kind: 'rows', rows: event.rows }));
    const context = {
      reads,
      fp,
      destination: job.destination,
      source: job.source,
      sink: new RecordingSink(recorded),
      leftOut: new RecordingLeftOut(recorded),
      rowsMapped,
      inactive: new InactiveRecords(job.format, new Set()),
      dir: job.filesDir,
      log: (level: 'info' | 'warn' | 'error', stage: string, message: string) => record(recorded, { log: [level, stage, message] }),
      clock,
      progress,
    };
    const written = await writeFile(file, 0, context, new Set());
    // What the main thread logs right after writing a file: inactive records sent marked.
    for (const line of context.inactive.lines(file.def.name)) record(recorded, { log: ['info', 'inactive', line] });
    post({ kind: 'rows', rows: written.rows });
    // Nothing refers to the worker's file: its key filter (uniqueness while writing) goes before the sort and diff.
    fp.releaseFilter(file.def.name);
    fp.fileComplete(file.def.name);
    fp.finishWrites();
    const [diff] = fp.diff([file.def.name]);
    fp.save();
    const outcome: WorkerOutcome = { written, recorded, rowsMapped: rowsMapped.get(file.def.name) ?? 0, clock, unmappedSchools: [...plan.unmappedSchools], diff: diff!, deferred: fp.deferredChecks(), elapsedMs: Math.round(performance.now() - started) };
    post({ kind: 'done', outcome, cpu: ownThreadCpu() });
  } catch (err) {
    if (err instanceof RunFailure && !(err instanceof RedoOnMain) && !abort.signal.aborted) post({ kind: 'failed', message: err.message, stage: err.stage, recorded, deferred: fp.deferredChecks(), cpu: ownThreadCpu() });
    else post({ kind: 'redo', reason: err instanceof Error ? err.message : String(err), cpu: ownThreadCpu() });
  } finally {
    fp.close();
    await reads?.close().catch(() => undefined);
    await session?.close().catch(() => undefined);
    // The outcome is posted (delivered before the thread's exit): the thread ends now and its heap goes,
    // rather than staying until the main thread's extract ends (FileWorker.dispose).
    parentPort!.unref();
  }
}

if (!isMainThread && (workerData as { mark?: string } | undefined)?.mark === WORKER_MARK) {
  const job = (workerData as { job: FileWorkerJob }).job;
  void workerMain(job, (message) => parentPort!.postMessage(message));
}

/** The built worker script: this file, or its compiled twin in dist/ when this runs from the TypeScript source (tests). */
function workerScript(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return here;
  const built = join(resolve(dirname(here), '..', '..'), 'dist', 'src', 'pipeline', 'file-worker.js');
  return existsSync(built) ? built : undefined;
}

/** What the main thread gets at the file's place in the plan. */
export type FileWorkerResult =
  | { readonly kind: 'done'; readonly outcome: WorkerOutcome; readonly fingerprintPath: string; readonly recorded: readonly Recorded[]; readonly deferred: readonly DeferredReferences[] }
  | { readonly kind: 'failed'; readonly message: string; readonly stage: string; readonly recorded: readonly Recorded[]; readonly deferred: readonly DeferredReferences[] }
  | { readonly kind: 'redo'; readonly reason: string };

/** The main thread's handle on one file worker. */
export class FileWorker {
  readonly result: Promise<FileWorkerResult>;
  private readonly worker: Worker | undefined;
  private tid: number | undefined;
  private readonly onAbort: () => void;

  constructor(
    private readonly job: FileWorkerJob,
    private readonly signal: AbortSignal | undefined,
    /** Rows the worker has written so far (for the run's progress). */
    onRows: (rows: number) => void,
  ) {
    const script = workerScript();
    const name = `file-worker ${job.destination.name} ${job.format.files[job.fileIndex]?.name ?? ''}`.trim();
    this.onAbort = () => this.worker?.postMessage({ kind: 'abort', reason: 'cancelled' } satisfies ToWorker);
    if (!script) {
      this.worker = undefined;
      this.result = Promise.resolve({ kind: 'redo', reason: 'the built worker script (dist/src/pipeline/file-worker.js) is missing' });
      return;
    }
    const worker = new Worker(script, { name, workerData: { mark: WORKER_MARK, job } });
    this.worker = worker;
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const cpu = (times: { userMs: number; systemMs: number } | undefined): void => {
      if (times && this.tid !== undefined) recordExitedThread(this.tid, name, times);
    };
    this.result = new Promise<FileWorkerResult>((resolvePromise) => {
      worker.on('message', (message: FromWorker) => {
        switch (message.kind) {
          case 'thread':
            this.tid = message.tid;
            registerThread(message.tid, name);
            return;
          case 'rows':
            onRows(message.rows);
            return;
          case 'done':
            cpu(message.cpu);
            resolvePromise({ kind: 'done', outcome: message.outcome, fingerprintPath: job.fingerprintPath, recorded: message.outcome.recorded, deferred: message.outcome.deferred });
            return;
          case 'failed':
            cpu(message.cpu);
            resolvePromise({ kind: 'failed', message: message.message, stage: message.stage, recorded: message.recorded, deferred: message.deferred });
            return;
          case 'redo':
            cpu(message.cpu);
            resolvePromise({ kind: 'redo', reason: message.reason });
            return;
        }
      });
      worker.on('error', (err) => resolvePromise({ kind: 'redo', reason: err.message }));
      worker.on('exit', (code) => resolvePromise({ kind: 'redo', reason: `the worker exited (${code}) before reporting` }));
    });
    if (signal?.aborted) this.onAbort();
  }

  /** Stops the worker (if still running) and removes its fingerprint file. */
  async dispose(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    await this.worker?.terminate();
    rmSync(this.job.fingerprintPath, { force: true });
  }
}

/** Puts what the worker recorded into the run, in the order it happened. */
export function replayRecorded(recorded: readonly Recorded[], into: { sink: FindingSink; leftOut: LeftOutRows; log: (level: 'info' | 'warn' | 'error', stage: string, message: string) => void }): void {
  for (const entry of recorded) {
    if ('finding' in entry) into.sink.add(entry.finding);
    else if ('leftOut' in entry) into.leftOut.add(entry.leftOut);
    else into.log(...entry.log);
  }
}
