import type { Row, RowValues } from '../sources/types.js';
import type { FieldGetter } from './plan.js';

/** Field access to the current row of one read, case-insensitively by name (FieldGetter) or by index (`slot`). */
export interface FieldAccess {
  readonly get: FieldGetter;
  has(name: string): boolean;
  /** The current row, an object (drivers without array rows, rows a rowPer rule expanded). */
  set(row: Row): void;
  /** The read gives rows as arrays with these columns (RowBatch.columns): told once, before its first row. */
  useColumns(columns: readonly string[]): void;
  /** The current row, an array in the columns' order. */
  setValues(values: RowValues): void;
  /** Where a field is in an array row (case-insensitive, as `get`); -1 when the read has no such column or gives objects. */
  slot(name: string): number;
}

/**
 * Case-insensitive field access to the current row. Every row of one read has the same columns (a
 * result set, one file's header), so the columns are learnt from the first row (or the read's column
 * list) and each requested name is resolved once: nothing is allocated per row on this hot path.
 */
export function fieldAccess(): FieldAccess {
  let current: Row = {};
  let currentValues: RowValues = [];
  /** Trimmed lower-case name → the row's own name (object rows) or its index (array rows). */
  let columns: Map<string, string> | undefined;
  let indexes: Map<string, number> | undefined;
  const resolved = new Map<string, string | null>();
  const resolvedSlots = new Map<string, number>();
  const slot = (name: string): number => {
    if (!indexes) return -1;
    let at = resolvedSlots.get(name);
    if (at === undefined) {
      at = indexes.get(name.toLowerCase()) ?? -1;
      resolvedSlots.set(name, at);
    }
    return at;
  };
  return {
    set(row) {
      current = row;
      columns ??= new Map(Object.keys(row).map((n) => [n.trim().toLowerCase(), n]));
    },
    useColumns(names) {
      // A name given twice: the last one wins, as it does in an object row.
      indexes = new Map(names.map((n, i) => [n.trim().toLowerCase(), i]));
    },
    setValues(values) {
      currentValues = values;
    },
    slot,
    has(name) {
      const key = name.trim().toLowerCase();
      return indexes ? indexes.has(key) : (columns?.has(key) ?? false);
    },
    get(name) {
      if (indexes) {
        const at = slot(name);
        return at < 0 ? null : (currentValues[at] ?? null);
      }
      let key = resolved.get(name);
      if (key === undefined) {
        key = columns?.get(name.toLowerCase()) ?? null;
        if (columns) resolved.set(name, key);
      }
      return key === null ? null : (current[key] ?? null);
    },
  };
}
