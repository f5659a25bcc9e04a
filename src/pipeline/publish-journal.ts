/**
 * The publishing journal: how a delivery stays all-or-nothing across a killed process.
 *
 * A destination driver reports, through DeliveryContext.journal, that it is about to create
 * temporaries (`staging`, with its local staging folder) and then — every temporary complete and
 * verified, nothing changed under a final name yet — the plan of renames it is about to run
 * (`publishing`). The plan goes to the store first, together with the run's file list and one audit
 * ledger entry per file marked `publishing`, so a delivery that dies half-way still leaves a truthful
 * record. When the publish ends the entries are marked complete.
 *
 * A journal left open (the process was killed, the connection lost for good) is settled by the
 * driver's `recover`: rolled forward when every temporary is still complete, else rolled back. This
 * happens right away in the process that saw the failure, at the next start of the CLI, agent or GUI
 * server, and before the destination's next run — and the run's history and the ledger say which.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentContext } from '../home/context.js';
import { destinationSecretOwner, loadSecrets } from '../home/context.js';
import { homeArg } from '../home/layout.js';
import type { DestinationConfig } from '../shared/config.schema.js';
import type { RunFileRecord } from '../shared/run.js';
import { getDestinationDriver } from '../destinations/registry.js';
import type { DeliveryContext, DeliveryReceipt, PreviousFile, PublishJournal, PublishPlan, RecoveryResult } from '../destinations/types.js';
import type { JournalRow } from '../store/publish-journal-table.js';
import { fingerprintPath, promoteFingerprintFile } from './fingerprints.js';
import { afterDelivery } from './retention.js';

/** What the run becomes when its publish is rolled forward after its process died. */
export interface JournalResume {
  readonly status: 'success' | 'partial';
  /** The run's scratch fingerprints, promoted to "last good delivery" on a roll forward. */
  readonly fingerprints: string;
}

type Row = JournalRow<PublishPlan, JournalResume>;

const EMPTY_PLAN = (workDir: string): PublishPlan => ({ withdraw: [], data: [], stale: [], markers: [], workDir });

/** The destination's last completely published set (the ledger's newest complete run): names and final paths. */
export function previousSetOf(ctx: AgentContext, destination: string): PreviousFile[] {
  const entries = ctx.store.listAudit({ destination }).filter((e) => e.status === 'complete' && e.remotePath);
  const last = entries.at(-1)?.runId;
  return entries.filter((e) => e.runId === last).map((e) => ({ name: e.file, path: e.remotePath! }));
}

/** One delivery's journal: what the driver calls, and what the pipeline calls when the delivery ends. */
export class DeliveryJournal implements PublishJournal {
  private id: number | undefined;
  private state: 'none' | 'staging' | 'publishing' | 'closed' = 'none';
  private records: readonly RunFileRecord[] = [];
  private resume: JournalResume;
  private plan: PublishPlan | undefined;

  constructor(
    private readonly ctx: AgentContext,
    private readonly runId: number,
    private readonly destination: DestinationConfig,
    /** The run's scratch fingerprints (promoted when a later start rolls the publish forward). */
    fingerprints: string,
  ) {
    this.resume = { status: 'success', fingerprints };
  }

  /** The files about to be delivered, and the run's status once they are. */
  expect(records: readonly RunFileRecord[], status: JournalResume['status']): void {
    this.records = records;
    this.resume = { ...this.resume, status };
  }

  get isOpen(): boolean {
    return this.state === 'staging' || this.state === 'publishing';
  }

  /** The receipt of a publish that failed part-way and was then rolled forward: every file of the plan is in place. */
  receipt(message: string): DeliveryReceipt {
    const steps = this.plan ? [...this.plan.data, ...this.plan.markers] : [];
    return { files: steps.map((s) => ({ name: s.name, remotePath: s.final, bytes: s.bytes, durationMs: 0, attempts: 1 })), message };
  }

  staging(workDir: string): void {
    this.id = this.ctx.store.journal.open({ runId: this.runId, destination: this.destination.name, state: 'staging', plan: EMPTY_PLAN(workDir), resume: this.resume, at: new Date().toISOString() });
    this.state = 'staging';
  }

  publishing(plan: PublishPlan): void {
    const { store } = this.ctx;
    this.plan = plan;
    const at = new Date().toISOString();
    const finals = new Map([...plan.data, ...plan.markers].map((s) => [s.name, s.final]));
    store.transaction(() => {
      if (this.id === undefined) {
        this.id = store.journal.open({ runId: this.runId, destination: this.destination.name, state: 'publishing', plan, resume: this.resume, at });
      } else {
        store.journal.advance(this.id, { state: 'publishing', plan });
      }
      const records = this.records.map((r) => ({ ...r, remotePath: finals.get(r.name) ?? r.remotePath ?? null }));
      store.setRunFiles(this.runId, records);
      store.addAuditEntries(
        records
          .filter((r) => finals.has(r.name))
          .map((r) => ({
            runId: this.runId,
            destination: this.destination.name,
            destinationType: this.destination.type,
            deliveredAt: at,
            file: r.name,
            remotePath: r.remotePath,
            records: r.rows,
            sha256: r.sha256,
            personalColumns: r.personalColumns,
            columnCounts: r.personalCounts ?? {},
            status: 'publishing',
          })),
      );
    });
    this.state = 'publishing';
  }

  /** The delivery went through: the journal closes and the ledger entries become complete. */
  published(): void {
    if (this.id !== undefined && this.state !== 'closed') this.ctx.store.journal.advance(this.id, { state: 'published', at: new Date().toISOString() });
    this.ctx.store.settleAudit(this.runId, 'complete', new Date().toISOString());
    this.state = 'closed';
  }

