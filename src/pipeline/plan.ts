/**
 * Stage "map" (compile time): a destination's format, options and mapping become a plan —
 * per file, its header and, per entity, one compiled function per column. Built once per run,
 * applied to every row.
 */
import type { ColumnDef, ColumnMapping, Dialect, Entity, FileDef, FormatDef, HeaderCase, PersonRole, RoleSource } from '../shared/format.js';
import { resolveDialect } from '../shared/format.js';
import type { DestinationConfig, SiteMapEntry, SourceConfig } from '../shared/config.schema.js';
import type { TransformStep } from '../shared/transform.js';
import type { Finding } from '../shared/run.js';
import type { EntityRequest, RowValues } from '../sources/types.js';
import { getSourceDriver } from '../sources/registry.js';
import { entityRequestOf, resolveSourceEntities } from '../profiles/resolve.js';
import { compileTransforms, type CompiledTransform, type TransformContext, type TransformIssue } from './transforms.js';
import { compileColumnCheck, type ValueProblem } from './value-rules.js';
import { compileRowRules, type RowCheck } from './row-rules.js';
import { sourceFieldsOf, type FieldNeed } from './source-fields.js';
import { compileInactiveTest, type InactiveTest } from './inactive.js';

/** Reads a field of the current source row; case-insensitive; null when absent. */
export type FieldGetter = (name: string) => string | null;

export type CompiledColumn = (get: FieldGetter, issues: TransformIssue[]) => string;

/** A column bound to one read's array rows: its source field read by index (bindColumn). */
export type BoundColumn = (row: RowValues, issues: TransformIssue[]) => string;

/** Columns that read one source field (`from: 'field'`), with their transform: what bindColumn can read by index. */
const singleFieldColumns = new WeakMap<CompiledColumn, { readonly field: string; readonly transform?: CompiledTransform; readonly ctx: Omit<TransformContext, 'field'> }>();

/**
 * A column for the rows of one read: a column reading one source field becomes an index into the
 * row's values (`slot` found once per read); any other column (templates, alternatives, constants,
 * run variables, a field the read does not have, namespaced IDs: `slot` -1) calls the compiled
 * column with the row getter, which `get` reads from the same current row.
 */
export function bindColumn(column: CompiledColumn, slot: (field: string) => number, get: FieldGetter): BoundColumn {
  const single = singleFieldColumns.get(column);
  const at = single ? slot(single.field) : -1;
  if (!single || at < 0) return (_row, issues) => column(get, issues);
  const transform = single.transform;
  if (!transform) return (row) => row[at] ?? '';
  const tctx: TransformContext = { ...single.ctx, field: get };
  return (row, issues) => transform(row[at] ?? '', tctx, issues);
}

export interface ColumnPlan {
  readonly def: ColumnDef;
  readonly header: string;
  readonly required: boolean;
  readonly check: (value: string, problems: ValueProblem[]) => void;
  readonly multiSeparator?: string;
}

export interface EntityPlan {
  readonly entity: Entity;
  readonly request: EntityRequest;
  readonly columns: readonly CompiledColumn[];
  readonly filters: readonly { field: string; values: ReadonlySet<string> }[];
  /** One output row per value of this multi-valued source field (FileDef.rowPer). */
  readonly rowPer?: string;
  /** The format's inactive rule for this entity's rows (FormatDef.inactive). */
  readonly inactive?: InactiveTest;
  /** Columns that read source fields, checked against the first row read (source-fields.ts). */
  readonly fieldNeeds: readonly FieldNeed[];
}

export interface ReferencePlan {
  readonly columnIndex: number;
  readonly column: string;
  readonly separator?: string;
  readonly targetFile: string;
  readonly severity: 'error' | 'warning';
  /** The role the target row must have (reference-roles.ts). */
  readonly expectRole?: PersonRole | RoleSource;
}

