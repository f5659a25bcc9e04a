/**
 * Retention of generated files: a run's files (student data) live only in the data folder's
 * `runs/<id>/`, created owner-only, and no longer than the destination allows —
 * - delivered runs (success, partial): `keepDeliveredDays` after the delivery (0: deleted at once);
 * - failed, blocked, discarded and preview runs: `keepUndeliveredDays` (default 7) after the run ended;
 * - held runs: until approved (then as delivered) or discarded (then `keepUndeliveredDays` from the discard).
 * The sweep runs at agent start and daily (src/agent/daemon.ts, on the scheduler's clock) and after
 * each delivery; `rostersync purge RUN_ID` deletes a run's files at once. Every deletion is a run
 * event of stage `retention`, which the run page and `history show` read back.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { DestinationConfig } from '../shared/config.schema.js';
import type { RunEvent, RunSummary } from '../shared/run.js';
import { DEFAULT_KEEP_UNDELIVERED_DAYS, type FilesRetention } from '../shared/retention.js';

/** The run-event stage of a deletion of generated files. */
export const RETENTION_STAGE = 'retention';

const DAY_MS = 86_400_000;

/** Creates `path` (and missing parents) readable by the agent's account only (0700 on POSIX; an existing folder is tightened too). */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(path, 0o700);
}

/** The folder of one run's generated files and scratch data (created owner-only, with `runs/` itself). */
export function createRunFolder(runsDir: string, runId: number): { runDir: string; filesDir: string } {
  privateDir(runsDir);
  const runDir = join(runsDir, String(runId));
  privateDir(runDir);
  const filesDir = join(runDir, 'files');
  privateDir(filesDir);
  return { runDir, filesDir };
}

/** Whether a run still has anything in its folder (an empty files/ of a run that failed early counts as nothing). */
function hasFiles(runDir: string): boolean {
  if (!existsSync(runDir)) return false;
  return readdirSync(runDir).some((entry) => entry !== 'files' || readdirSync(join(runDir, 'files')).length > 0);
}

/** What the destination's settings say for this run: delivered runs follow keepDeliveredDays, every other one keepUndeliveredDays. */
function limitFor(run: RunSummary, destination: DestinationConfig | undefined): { days: number; setting: 'keepDeliveredDays' | 'keepUndeliveredDays' } {
  const delivered = !run.dryRun && (run.status === 'success' || run.status === 'partial');
  if (delivered) return { days: destination?.keepDeliveredDays ?? 0, setting: 'keepDeliveredDays' };
  return { days: destination?.keepUndeliveredDays ?? DEFAULT_KEEP_UNDELIVERED_DAYS, setting: 'keepUndeliveredDays' };
}

/**
 * Where a run's files stand: held or running (kept), kept until a date, or deleted (when and how,
 * from the run's `retention` events). `events`: the run's events when the caller has them.
 */
export function filesRetentionOf(store: Store, runsDir: string, run: RunSummary, events?: readonly RunEvent[]): FilesRetention {
  const runDir = join(runsDir, String(run.id));
  const destination = store.getDestination(run.destination);
  if (hasFiles(runDir)) {
    if (run.status === 'running') return { state: 'running' };
    const limit = limitFor(run, destination);
    if (run.status === 'held' && !run.dryRun) return { state: 'held', limitDays: destination?.keepUndeliveredDays ?? DEFAULT_KEEP_UNDELIVERED_DAYS };
    const from = Date.parse(run.endedAt ?? run.startedAt);
    return { state: 'kept', deleteAt: new Date(from + limit.days * DAY_MS).toISOString(), limitDays: limit.days, setting: limit.setting };
  }
  const deletion = (events ?? store.getRunDetail(run.id, 1)?.events ?? []).filter((e) => e.stage === RETENTION_STAGE).at(-1);
  if (deletion) return { state: 'deleted', at: deletion.at, how: deletion.message };
  return { state: 'none' };
}

/** Deletes a run's folder and records it (the event is what the run page shows). */
function deleteRunFolder(store: Store, runsDir: string, runId: number, how: string): void {
  rmSync(join(runsDir, String(runId)), { recursive: true, force: true });
  store.addRunEvent(runId, 'info', RETENTION_STAGE, how);
}

