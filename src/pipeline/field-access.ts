import type { Row } from '../sources/types.js';
import type { FieldGetter } from './plan.js';

/**
 * Case-insensitive field access to the current row. Every row of one read has the same columns (a
 * result set, one file's header), so the columns are learnt from the first row and each requested
 * name is resolved once: nothing is allocated per row on this hot path.
 */
export function fieldAccess(): { get: FieldGetter; has(name: string): boolean; set(row: Row): void } {
  let current: Row = {};
  let columns: Map<string, string> | undefined;
  const resolved = new Map<string, string | null>();
  return {
    set(row) {
      current = row;
      columns ??= new Map(Object.keys(row).map((n) => [n.trim().toLowerCase(), n]));
    },
    has(name) {
      return columns?.has(name.trim().toLowerCase()) ?? false;
    },
    get(name) {
      let key = resolved.get(name);
      if (key === undefined) {
        key = columns?.get(name.toLowerCase()) ?? null;
        if (columns) resolved.set(name, key);
      }
      return key === null ? null : (current[key] ?? null);
    },
  };
}