export interface FilePlan {
  readonly def: FileDef;
  readonly dialect: Dialect;
  readonly columns: readonly ColumnPlan[];
  readonly entities: readonly EntityPlan[];
  /** The columns identifying a row: the key, then FileDef.repeats. */
  readonly keyIndexes: readonly number[];
  /** With FileDef.repeats: the key alone (what references to this file name). */
  readonly recordKeyIndexes?: readonly number[];
  readonly references: readonly ReferencePlan[];
  /** Row-level checks (FileDef.rowRules), run after the column checks of each row. */
  readonly rowChecks: readonly RowCheck[];
  /** Columns filled from the run's clock (`$runStartedAt`) or describing the delivery (FormatDef.deltaDeletions): left out of the row fingerprint, so they never count as a change. */
  readonly volatileColumns: readonly number[];
  /** Delta deliveries of this file send a row per removed record (FormatDef.deltaDeletions): these columns and values. */
  readonly deletions?: DeletionPlan;
}

/** A removed record's row: blank but for its key, `status` at `statusIndex` and `modified` at `modifiedIndex`. */
export interface DeletionPlan {
  readonly statusIndex: number;
  readonly status: string;
  readonly modifiedIndex: number;
  readonly modified: string;
}

export interface Plan {
  readonly format: FormatDef;
  /** In delivery (and writing) order. */
  readonly files: readonly FilePlan[];
  /** Problems found before reading a row (unmapped required columns, missing entity queries). */
  readonly findings: readonly Finding[];
  /** Names of personal-data columns per file (for the audit ledger). */
  readonly personalColumns: ReadonlyMap<string, readonly string[]>;
  readonly unmappedSchools: Set<string>;
}

export function applyHeaderCase(name: string, headerCase: HeaderCase | undefined): string {
  switch (headerCase ?? 'as-is') {
    case 'as-is':
      return name;
    case 'upper-snake':
      return splitWords(name).join('_').toUpperCase();
    case 'lower-snake':
      return splitWords(name).join('_').toLowerCase();
    case 'camel': {
      const words = splitWords(name).map((w) => w.toLowerCase());
      return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
    }
  }
}

function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

/** Run variables a mapping can read with `from: '$name'` (see ColumnMapping.from). */
export type RunVariables = Readonly<Record<string, string>>;

/** Compiles one column mapping to a function of the source row. */
export function compileMapping(mapping: ColumnMapping | undefined, ctx: Omit<TransformContext, 'field'> & { readonly vars?: RunVariables }): CompiledColumn {
  if (!mapping) return () => '';
  const transform = mapping.transforms?.length ? compileTransforms(mapping.transforms as readonly TransformStep[]) : undefined;
  let base: (get: FieldGetter) => string;
  let singleField: string | undefined;
  if (mapping.const !== undefined) {
    const value = mapping.const;
    base = () => value;
  } else if (mapping.template !== undefined) {
    const parts = mapping.template.split(/(\{[^}]+\})/).filter((p) => p !== '');
    base = (get) => {
      let out = '';
      for (const p of parts) out += p.startsWith('{') && p.endsWith('}') ? (get(p.slice(1, -1).trim()) ?? '') : p;
      return out;
    };
  } else if (mapping.from !== undefined) {
    const alternatives = mapping.from.split('|').map((f) => f.trim()).filter(Boolean);
    const vars = ctx.vars ?? {};
    const read = (get: FieldGetter, f: string): string | null => (f.startsWith('$') ? (vars[f] ?? null) : get(f));
    if (alternatives.length === 1) {
      const field = alternatives[0]!;
      if (!field.startsWith('$')) singleField = field;
      base = field.startsWith('$') ? () => vars[field] ?? '' : (get) => get(field) ?? '';
    } else {
      base = (get) => {
        for (const f of alternatives) {
          const v = read(get, f);
          if (v !== null && v.trim() !== '') return v;
        }
        return '';
      };
    }
  } else {
    base = () => '';
  }
  let column: CompiledColumn;
  if (!transform) {
    column = (get) => base(get);
  } else {
    // The getter is stable for all rows of one entity: build the transform context once per getter.
    let lastGet: FieldGetter | undefined;
    let tctx: TransformContext | undefined;
    column = (get, issues) => {
      if (get !== lastGet) {
        lastGet = get;
        tctx = { ...ctx, field: get };
      }
      return transform(base(get), tctx!, issues);
    };
  }
  if (singleField !== undefined) singleFieldColumns.set(column, { field: singleField, transform, ctx });
  return column;
}

