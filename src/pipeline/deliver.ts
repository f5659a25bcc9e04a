/**
 * Packaging and delivery of a run's files: the OneRoster manifest and the zip, staging while the
 * extract goes on (upload while reading), the publish through the destination driver under the
 * publish journal (publish-journal.ts), and the source's release of what it read afterwards.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadDestinationSecrets, type AgentContext } from '../home/context.js';
import { homeArg } from '../home/layout.js';
import type { DestinationConfig, SourceConfig } from '../shared/config.schema.js';
import type { Finding, RunFileRecord } from '../shared/run.js';
import { getSourceDriver } from '../sources/registry.js';
import type { EntityRequest } from '../sources/types.js';
import { getDestinationDriver } from '../destinations/registry.js';
import type { DeliveryContext, DeliveryReceipt, StagedFile, StagingDelivery } from '../destinations/types.js';
import type { Plan } from './plan.js';
import type { WrittenFile } from './csv-writer.js';
import { writeOneRosterManifest, zipFiles } from './packaging.js';
import type { DeliveryJournal} from './publish-journal.js';
import { previousSetOf } from './publish-journal.js';
import { RunFailure, type RunLog } from './findings.js';

/** What a delivery needs from the run's options. */
export interface DeliveryOptions {
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

export interface StagedWritten extends WrittenFile {
  readonly order: number;
  readonly marker?: boolean;
}

/** OneRoster's manifest tells a reader the set is complete: it is published last (destinations/types.ts StagedFile.marker). */
export const MANIFEST = 'manifest.csv';

export function stagedOf(records: readonly RunFileRecord[], dir: string): StagedWritten[] {
  return records.map((r, i) => ({ name: r.name, path: join(dir, r.name), rows: r.rows, bytes: r.bytes, sha256: r.sha256, order: i, marker: r.name === MANIFEST, filled: r.personalCounts ?? {} }));
}

export async function packageFiles(plan: Plan, destination: DestinationConfig, written: readonly WrittenFile[], dir: string): Promise<StagedWritten[]> {
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
export function zipWanted(plan: Plan, destination: DestinationConfig): boolean {
  if (!plan.format.packaging?.zip) return false;
  const zipOption = plan.format.options?.find((o) => o.id === 'zip');
  return zipOption ? (destination.formatOptions.zip ?? zipOption.default) === true : true;
}

/** A generated file's record: its personal-data columns are those that held a value in at least one row (the ledger never overstates what went out). */
export function fileRecordOf(file: WrittenFile): RunFileRecord {
  const personalCounts = Object.fromEntries(Object.entries(file.filled).filter(([, n]) => n > 0));
  return { name: file.name, rows: file.rows, bytes: file.bytes, sha256: file.sha256, personalColumns: Object.keys(personalCounts), personalCounts };
}

function deliveryContext(ctx: AgentContext, destination: DestinationConfig, options: DeliveryOptions, log: RunLog, journal: DeliveryJournal): DeliveryContext {
  return {
    destinationName: destination.name,
    homeArgs: homeArg(ctx.layout.home),
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
export function openStaging(ctx: AgentContext, destination: DestinationConfig, plan: Plan, options: DeliveryOptions, log: RunLog, journal: DeliveryJournal): StagingDelivery | undefined {
  const driver = getDestinationDriver(destination.type);
  if (!driver.openStaging || zipWanted(plan, destination)) return undefined;
  try {
    return driver.openStaging(destination.settings, loadDestinationSecrets(ctx, destination), deliveryContext(ctx, destination, options, log, journal));
  } catch {
    return undefined;
  }
}

export async function deliverStaged(
  ctx: AgentContext,
  destination: DestinationConfig,
  staged: readonly StagedWritten[],
  options: DeliveryOptions,
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

export function mergeReceipt(records: readonly RunFileRecord[], receipt: DeliveryReceipt): RunFileRecord[] {
  return records.map((r) => {
    const d = receipt.files.find((f) => f.name === r.name);
    return d ? { ...r, remotePath: d.remotePath, deliveredBytes: d.bytes, durationMs: d.durationMs, attempts: d.attempts } : r;
  });
}

/**
 * After a delivery the source may archive what it read. A failure there does not undo the delivery
 * but is not silent either: it is returned as a warning finding for the run (and logged).
 */
export async function releaseSource(
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
