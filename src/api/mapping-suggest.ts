/**
 * Mapping suggestions for the wizard: for every target column of a format and every entity its
 * file is built from, the source fields whose names are closest to the column name (or that the
 * format's default mapping reads). Pure.
 */
import type { ColumnMapping, Entity, FormatDef } from '../shared/format.js';
import type { ColumnSuggestion, FieldCandidate } from '../shared/api.contract.js';
import type { DestinationConfig } from '../shared/config.schema.js';

/** Words that mean the same in SIS tables and vendor formats. */
const SYNONYMS: Readonly<Record<string, string>> = {
  given: 'first',
  forename: 'first',
  fname: 'first',
  family: 'last',
  surname: 'last',
  lname: 'last',
  sourced: 'id',
  identifier: 'id',
  org: 'school',
  site: 'school',
  building: 'school',
  mail: 'email',
  dob: 'birth',
  birthdate: 'birth',
  sex: 'gender',
  grade: 'grade',
  level: 'grade',
  login: 'username',
  user: 'username',
  section: 'class',
  teacher: 'teacher',
  staff: 'teacher',
  instructor: 'teacher',
  pupil: 'student',
  learner: 'student',
  number: 'id',
  num: 'id',
  no: 'id',
  code: 'id',
};

/** Words ending in s that are not plurals. */
const KEEP_S = new Set(['sis', 'status', 'gps', 'alias', 'bus', 'campus']);

/** `orgSourcedIds` → ['school', 'id'] ; `first_name` → ['first', 'name']. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((t) => (t.length > 2 && t.endsWith('s') && !t.endsWith('ss') && !KEEP_S.has(t) ? t.slice(0, -1) : t))
    .map((t) => SYNONYMS[t] ?? t);
}

const compact = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** 0–1: how alike two field names are. */
export function nameSimilarity(target: string, field: string): number {
  if (compact(target) === compact(field)) return 1;
  const a = new Set(nameTokens(target));
  const b = new Set(nameTokens(field));
  if (!a.size || !b.size) return 0;
  let common = 0;
  for (const t of a) if (b.has(t)) common++;
  const jaccard = common / (a.size + b.size - common);
  const ta = [...a].join('');
  const tb = [...b].join('');
  const [short, long] = ta.length <= tb.length ? [ta, tb] : [tb, ta];
  const contained = short.length >= 3 && long.includes(short) ? (0.8 * short.length) / long.length : 0;
  // Only an exact (spelling-insensitive) match scores 1; same words via synonyms score at most 0.95.
  return Math.round(Math.min(0.95, Math.max(jaccard, contained)) * 100) / 100;
}

/** Source fields a mapping reads: `from` alternatives (`a|b`) and `{field}` template slots. */
export function mappingFields(mapping: ColumnMapping | undefined): string[] {
  if (!mapping) return [];
  const fields: string[] = [];
  if (mapping.from) fields.push(...mapping.from.split('|').map((f) => f.trim()).filter(Boolean));
  if (mapping.template) for (const m of mapping.template.matchAll(/\{([^}]+)\}/g)) fields.push(m[1]!.trim());
  return fields;
}

const MIN_SCORE = 0.34;
const MAX_CANDIDATES = 5;

/** Candidates for one target column among the fields of one entity, best first. */
export function rankFields(column: string, fields: readonly string[], preferred: readonly string[] = []): FieldCandidate[] {
  const lowerPreferred = new Set(preferred.map((p) => p.toLowerCase()));
  return fields
    .map((field) => ({ field, score: lowerPreferred.has(field.toLowerCase()) ? 1 : nameSimilarity(column, field) }))
    .filter((c) => c.score >= MIN_SCORE)
    .sort((x, y) => y.score - x.score || x.field.localeCompare(y.field))
    .slice(0, MAX_CANDIDATES);
}

/** Files the options leave out (format `optionEffects.omitFiles`). */
export function omittedFiles(format: FormatDef, options: Readonly<Record<string, boolean | string>>): Set<string> {
  const omitted = new Set<string>();
  for (const effect of format.optionEffects ?? []) {
    const option = format.options?.find((o) => o.id === effect.option);
    const value = options[effect.option] ?? option?.default;
    if (value === effect.equals) for (const f of effect.omitFiles ?? []) omitted.add(f);
  }
  return omitted;
}

export function suggestColumns(
  format: FormatDef,
  sourceFields: Partial<Readonly<Record<Entity, readonly string[]>>>,
  options: Readonly<Record<string, boolean | string>> = {},
  mapping: DestinationConfig['mapping'] = {},
): ColumnSuggestion[] {
  const omitted = omittedFiles(format, options);
  const out: ColumnSuggestion[] = [];
  for (const file of format.files) {
    if (omitted.has(file.name)) continue;
    for (const entity of file.entities) {
      const fields = sourceFields[entity] ?? [];
      for (const column of file.columns) {
        const formatDefault = column.defaults?.[entity] ?? null;
        const current = mapping[file.name]?.[entity]?.[column.name] ?? null;
        out.push({
          file: file.name,
          entity,
          column: column.name,
          required: column.required,
          ...(column.description ? { description: column.description } : {}),
          formatDefault,
          current,
          candidates: rankFields(column.name, fields, mappingFields(formatDefault ?? undefined)),
        });
      }
    }
  }
  return out;
}
