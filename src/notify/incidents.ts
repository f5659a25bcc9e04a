/**
 * Incidents: one per destination while it is not delivering. Pure — the state goes in, the next
 * state and the alert to send (if any) come out; the notifier keeps the state in the store.
 *
 * - A failed run opens an incident (alert `opened`); a later failure while it is open sends a
 *   `reminder` only when `reminderMinutes` have passed since the last alert.
 * - "No successful delivery for N hours" (staleness) opens one too, or reminds the same way.
 * - The next delivery (success, or partial: delivered with rows left out) closes it (`recovered`).
 * - Held, skipped and discarded runs change nothing: a hold has its own mail, and a skip is not
 *   a failure.
 *
 * So a broken night sends one mail, a fix sends a recovery mail, and a new failure right after a
 * recovery is a new incident that is mailed at once (no per-status rate limit can swallow it).
 */
import { z } from 'zod';
import type { RunStatus } from '../shared/run.js';

export const incidentSchema = z.object({
  cause: z.enum(['failing', 'stale']),
  openedAt: z.string(),
  /** The run that opened it (absent for staleness found between runs). */
  firstRunId: z.number().int().optional(),
  lastRunId: z.number().int().optional(),
  /** Failed runs since it opened. */
  failures: z.number().int().min(0),
  /** When the last alert about it (opened or reminder) was sent or attempted. */
  lastAlertAt: z.string(),
  /** What went wrong last, in one line (a run's message or the staleness). */
  lastMessage: z.string(),
});
export type Incident = z.infer<typeof incidentSchema>;

export type IncidentEvent =
  | { readonly type: 'run'; readonly status: RunStatus; readonly runId: number; readonly message: string; readonly at: Date }
  | { readonly type: 'stale'; readonly message: string; readonly at: Date };

export type IncidentAlert = 'opened' | 'reminder' | 'recovered';

export interface IncidentStep {
  /** The incident after the event (undefined: none open). */
  readonly incident: Incident | undefined;
  readonly alert?: IncidentAlert;
  /** The incident as it was when it closed (for the recovery alert). */
  readonly closed?: Incident;
}

const MINUTE_MS = 60_000;

function reminderDue(incident: Incident, at: Date, reminderMinutes: number): boolean {
  return reminderMinutes > 0 && at.getTime() - new Date(incident.lastAlertAt).getTime() >= reminderMinutes * MINUTE_MS;
}

export function nextIncident(current: Incident | undefined, event: IncidentEvent, reminderMinutes: number): IncidentStep {
  const at = event.at.toISOString();
  if (event.type === 'stale') {
    if (!current) {
      return { incident: { cause: 'stale', openedAt: at, failures: 0, lastAlertAt: at, lastMessage: event.message }, alert: 'opened' };
    }
    const remind = reminderDue(current, event.at, reminderMinutes);
    return { incident: { ...current, lastMessage: current.cause === 'stale' ? event.message : current.lastMessage, lastAlertAt: remind ? at : current.lastAlertAt }, alert: remind ? 'reminder' : undefined };
  }
  switch (event.status) {
    case 'failed': {
      if (!current) {
        return {
          incident: { cause: 'failing', openedAt: at, firstRunId: event.runId, lastRunId: event.runId, failures: 1, lastAlertAt: at, lastMessage: event.message },
          alert: 'opened',
        };
      }
      const remind = reminderDue(current, event.at, reminderMinutes);
      return {
        incident: { ...current, cause: 'failing', lastRunId: event.runId, failures: current.failures + 1, lastMessage: event.message, lastAlertAt: remind ? at : current.lastAlertAt },
        alert: remind ? 'reminder' : undefined,
      };
    }
    case 'success':
    case 'partial':
      return current ? { incident: undefined, alert: 'recovered', closed: { ...current, lastRunId: event.runId } } : { incident: undefined };
    case 'held':
    case 'skipped':
    case 'discarded':
    case 'cancelled':
    case 'running':
      return { incident: current };
    default: {
      const never: never = event.status;
      throw new Error(`Unexpected run status ${String(never)}`);
    }
  }
}

/** "3 h 20 min", "2 days 4 h": how long an incident lasted, for alerts and the dashboard. */
export function describeDuration(fromIso: string, to: Date): string {
  const minutes = Math.max(0, Math.round((to.getTime() - new Date(fromIso).getTime()) / MINUTE_MS));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return `${days} day${days === 1 ? '' : 's'}${hours ? ` ${hours} h` : ''}`;
  if (hours) return `${hours} h${mins ? ` ${mins} min` : ''}`;
  return `${mins} min`;
}
