/**
 * The whole sync, in one place:  source → map → validate → write → deliver → record.
 *
 * Rows stream from the source session through the compiled mapping and the checks straight into
 * the CSV writer (write-file.ts); only counts, capped findings (findings.ts) and row fingerprints
 * (in a scratch SQLite file) are kept. Nothing reaches the destination (deliver.ts) unless
 * validation passed and the safety guard agreed; a held run waits for approval (held-runs.ts);
 * generated files live no longer than retention.ts allows.
 *
 * runSync receives everything resolved — the run record, destination, source, format, site map and
 * the last good delivery's fingerprints — from the one runner (src/agent/runner.ts), which holds
 * the destination's lock, records the run, streams its events and sends notifications. It tells
 * what happens as typed events (LiveEvent: log lines and progress) and returns a RunResult.
 */
import { rmSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSourceSecrets, type AgentContext } from '../home/context.js';
import { homeArg } from '../home/layout.js';
import type { DestinationConfig, SiteMapEntry, SourceConfig } from '../shared/config.schema.js';
import type { Entity, FormatDef } from '../shared/format.js';
import type { LiveEvent } from '../shared/api.contract.js';
import type { FileDiff, Finding, RunFileRecord, RunStatus, RunTrigger } from '../shared/run.js';
import { getSourceDriver } from '../sources/registry.js';
import type { EntityRequest, SourceSession } from '../sources/types.js';
import { profileOfSource } from '../profiles/resolve.js';
import { assertProfileSchema } from '../profiles/detect.js';
import type { StagingDelivery } from '../destinations/types.js';
import { buildPlan, type FilePlan, type Plan } from './plan.js';
import type { WrittenFile } from './csv-writer.js';
import { FingerprintDb, RUN_FINGERPRINTS } from './fingerprints.js';
import { evaluateGuard } from './guard.js';
import { LeftOutRows } from './left-out.js';
import { ReadAhead } from './read-ahead.js';
import { InactiveRecords } from './inactive.js';
import { DeliveryJournal } from './publish-journal.js';
import { cleanupAfterDelivery, createRunFolder, keptFilesNote, withKeptFilesNote } from './retention.js';
import { FindingSink, RunFailure, type RunLog } from './findings.js';
import { RunStoppedError, stopReason } from './stop.js';
import { RunProgress } from './progress.js';
import { writeFile, type ValidationClock, type WriteContext } from './write-file.js';
import { deliverStaged, fileRecordOf, MANIFEST, mergeReceipt, openStaging, packageFiles, releaseSource } from './deliver.js';
import { FileWorker, fileWorkerModeFromEnv, offloadableFile, replayRecorded, type FileWorkerMode } from './file-worker.js';

/** Everything a run works on, resolved by the runner before it starts. */
export interface RunInputs {
  /** The opened data folder: the store (publish journal, ledger, destination state), run folders, secrets. */
  readonly ctx: AgentContext;
  /** The run's record, created by the runner (status `running`). */
  readonly runId: number;
  readonly trigger: RunTrigger;
  /** Build, validate and diff, but deliver nothing and keep no fingerprints (preview). */
  readonly dryRun: boolean;
  readonly destination: DestinationConfig;
  readonly source: SourceConfig;
  readonly format: FormatDef;
  readonly siteMap: readonly SiteMapEntry[];
  /** Custom SIS profiles as stored (src/profiles/resolve.ts). */
  readonly customProfiles: readonly unknown[];
  /** The last good delivery's fingerprints file: the diff's and the guard's basis, replaced after a delivery. */
  readonly previousFingerprints: string;
  /** Rows of the last good delivery: the basis of the progress ETA (null when there was none). */
  readonly expectedRows: number | null;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  /** Log lines and live progress, as they happen. */
  readonly onEvent?: (event: LiveEvent) => void;
  readonly now?: () => Date;
  /** Whether one file is written by a worker thread (file-worker.ts); ROSTERSYNC_FILE_WORKERS, else `auto`. */
  readonly fileWorkers?: FileWorkerMode;
}

export interface RunResult {
  readonly runId: number;
  readonly destination: string;
  readonly status: RunStatus;
  readonly message: string;
  readonly files: readonly RunFileRecord[];
  readonly diff: readonly FileDiff[];
  readonly errors: number;
  readonly warnings: number;
  readonly holdReasons: readonly string[];
  readonly outputDir: string;
  readonly findings: readonly Finding[];
  /** SIS school codes the destination's site map does not have, sorted. */
  readonly unmappedSchools: readonly string[];
  /** Set when the run stopped on its abort signal (RunStoppedError): why. Its message then begins "Stopped: <reason>.". */
  readonly stopReason?: string;
}

