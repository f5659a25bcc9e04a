/**
 * Pure helpers of the mapping wizard: which mapping applies to a column (the destination's
 * override or the format's default), whether a column is really mapped given the fields the
 * source returns, immutable edits of a destination's mapping, and transform steps in words.
 */
import type { MappingTable } from '../../../src/shared/config.schema.js';
import type { ColumnMapping, Entity } from '../../../src/shared/format.js';
import { assertNever, type TransformStep } from '../../../src/shared/transform.js';

export type MappingMode = 'default' | 'unmapped' | 'field' | 'const' | 'template' | 'blank';

export interface ColumnRef {
  readonly file: string;
  readonly entity: Entity;
  readonly column: string;
}

export function getOverride(mapping: MappingTable, ref: ColumnRef): ColumnMapping | undefined {
  return mapping[ref.file]?.[ref.entity]?.[ref.column];
}

/** Sets (or with `undefined` removes) one column's override; empty branches are pruned. */
export function setOverride(mapping: MappingTable, ref: ColumnRef, value: ColumnMapping | undefined): MappingTable {
  const file = { ...(mapping[ref.file] ?? {}) };
  const entity = { ...(file[ref.entity] ?? {}) };
  if (value === undefined) delete entity[ref.column];
  else entity[ref.column] = value;
  if (Object.keys(entity).length) file[ref.entity] = entity;
  else delete file[ref.entity];
  const next = { ...mapping };
  if (Object.keys(file).length) next[ref.file] = file;
  else delete next[ref.file];
  return next;
}

export function countOverrides(mapping: MappingTable): number {
  let n = 0;
  for (const file of Object.values(mapping)) for (const entity of Object.values(file ?? {})) n += Object.keys(entity ?? {}).length;
  return n;
}

/** The mode an override (or the lack of one) stands for. */
export function modeOf(override: ColumnMapping | undefined, formatDefault: ColumnMapping | null): MappingMode {
  if (!override) return formatDefault && !isEmptyMapping(formatDefault) ? 'default' : 'unmapped';
  if (override.template !== undefined) return 'template';
  if (override.from !== undefined) return 'field';
  if (override.const !== undefined) return override.const === '' && !override.transforms?.length ? 'blank' : 'const';
  return override.transforms?.length ? 'const' : 'blank';
}

function isEmptyMapping(m: ColumnMapping): boolean {
  return m.from === undefined && m.template === undefined && (m.const === undefined || m.const === '') && !m.transforms?.length;
}

/** Source fields a mapping reads: `a|b` alternatives, `{field}` in templates, `when` conditions. */
export function referencedFields(m: ColumnMapping): string[] {
  const fields: string[] = [];
  if (m.from) fields.push(...m.from.split('|').map((f) => f.trim()).filter(Boolean));
  if (m.template) for (const match of m.template.matchAll(/\{([^{}]+)\}/g)) fields.push((match[1] ?? '').trim());
  return fields;
}

export type ColumnState =
  /** Mapped to fields the source returns, or to a constant. */
  | { readonly kind: 'ok' }
  /** Nothing maps it: the column is sent empty. */
  | { readonly kind: 'unmapped' }
  /** Explicitly left empty. */
  | { readonly kind: 'blank' }
  /** Reads fields the source does not return. */
  | { readonly kind: 'missing-field'; readonly fields: readonly string[] }
  /** The source provides no rows of this entity (no query/file): the column is not produced. */
  | { readonly kind: 'no-entity' };

/**
 * Whether a column gets a value. `sourceFields` undefined = the entity's fields are unknown
 * (the source has no query for it). Field names compare case-insensitively, as the pipeline does.
 */
