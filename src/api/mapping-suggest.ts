/**
 * Mapping suggestions for the wizard: for every target column of a format and every entity its
 * file is built from, the source fields whose names are closest to the column name or to the
 * canonical fields the format's default mapping reads — so a source with the SIS's own column
 * names (`StudentNumber`, `DOB`) gets the same suggestions as one with canonical names. The name
 * matching is the entity builder's (src/shared/field-names.ts): one suggester for both. Pure.
 */
import { fieldScore, nameSimilarity } from '../shared/field-names.js';
import type { ColumnMapping, Entity, FormatDef } from '../shared/format.js';
import type { ColumnSuggestion, FieldCandidate } from '../shared/api.contract.js';
import type { DestinationConfig } from '../shared/config.schema.js';

/** Source fields a mapping reads: `from` alternatives (`a|b`) and `{field}` template slots. */
export function mappingFields(mapping: ColumnMapping | undefined): string[] {
  if (!mapping) return [];
  const fields: string[] = [];
  if (mapping.from) fields.push(...mapping.from.split('|').map((f) => f.trim()).filter(Boolean));
  if (mapping.template) for (const m of mapping.template.matchAll(/\{([^}]+)\}/g)) fields.push(m[1]!.trim());
  return fields;
}

const MIN_SCORE = 0.34;
/** Each later alternative of a default mapping's `from` weighs this much less than the one before. */
const FALLBACK_WEIGHT = 0.6;
const MAX_CANDIDATES = 5;

/**
 * Candidates for one target column among the fields of one entity, best first: a field scores by
 * its name against the column's, or against a canonical field the default mapping reads
 * (`preferred`; the same name scores 1). A later alternative of `a|b|c` counts less: it is the
 * fallback, so `Network_ID` beats `Student_Number` for `username|email|student_id`.
 */
export function rankFields(column: string, fields: readonly string[], preferred: readonly string[] = [], entity?: Entity): FieldCandidate[] {
  return fields
    .map((field) => ({ field, score: Math.round(Math.max(nameSimilarity(column, field, entity), ...preferred.map((p, k) => fieldScore(p, field, entity) * FALLBACK_WEIGHT ** k)) * 100) / 100 }))
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
          candidates: rankFields(column.name, fields, mappingFields(formatDefault ?? undefined), entity),
        });
      }
    }
  }
  return out;
}
