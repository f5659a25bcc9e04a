/**
 * The whole sync, in one place:  source → map → validate → write → deliver → record.
 *
 * Rows stream from the source session through the compiled mapping and the checks straight into
 * the CSV writer; only counts, capped findings and row fingerprints (in a scratch SQLite file)
 * are kept. Nothing reaches the destination unless validation passed and the safety guard agreed.
 */
import { rmSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentContext } from '../home/context.js';
import { loadDestinationSecrets, loadSourceSecrets } from '../home/context.js';
import { homeArg } from '../home/layout.js';
import type { DestinationConfig, SourceConfig } from '../shared/config.schema.js';
import type { FileDiff, Finding, RunFileRecord, RunStatus, RunTrigger } from '../shared/run.js';
import { resolveFormat } from '../formats/format.schema.js';
import { getSourceDriver } from '../sources/registry.js';
import { profileOfSource } from '../profiles/resolve.js';
import { assertProfileSchema } from '../profiles/detect.js';
import type { Entity } from '../shared/format.js';
import { SourceDataError, type EntityRequest, type RowBatch, type SourceSession } from '../sources/types.js';
import { getDestinationDriver } from '../destinations/registry.js';
import type { DeliveryContext, DeliveryReceipt, StagedFile, StagingDelivery } from '../destinations/types.js';
import { buildPlan, type EntityPlan, type FieldGetter, type FilePlan, type Plan, type ReferencePlan } from './plan.js';
import type { TransformIssue } from './transforms.js';
import type { ValueProblem } from './value-rules.js';
import { CsvFileWriter, type WrittenFile } from './csv-writer.js';
import { FingerprintDb, fingerprintPath, heldRunFingerprints, promoteFingerprintFile, RUN_FINGERPRINTS } from './fingerprints.js';
import { evaluateGuard } from './guard.js';
import { writeOneRosterManifest, zipFiles } from './packaging.js';
import { writeDeletionRows } from './delta-deletions.js';
import { rowExpander } from './row-rules.js';
import { fieldAccess } from './field-access.js';
import { compileRowRole, referrerLabel, roleMismatchMessage, roleName, sharedIdMessage, type RowRole } from './reference-roles.js';
import { rewriteWithout, SameFileLinks } from './same-file-links.js';
import { LeftOutRows } from './left-out.js';
import { namespacedGetter } from './id-namespaces.js';
import type { KeyHash } from './key-filter.js';
import { ReadAhead } from './read-ahead.js';
import { RepeatedFindings } from './finding-repeats.js';
import { InactiveRecords } from './inactive.js';
import { blocks, missingFields } from './source-fields.js';
import { acquireDestinationLock } from '../scheduler/lock.js';
import { notifyRunFinished } from '../notify/notifier.js';
import { DeliveryJournal, previousSetOf, recoverDestination } from './publish-journal.js';
import { afterDelivery, createRunFolder, filesRetentionOf, sweepRunFiles } from './retention.js';
import { describeFilesRetention } from '../shared/retention.js';

export interface RunOptions {
  readonly trigger: RunTrigger;
  /** Build, validate and diff, but deliver nothing and keep no fingerprints (preview). */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  /** Live progress for a console or the GUI. */
  readonly onEvent?: (level: 'info' | 'warn' | 'error', stage: string, message: string) => void;
  readonly now?: () => Date;
}

/** A line for the run's event log (and the live progress of the console or GUI). */
type RunLog = (level: 'info' | 'warn' | 'error', stage: string, message: string) => void;

/**
 * A run's event log: each line goes to the run's record, the agent's log (the first line as
 * `run.started`, the last as `run.finished`, the rest as `run.stage`) and the live progress.
 */
function runLog(ctx: AgentContext, destination: string, runId: number, onEvent: RunOptions['onEvent']): (level: 'info' | 'warn' | 'error', stage: string, message: string, event?: string) => void {
  const agentLog = ctx.log.with({ destination, runId });
  return (level, stage, message, event = 'run.stage') => {
    ctx.store.addRunEvent(runId, level, stage, message);
    agentLog.log(level, event, message, { stage });
    onEvent?.(level, stage, message);
  };
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
}

/** Findings kept per run in the store; all are counted. */
const FINDINGS_KEPT = 5000;

/** Looks up where a person's key came from in the SIS (FingerprintDb.originOf, after the extract). */
type OriginLookup = (file: string, key: string) => string | undefined;

class FindingSink {
  errors = 0;
  warnings = 0;
  readonly kept: Finding[] = [];
  private readonly repeats = new RepeatedFindings();
  /** Findings that name a person's SIS origin, known only once the extract is written (fillOriginLater). */
  private readonly later = new Map<Finding, { file: string; key: string; fill: (origin: string | undefined, lookup: OriginLookup) => Partial<Finding> }>();
  add(f: Finding): void {
    if (f.severity === 'error') this.errors++;
    else this.warnings++;
    if (!this.repeats.admit(f)) return;
    if (this.kept.length < FINDINGS_KEPT) this.kept.push(f.value.length > FINDING_VALUE_KEPT ? { ...f, value: clipValue(f.value) } : f);
  }
  /** Adds one summary per value repeated on many rows (count and sample origins); call once, at the end. */
  summarizeRepeats(): void {
    this.kept.push(...this.repeats.summaries());
  }
  /** Completes a kept finding at the end of the extract from the SIS origin of `key` in `file` (a file of people). */
  fillOriginLater(f: Finding, file: string, key: string, fill: (origin: string | undefined, lookup: OriginLookup) => Partial<Finding>): void {
    if (this.kept.length <= FINDINGS_KEPT && this.kept[this.kept.length - 1] === f) this.later.set(f, { file, key, fill });
  }
  /** Completes the findings waiting for SIS origins, in place (the left-out report holds some of the same findings). */
  resolveOrigins(lookup: OriginLookup): void {
    for (const [finding, todo] of this.later) Object.assign(finding, todo.fill(lookup(todo.file, todo.key), lookup));
    this.later.clear();
  }
}