export function columnState(effective: ColumnMapping | null | undefined, sourceFields: readonly string[] | undefined): ColumnState {
  if (sourceFields === undefined) return { kind: 'no-entity' };
  if (!effective || isEmptyMapping(effective)) return effective && effective.const === '' ? { kind: 'blank' } : { kind: 'unmapped' };
  const known = new Set(sourceFields.map((f) => f.toLowerCase()));
  const fields = referencedFields(effective);
  if (effective.from !== undefined) {
    const alternatives = effective.from.split('|').map((f) => f.trim()).filter(Boolean);
    if (alternatives.length && !alternatives.some((f) => known.has(f.toLowerCase()))) return { kind: 'missing-field', fields: alternatives };
  }
  if (effective.template !== undefined) {
    const missing = fields.filter((f) => !known.has(f.toLowerCase()));
    if (missing.length) return { kind: 'missing-field', fields: missing };
  }
  return { kind: 'ok' };
}

/** A required column that would be sent empty. */
export function isRequiredProblem(required: boolean, state: ColumnState): boolean {
  return required && (state.kind === 'unmapped' || state.kind === 'blank' || state.kind === 'missing-field');
}

/** Transform steps offered in the wizard, with a short description each. */
export const TRANSFORM_PRESETS: readonly { readonly id: string; readonly label: string; readonly step: TransformStep }[] = [
  { id: 'trim', label: 'Trim spaces', step: { op: 'trim' } },
  { id: 'upper', label: 'UPPER CASE', step: { op: 'upper' } },
  { id: 'lower', label: 'lower case', step: { op: 'lower' } },
  { id: 'title', label: 'Title Case', step: { op: 'title' } },
  { id: 'siteId', label: 'School code → vendor site ID', step: { op: 'siteId' } },
  { id: 'siteLabel', label: 'School code → school label', step: { op: 'siteLabel' } },
  { id: 'grade-oneroster', label: 'Grade → OneRoster code (KG, 01…)', step: { op: 'grade', style: 'oneroster' } },
  { id: 'grade-clever', label: 'Grade → words (Kindergarten, 1…)', step: { op: 'grade', style: 'clever' } },
  { id: 'grade-number', label: 'Grade → number (0, 1…)', step: { op: 'grade', style: 'number' } },
  { id: 'gender-letter', label: 'Gender → M / F / X', step: { op: 'gender', style: 'letter' } },
  { id: 'gender-word', label: 'Gender → male / female / other', step: { op: 'gender', style: 'word' } },
  { id: 'bool-truefalse', label: 'Yes/no → true / false', step: { op: 'bool', style: 'truefalse' } },
  { id: 'bool-yn', label: 'Yes/no → Y / N', step: { op: 'bool', style: 'yn' } },
  { id: 'bool-10', label: 'Yes/no → 1 / 0', step: { op: 'bool', style: '10' } },
  { id: 'date-iso', label: 'Date → YYYY-MM-DD', step: { op: 'date', format: 'iso' } },
  { id: 'date-mdy', label: 'Date → m/d/yyyy (3/7/2012)', step: { op: 'date', format: 'm/d/yyyy' } },
  { id: 'date-MDY', label: 'Date → MM/DD/YYYY', step: { op: 'date', format: 'MM/DD/YYYY' } },
  { id: 'date-compact', label: 'Date → yyyymmdd', step: { op: 'date', format: 'yyyymmdd' } },
  { id: 'phone-e164', label: 'Phone → +15551234567', step: { op: 'phone', style: 'e164' } },
  { id: 'phone-national', label: 'Phone → (555) 123-4567', step: { op: 'phone', style: 'national' } },
  { id: 'phone-digits', label: 'Phone → digits only', step: { op: 'phone', style: 'digits' } },
  { id: 'digits', label: 'Keep digits only', step: { op: 'digits' } },
  { id: 'list', label: 'List: “a;b” → “a,b”', step: { op: 'multi', split: ';', join: ',' } },
  { id: 'default', label: 'When empty, use…', step: { op: 'default', value: '' } },
  { id: 'prefix', label: 'Add text before…', step: { op: 'prefix', value: '' } },
  { id: 'suffix', label: 'Add text after…', step: { op: 'suffix', value: '' } },
  { id: 'truncate', label: 'Cut to a length…', step: { op: 'truncate', max: 60 } },
];

