/**
 * The entity builder's form state and its translation to and from the saved builder spec
 * (src/shared/entity-builder.ts). Tables are keyed `schema.name` as the source lists them; a mapped
 * column is keyed by where it is (`b.First_Name`, `j1.Course_Name`, `list:0.TermID`). Pure.
 */
import { CANONICAL_FIELDS } from '../../../../src/shared/entities.js';
import type { BuilderField, BuilderTable, EntityBuilderSpec, EntityBuilderSpecInput, FilterOp } from '../../../../src/shared/entity-builder.js';
import type { ColumnCandidate } from '../../../../src/shared/field-names.js';
import type { Entity } from '../../../../src/shared/format.js';
import type { TableView } from '../../api/types.js';

export interface JoinState {
  readonly table: string;
  readonly kind: 'left' | 'inner';
  /** The joined table's key column. */
  readonly column: string;
  /** The column key (`b.X`, `j1.X`) it equals. */
  readonly equals: string;
}

/** A related table whose values are listed per row (a student's guardians). */
export interface ListState {
  readonly table: string;
  readonly key: string;
  readonly equals: string;
}

export interface FilterState {
  /** `b` or `j1`…: whose column. */
  readonly on: string;
  readonly column: string;
  readonly op: FilterOp;
  /** One value, or several separated by commas for in / not in. */
  readonly value: string;
}

export type FieldChoice =
  | { readonly kind: 'column'; readonly key: string }
  | { readonly kind: 'constant'; readonly value: string }
  | { readonly kind: 'list'; readonly list: number; readonly column: string };

export interface BuilderState {
  readonly table: string;
  readonly joins: readonly JoinState[];
  readonly lists: readonly ListState[];
  readonly filters: readonly FilterState[];
  readonly fields: Readonly<Record<string, FieldChoice>>;
}

export const EMPTY_BUILDER: BuilderState = { table: '', joins: [], lists: [], filters: [], fields: {} };

export const tableKey = (t: { readonly schema?: string; readonly name: string }): string => (t.schema ? `${t.schema}.${t.name}` : t.name);

export function tableRef(key: string, tables: readonly TableView[]): BuilderTable {
  const found = tables.find((t) => tableKey(t) === key);
  return found ? (found.schema ? { schema: found.schema, name: found.name } : { name: found.name }) : { name: key };
}

/** `j1.Course_Name` → alias j1, column Course_Name (the column may hold dots). */
export function splitColumnKey(key: string): { alias: string; column: string } {
  const dot = key.indexOf('.');
  return { alias: key.slice(0, dot), column: key.slice(dot + 1) };
}

export function columnsOf(key: string, tables: readonly TableView[]): readonly string[] {
  return tables.find((t) => tableKey(t) === key)?.columns.map((c) => c.name) ?? [];
}

/** Every column on offer, in order: main table, joins, then related lists (multi-valued fields only). */
export function builderCandidates(state: BuilderState, tables: readonly TableView[]): ColumnCandidate[] {
  const out: ColumnCandidate[] = columnsOf(state.table, tables).map((c) => ({ key: `b.${c}`, name: c }));
  state.joins.forEach((j, k) => out.push(...columnsOf(j.table, tables).map((c) => ({ key: `j${k + 1}.${c}`, name: c }))));
  state.lists.forEach((l, k) => out.push(...columnsOf(l.table, tables).map((c) => ({ key: `list:${k}.${c}`, name: c, list: true }))));
  return out;
}

function filterValues(f: FilterState): string[] {
  switch (f.op) {
    case 'in':
    case 'not-in':
      return f.value.split(',').map((v) => v.trim()).filter((v) => v !== '');
    case 'equals':
    case 'not-equals':
      return [f.value];
    default:
      return [];
  }
}

/** The spec the generator reads (it reports what is still missing). */
export function toSpec(entity: Entity, state: BuilderState, tables: readonly TableView[]): EntityBuilderSpecInput {
  const fields: Record<string, BuilderField> = {};
  for (const field of CANONICAL_FIELDS[entity]) {
    const choice = state.fields[field];
    if (!choice) continue;
    if (choice.kind === 'column') fields[field] = { kind: 'column', ...splitColumnKey(choice.key) };
    else if (choice.kind === 'constant') fields[field] = { kind: 'constant', value: choice.value };
    else {
      const list = state.lists[choice.list];
      if (list) fields[field] = { kind: 'list', table: tableRef(list.table, tables), column: choice.column, key: list.key, equals: splitColumnKey(list.equals) };
    }
  }
  return {
    table: tableRef(state.table, tables),
    joins: state.joins.map((j, k) => ({ alias: `j${k + 1}`, table: tableRef(j.table, tables), kind: j.kind, column: j.column, equals: splitColumnKey(j.equals) })),
    filters: state.filters.map((f) => ({ alias: f.on, column: f.column, op: f.op, values: filterValues(f) })),
    fields,
  };
}

/** The form state of a saved spec, to reopen the builder where the admin left it. */
export function fromSpec(spec: EntityBuilderSpec): BuilderState {
  const lists: ListState[] = [];
  const fields: Record<string, FieldChoice> = {};
  for (const [field, source] of Object.entries(spec.fields)) {
    if (source.kind === 'column') fields[field] = { kind: 'column', key: `${source.alias}.${source.column}` };
    else if (source.kind === 'constant') fields[field] = { kind: 'constant', value: source.value };
    else {
      const list: ListState = { table: tableKey(source.table), key: source.key, equals: `${source.equals.alias}.${source.equals.column}` };
      let index = lists.findIndex((l) => l.table === list.table && l.key === list.key && l.equals === list.equals);
      if (index < 0) index = lists.push(list) - 1;
      fields[field] = { kind: 'list', list: index, column: source.column };
    }
  }
  return {
    table: tableKey(spec.table),
    joins: spec.joins.map((j) => ({ table: tableKey(j.table), kind: j.kind, column: j.column, equals: `${j.equals.alias}.${j.equals.column}` })),
    lists,
    filters: spec.filters.map((f) => ({ on: f.alias, column: f.column, op: f.op, value: f.values.join(', ') })),
    fields,
  };
}

/** A field choice as one <select> value, and back. */
export function choiceValue(choice: FieldChoice | undefined): string {
  if (!choice) return '';
  if (choice.kind === 'column') return `col:${choice.key}`;
  if (choice.kind === 'constant') return 'const';
  return `list:${choice.list}.${choice.column}`;
}

export function choiceFromValue(value: string, previous: FieldChoice | undefined): FieldChoice | undefined {
  if (value === '') return undefined;
  if (value === 'const') return { kind: 'constant', value: previous?.kind === 'constant' ? previous.value : '' };
  if (value.startsWith('col:')) return { kind: 'column', key: value.slice(4) };
  const rest = value.slice(5);
  const dot = rest.indexOf('.');
  return { kind: 'list', list: Number(rest.slice(0, dot)), column: rest.slice(dot + 1) };
}