/** Characters of a value a finding keeps: enough to recognise it, never a giant field copied into the store. */
const FINDING_VALUE_KEPT = 200;

function clipValue(value: string): string {
  return `${value.slice(0, FINDING_VALUE_KEPT)}… (${value.length.toLocaleString('en-US')} characters)`;
}

function sourceDataFinding(file: string, error: SourceDataError): Finding {
  const { origin, column, value, rule } = error.where;
  return { severity: 'error', file, row: 0, column: column ?? '', value: value ?? '', rule, message: error.message, origin };
}

class RunFailure extends Error {
  constructor(
    message: string,
    readonly stage: string,
  ) {
    super(message);
  }
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

/**
 * Runs one sync while holding the destination's cross-process lock (src/scheduler/lock.ts), so the
 * agent, the CLI and the API never run the same destination at once. A second runner is refused
 * with DestinationBusyError before any run is recorded. Every finished run goes to the notifier
 * (src/notify/notifier.ts: mails per settings, never fails the run) — the one after-run hook.
 */
export async function runSync(ctx: AgentContext, destinationName: string, options: RunOptions): Promise<RunResult> {
  const lock = acquireDestinationLock(ctx.store, destinationName, { purpose: options.trigger });
  let result: RunResult;
  try {
    result = await runSyncLocked(ctx, destinationName, options);
  } finally {
    lock.release();
  }
  if (options.signal?.aborted && result.status === 'failed' && !result.message.startsWith('Stopped')) {
    // Cancelled mid-read or mid-upload: say so first, whatever the stage reported.
    const reason = options.signal.reason instanceof Error && options.signal.reason.name !== 'AbortError' ? options.signal.reason.message : 'cancelled';
    result = { ...result, message: `Stopped: ${reason}. ${result.message}` };
    ctx.store.updateRun(result.runId, { message: result.message });
  }
  await notifyRunFinished(ctx, result.runId, { dryRun: options.dryRun, now: options.now?.() });
  return result;
}

async function runSyncLocked(ctx: AgentContext, destinationName: string, options: RunOptions): Promise<RunResult> {
  const { store } = ctx;
  const now = options.now ?? (() => new Date());
  const destination = store.getDestination(destinationName);
  if (!destination) throw new Error(`No destination named "${destinationName}". Known: ${store.listDestinations().map((d) => d.name).join(', ') || 'none'}.`);

  const dryRun = options.dryRun ?? false;
  const runId = store.createRun(destination.name, options.trigger, dryRun);
  // Owner-only (0700), inside the data folder's runs/: the only place a run writes student data.
  const { runDir, filesDir } = createRunFolder(ctx.layout.runsDir, runId);
  store.updateRun(runId, { outputDir: filesDir });

  const timings: Record<string, number> = {};
  const log = runLog(ctx, destination.name, runId, options.onEvent);
  const timed = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = Math.round((timings[stage] ?? 0) + performance.now() - started);
    }
  };

  const sink = new FindingSink();
  let diff: FileDiff[] = [];
  let holdReasons: string[] = [];
  let fileRecords: RunFileRecord[] = [];
  let fingerprints: FingerprintDb | undefined;
  let staging: StagingDelivery | undefined;
  const finish = (status: RunStatus, message: string): RunResult => {
    sink.summarizeRepeats();
    store.addFindings(runId, sink.kept);
    store.setRunFiles(runId, fileRecords);
    // data rows: a zip counts the rows of the files inside it; the manifest is not data
    const rows = fileRecords.filter((f) => f.name !== MANIFEST).reduce((n, f) => n + f.rows, 0);
    store.updateRun(runId, {
      status,
      endedAt: now().toISOString(),
      errors: sink.errors,
      warnings: sink.warnings,
      rows,
      message,
      stageTimings: timings,
      holdReasons,
      diff,
    });
    log(status === 'failed' ? 'error' : status === 'held' ? 'warn' : 'info', 'record', `Run ${status}: ${message}`, 'run.finished');
    return { runId, destination: destination.name, status, message, files: fileRecords, diff, errors: sink.errors, warnings: sink.warnings, holdReasons, outputDir: filesDir, findings: sink.kept };
  };

  try {
    log('info', 'plan', `${dryRun ? 'Preview' : 'Run'} of ${destination.name} started (${options.trigger}).`, 'run.started');
    // A publish of this destination that a dead process left half-done is settled before anything new is written.
    await recoverDestination(ctx, destination.name, (level, message) => log(level, 'recover', message));
    const source = store.getSource(destination.source);
    if (!source) throw new RunFailure(`Destination ${destination.name} reads source "${destination.source}", which does not exist.`, 'plan');
    const format = resolveFormat(destination.format, store.listCustomFormats());
    const plan = buildPlan({ format, destination, source, siteMap: store.getSiteMap(destination.name), customProfiles: store.listCustomProfiles(), now: now() });
    plan.findings.forEach((f) => sink.add(f));
    if (format.inactive) log('info', 'plan', `Inactive records (${format.inactive.rule}): ${format.inactive.how}.`);
    if (sink.errors > 0) {
      throw new RunFailure(`The mapping is incomplete: ${plan.findings[0]!.file} ${plan.findings[0]!.message}`, 'plan');
    }

    // ---- source → map → validate → write (streamed) -------------------------------------
    const driver = getSourceDriver(source.type);
    const previousPath = fingerprintPath(ctx.layout.fingerprintsDir, destination.name);
    fingerprints = new FingerprintDb(join(runDir, RUN_FINGERPRINTS), previousPath);
    const fp = fingerprints;
    const written: WrittenFile[] = [];
    /** Per file, keys of rows left out for errors (delta deliveries keep what the vendor has of them). */
    const withheld = new Map<string, Set<string>>();
    const journal = new DeliveryJournal(ctx, runId, destination, fp.path);
    staging = dryRun ? undefined : openStaging(ctx, destination, plan, options, log, journal);
    const session: SourceSession = await timed('connect', async () => {
      try {
        return await driver.open(source.settings, loadSourceSecrets(ctx, source));
      } catch (err) {
        throw new RunFailure(`Source ${source.name}: ${(err as Error).message}`, 'source');
      }
    });
    const clock: ValidationClock = { checks: 0, keys: 0 };
    const inactive = new InactiveRecords(format, new Set(plan.files.flatMap((f) => f.references.map((r) => r.targetFile))));
    const leftOut = new LeftOutRows();
    const rowsMapped = new Map<string, number>();
    const requests = plan.files.flatMap((f) => f.entities.map((e) => e.request));
    const reads = new ReadAhead(session, requests, options.signal);
    try {
      // A missing export file or a refused query stops the run before a single row is read.
      await timed('connect', async () => {
        try {
          await checkProfileSchema(ctx, source, requests);
          // an export file still being written: the run's log (and the GUI's run page) says which one and why
          await session.preflight?.(requests, { signal: options.signal, onWaiting: (file, why) => log('info', 'extract', `Waiting for ${file}: ${why}.`, 'run.waiting') });
        } catch (err) {
          throw new RunFailure(`Source ${source.name}: ${(err as Error).message}`, 'source');
        }
      });
      let firstRead = 0;
      for (const [index, file] of plan.files.entries()) {
        if (options.signal?.aborted) throw new RunFailure('Stopped: the agent is shutting down.', 'write');
        const withheldKeys = new Set<string>();
        withheld.set(file.def.name, withheldKeys);
        const result = await timed('extract', () => writeFile(file, firstRead, { reads, fp, destination, source, sink, leftOut, rowsMapped, inactive, dir: filesDir, log, clock }, withheldKeys));
        for (const line of inactive.lines(file.def.name)) log('info', 'inactive', line);
        firstRead += file.entities.length;
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
        void staging?.stage({ name: result.name, localPath: result.path, bytes: result.bytes, sha256: result.sha256, order: file.def.order });
        fileRecords.push(fileRecordOf(result));
        log('info', 'write', `${file.def.name}: ${result.rows} rows, ${result.bytes} bytes.`);
      }
    } finally {
      await reads.close();
      await session.close().catch(() => undefined);
      // Parts of "extract" (sampled, see writeFile): column checks, and references + uniqueness + row fingerprints.
      timings['extract.checks'] = Math.round(clock.checks);
      timings['extract.keys'] = Math.round(clock.keys);
    }

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
      reportUnmappedSchools(plan, destination, log);
    });

    const staged = await timed('package', () => packageFiles(plan, destination, written, filesDir));
    fileRecords = staged.map(fileRecordOf);

    diff = await timed('diff', () => fp.diff(plan.files.map((f) => f.def.name)));
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

    // ---- deliver → record -------------------------------------------------------------
    // Saved before anything is published: a publish rolled forward after a crash promotes them (publish-journal.ts).
    fp.save();
    journal.expect(fileRecords, sink.errors > 0 ? 'partial' : 'success');
    const receipt = await timed('deliver', () => deliverStaged(ctx, destination, staged, options, log, journal, staging));
    await timed('record', () => {
      journal.published();
      fileRecords = mergeReceipt(fileRecords, receipt);
      fp.promoteTo(previousPath);
      fingerprints = undefined;
      cleanupAfterDelivery(ctx, destination, runId, now());
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
    const result = finish('failed', message);
    return existsSync(filesDir) && readdirSync(filesDir).length > 0 ? withRetentionNote(ctx, result, filesDir) : result;
  }
}

