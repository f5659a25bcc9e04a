/**
 * Which native notifications to show, by comparing two dashboard polls: a destination whose
 * latest run newly failed, and a run newly held for approval. The first poll only sets the
 * baseline (no burst of old news at start-up). Pure.
 */
import type { Dashboard } from '../src/shared/api.contract.js';

export interface Alert {
  readonly key: string;
  readonly title: string;
  readonly body: string;
  readonly runId: number;
}

export function newAlerts(previous: Dashboard | undefined, next: Dashboard): Alert[] {
  if (!previous) return [];
  const alerts: Alert[] = [];
  const failedBefore = new Set(previous.destinations.filter((d) => d.lastRun?.status === 'failed').map((d) => d.lastRun!.id));
  for (const d of next.destinations) {
    const run = d.lastRun;
    if (!run || run.status !== 'failed' || failedBefore.has(run.id)) continue;
    alerts.push({ key: `failed:${run.id}`, title: `RosterSync: ${d.name} failed`, body: run.message ?? 'The sync failed; nothing was delivered.', runId: run.id });
  }
  const heldBefore = new Set(previous.holds.map((h) => h.run.id));
  for (const h of next.holds) {
    if (heldBefore.has(h.run.id)) continue;
    alerts.push({
      key: `held:${h.run.id}`,
      title: `RosterSync: ${h.run.destination} needs approval`,
      body: h.holdReasons[0] ?? 'A large change was held; nothing was delivered.',
      runId: h.run.id,
    });
  }
  return alerts;
}
