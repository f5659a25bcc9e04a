/**
 * The safety guard: a run that would remove or change too much of what the vendor has is held
 * for an admin instead of delivered. Pure: diff in, reasons out (empty = safe).
 */
import type { GuardConfig } from '../shared/config.schema.js';
import type { FileDiff } from '../shared/run.js';

const pct = (share: number): string => `${Math.round(share * 1000) / 10}%`;

export function evaluateGuard(diffs: readonly FileDiff[], guard: GuardConfig, hasPrevious: boolean): string[] {
  if (!hasPrevious) return [];
  const reasons: string[] = [];
  for (const d of diffs) {
    const rules = { ...guard, ...guard.files[d.file] };
    if (d.previous === 0) continue;
    if (rules.holdOnEmpty && d.current === 0) {
      reasons.push(`${d.file} is empty; the last delivery had ${d.previous} records.`);
      continue;
    }
    if (d.previous < guard.minRecordsForShare) continue;
    const removedShare = d.removed / d.previous;
    if (removedShare > rules.maxRemovedShare) {
      reasons.push(
        `${d.file}: ${d.removed} of ${d.previous} records (${pct(removedShare)}) would be removed; the limit is ${pct(rules.maxRemovedShare)}.`,
      );
    }
    const changedShare = d.changed / d.previous;
    if (changedShare > rules.maxChangedShare) {
      reasons.push(
        `${d.file}: ${d.changed} of ${d.previous} records (${pct(changedShare)}) would change; the limit is ${pct(rules.maxChangedShare)}.`,
      );
    }
  }
  return reasons;
}