/** Time spent validating inside "extract", estimated from every 8th row (a clock read per row would cost more than it measures). */
interface ValidationClock {
  checks: number;
  keys: number;
}

/** What writeFile needs besides the file: the run's shared state. */
interface WriteContext {
  readonly reads: ReadAhead;
  readonly fp: FingerprintDb;
  readonly destination: DestinationConfig;
  readonly source: SourceConfig;
  readonly sink: FindingSink;
  readonly leftOut: LeftOutRows;
  /** Rows mapped per file (delivered or left out): the error budget's denominator. */
  readonly rowsMapped: Map<string, number>;
  readonly dir: string;
  readonly log: RunLog;
  readonly clock: ValidationClock;
  /** The format's inactive rule: records dropped as inactive, and their dependants (inactive-records.ts). */
  readonly inactive: InactiveRecords;
}

/**
 * Writes one generated file from its entities' reads (`reads` numbers them from `firstRead`, in the
 * plan's order). `withheld` collects the keys of rows left out (a delta delivery does not delete them).
 */
async function writeFile(file: FilePlan, firstRead: number, w: WriteContext, withheld: Set<string>): Promise<WrittenFile> {
  const { reads, fp, destination, sink, dir, log, clock, inactive } = w;
  const name = file.def.name;
  let rowsChecked = 0;
  let rowsSampled = 0;
  let sampledChecks = 0;
  let sampledKeys = 0;
  let t0 = 0;
  const personal = file.columns.filter((c) => c.def.personal).map((c) => c.header);
  const writer = new CsvFileWriter(name, join(dir, name), file.columns.map((c) => c.header), file.dialect, { neutraliseFormulas: destination.neutraliseFormulas, counted: personal });
  const skipBadRows = destination.onValidationError === 'skip-rows';
  const delta = destination.syncMode === 'delta';
  const issues: TransformIssue[] = [];
  const problems: ValueProblem[] = [];
  const width = file.columns.length;
  const keyIndexes = file.keyIndexes;
  const recordKeyIndexes = file.recordKeyIndexes;
  const keyColumns = keyIndexes.map((i) => file.columns[i]!.def.name);
  const keyLabel = keyColumns.join('+');
  const columnNames = file.columns.map((c) => c.def.name);
  const people = file.def.personRoles !== undefined;
  /** Links inside this file, resolved when it is complete (same-file-links.ts). */
  const links = file.references.some((r) => r.targetFile === name) ? new SameFileLinks() : undefined;
  /** The current row's links, committed once the row is written. */
  const rowLinks: { target: KeyHash; expected: number; column: number }[] = [];
  /** The current row's output values (the writer encodes them at once and keeps no reference). */
  const values = new Array<string>(width).fill('');
  const volatile = file.volatileColumns;
  /** The values as fingerprinted (volatile columns blank). */
  const hashed = new Array<string>(width).fill('');
  /** Columns whose transform rejected the current row's value, ascending (the first `rejected` entries). */
  const transformRejected = new Int32Array(width);
  let outRow = 0;
  let mapped = 0;

  // The row being mapped: where it came from (built only for a finding), its row number in the file, its errors.
  let batch: RowBatch | undefined;
  let batchIndex = 0;
  let rowNumber = 0;
  let rowErrors = 0;
  /** The current row's first error: the rule it is left out for, and the reason its dependants quote. */
  let firstError: Finding | undefined;
  /** Per entity: the current row's person role, and the role each reference expects. */
  let rowRole: RowRole = () => 0;
  let expectedRoles: RowRole[] = [];
  const origin = (): string | undefined => batch?.origin(batchIndex);
  const report = (severity: 'error' | 'warning', column: string, value: string, rule: string, message: string): Finding => {
    const finding: Finding = { severity, file: name, row: rowNumber, column, value, rule, message, origin: origin() };
    if (severity === 'error') {
      rowErrors++;
      firstError ??= finding;
    }
    sink.add(finding);
    return finding;
  };
  /** A reference to a person of the wrong role; the target's SIS origin is filled in at the end of the extract. */
  const reportRole = (ref: ReferencePlan, key: string, actual: number, expected: number): void => {
    const referrer = referrerLabel(name, ref.column, ref.targetFile, roleName(expected)!);
    const build = (targetOrigin?: string): string => roleMismatchMessage(referrer, key, roleName(actual)!, targetOrigin, roleName(expected)!);
    const finding = report('error', ref.column, key, 'role', build());
    sink.fillOriginLater(finding, ref.targetFile, key, (o) => ({ message: build(o) }));
  };

  /** Columns whose source fields the query or export file does not have (source-fields.ts): warned once, or the run stops. */
  const reportMissingFields = (entity: EntityPlan, has: (field: string) => boolean): void => {
    const missing = missingFields(entity.fieldNeeds, has, { entity: entity.entity, file: name });
    const required = missing.filter((m) => blocks(m.need));
    if (required.length) throw new RunFailure(`${name}: ${required.map((m) => m.message).join('; ')}.`, 'plan');
    for (const m of missing) {
      sink.add({ severity: 'warning', file: name, row: 0, column: m.need.column, value: '', rule: 'missing-source-field', message: m.message, origin: `${entity.entity} rows` });
    }
  };

  const checkReference = (ref: ReferencePlan, refIndex: number, key: string): void => {
    const expected = expectedRoles[refIndex]!(values);
    const role = fp.roleOf(ref.targetFile, key);
    if (role > 0 && expected > 0 && role !== expected) {
      reportRole(ref, key, role, expected);
      return;
    }
    if (ref.targetFile === name) {
      // Same file: checked again, with everything that depends on it, once the file is complete.
      rowLinks.push({ target: fp.keyHash(key), expected, column: ref.columnIndex });
      return;
    }
    if (role >= 0) return;
    const why = fp.leftOutReason(ref.targetFile, key);
    if (why !== undefined) {
      report(ref.severity, ref.column, key, 'left-out', leftOutBecause(ref.targetFile, key, expected, why));
    } else {
      report(ref.severity, ref.column, key, 'reference', `${key} is not a ${ref.targetFile} record in this delivery.`);
    }
  };

  const keyOf = (row: readonly string[]): string => (keyIndexes.length === 1 ? row[keyIndexes[0]!]! : keyIndexes.map((i) => row[i]).join('\u001f'));
  /** The key references to this file name (with FileDef.repeats, the record's key without the repeated columns). */
  const recordKeyOf = (row: readonly string[]): string =>
    recordKeyIndexes ? (recordKeyIndexes.length === 1 ? row[recordKeyIndexes[0]!]! : recordKeyIndexes.map((i) => row[i]).join('\u001f')) : keyOf(row);
  const scratchIssues: TransformIssue[] = [];
  /**
   * The inactive rule's cascade: a row whose reference points at a record dropped as inactive is dropped
   * too (its issues already reported for it are moot: nothing of it is delivered); in a multi-valued
   * reference only the dropped parts go, and the row only when none is left.
   */
  const dependsOnDropped = (): boolean => {
    for (const ref of file.references) {
      if (!inactive.anyDropped(ref.targetFile)) continue;
      const value = values[ref.columnIndex]!;
      if (!value) continue;
      if (ref.separator && value.includes(ref.separator)) {
        const parts = value.split(ref.separator);
        const kept = parts.filter((p) => !inactive.isDropped(ref.targetFile, p));
        if (kept.length === parts.length) continue;
        if (kept.length) {
          values[ref.columnIndex] = kept.join(ref.separator);
          continue;
        }
      } else if (!inactive.isDropped(ref.targetFile, value)) {
        continue;
      }
      inactive.dependant(name, recordKeyOf(values), ref.targetFile);
      return true;
    }
    return false;
  };

  /** Leaves the current row out: counted for the budget and the report, its key marked so dependants say why. */
  const leaveOut = (key: string, error: Finding): void => {
    w.leftOut.add(error);
    if (key && fp.roleOf(name, key) < 0) fp.markLeftOut(name, key, `${error.column} "${error.value}": ${error.message}`);
  };

  /** map → validate → fingerprint → write, for one source row (after filters and row expansion). */
  const mapRow = (entity: EntityPlan, get: FieldGetter): void => {
    const sample = (rowsChecked++ & 7) === 0;
    if (sample) rowsSampled++;
    rowNumber = outRow + 1;
    rowErrors = 0;
    firstError = undefined;
    rowLinks.length = 0;
    if (entity.inactive?.isInactive(get)) {
      if (entity.inactive.rule === 'drop') {
        // Left out whole: its values are not checked (nothing about it is delivered).
        for (const i of keyIndexes) values[i] = entity.columns[i]!(get, scratchIssues);
        scratchIssues.length = 0;
        inactive.inactive(name, entity.entity, recordKeyOf(values), 'drop');
        return;
      }
      inactive.inactive(name, entity.entity, '', 'mark');
    }
    let rejected = 0;
    for (let i = 0; i < width; i++) {
      values[i] = entity.columns[i]!(get, issues);
      if (issues.length) {
        for (const issue of issues) {
          report(issue.severity, file.columns[i]!.header, issue.value, issue.rule, issue.message);
          if (issue.severity === 'error' && (rejected === 0 || transformRejected[rejected - 1] !== i)) transformRejected[rejected++] = i;
        }
        issues.length = 0;
      }
    }
    if (dependsOnDropped()) return;
    // Rows the inactive rule drops are not delivered by design: the error budget counts the others.
    mapped++;
    if (sample) t0 = performance.now();
    for (let i = 0, r = 0; i < width; i++) {
      // A value its transform already rejected (unknown grade, unmapped school) is reported once, not again by the column rules.
      if (r < rejected && transformRejected[r] === i) {
        r++;
        continue;
      }
      const column = file.columns[i]!;
      column.check(values[i]!, problems);
      if (problems.length) {
        for (const p of problems) report(p.severity, column.header, values[i]!, p.rule, p.message);
        problems.length = 0;
      }
    }
    if (sample) sampledChecks += performance.now() - t0;

    if (sample) t0 = performance.now();
    for (const [refIndex, ref] of file.references.entries()) {
      const value = values[ref.columnIndex]!;
      if (!value) continue;
      if (ref.separator && value.includes(ref.separator)) {
        for (const part of value.split(ref.separator)) if (part) checkReference(ref, refIndex, part);
      } else {
        checkReference(ref, refIndex, value);
      }
    }
    for (const check of file.rowChecks) check(name, values, rowNumber, fp, report);

    const key = keyOf(values);
    // A file of repeated rows (FileDef.repeats): the record the row belongs to, which references name.
    const recordKey = recordKeyIndexes ? recordKeyOf(values) : undefined;
    if (rowErrors > 0 && skipBadRows) {
      leaveOut(recordKey ?? key, firstError!);
      if (file.deletions && key) withheld.add(key);
      return;
    }
    // Columns filled from the run's clock are left out of the fingerprint.
    let fingerprinted: readonly string[] = values;
    if (volatile.length) {
      for (let i = 0; i < width; i++) hashed[i] = values[i]!;
      for (const i of volatile) hashed[i] = '';
      fingerprinted = hashed;
    }
    const role = people ? rowRole(values) : 0;
    const person = people ? { role, origin: origin() ?? '' } : undefined;
    if (key && !fp.addKey(name, key, fingerprinted, { recordKey, person })) {
      const first = people ? fp.roleOf(name, recordKey ?? key) : 0;
      const shown = key.split('\u001f').join('+');
      if (first > 0 && role > 0 && first !== role) {
        const build = (firstOrigin?: string): string => sharedIdMessage(shown, roleName(first)!, firstOrigin, roleName(role)!, name, w.source.name);
        const finding = report('error', keyLabel, shown, 'shared-id', build());
        sink.fillOriginLater(finding, name, key, (o) => ({ message: build(o) }));
      } else {
        report('error', keyLabel, shown, 'unique', `${keyColumns.join(' + ')} must be unique; this value appears earlier in ${name}.`);
      }
      if (skipBadRows) {
        // The key stays delivered (the first row): not marked left out.
        w.leftOut.add(firstError!);
        return;
      }
    }
    if (sample) sampledKeys += performance.now() - t0;
    if (delta) {
      if (fp.unchangedSincePrevious(name, key, fingerprinted)) return;
    }
    // Links of the rows written (numbered as written) are checked again when the file is complete.
    if (links && key) for (const link of rowLinks) links.add(rowNumber, fp.keyHash(recordKey ?? key), link.target, link.expected, link.column);
    outRow++;
    writer.add(values);
  };

  try {
    for (const [entityIndex, entity] of file.entities.entries()) {
      const access = fieldAccess();
      const get = namespacedGetter(entity.entity, w.source.idNamespaces, access.get);
      rowRole = compileRowRole(file.def.personRoles, entity.entity, columnNames);
      expectedRoles = file.references.map((r) => compileRowRole(r.expectRole, entity.entity, columnNames));
      const expand = entity.rowPer ? rowExpander(entity.rowPer) : undefined;
      const filtered = (): boolean => entity.filters.length > 0 && !entity.filters.every((f) => f.values.has(access.get(f.field) ?? ''));
      let read = 0;
      for await (const sourced of reads.read(firstRead + entityIndex)) {
        batch = sourced;
        const rows = sourced.rows;
        if (read === 0 && rows.length) {
          access.set(rows[0]!);
          reportMissingFields(entity, access.has);
        }
        read += rows.length;
        for (batchIndex = 0; batchIndex < rows.length; batchIndex++) {
          if (expand) {
            for (const row of expand(rows[batchIndex]!)) {
              access.set(row);
              if (!filtered()) mapRow(entity, get);
            }
          } else {
            access.set(rows[batchIndex]!);
            if (!filtered()) mapRow(entity, get);
          }
        }
        await writer.ready();
      }
      batch = undefined;
      log('info', 'source', `${name}: read ${read} ${entity.entity} rows.`);
    }
    const deleted = await writeDeletionRows(file, fp, writer, withheld);
    if (deleted) log('info', 'write', `${name}: ${deleted} record(s) removed since the last delivery sent as ${file.deletions!.status}.`);
    if (rowsSampled) {
      clock.checks += (sampledChecks * rowsChecked) / rowsSampled;
      clock.keys += (sampledKeys * rowsChecked) / rowsSampled;
    }
    w.rowsMapped.set(name, mapped);
    let written = await writer.finish();
    if (links?.size) written = await leaveOutBrokenLinks(file, written, links, w, withheld);
    const skipped = w.leftOut.count(name);
    if (skipped) log('warn', 'validate', `${name}: ${skipped} row(s) with errors left out.`);
    return written;
  } catch (err) {
    await writer.abort();
    if (err instanceof RunFailure) throw err;
    // Bad bytes or a giant field in the SIS data: a finding at its place besides the failed run.
    if (err instanceof SourceDataError) sink.add(sourceDataFinding(name, err));
    throw new RunFailure(`${name}: ${(err as Error).message}`, 'source');
  }
}