/** The event-log function of one run: every line is a `log` event (the runner records it in the run's history). */
export function runLog(runId: number, destination: string, options: RunOptions): RunLog {
  return (level, stage, message) => options.onEvent?.({ type: 'log', runId, destination, level, stage, message, at: new Date().toISOString() });
}

export async function runSync(inputs: RunInputs, options: RunOptions = {}): Promise<RunResult> {
  const { ctx, runId, destination, source, format, dryRun } = inputs;
  const { store } = ctx;
  const now = options.now ?? (() => new Date());
  // Owner-only (0700), inside the data folder's runs/: the only place a run writes student data.
  const { runDir, filesDir } = createRunFolder(ctx.layout.runsDir, runId);
  store.updateRun(runId, { outputDir: filesDir });
  const log = runLog(runId, destination.name, options);
  const progress = new RunProgress(runId, destination.name, inputs.expectedRows, (event) => options.onEvent?.(event));

  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = Math.round((timings[stage] ?? 0) + performance.now() - started);
    }
  };

  const sink = new FindingSink();
  let plan: Plan | undefined;
  let diff: FileDiff[] = [];
  let holdReasons: string[] = [];
  let fileRecords: RunFileRecord[] = [];
  let fingerprints: FingerprintDb | undefined;
  let staging: StagingDelivery | undefined;
  // ---- record (the end of every path) ---------------------------------------------------
  const finish = (status: RunStatus, message: string): RunResult => {
    progress.enter('record', null);
    sink.summarizeRepeats();
    store.addFindings(runId, sink.kept);
    store.setRunFiles(runId, fileRecords);
    // data rows: a zip counts the rows of the files inside it; the manifest is not data
    const rows = fileRecords.filter((f) => f.name !== MANIFEST).reduce((n, f) => n + f.rows, 0);
    store.updateRun(runId, { status, endedAt: now().toISOString(), errors: sink.errors, warnings: sink.warnings, rows, message, stageTimings: timings, holdReasons, diff });
    log(status === 'failed' ? 'error' : status === 'held' ? 'warn' : 'info', 'record', `Run ${status}: ${message}`);
    const unmappedSchools = plan ? [...plan.unmappedSchools].sort() : [];
    return { runId, destination: destination.name, status, message, files: fileRecords, diff, errors: sink.errors, warnings: sink.warnings, holdReasons, outputDir: filesDir, findings: sink.kept, unmappedSchools };
  };

  try {
    // ---- plan -------------------------------------------------------------------------------
    progress.enter('plan');
    const startedAt = now();
    plan = buildPlan({ format, destination, source, siteMap: inputs.siteMap, customProfiles: inputs.customProfiles, now: startedAt });
    plan.findings.forEach((f) => sink.add(f));
    if (format.inactive) log('info', 'plan', `Inactive records (${format.inactive.rule}): ${format.inactive.how}.`);
    if (sink.errors > 0) throw new RunFailure(`The mapping is incomplete: ${plan.findings[0]!.file} ${plan.findings[0]!.message}`, 'plan');

    // ---- source → map → validate → write (streamed, one file after the other) ---------------
    progress.enter('source');
    fingerprints = new FingerprintDb(join(runDir, RUN_FINGERPRINTS), inputs.previousFingerprints);
    const fp = fingerprints;
    const written: WrittenFile[] = [];
    /** Per file, keys of rows left out for errors (delta deliveries keep what the vendor has of them). */
    const withheld = new Map<string, Set<string>>();
    const journal = new DeliveryJournal(ctx, runId, destination, fp.path);
    staging = dryRun ? undefined : openStaging(ctx, destination, plan, options, log, journal);
    // A secret saved for another server (secrets/binding.ts) fails here, named like any connection failure.
    const { session, secrets } = await timed('connect', async () => {
      try {
        const secrets = loadSourceSecrets(ctx, source);
        const session: SourceSession = await getSourceDriver(source.type).open(source.settings, secrets);
        return { session, secrets };
      } catch (err) {
        throw new RunFailure(`Source ${source.name}: ${(err as Error).message}`, 'source');
      }
    });
    const clock: ValidationClock = { checks: 0, keys: 0 };
    const inactive = new InactiveRecords(format, new Set(plan.files.flatMap((f) => f.references.map((r) => r.targetFile))));
    const leftOut = new LeftOutRows();
    const rowsMapped = new Map<string, number>();
    const requests = plan.files.flatMap((f) => f.entities.map((e) => e.request));
    // Both cores: the largest file nothing refers to is written by a worker thread meanwhile (file-worker.ts).
    const offloaded = offloadableFile(plan, destination, (file) => fp.previousCount(file), options.fileWorkers ?? fileWorkerModeFromEnv());
    const reads = new ReadAhead(session, plan.files.flatMap((f, i) => (i === offloaded ? [] : f.entities.map((e) => e.request))), options.signal);
    let worker: FileWorker | undefined;
    try {
      // A missing export file or a refused query stops the run before a single row is read.
      await timed('connect', async () => {
        try {
          await checkProfileSchema(ctx, source, requests);
          // an export file still being written: the run's log (and the GUI's run page) says which one and why
          await session.preflight?.(requests, { signal: options.signal, onWaiting: (file, why) => log('info', 'extract', `Waiting for ${file}: ${why}.`) });
        } catch (err) {
          throw new RunFailure(`Source ${source.name}: ${(err as Error).message}`, 'source');
        }
      });
      if (offloaded !== undefined) {
        const referenced = new Set(plan.files[offloaded]!.references.map((r) => r.targetFile));
        worker = new FileWorker(
          {
            runId,
            destination,
            source,
            secrets,
            format,
            siteMap: inputs.siteMap,
            customProfiles: inputs.customProfiles,
            now: startedAt.toISOString(),
            fileIndex: offloaded,
            filesDir,
            fingerprintPath: join(runDir, `file-worker-${offloaded}.fp`),
            previousFingerprints: inputs.previousFingerprints,
            salt: fp.keySalt,
            deferredTargets: [...referenced],
          },
          options.signal,
          (rows) => {
            progress.rowsElsewhere = rows;
            progress.tick();
          },
        );
      }
      let firstRead = 0;
      for (const [index, file] of plan.files.entries()) {
        if (options.signal?.aborted) throw new RunStoppedError(stopReason(options.signal), 'write');
        const withheldKeys = new Set<string>();
        withheld.set(file.def.name, withheldKeys);
        progress.enter('write', file.def.name);
        const context = { reads, fp, destination, source, sink, leftOut, rowsMapped, inactive, dir: filesDir, log, clock, progress };
        let result: WrittenFile;
        if (index === offloaded) {
          const fromWorker = worker!;
          result = await timed('extract', async () => {
            const waitStarted = performance.now();
            const taken = await takeFromWorker(fromWorker, file, context, { plan: plan!, options });
            // How the two threads balanced: the worker's own time, and how long the main thread waited for it here.
            timings['extract.workerWait'] = Math.round(performance.now() - waitStarted);
            if (taken) {
              timings['extract.worker'] = taken.elapsedMs;
              return taken.written;
            }
            // Written again here, as without a worker: a fresh session (this one is reading ahead).
            const again = await getSourceDriver(source.type).open(source.settings, secrets);
            const readsAgain = new ReadAhead(again, file.entities.map((e) => e.request), options.signal);
            try {
              return await writeFile(file, 0, { ...context, reads: readsAgain }, withheldKeys);
            } finally {
              await readsAgain.close();
              await again.close().catch(() => undefined);
            }
          });
        } else {
          result = await timed('extract', () => writeFile(file, firstRead, context, withheldKeys));
          firstRead += file.entities.length;
        }
        progress.fileDone(result.rows);
        for (const line of inactive.lines(file.def.name)) log('info', 'inactive', line);
        fp.fileComplete(file.def.name);
        // Key filters of files no later file refers to are freed (memory stays flat with district size).
        const later = plan.files.slice(index + 1);
        for (const done of plan.files.slice(0, index + 1)) {
          if (!later.some((f) => f.references.some((r) => r.targetFile === done.def.name))) fp.releaseFilter(done.def.name);
        }
        if (result.rows === 0 && !file.def.alwaysPresent) {
          // Only files the vendor wants every time (FileDef.alwaysPresent) are delivered header-only.
          rmSync(result.path, { force: true });
          log('info', 'write', `${file.def.name}: no rows; left out of the delivery.`);
          continue;
        }
        written.push(result);
        // Uploaded to a temporary name while the next files are read; put in place only at delivery.
        void staging?.stage({ name: result.name, localPath: result.path, bytes: result.bytes, sha256: result.sha256, order: file.def.order }).then(
          () => progress.uploaded(result.bytes),
          () => undefined,
        );
        fileRecords.push(fileRecordOf(result));
        log('info', 'write', `${file.def.name}: ${result.rows} rows, ${result.bytes} bytes.`);
      }
    } finally {
      await worker?.dispose();
      await reads.close();
      await session.close().catch(() => undefined);
      // Parts of "extract" (sampled, see writeFile): column checks, and references + uniqueness + row fingerprints.
      timings['extract.checks'] = Math.round(clock.checks);
      timings['extract.keys'] = Math.round(clock.keys);
    }

    // ---- validate: across files, against the last good delivery, and the safety guard -------
    progress.enter('validate', null);
    // The worker thread writing the fingerprints catches up; duplicates are confirmed.
    await timed('fingerprints', () => {
      try {
        fp.finishWrites();
      } catch (err) {
        throw new RunFailure((err as Error).message, 'validate');
      }
    });
    await timed('validate', () => {
      sink.resolveOrigins((file, key) => fp.originOf(file, key));
      reportUnmappedSchools(plan!, destination, log);
    });

    const staged = await timed('package', () => packageFiles(plan!, destination, written, filesDir));
    fileRecords = staged.map(fileRecordOf);

    diff = await timed('diff', () => fp.diff(plan!.files.map((f) => f.def.name)));
    for (const d of diff) {
      log('info', 'diff', `${d.file}: ${d.current} records (${d.added} added, ${d.removed} removed, ${d.changed} changed since the last good delivery).`);
    }

    if (sink.errors > 0 && destination.onValidationError === 'block') {
      const first = sink.kept.find((f) => f.severity === 'error');
      throw new RunFailure(
        `${sink.errors} validation error(s); nothing was delivered. First: ${first ? `${first.file} row ${first.row} ${first.column} "${first.value}": ${first.message}` : ''}`,
        'validate',
      );
    }
    const overBudget = leftOut.overBudget(rowsMapped, destination.maxBadRowShare);
    if (overBudget.length) {
      throw new RunFailure(`Too many bad rows; nothing was delivered. ${overBudget.join(' ')} ${leftOut.summary()}`, 'validate');
    }
    const leftOutNote = leftOut.total ? ` ${leftOut.summary()}` : '';

    holdReasons = evaluateGuard(diff, destination.guard, fp.hasPrevious);
    if (destination.syncMode === 'delta') {
      for (const file of plan.files) {
        // Sent as deleted, a removed record is gone from the vendor; otherwise the vendor keeps it.
        if (file.deletions) fp.keepFromPrevious(file.def.name, withheld.get(file.def.name) ?? []);
        else fp.keepRemovedFromPrevious(file.def.name);
      }
    }

    if (dryRun) {
      fp.close();
      const status: RunStatus = holdReasons.length ? 'held' : sink.errors ? 'partial' : 'success';
      const result = finish(status, `Preview only: nothing delivered. ${holdReasons.length ? `Would be held: ${holdReasons.join(' ')}` : `${sink.errors} error(s), ${sink.warnings} warning(s).`}${leftOutNote}`);
      rmSync(fp.path, { force: true });
      return result;
    }

    if (holdReasons.length) {
      // Kept in the run folder: an approval makes them the last good delivery.
      fp.save();
      fp.close();
      await staging?.discard();
      for (const r of holdReasons) log('warn', 'guard', r);
      return finish('held', `Held for approval, nothing delivered: ${holdReasons.join(' ')} Approve with: rostersync approve ${runId}${homeArg(ctx.layout.home)}${leftOutNote}`);
    }

    // ---- deliver, all or nothing (publish journal) ------------------------------------------
    // A cancel that came while validating stops here: nothing of the set was put in place.
    if (options.signal?.aborted) throw new RunStoppedError(stopReason(options.signal), 'deliver');
    progress.enter('deliver', null);
    // Saved before anything is published: a publish rolled forward after a crash promotes them (publish-journal.ts).
    fp.save();
    journal.expect(fileRecords, sink.errors > 0 ? 'partial' : 'success');
    const receipt = await timed('deliver', () => deliverStaged(ctx, destination, staged, options, log, journal, staging));
    progress.uploaded(receipt.files.reduce((n, f) => n + f.bytes, 0));

    // ---- record ------------------------------------------------------------------------------
    await timed('record', () => {
      journal.published();
      fileRecords = mergeReceipt(fileRecords, receipt);
      fp.promoteTo(inputs.previousFingerprints);
      fingerprints = undefined;
      cleanupAfterDelivery(store, ctx.layout.runsDir, destination, runId, now());
    });
    const archiveProblem = await releaseSource(source, requests, now(), log);
    if (archiveProblem) sink.add(archiveProblem);
    const status: RunStatus = sink.errors > 0 || leftOut.total > 0 ? 'partial' : 'success';
    return finish(
      status,
      `${receipt.message}${sink.errors ? ` ${sink.errors} error(s).` : ''}${sink.warnings ? ` ${sink.warnings} warning(s).` : ''}${leftOutNote}${archiveProblem ? ` ${archiveProblem.message}` : ''}`,
    );
  } catch (err) {
    fingerprints?.close();
    // Nothing of a failed run stays on the server under a temporary name (a delivery that failed part-way cleaned up already).
    await staging?.discard();
    rmSync(join(runDir, RUN_FINGERPRINTS), { force: true });
    const stage = err instanceof RunFailure ? err.stage : 'run';
    const message = err instanceof Error ? err.message : String(err);
    log('error', stage, message);
    const result: RunResult = { ...finish('failed', message), ...(err instanceof RunStoppedError ? { stopReason: err.reason } : {}) };
    if (!existsSync(filesDir) || readdirSync(filesDir).length === 0) return result;
    const kept = withKeptFilesNote(result.message, keptFilesNote(store, ctx.layout.runsDir, runId, filesDir));
    store.updateRun(runId, { message: kept });
    return { ...result, message: kept };
  }
}

