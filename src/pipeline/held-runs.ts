/**
 * Held runs: a run the safety guard held delivers nothing until an administrator approves it — then
 * exactly its files are delivered, under the publish journal — or discards it. The runner
 * (src/agent/runner.ts) resolves the destination and holds its lock.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentContext } from '../home/context.js';
import type { DestinationConfig, SourceConfig } from '../shared/config.schema.js';
import type { FormatDef } from '../shared/format.js';
import type { Finding, RunDetail, RunStatus } from '../shared/run.js';
import { describeFilesRetention } from '../shared/retention.js';
import { buildPlan } from './plan.js';
import { heldRunFingerprints, promoteFingerprintFile, RUN_FINGERPRINTS } from './fingerprints.js';
import { DeliveryJournal } from './publish-journal.js';
import { cleanupAfterDelivery, filesRetentionOf } from './retention.js';
import { deliverStaged, mergeReceipt, releaseSource, stagedOf } from './deliver.js';
import { runLog, type RunOptions, type RunResult } from './run-sync.js';

export interface HeldRunInputs {
  readonly ctx: AgentContext;
  readonly runId: number;
  readonly destination: DestinationConfig;
  /** The source, to let it archive what it read (an export folder); undefined when it was deleted since. */
  readonly source: SourceConfig | undefined;
  /** The destination's format (for the source's requests); undefined when it cannot be resolved any more. */
  readonly format: FormatDef | undefined;
  readonly customProfiles: readonly unknown[];
  /** The destination's last-good-delivery fingerprints, replaced by the held run's on delivery. */
  readonly previousFingerprints: string;
}

/** Throws, saying why, unless run `runId` is held, the newest delivery candidate, and its files are all there. */
export function checkApprovable(ctx: AgentContext, runId: number): RunDetail {
  const { store } = ctx;
  const run = store.getRunDetail(runId);
  if (!run) throw new Error(`No run ${runId}.`);
  if (run.status !== 'held') throw new Error(`Run ${runId} is ${run.status}, not held: only a held run can be approved.`);
  // A delivery with rows left out (partial) is a delivery too.
  const newer = [store.lastRun(run.destination, 'success'), store.lastRun(run.destination, 'partial')].reduce((a, b) => ((b?.id ?? 0) > (a?.id ?? 0) ? b : a));
  if (newer && newer.id > runId) {
    throw new Error(`Run ${runId} is older than run ${newer.id}, which was delivered since: approving it would send stale data. Discard it and run the sync again.`);
  }
  const missing = stagedOf(run.files, join(ctx.layout.runsDir, String(runId), 'files')).filter((f) => !existsSync(f.path));
  if (missing.length) throw new Error(`Run ${runId}'s files are gone (${missing.map((f) => f.name).join(', ')}); run the sync again instead.`);
  return run;
}

/** Delivers exactly the files a held run produced, once an administrator approved them (the caller holds the destination's lock and checked checkApprovable). */
export async function deliverHeldRun(inputs: HeldRunInputs, options: RunOptions = {}): Promise<RunResult> {
  const { ctx, runId, destination, source, format } = inputs;
  const { store } = ctx;
  const run = checkApprovable(ctx, runId);
  const runDir = join(ctx.layout.runsDir, String(runId));
  const log = runLog(runId, destination.name, options);
  const staged = stagedOf(run.files, join(runDir, 'files'));
  store.claimRun(runId);
  store.updateRun(runId, { status: 'running', message: 'Approved: delivering.' });
  log('info', 'approve', `Approved by an administrator; delivering the held files.`);
  try {
    // A run held before the upgrade to fingerprint files kept an SQLite one (converted on the way).
    const fpFile = heldRunFingerprints(runDir) ?? join(runDir, RUN_FINGERPRINTS);
    const journal = new DeliveryJournal(ctx, runId, destination, fpFile);
    journal.expect(run.files, 'success');
    const receipt = await deliverStaged(ctx, destination, staged, options, log, journal);
    journal.published();
    const records = mergeReceipt(run.files, receipt);
    store.setRunFiles(runId, records);
    if (existsSync(fpFile)) promoteFingerprintFile(fpFile, inputs.previousFingerprints);
    const status: RunStatus = run.errors > 0 ? 'partial' : 'success';
    store.updateRun(runId, { status, endedAt: new Date().toISOString() });
    cleanupAfterDelivery(store, ctx.layout.runsDir, destination, runId, options.now?.() ?? new Date());
    let archiveProblem: Finding | undefined;
    if (source && format) {
      const plan = buildPlan({ format, destination, source, siteMap: [], customProfiles: inputs.customProfiles, now: new Date() });
      archiveProblem = await releaseSource(source, plan.files.flatMap((f) => f.entities.map((e) => e.request)), new Date(), log);
      if (archiveProblem) store.addFindings(runId, [archiveProblem]);
    }
    // The held files are what was checked: rows the run left out stay out, and the run says so.
    const message = `Approved and delivered: ${receipt.message}${run.errors ? ` ${run.errors} error(s); see the run's findings for the rows left out.` : ''}${archiveProblem ? ` ${archiveProblem.message}` : ''}`;
    store.updateRun(runId, { status, endedAt: new Date().toISOString(), message, ...(archiveProblem ? { warnings: run.warnings + 1 } : {}) });
    log('info', 'record', message);
    return { runId, destination: destination.name, status, message, files: records, diff: run.diff, errors: run.errors, warnings: run.warnings, holdReasons: run.holdReasons, outputDir: join(runDir, 'files'), findings: run.findings, unmappedSchools: [] };
  } catch (err) {
    const message = `Approved, but delivery failed: ${(err as Error).message} The held files stay in ${join(runDir, 'files')}; approve again to retry.`;
    store.updateRun(runId, { status: 'held', message });
    log('error', 'deliver', message);
    return { runId, destination: destination.name, status: 'failed', message, files: run.files, diff: run.diff, errors: run.errors, warnings: run.warnings, holdReasons: run.holdReasons, outputDir: join(runDir, 'files'), findings: run.findings, unmappedSchools: [] };
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
