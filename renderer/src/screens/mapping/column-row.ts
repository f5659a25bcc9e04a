/** One vendor column in the wizard: its mapping as edited, its state, and the helpers the steps share. Pure. */
import type { ColumnMapping } from '../../../../src/shared/format.js';
import type { ColumnSuggestion } from '../../api/types.js';
import type { ColumnRef, ColumnState, MappingMode } from '../../lib/mapping.js';

/** A suggestion must be at least this close to be offered. */
export const SUGGEST_MIN_SCORE = 0.5;

export type OnMap = (ref: ColumnRef, value: ColumnMapping | undefined, mode?: MappingMode) => void;

export interface ColumnRow extends ColumnSuggestion {
  readonly override: ColumnMapping | undefined;
  readonly effective: ColumnMapping | null;
  readonly mode: MappingMode;
  readonly state: ColumnState;
  readonly problem: boolean;
  readonly fields: readonly string[] | undefined;
}

export const cellId = (r: ColumnRef): string => `map-${r.file}-${r.entity}-${r.column}`.replace(/[^A-Za-z0-9_-]/g, '_');

export function suggestionFor(r: ColumnRow): string | undefined {
  if (r.fields === undefined || r.override) return undefined;
  if (r.state.kind !== 'unmapped' && r.state.kind !== 'missing-field') return undefined;
  const best = r.candidates.find((c) => c.score >= SUGGEST_MIN_SCORE);
  return best?.field;
}

export function stateText(s: ColumnState): string {
  switch (s.kind) {
    case 'ok':
      return 'Mapped';
    case 'unmapped':
      return 'Not mapped';
    case 'blank':
      return 'Left empty';
    case 'missing-field':
      return `Source has no column ${s.fields.join(' or ')}`;
    case 'no-entity':
      return 'No rows of this kind';
    default: {
      const never: never = s;
      return String(never);
    }
  }
}
