/**
 * Rows as arrays (#18.1): a read that gives its rows as arrays (RowBatch.columns + values) is read by
 * index — the same values, issues and case-insensitive names as the object rows and the getter —
 * and its `rows` objects are built only when a caller asks for them.
 */
import { describe, expect, it } from 'vitest';
import { bindColumn, compileMapping } from '../../src/pipeline/plan.js';
import { fieldAccess } from '../../src/pipeline/field-access.js';
import type { TransformIssue } from '../../src/pipeline/transforms.js';
import { valuesBatch } from '../../src/sources/common.js';
import type { ColumnMapping } from '../../src/shared/format.js';
import type { Row, RowValues } from '../../src/sources/types.js';

const ctx = { phoneRegion: 'US', vars: { $runStartedAt: '2026-12-02T09:00:00Z' }, site: (code: string) => (code === '007' ? { siteId: 'S-7', label: 'Lincoln' } : undefined) };

const COLUMNS = ['Student_ID', ' first_name ', 'last_name', 'grade', 'school', 'email', 'username', 'grade'];
const ROWS: RowValues[] = [
  ['000101', 'Zoë', "O'Brien", 'K', '007', 'zoe@x.org', '', '05'],
  ['000102', null, 'Lee', '13', '008', null, 'lee', null],
  ['', '  ', '', '', ' 007 ', '', null, '-1'],
];

const MAPPINGS: readonly (ColumnMapping | undefined)[] = [
  { from: 'student_id' },
  { from: 'FIRST_NAME' },
  { from: 'last_name', transforms: [{ op: 'trim' }, { op: 'upper' }] },
  { from: 'grade', transforms: [{ op: 'grade', style: 'oneroster' }] },
  { from: 'school', transforms: [{ op: 'trim' }, { op: 'siteId' }] },
  { from: 'username|email' },
  { template: '{last_name}, {first_name}' },
  { const: 'student' },
  { from: '$runStartedAt' },
  { from: 'not_a_column' },
  undefined,
];

function objectRow(values: RowValues): Row {
  const row: Row = {};
  COLUMNS.forEach((c, k) => (row[c] = values[k] ?? null));
  return row;
}

describe('array rows read by index', () => {
  it('give every mapping the same value and issues as the object row through the getter', () => {
    const byIndex = fieldAccess();
    byIndex.useColumns(COLUMNS);
    const byName = fieldAccess();
    for (const mapping of MAPPINGS) {
      const column = compileMapping(mapping, ctx);
      const bound = bindColumn(column, byIndex.slot, byIndex.get);
      for (const values of ROWS) {
        byIndex.setValues(values);
        byName.set(objectRow(values));
        const a: TransformIssue[] = [];
        const b: TransformIssue[] = [];
        expect([bound(values, a), a], JSON.stringify(mapping)).toEqual([column(byName.get, b), b]);
      }
    }
  });

  it('resolve names case-insensitively and trimmed; a column named twice reads its last value, as an object row does', () => {
    const access = fieldAccess();
    access.useColumns(COLUMNS);
    access.setValues(ROWS[0]!);
    expect([access.slot('STUDENT_ID'), access.slot('first_name'), access.slot('grade'), access.slot('nope')]).toEqual([0, 1, 7, -1]);
    expect(access.get('Grade')).toBe('05');
    expect(access.get('nope')).toBeNull();
    expect([access.has(' Last_Name '), access.has('nope')]).toEqual([true, false]);
    expect(access.get('grade')).toBe(objectRow(ROWS[0]!).grade);
  });

  it('fall back to the getter for a field the read does not have (slot -1)', () => {
    const access = fieldAccess();
    access.useColumns(COLUMNS);
    const column = compileMapping({ from: 'student_id', transforms: [{ op: 'trim' }] }, ctx);
    const bound = bindColumn(column, () => -1, (name) => (name === 'student_id' ? ' via getter ' : null));
    expect(bound(ROWS[0]!, [])).toBe('via getter');
  });
});

describe('valuesBatch', () => {
  it('builds the rows objects once, on first use, with the origins of its rows', () => {
    const batch = valuesBatch(COLUMNS, ROWS, (i) => `students row ${i + 14}`);
    expect(batch.values).toBe(ROWS);
    const rows = batch.rows;
    expect(batch.rows).toBe(rows);
    expect(rows[1]).toEqual(objectRow(ROWS[1]!));
    expect(rows[0]!.grade).toBe('05');
    expect(batch.origin(2)).toBe('students row 16');
  });
});