export interface PlanInput {
  readonly format: FormatDef;
  readonly destination: DestinationConfig;
  readonly source: SourceConfig;
  readonly siteMap: readonly SiteMapEntry[];
  /** Custom SIS profiles as stored, for a source whose `profile` is a custom one (src/profiles/resolve.ts). */
  readonly customProfiles?: readonly unknown[];
  /** The run's start (for `$runStartedAt`); now when omitted. */
  readonly now?: Date;
}

function optionValue(format: FormatDef, destination: DestinationConfig, id: string): boolean | string | undefined {
  if (id === 'syncMode') return destination.syncMode;
  const declared = format.options?.find((o) => o.id === id);
  return destination.formatOptions[id] ?? declared?.default;
}

export function buildPlan({ format, destination, source, siteMap, customProfiles, now }: PlanInput): Plan {
  const findings: Finding[] = [];
  const sourceEntities = resolveSourceEntities(source, customProfiles);
  const vars: RunVariables = { $runStartedAt: (now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'), $syncMode: destination.syncMode };
  const sites = new Map(siteMap.map((e) => [e.schoolCode, { siteId: e.siteId, label: e.label }]));
  const unmappedSchools = new Set<string>();
  const useSisCode = destination.unmappedSchool === 'use-sis-code';
  const ctx: Omit<TransformContext, 'field'> & { vars: RunVariables } = {
    vars,
    phoneRegion: destination.phoneRegion,
    option: (id) => {
      const value = optionValue(format, destination, id);
      return value === undefined ? undefined : String(value);
    },
    site: (code) => {
      const hit = sites.get(code);
      if (hit) return hit;
      unmappedSchools.add(code);
      return useSisCode ? { siteId: code, label: code } : undefined;
    },
  };

  // Option effects: files and columns left out, columns made optional, extra transforms.
  const omitFiles = new Set<string>();
  const omitColumns = new Set<string>();
  const optionalColumns = new Set<string>();
  const extraTransforms = new Map<string, readonly TransformStep[]>();
  const optionMappings = new Map<string, Partial<Record<Entity, ColumnMapping>>>();
  for (const effect of format.optionEffects ?? []) {
    const conditions = [{ option: effect.option, equals: effect.equals }, ...(effect.and ?? [])];
    if (conditions.some((c) => optionValue(format, destination, c.option) !== c.equals)) continue;
    effect.omitFiles?.forEach((f) => omitFiles.add(f));
    effect.omitColumns?.forEach((c) => omitColumns.add(`${c.file}/${c.column}`));
    effect.optionalColumns?.forEach((c) => optionalColumns.add(`${c.file}/${c.column}`));
    effect.columnTransforms?.forEach((c) => extraTransforms.set(`${c.file}/${c.column}`, c.transforms));
    effect.columnMappings?.forEach((c) => optionMappings.set(`${c.file}/${c.column}`, c.mapping));
    if (effect.requireSyncMode && effect.requireSyncMode !== destination.syncMode) {
      findings.push(
        planFinding('', '', 'sync-mode', `Option ${effect.option} = ${String(effect.equals)} needs syncMode "${effect.requireSyncMode}"; this destination is set to "${destination.syncMode}".`),
      );
    }
  }
  for (const c of destination.disabledColumns) omitColumns.add(`${c.file}/${c.column}`);
  const notCollected = new Set(destination.notCollected.map((c) => `${c.file}/${c.column}`));
  if (destination.syncMode === 'delta' && !format.supportsDelta) {
    findings.push(planFinding('', '', 'sync-mode', `${format.displayName} takes full snapshots only; set syncMode to "full".`));
  }
  if (format.requiresRowFilter && destination.rowFilters.length === 0) {
    findings.push(
      planFinding('', '', 'row-filter', `${format.displayName} counts every row against the district's licence: add a row filter (rowFilters) listing the licensed schools, courses or classes.`),
    );
  }

  const files: FilePlan[] = [];
  for (const def of [...format.files].sort((a, b) => a.order - b.order)) {
    if (omitFiles.has(def.name)) continue;
    const dialect = resolveDialect(format, def);
    const columnDefs = def.columns.filter((c) => {
      const id = `${def.name}/${c.name}`;
      if (!omitColumns.has(id)) return true;
      if (c.required && !optionalColumns.has(id)) {
        findings.push(planFinding(def.name, c.name, 'disabled-required', `${c.name} is required by the format and cannot be switched off.`));
        return true;
      }
      return false;
    });
    const columns: ColumnPlan[] = columnDefs.map((c) => {
      const required = c.required && !optionalColumns.has(`${def.name}/${c.name}`);
      return {
        def: c,
        header: applyHeaderCase(c.name, format.headerCase),
        required,
        check: compileColumnCheck(c, dialect, { required, neutraliseFormulas: destination.neutraliseFormulas }),
        multiSeparator: c.rule?.multi?.separator,
      };
    });

    const entities: EntityPlan[] = [];
    const volatile = new Set<number>();
    for (const entity of def.entities) {
      const request = entityRequestOf(sourceEntities, entity);
      const overrides = destination.mapping[def.name]?.[entity] ?? {};
      const anyMapping = columnDefs.some((c) => overrides[c.name] ?? optionMappings.get(`${def.name}/${c.name}`)?.[entity] ?? c.defaults?.[entity]);
      if (!request) {
        if (anyMapping || def.entities.length === 1) {
          const what = getSourceDriver(source.type).capabilities.includes('files') ? 'file' : 'query';
          const why = source.profile ? ` (its profile ${source.profile} gives none; add one under the source's entities)` : '';
          findings.push(planFinding(def.name, '', 'no-query', `Source "${source.name}" has no ${entity} ${what}${why}; ${def.name} needs ${entity} rows.`));
        }
        continue;
      }
      const fieldNeeds: FieldNeed[] = [];
      const compiled = columnDefs.map((c, index) => {
        // A column the district does not collect is sent blank on purpose (and not reported as missing).
        const mapping = notCollected.has(`${def.name}/${c.name}`)
          ? undefined
          : (overrides[c.name] ?? optionMappings.get(`${def.name}/${c.name}`)?.[entity] ?? c.defaults?.[entity]);
        if (mapping?.from?.includes('$runStartedAt')) volatile.add(index);
        const required = c.required && !optionalColumns.has(`${def.name}/${c.name}`);
        if (!mapping && required) {
          findings.push(planFinding(def.name, c.name, 'unmapped', `${c.name} is required but has no mapping for ${entity} rows.`));
        }
        const extra = extraTransforms.get(`${def.name}/${c.name}`);
        const effective: ColumnMapping | undefined = extra ? { ...(mapping ?? {}), transforms: [...(mapping?.transforms ?? []), ...extra] } : mapping;
        const column = compileMapping(effective, ctx);
        const fields = sourceFieldsOf(effective);
        if (fields.length) fieldNeeds.push({ column: columns[index]!.header, fields, required, whenMissing: column(() => null, []) });
        return column;
      });
      const filters = [...(def.rowFilters ?? []), ...destination.rowFilters]
        .filter((f) => !f.entities || f.entities.includes(entity))
        .map((f) => ({ field: f.field, values: new Set(f.values) }));
      const inactive = compileInactiveTest(format.inactive, entity);
      if (inactive) fieldNeeds.push({ column: inactive.field, fields: [inactive.field], required: false, whenMissing: '', activeFlag: true });
      entities.push({ entity, request, columns: compiled, filters, rowPer: def.rowPer?.[entity], inactive, fieldNeeds });
    }

    const headerIndex = new Map(columnDefs.map((c, i) => [c.name, i]));
    // A key column an option left out drops out of the key; a key must keep at least one column.
    const keyIndexes = def.key.flatMap((k) => {
      const i = headerIndex.get(k);
      if (i === undefined && !def.columns.some((c) => c.name === k)) throw new Error(`Format ${format.id}: ${def.name} key column ${k} is not one of its columns.`);
      return i === undefined ? [] : [i];
    });
    if (def.key.length && !keyIndexes.length) {
      findings.push(planFinding(def.name, def.key.join('+'), 'key', `every key column (${def.key.join(', ')}) is switched off; at least one is needed to tell records apart.`));
    }
    // Repeated-row columns an option left out drop out too (no parent columns: one row per student).
    const repeatIndexes = (def.repeats ?? []).flatMap((c) => (headerIndex.has(c) ? [headerIndex.get(c)!] : []));
    const references: ReferencePlan[] = [];
    for (const ref of def.references ?? []) {
      const i = headerIndex.get(ref.column);
      if (i === undefined) continue;
      if (omitFiles.has(ref.file)) continue;
      references.push({
        columnIndex: i,
        column: ref.column,
        separator: columnDefs[i]!.rule?.multi?.separator,
        targetFile: ref.file,
        severity: ref.severity ?? 'error',
        expectRole: ref.expectRole,
      });
    }
    const names = columns.map((c) => c.def.name);
    const rowRules = compileRowRules(repeatIndexes.length ? withRepeatedRowsRule(def, names) : def, names, columns.map((c) => c.header));
    rowRules.problems.forEach((p) => findings.push(planFinding(def.name, p.column, 'row-rule', p.message)));
    // Both columns stay out of the fingerprint in every mode; removed records' rows are written in delta mode only.
    const deletions = deletionPlan(format, headerIndex, vars);
    if (deletions) volatile.add(deletions.statusIndex).add(deletions.modifiedIndex);
    const volatileColumns = [...volatile].sort((a, b) => a - b);
    const rowKey = repeatIndexes.length ? { keyIndexes: [...keyIndexes, ...repeatIndexes], recordKeyIndexes: keyIndexes } : { keyIndexes };
    files.push({ def, dialect, columns, entities, ...rowKey, references, rowChecks: rowRules.checks, volatileColumns, deletions: destination.syncMode === 'delta' ? deletions : undefined });
  }

  const personalColumns = new Map(files.map((f) => [f.def.name, f.columns.filter((c) => c.def.personal).map((c) => c.header)]));
  return { format, files, findings, personalColumns, unmappedSchools };
}

/** FileDef.repeats: a record's rows agree on every column but the key and the repeated ones. */
function withRepeatedRowsRule(def: FileDef, names: readonly string[]): FileDef {
  const varying = new Set([...def.key, ...(def.repeats ?? [])]);
  const columns = names.filter((n) => !varying.has(n));
  if (!columns.length) return def;
  const rule = { kind: 'consistent', key: def.key, columns, message: `a record's rows differ only in ${def.repeats!.join(', ')}` } as const;
  return { ...def, rowRules: [...(def.rowRules ?? []), rule] };
}

/** FormatDef.deltaDeletions for one file, when the file holds both columns. */
function deletionPlan(format: FormatDef, headerIndex: ReadonlyMap<string, number>, vars: RunVariables): DeletionPlan | undefined {
  const spec = format.deltaDeletions;
  if (!spec) return undefined;
  const statusIndex = headerIndex.get(spec.statusColumn);
  const modifiedIndex = headerIndex.get(spec.modifiedColumn);
  if (statusIndex === undefined || modifiedIndex === undefined) return undefined;
  return { statusIndex, status: spec.status, modifiedIndex, modified: vars.$runStartedAt };
}

function planFinding(file: string, column: string, rule: string, message: string): Finding {
  return { severity: 'error', file, row: 0, column, value: '', rule, message };
}
