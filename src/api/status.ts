/**
 * Destination and overall status for the dashboard and the tray icon, from run summaries.
 * Pure: data gathering is in the dashboard handler.
 */
import type { DestinationStatus } from '../shared/api.contract.js';
import type { RunSummary } from '../shared/run.js';

/** The status a destination shows, from its latest real runs (newest first). */
export function destinationStatus(enabled: boolean, runs: readonly RunSummary[]): DestinationStatus {
  const real = runs.filter((r) => !r.dryRun);
  if (real.some((r) => r.status === 'running')) return 'running';
  if (real.some((r) => r.status === 'held')) return 'held';
  // A discarded held run is the latest word on the destination: the vendor keeps its previous data; a cancelled run is not.
  const latest = real.find((r) => r.status !== 'skipped' && r.status !== 'cancelled');
  if (!latest) return enabled ? 'never' : 'disabled';
  switch (latest.status) {
    case 'failed':
      return 'failed';
    case 'success':
    case 'partial':
      return enabled ? 'ok' : 'disabled';
    case 'running':
      return 'running';
    case 'held':
      return 'held';
    case 'discarded':
      return enabled ? 'discarded' : 'disabled';
    case 'skipped':
    case 'cancelled':
      return enabled ? 'ok' : 'disabled';
    default: {
      const unknown: never = latest.status;
      return unknown;
    }
  }
}

const RANK: Readonly<Record<DestinationStatus, number>> = { running: 5, failed: 4, held: 3, discarded: 2, ok: 2, never: 1, disabled: 0 };

/** The worst status across destinations (running wins while a run is under way); 'never' when nothing is set up or all are off. */
export function overallStatus(statuses: readonly DestinationStatus[]): DestinationStatus {
  let worst: DestinationStatus | undefined;
  for (const s of statuses) if (worst === undefined || RANK[s] > RANK[worst]) worst = s;
  return worst === undefined || worst === 'disabled' ? 'never' : worst;
}
