/**
 * Row-level format rules (FileDef.rowRules) and row expansion (FileDef.rowPer).
 *
 * - `anyOf`: at least one of some columns has a value (a demographics row must carry SSID or email);
 * - `consistent`: in a flat file the same ID or email appears on many rows and must stand for the
 *   same record every time (one class_id → one class name and teacher). The first values seen per
 *   key live in the run's scratch fingerprint database, never in memory.
 *
 * Compiled once per plan; the checks push findings through the caller's `report`.
 */
import type { FileDef, RowRule } from '../shared/format.js';
import { assertNever } from '../shared/transform.js';
import type { Row } from '../sources/types.js';

/** Where `consistent` keeps the first values seen per key (the run's FingerprintDb). */
export interface RowRuleStore {
  /** Records `values` for `key` the first time; later returns the first row and values when they differ. */
  checkConsistent(file: string, rule: number, key: string, values: string, row: number): { row: number; values: string } | undefined;
}

export type RowReport = (severity: 'error' | 'warning', column: string, value: string, rule: string, message: string) => void;

export type RowCheck = (file: string, values: readonly string[], row: number, store: RowRuleStore, report: RowReport) => void;

const SEP = '\u001f';

/**
 * Compiles a file's row rules against the columns the plan kept (by format column name, with the
 * headers used in findings). A rule naming a column an option or the destination switched off
 * checks the columns that remain; a rule with none left is a plan problem.
 */
export function compileRowRules(
  def: FileDef,
  names: readonly string[],
  headers: readonly string[],
): { checks: RowCheck[]; problems: { column: string; message: string }[] } {
  const checks: RowCheck[] = [];
  const problems: { column: string; message: string }[] = [];
  const index = new Map(names.map((n, i) => [n, i]));
  const present = (cols: readonly string[]): number[] => cols.flatMap((c) => (index.has(c) ? [index.get(c)!] : []));
  (def.rowRules ?? []).forEach((rule: RowRule, ruleNo) => {
    const severity = rule.severity ?? 'error';
    switch (rule.kind) {
      case 'anyOf': {
        const cols = present(rule.columns);
        if (!cols.length) {
          problems.push({ column: rule.columns.join('|'), message: `needs at least one of ${rule.columns.join(', ')}, and all are switched off.` });
          return;
        }
        const label = cols.map((i) => headers[i]!).join('|');
        const words = cols.map((i) => headers[i]!).join(' or ');
        const message = `${cols.length > 1 ? `at least one of ${words}` : words} must have a value${rule.message ? `: ${rule.message}` : ''}`;
        checks.push((_file, values, _row, _store, report) => {
          for (const i of cols) if (values[i]!.trim() !== '') return;
          report(severity, label, '', 'any-of', message);
        });
        return;
      }
      case 'consistent': {
        const keys = present(rule.key);
        const cols = present(rule.columns);
        if (keys.length !== rule.key.length) {
          problems.push({ column: rule.key.join('+'), message: `consistency rule key ${rule.key.join(' + ')} is not among the file's columns.` });
          return;
        }
        if (!cols.length) return;
        const keyLabel = keys.map((i) => headers[i]!).join(' + ');
        checks.push((file, values, row, store, report) => {
          let key = '';
          let blank = true;
          for (let k = 0; k < keys.length; k++) {
            const v = values[keys[k]!]!;
            if (v.trim() !== '') blank = false;
            key += k ? SEP + v : v;
          }
          if (blank) return;
          let joined = '';
          for (let k = 0; k < cols.length; k++) joined += k ? SEP + values[cols[k]!]! : values[cols[k]!]!;
          const first = store.checkConsistent(file, ruleNo, key, joined, row);
          if (!first) return;
          const before = first.values.split(SEP);
          const differing = cols.map((c, k) => ({ c, was: before[k] ?? '' })).filter(({ c, was }) => values[c] !== was);
          const shown = key.split(SEP).join(' + ');
          for (const { c, was } of differing) {
            report(
              severity,
              headers[c]!,
              values[c]!,
              'consistent',
              `${keyLabel} ${shown} has ${headers[c]} "${was}" on row ${first.row}; one ${keyLabel} must stand for one record${rule.message ? ` (${rule.message})` : ''}`,
            );
          }
        });
        return;
      }
      default:
        assertNever(rule, 'row rule');
    }
  });
  return { checks, problems };
}

/**
 * FileDef.rowPer: one row per value of a `;`-separated source field, each row seeing one value there.
 * A blank field still yields one row (so required-value checks report it instead of losing the record).
 */
export function rowExpander(field: string, separator = ';'): (row: Row) => Row[] {
  const wanted = field.trim().toLowerCase();
  let key: string | undefined;
  return (row) => {
    if (key === undefined || !(key in row)) key = Object.keys(row).find((k) => k.trim().toLowerCase() === wanted) ?? wanted;
    const column = key;
    const raw = row[column] ?? '';
    const parts = raw.split(separator).map((p) => p.trim()).filter((p) => p !== '');
    if (parts.length <= 1) return [parts.length === 1 && parts[0] !== raw ? { ...row, [column]: parts[0]! } : row];
    return [...new Set(parts)].map((part) => ({ ...row, [column]: part }));
  };
}