/** One step in words, for the mapping grid. */
export function describeStep(step: TransformStep): string {
  switch (step.op) {
    case 'trim':
      return 'trim';
    case 'upper':
      return 'upper case';
    case 'lower':
      return 'lower case';
    case 'title':
      return 'title case';
    case 'map':
      return `translate (${Object.keys(step.table).length} values)`;
    case 'grade':
      return step.style === 'oneroster' ? 'grade → OneRoster code' : step.style === 'clever' ? 'grade → words' : 'grade → number';
    case 'gender':
      return step.style === 'letter' ? 'gender → M/F/X' : 'gender → word';
    case 'bool':
      return step.style === 'truefalse' ? 'yes/no → true/false' : step.style === 'yn' ? 'yes/no → Y/N' : 'yes/no → 1/0';
    case 'race':
      return `race → ${step.category} true/false`;
    case 'domain':
      return `add @domain (option ${step.option})`;
    case 'date':
      return `date → ${step.format === 'iso' ? 'YYYY-MM-DD' : step.format}`;
    case 'phone':
      return `phone → ${step.style === 'e164' ? 'E.164' : step.style}`;
    case 'siteId':
      return 'school → site ID';
    case 'siteLabel':
      return 'school → label';
    case 'multi':
      return `list “${step.split}” → “${step.join}”${step.max ? ` (max ${step.max})` : ''}${step.each?.length ? `, each: ${step.each.map(describeStep).join(', ')}` : ''}`;
    case 'default':
      return `when empty: “${step.value}”`;
    case 'prefix':
      return `prefix “${step.value}”`;
    case 'suffix':
      return `suffix “${step.value}”`;
    case 'digits':
      return step.pad ? `digits, padded to ${step.pad}` : 'digits only';
    case 'truncate':
      return `cut to ${step.max}`;
    case 'replace':
      return `replace /${step.pattern}/ with “${step.with}”`;
    case 'when':
      return `if ${step.field ?? 'value'} ${step.empty ? 'is empty' : step.in ? `in (${step.in.join(', ')})` : `= “${step.equals ?? ''}”`} → “${step.then}”${step.else !== undefined ? ` else “${step.else}”` : ''}`;
    case 'blank':
      return 'always empty';
    default:
      return assertNever(step, 'transform step');
  }
}

/** A mapping in words: `first_name → trim`, `"school"`, `{first} {last}`. */
export function describeMapping(m: ColumnMapping | null | undefined): string {
  if (!m) return 'not mapped';
  const base = m.template !== undefined ? m.template : m.from !== undefined ? m.from : m.const !== undefined ? (m.const === '' ? '(empty)' : `“${m.const}”`) : '(empty)';
  const steps = m.transforms?.length ? ` → ${m.transforms.map(describeStep).join(' → ')}` : '';
  return `${base}${steps}`;
}

/** Which (file, row, column) cells of a preview have findings, worst severity first. */
export function findingIndex(findings: readonly { readonly file: string; readonly row: number; readonly column: string; readonly severity: 'error' | 'warning'; readonly message: string }[]): Map<string, { severity: 'error' | 'warning'; messages: string[] }> {
  const index = new Map<string, { severity: 'error' | 'warning'; messages: string[] }>();
  for (const f of findings) {
    const key = `${f.file}\u0000${f.row}\u0000${f.column}`;
    const cur = index.get(key);
    if (!cur) index.set(key, { severity: f.severity, messages: [f.message] });
    else {
      if (f.severity === 'error') cur.severity = 'error';
      cur.messages.push(f.message);
    }
  }
  return index;
}

export function findingKey(file: string, row: number, column: string): string {
  return `${file}\u0000${row}\u0000${column}`;
}