/** After a delivery: the run's files go at once when the destination keeps none (keepDeliveredDays 0). */
export function afterDelivery(store: Store, runsDir: string, runId: number, destination: DestinationConfig): void {
  if (destination.keepDeliveredDays === 0 && existsSync(join(runsDir, String(runId)))) {
    deleteRunFolder(store, runsDir, runId, 'deleted after delivery: the destination keeps no delivered files (keepDeliveredDays 0)');
  }
}

export interface SweepResult {
  /** Runs whose files were deleted because their time was up. */
  readonly expired: number[];
  /** Folders of runs without a record (pruned history, an interrupted create): deleted too. */
  readonly orphans: number;
}

/**
 * Deletes every run folder whose time is up at `now`; held and running runs are kept. Folders of
 * runs the store no longer knows are deleted (nothing could ever say when they expire).
 */
export function sweepRunFiles(store: Store, runsDir: string, now: Date): SweepResult {
  const expired: number[] = [];
  let orphans = 0;
  if (!existsSync(runsDir)) return { expired, orphans };
  privateDir(runsDir);
  for (const entry of readdirSync(runsDir)) {
    const id = Number(entry);
    if (!Number.isInteger(id) || id <= 0 || String(id) !== entry) continue;
    const run = store.getRun(id);
    if (!run) {
      rmSync(join(runsDir, entry), { recursive: true, force: true });
      orphans++;
      continue;
    }
    const retention = filesRetentionOf(store, runsDir, run, []);
    if (retention.state === 'kept' && Date.parse(retention.deleteAt) <= now.getTime()) {
      deleteRunFolder(store, runsDir, id, `deleted by the retention sweep: ${retention.limitDays} day(s) after the run ended (${retention.setting})`);
      expired.push(id);
    } else if (retention.state === 'none' && existsSync(join(runsDir, entry)) && run.status !== 'running' && run.status !== 'held') {
      // An empty folder of a finished run (failed before writing anything): nothing to keep.
      rmSync(join(runsDir, entry), { recursive: true, force: true });
    }
  }
  return { expired, orphans };
}

export class PurgeRefused extends Error {
  override name = 'PurgeRefused';
}

/**
 * `rostersync purge RUN_ID`: deletes a run's generated files now, recorded in its events with who
 * asked. A running run is refused; a held run is discarded with it (nothing is left to approve).
 */
export function purgeRunFiles(store: Store, runsDir: string, runId: number, by: string, now: Date): { readonly deleted: boolean; readonly message: string } {
  const run = store.getRun(runId);
  if (!run) throw new PurgeRefused(`No run ${runId}.`);
  if (run.status === 'running') throw new PurgeRefused(`Run ${runId} is still running; purge it once it has ended.`);
  const runDir = join(runsDir, String(runId));
  if (!existsSync(runDir)) {
    const before = filesRetentionOf(store, runsDir, run);
    return { deleted: false, message: `Run ${runId} has no generated files left${before.state === 'deleted' ? ` (${before.how}${before.at ? `, ${before.at}` : ''})` : ''}.` };
  }
  if (run.status === 'held' && !run.dryRun) {
    store.updateRun(runId, { status: 'discarded', endedAt: now.toISOString(), message: `Discarded: its files were purged by ${by}; nothing was delivered.` });
  }
  deleteRunFolder(store, runsDir, runId, `purged by ${by}`);
  return { deleted: true, message: `Run ${runId}'s generated files were deleted.${run.status === 'held' && !run.dryRun ? ' The held run is discarded: nothing was delivered.' : ''}` };
}

/** After a delivery: the run's own files go unless the destination keeps them N days, and other runs' expired files go too. */
export function cleanupAfterDelivery(store: Store, runsDir: string, destination: DestinationConfig, runId: number, now: Date): void {
  afterDelivery(store, runsDir, runId, destination);
  sweepRunFiles(store, runsDir, now);
}

/** For a run that delivered nothing: where its files are and until when they are kept (" Generated files are kept in … until …."). */
export function keptFilesNote(store: Store, runsDir: string, runId: number, filesDir: string): string {
  const run = store.getRun(runId);
  const retention = run ? filesRetentionOf(store, runsDir, run, []) : undefined;
  const until = retention?.state === 'kept' ? ` until ${retention.deleteAt.replace('T', ' ').slice(0, 16)} UTC (${retention.setting} ${retention.limitDays})` : '';
  return ` Generated files are kept in ${filesDir}${until}.`;
}

/** A run's message with the kept-files note (a sentence of its own). */
export function withKeptFilesNote(message: string, note: string): string {
  return `${message}${/[.!?]$/.test(message) ? '' : '.'}${note}`;
}