/**
 * The file a worker wrote, at its place in the plan: its findings, left-out rows and log lines go into
 * the run in the order the worker met them, its fingerprints are adopted, and the written file is
 * returned — when every reference it could not check while the main thread wrote the targets resolves
 * now (with the worker's own time). undefined: the main thread writes the file itself (file-worker.ts says when).
 */
async function takeFromWorker(
  worker: FileWorker,
  file: FilePlan,
  w: WriteContext,
  run: { readonly plan: Plan; readonly options: RunOptions },
): Promise<{ readonly written: WrittenFile; readonly elapsedMs: number } | undefined> {
  const name = file.def.name;
  const result = await worker.result;
  w.progress.rowsElsewhere = 0;
  if (run.options.signal?.aborted) throw new RunFailure(`Stopped: ${stopReason(run.options.signal)}.`, 'write');
  if (result.kind !== 'redo' && w.fp.deferredReferencesResolve(result.deferred)) {
    replayRecorded(result.recorded, w);
    if (result.kind === 'failed') throw new RunFailure(result.message, result.stage);
    const outcome = result.outcome;
    w.rowsMapped.set(name, outcome.rowsMapped);
    w.clock.checks += outcome.clock.checks;
    w.clock.keys += outcome.clock.keys;
    for (const school of outcome.unmappedSchools) run.plan.unmappedSchools.add(school);
    w.fp.adoptFile(name, result.fingerprintPath, outcome.diff);
    return { written: outcome.written, elapsedMs: outcome.elapsedMs };
  }
  const why = result.kind === 'redo' ? result.reason : 'a reference into a file written meanwhile did not resolve';
  w.log('info', 'write', `${name}: written on the main thread after all (${why}).`);
  return undefined;
}

/**
 * A source that reads any entity through its SIS profile must have every table and column the profile
 * expects: checked against the driver's schema listing before a row is read, so a missing one is named
 * (with the profile that expected it) instead of failing somewhere inside a query.
 */
async function checkProfileSchema(ctx: AgentContext, source: SourceConfig, requests: readonly EntityRequest[]): Promise<void> {
  const profile = profileOfSource(source, ctx.store.listCustomProfiles());
  if (!profile || requests.every((r) => source.entities[r.entity as Entity])) return;
  const tables = await getSourceDriver(source.type).discover(source.settings, loadSourceSecrets(ctx, source));
  assertProfileSchema(profile, tables, source.name);
}


function reportUnmappedSchools(plan: Plan, destination: DestinationConfig, log: RunLog): void {
  if (!plan.unmappedSchools.size) return;
  const codes = [...plan.unmappedSchools].sort().join(', ');
  log(
    destination.unmappedSchool === 'use-sis-code' ? 'warn' : 'error',
    'map',
    `School codes not in the site map of ${destination.name}: ${codes}.${destination.unmappedSchool === 'use-sis-code' ? ' Their SIS codes were sent as site IDs.' : ''}`,
  );
}