  /**
   * The delivery failed: a journal still open is settled now (rolled forward or back by the driver).
   * Undefined when nothing was journaled, or when the destination cannot be reached (the journal then
   * stays open for the next start or run).
   */
  async settleFailure(log: (level: 'info' | 'warn' | 'error', message: string) => void): Promise<RecoveryResult | undefined> {
    if (this.id === undefined || this.state === 'closed') return undefined;
    const row = this.ctx.store.journal.listOpen<PublishPlan, JournalResume>(this.destination.name).find((r) => r.id === this.id);
    if (!row) return undefined;
    const result = await settle(this.ctx, this.destination, row, log, 'right after the failure');
    if (result) this.state = 'closed';
    return result;
  }
}

function recoveryContext(ctx: AgentContext, destination: DestinationConfig, log: (level: 'info' | 'warn' | 'error', message: string) => void): DeliveryContext {
  return { destinationName: destination.name, homeArgs: homeArg(ctx.layout.home), now: new Date(), log, remember: (key, value) => ctx.store.setDestinationState(destination.name, key, value) };
}

/** Runs the driver's recovery for one open journal and records its outcome in the journal and the ledger; undefined when it could not run. */
async function settle(ctx: AgentContext, destination: DestinationConfig, row: Row, log: (level: 'info' | 'warn' | 'error', message: string) => void, when: string): Promise<RecoveryResult | undefined> {
  const driver = getDestinationDriver(destination.type);
  let result: RecoveryResult;
  try {
    result = await driver.recover(destination.settings, loadSecrets(ctx, destinationSecretOwner(destination.name), driver.secretFields), row.plan, recoveryContext(ctx, destination, log));
  } catch (err) {
    const message = `The interrupted publish of run ${row.runId} to ${destination.name} could not be settled yet (${(err as Error).message}); it is tried again at the next start or run.`;
    log('warn', message);
    ctx.store.addRunEvent(row.runId, 'warn', 'recover', message);
    return undefined;
  }
  const at = new Date().toISOString();
  const note = `Publish interrupted; ${result.outcome === 'rolled-forward' ? 'rolled forward' : 'rolled back'} ${when} (${at}): ${result.message}`;
  ctx.store.transaction(() => {
    ctx.store.journal.advance(row.id, { state: result.outcome, at, note });
    ctx.store.settleAudit(row.runId, result.outcome === 'rolled-forward' ? 'complete' : 'rolled-back', at, note);
    ctx.store.addRunEvent(row.runId, result.outcome === 'rolled-forward' ? 'info' : 'warn', 'recover', note);
  });
  log(result.outcome === 'rolled-forward' ? 'info' : 'warn', `Run ${row.runId} → ${destination.name}: ${note}`);
  return result;
}

/** A run whose process died: its history says how its publish ended (success once rolled forward), and its fingerprints follow. */
function recordRecovered(ctx: AgentContext, destination: DestinationConfig, row: Row, result: RecoveryResult): void {
  const { store } = ctx;
  const runDir = dirname(row.resume.fingerprints);
  if (result.outcome === 'rolled-forward') {
    if (existsSync(row.resume.fingerprints)) promoteFingerprintFile(row.resume.fingerprints, fingerprintPath(ctx.layout.fingerprintsDir, destination.name));
    store.updateRun(row.runId, {
      status: row.resume.status,
      endedAt: new Date().toISOString(),
      message: `Delivered: the process stopped while publishing, and the next start finished the publish (rolled forward). ${result.message}`,
    });
    afterDelivery(store, dirname(runDir), row.runId, destination);
  } else {
    rmSync(row.resume.fingerprints, { force: true });
    store.updateRun(row.runId, {
      status: 'failed',
      endedAt: new Date().toISOString(),
      message: `Not delivered: the process stopped while publishing, and the next start rolled the publish back. ${result.message}`,
    });
  }
}

/** `.partial` files a dead run was still writing (its generated files stay for the retry; half-written ones are useless). */
export function sweepPartials(ctx: AgentContext, runId: number): void {
  const dir = join(ctx.layout.runsDir, String(runId), 'files');
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) if (name.endsWith('.partial')) rmSync(join(dir, name), { force: true });
}

/**
 * Settles every open journal of `destination` (the caller holds its lock, so their runs are dead):
 * before a run, and at start-up for each destination whose lock is free.
 */
export async function recoverDestination(ctx: AgentContext, destinationName: string, log: (level: 'info' | 'warn' | 'error', message: string) => void): Promise<void> {
  for (const row of ctx.store.journal.listOpen<PublishPlan, JournalResume>(destinationName)) {
    const destination = ctx.store.getDestination(destinationName);
    const run = ctx.store.getRun(row.runId);
    if (run?.status === 'running') ctx.store.updateRun(row.runId, { status: 'failed', endedAt: new Date().toISOString(), message: 'Interrupted: the process running it stopped while publishing.' });
    sweepPartials(ctx, row.runId);
    if (!destination) {
      const note = `The destination ${destinationName} was deleted before its interrupted publish could be settled; files may remain there.`;
      ctx.store.journal.advance(row.id, { state: 'abandoned', at: new Date().toISOString(), note });
      ctx.store.settleAudit(row.runId, 'rolled-back', new Date().toISOString(), note);
      continue;
    }
    const result = await settle(ctx, destination, row, log, 'at the next start');
    if (result) recordRecovered(ctx, destination, row, result);
  }
}

/** The destinations with a publish left open (settled by recoverDestination under their lock). */
export function destinationsWithOpenPublishes(ctx: AgentContext): string[] {
  return [...new Set(ctx.store.journal.listOpen().map((r) => r.destination))];
}