const sameHash = (x: KeyHash, y: KeyHash): boolean => x.a === y.a && x.b === y.b;

/** "left out because teacher 1011 was left out: …" */
function leftOutBecause(targetFile: string, key: string, expected: number, why: string): string {
  const what = roleName(expected) ?? `${targetFile} record`;
  return `left out because ${what} ${key} was left out${why ? `: ${why}` : ''}`;
}

/**
 * A complete file with links inside it (same-file-links.ts): the rows whose links fail — directly or
 * because the row they point at goes — are reported and, with skip-rows, the file is written again
 * without them (in block mode nothing is delivered anyway). Their keys leave the delivery, so later
 * files referring to them are left out in turn.
 */
async function leaveOutBrokenLinks(file: FilePlan, written: WrittenFile, links: SameFileLinks, w: WriteContext, withheld: Set<string>): Promise<WrittenFile> {
  const name = file.def.name;
  const { fp, sink } = w;
  const broken = links.resolve({ roleOf: (h) => fp.roleOfHash(name, h), remove: (h) => fp.removeKeyHash(name, h) });
  if (!broken.size) return written;
  const dropped: { row: number; key: string; values: readonly string[] }[] = [];
  const rewritten = await rewriteWithout(written, file.columns.map((c) => c.header), file.dialect, new Set(broken.keys()), (row, values) => {
    const key = file.keyIndexes.map((i) => values[i] ?? '').join('\u001f');
    dropped.push({ row, key, values });
    if (file.deletions) withheld.add(key);
  });
  const byKey = new Map(dropped.map((d) => [d.key, d]));
  const reasons = new Map<string, string>();
  // Why a row went, for the rows that pointed at it (a chain is followed to its first broken link).
  const reasonOf = (d: (typeof dropped)[number], depth = 0): { rule: string; column: string; value: string; message: string } => {
    const failure = broken.get(d.row)!;
    const ref = file.references.find((r) => r.columnIndex === failure.column)!;
    const cell = d.values[failure.column] ?? '';
    const parts = ref.separator ? cell.split(ref.separator) : [cell];
    const target = parts.find((p) => p && sameHash(fp.keyHash(p), failure.target)) ?? cell;
    const header = file.columns[failure.column]!.header;
    if (failure.cause === 'role') {
      const referrer = referrerLabel(name, ref.column, name, roleName(failure.expectedRole)!);
      return { rule: 'role', column: header, value: target, message: roleMismatchMessage(referrer, target, roleName(failure.actualRole)!, undefined, roleName(failure.expectedRole)!) };
    }
    const upstream = byKey.get(target);
    if (upstream && depth < 50) {
      const why = reasons.get(target) ?? reasonOf(upstream, depth + 1).message;
      return { rule: 'left-out', column: header, value: target, message: leftOutBecause(name, target, failure.expectedRole, why) };
    }
    const earlier = fp.leftOutReason(name, target);
    if (earlier !== undefined) return { rule: 'left-out', column: header, value: target, message: leftOutBecause(name, target, failure.expectedRole, earlier) };
    return { rule: 'reference', column: header, value: target, message: `${target} is not a ${name} record in this delivery.` };
  };
  for (const d of dropped) {
    const reason = reasonOf(d);
    reasons.set(d.key, reason.message);
    const finding: Finding = { severity: 'error', file: name, row: d.row, column: reason.column, value: reason.value, rule: reason.rule, message: reason.message };
    sink.add(finding);
    const failure = broken.get(d.row)!;
    const targetKey = reason.value;
    // The row's own SIS origin, and for a wrong role the target's, come from the origins table at the end.
    sink.fillOriginLater(finding, name, d.key, (o, lookup) => ({
      origin: o,
      message:
        failure.cause === 'role'
          ? roleMismatchMessage(referrerLabel(name, reason.column, name, roleName(failure.expectedRole)!), targetKey, roleName(failure.actualRole)!, lookup(name, targetKey), roleName(failure.expectedRole)!)
          : reason.message,
    }));
    w.leftOut.add(finding);
  }
  fp.dropWrittenKeys(
    name,
    dropped.map((d) => ({ key: d.key, reason: reasons.get(d.key) ?? '' })),
  );
  return rewritten;
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

interface StagedWritten extends WrittenFile {
  readonly order: number;
  readonly marker?: boolean;
}

/** OneRoster's manifest tells a reader the set is complete: it is published last (destinations/types.ts StagedFile.marker). */
const MANIFEST = 'manifest.csv';

function stagedOf(records: readonly RunFileRecord[], dir: string): StagedWritten[] {
  return records.map((r, i) => ({ name: r.name, path: join(dir, r.name), rows: r.rows, bytes: r.bytes, sha256: r.sha256, order: i, marker: r.name === MANIFEST, filled: r.personalCounts ?? {} }));
}

async function packageFiles(plan: Plan, destination: DestinationConfig, written: readonly WrittenFile[], dir: string): Promise<StagedWritten[]> {
  const order = new Map(plan.files.map((f) => [f.def.name, f.def.order]));
  let files: StagedWritten[] = written.map((w) => ({ ...w, order: order.get(w.name) ?? 0 }));
  const packaging = plan.format.packaging;
  if (packaging?.oneRosterManifest) {
    const systemName = String(destination.formatOptions.systemName ?? plan.format.options?.find((o) => o.id === 'systemName')?.default ?? 'RosterSync');
    const manifest = writeOneRosterManifest(dir, written, systemName, destination.syncMode === 'delta' ? 'delta' : 'bulk');
    files = [{ ...manifest, order: 0, marker: manifest.name === MANIFEST }, ...files];
  }
  if (zipWanted(plan, destination) && packaging?.zip) {
    const zip = await zipFiles(dir, packaging.zip, files);
    for (const f of files) rmSync(f.path, { force: true });
    return [{ ...zip, order: 0 }];
  }
  return files;
}

/** The format packs the files into one zip for this destination (option `zip`, or always when it has no such option). */
function zipWanted(plan: Plan, destination: DestinationConfig): boolean {
  if (!plan.format.packaging?.zip) return false;
  const zipOption = plan.format.options?.find((o) => o.id === 'zip');
  return zipOption ? (destination.formatOptions.zip ?? zipOption.default) === true : true;
}

/** A generated file's record: its personal-data columns are those that held a value in at least one row (the ledger never overstates what went out). */
function fileRecordOf(file: WrittenFile): RunFileRecord {
  const personalCounts = Object.fromEntries(Object.entries(file.filled).filter(([, n]) => n > 0));
  return { name: file.name, rows: file.rows, bytes: file.bytes, sha256: file.sha256, personalColumns: Object.keys(personalCounts), personalCounts };
}

function deliveryContext(ctx: AgentContext, destination: DestinationConfig, options: Omit<RunOptions, 'trigger'>, log: RunLog, journal: DeliveryJournal): DeliveryContext {
  return {
    destinationName: destination.name,
    signal: options.signal,
    now: options.now?.() ?? new Date(),
    log: (level, message) => log(level, 'deliver', message),
    remember: (key, value) => ctx.store.setDestinationState(destination.name, key, value),
    previousSet: previousSetOf(ctx, destination.name),
    journal,
  };
}

/**
 * Upload while reading, when the destination offers it (SFTP's uploadWhileReading) and the files are
 * delivered as written (a zip is built only at the end). A destination that cannot stage (its
 * settings are wrong) is left to report that at delivery.
 */
function openStaging(ctx: AgentContext, destination: DestinationConfig, plan: Plan, options: RunOptions, log: RunLog, journal: DeliveryJournal): StagingDelivery | undefined {
  const driver = getDestinationDriver(destination.type);
  if (!driver.openStaging || zipWanted(plan, destination)) return undefined;
  try {
    return driver.openStaging(destination.settings, loadDestinationSecrets(ctx, destination), deliveryContext(ctx, destination, options, log, journal));
  } catch {
    return undefined;
  }
}

async function deliverStaged(
  ctx: AgentContext,
  destination: DestinationConfig,
  staged: readonly StagedWritten[],
  options: RunOptions,
  log: RunLog,
  journal: DeliveryJournal,
  staging?: StagingDelivery,
): Promise<DeliveryReceipt> {
  const driver = getDestinationDriver(destination.type);
  const files: StagedFile[] = staged.map((f) => ({ name: f.name, localPath: f.path, bytes: f.bytes, sha256: f.sha256, order: f.order, marker: f.marker }));
  log('info', 'deliver', `Delivering ${files.length} file(s) to ${destination.name} (${driver.displayName}).`);
  try {
    if (staging) return await staging.publish(files);
    return await driver.deliver(destination.settings, loadDestinationSecrets(ctx, destination), files, deliveryContext(ctx, destination, options, log, journal));
  } catch (err) {
    // Renames that stopped part-way are finished (or undone) now, while the files are at hand.
    const settled = await journal.settleFailure((level, message) => log(level, 'recover', message));
    if (settled?.outcome === 'rolled-forward') return journal.receipt(settled.message);
    const after = settled ? ` ${settled.message}` : journal.isOpen ? ' The publish could not be settled: the next start or run finishes or undoes it, and until then no complete set is visible.' : '';
    throw new RunFailure(`Delivery to ${destination.name} failed: ${(err as Error).message}${after}`, 'deliver');
  }
}

function mergeReceipt(records: readonly RunFileRecord[], receipt: DeliveryReceipt): RunFileRecord[] {
  return records.map((r) => {
    const d = receipt.files.find((f) => f.name === r.name);
    return d ? { ...r, remotePath: d.remotePath, deliveredBytes: d.bytes, durationMs: d.durationMs, attempts: d.attempts } : r;
  });
}

/** After a delivery: the source lets go of what it read (an export folder archives its files). Never fails the run. */
/**
 * After a delivery the source may archive what it read. A failure there does not undo the delivery
 * but is not silent either: it is returned as a warning finding for the run (and logged).
 */
async function releaseSource(
  source: SourceConfig,
  requests: readonly EntityRequest[],
  now: Date,
  log: RunLog,
): Promise<Finding | undefined> {
  const driver = getSourceDriver(source.type);
  if (!driver.afterDelivery) return undefined;
  try {
    const note = await driver.afterDelivery(source.settings, requests, now);
    if (note) log('info', 'source', note);
    return undefined;
  } catch (err) {
    const message = `Delivered, but the source's files could not be archived: ${(err as Error).message} The next run may read the same files again.`;
    log('warn', 'source', message);
    return { severity: 'warning', file: source.name, row: 0, column: '', value: '', rule: 'archive', message };
  }
}

/** Generated files are not kept longer than needed: deleted after delivery unless the destination keeps them N days; other runs' expired files go too (retention.ts). */
function cleanupAfterDelivery(ctx: AgentContext, destination: DestinationConfig, runId: number, now: Date): void {
  afterDelivery(ctx.store, ctx.layout.runsDir, runId, destination);
  sweepRunFiles(ctx.store, ctx.layout.runsDir, now);
}

/** A run that delivered nothing says where its files are and until when they are kept (retention.ts). */
function withRetentionNote(ctx: AgentContext, result: RunResult, filesDir: string): RunResult {
  const run = ctx.store.getRun(result.runId);
  const retention = run ? filesRetentionOf(ctx.store, ctx.layout.runsDir, run, []) : undefined;
  const until = retention?.state === 'kept' ? ` until ${retention.deleteAt.replace('T', ' ').slice(0, 16)} UTC (${retention.setting} ${retention.limitDays})` : '';
  const message = `${result.message}${/[.!?]$/.test(result.message) ? '' : '.'} Generated files are kept in ${filesDir}${until}.`;
  ctx.store.updateRun(result.runId, { message });
  return { ...result, message };
}

/** Delivers exactly the files a held run produced, once an admin approved them (holding the destination's lock). */
export async function approveHeldRun(ctx: AgentContext, runId: number, options: Omit<RunOptions, 'trigger' | 'dryRun'> = {}): Promise<RunResult> {
  const held = ctx.store.getRun(runId);
  if (!held) throw new Error(`No run ${runId}.`);
  const lock = acquireDestinationLock(ctx.store, held.destination, { purpose: 'approval' });
  let result: RunResult;
  try {
    result = await approveHeldRunLocked(ctx, runId, options);
  } finally {
    lock.release();
  }
  await notifyRunFinished(ctx, result.runId, { now: options.now?.() });
  return result;
}

async function approveHeldRunLocked(ctx: AgentContext, runId: number, options: Omit<RunOptions, 'trigger' | 'dryRun'>): Promise<RunResult> {
  const { store } = ctx;
  const run = store.getRunDetail(runId);
  if (!run) throw new Error(`No run ${runId}.`);
  if (run.status !== 'held') throw new Error(`Run ${runId} is ${run.status}, not held: only a held run can be approved.`);
  const destination = store.getDestination(run.destination);
  if (!destination) throw new Error(`Run ${runId} was for destination "${run.destination}", which no longer exists.`);
  // A delivery with rows left out (partial) is a delivery too.
  const newer = [store.lastRun(run.destination, 'success'), store.lastRun(run.destination, 'partial')].reduce((a, b) => ((b?.id ?? 0) > (a?.id ?? 0) ? b : a));
  if (newer && newer.id > runId) {
    throw new Error(`Run ${runId} is older than run ${newer.id}, which was delivered since: approving it would send stale data. Discard it and run the sync again.`);
  }
  const runDir = join(ctx.layout.runsDir, String(runId));
  const log = runLog(ctx, destination.name, runId, options.onEvent);
  const staged = stagedOf(run.files, join(runDir, 'files'));
  const missing = staged.filter((f) => !existsSync(f.path));
  if (missing.length) throw new Error(`Run ${runId}'s files are gone (${missing.map((f) => f.name).join(', ')}); run the sync again instead.`);
  store.claimRun(runId);
  store.updateRun(runId, { status: 'running', message: 'Approved: delivering.' });
  log('info', 'approve', `Approved by an administrator; delivering the held files.`, 'run.started');
  try {
    // A run held before the upgrade to fingerprint files kept an SQLite one (converted on the way).
    const fpFile = heldRunFingerprints(runDir) ?? join(runDir, RUN_FINGERPRINTS);
    const journal = new DeliveryJournal(ctx, runId, destination, fpFile);
    journal.expect(run.files, 'success');
    const receipt = await deliverStaged(ctx, destination, staged, { ...options, trigger: 'approval' }, log, journal);
    journal.published();
    const records = mergeReceipt(run.files, receipt);
    store.setRunFiles(runId, records);
    if (existsSync(fpFile)) promoteFingerprintFile(fpFile, fingerprintPath(ctx.layout.fingerprintsDir, destination.name));
    const source = store.getSource(destination.source);
    const status: RunStatus = run.errors > 0 ? 'partial' : 'success';
    store.updateRun(runId, { status, endedAt: new Date().toISOString() });
    cleanupAfterDelivery(ctx, destination, runId, options.now?.() ?? new Date());
    let archiveProblem: Finding | undefined;
    if (source) {
      const plan = buildPlan({ format: resolveFormat(destination.format, store.listCustomFormats()), destination, source, siteMap: [], customProfiles: store.listCustomProfiles(), now: new Date() });
      archiveProblem = await releaseSource(source, plan.files.flatMap((f) => f.entities.map((e) => e.request)), new Date(), log);
      if (archiveProblem) store.addFindings(runId, [archiveProblem]);
    }
    // The held files are what was checked: rows the run left out stay out, and the run says so.
    const message = `Approved and delivered: ${receipt.message}${run.errors ? ` ${run.errors} error(s); see the run's findings for the rows left out.` : ''}${archiveProblem ? ` ${archiveProblem.message}` : ''}`;
    store.updateRun(runId, { status, endedAt: new Date().toISOString(), message, ...(archiveProblem ? { warnings: run.warnings + 1 } : {}) });
    log('info', 'record', message, 'run.finished');
    return { runId, destination: destination.name, status, message, files: records, diff: run.diff, errors: run.errors, warnings: run.warnings, holdReasons: run.holdReasons, outputDir: join(runDir, 'files'), findings: run.findings };
  } catch (err) {
    const message = `Approved, but delivery failed: ${(err as Error).message} The held files stay in ${join(runDir, 'files')}; approve again to retry.`;
    store.updateRun(runId, { status: 'held', message });
    log('error', 'deliver', message, 'run.finished');
    return { runId, destination: destination.name, status: 'failed', message, files: run.files, diff: run.diff, errors: run.errors, warnings: run.warnings, holdReasons: run.holdReasons, outputDir: join(runDir, 'files'), findings: run.findings };
  }
}

/**
 * Discards a held run: nothing is delivered. Its files stay for the destination's keepUndeliveredDays
 * from now (a look at what would have gone out), then the retention sweep deletes them; `rostersync
 * purge` deletes them at once.
 */
export function discardHeldRun(ctx: AgentContext, runId: number, now: Date = new Date()): void {
  const run = ctx.store.getRun(runId);
  if (!run) throw new Error(`No run ${runId}.`);
  if (run.status !== 'held') throw new Error(`Run ${runId} is ${run.status}, not held: only a held run can be discarded.`);
  ctx.store.updateRun(runId, { status: 'discarded', endedAt: now.toISOString(), message: 'Discarded by an administrator; nothing was delivered.' });
  const retention = filesRetentionOf(ctx.store, ctx.layout.runsDir, ctx.store.getRun(runId)!, []);
  ctx.store.addRunEvent(runId, 'info', 'approve', `Discarded by an administrator; nothing was delivered. ${describeFilesRetention(retention)}`);
  ctx.log.info('run.discarded', 'Held run discarded by an administrator; nothing was delivered.', { destination: run.destination, runId });
}
