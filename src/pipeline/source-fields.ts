/**
 * "No silent defaults" for whole columns: a column whose mapping reads source fields the source does not
 * have would say the same thing on every row (blank, or `false` for a yes/no column) without anyone
 * deciding so. The plan records, per entity, which fields each column reads and what every row would say
 * without them; the first row read shows which fields the query or export file really has.
 *
 * - an optional column → a warning ("no source column for hispanic: every row will say "false"");
 *   a destination's `notCollected` list declares such a column deliberately blank, without the warning;
 * - a required column that would be blank → the run stops before writing (a password column with no
 *   password source); one with a declared fallback (role → teacher) is a warning like an optional one.
 */
import type { ColumnMapping, Entity } from '../shared/format.js';

/** A column of one entity's rows that reads source fields. */
export interface FieldNeed {
  /** The column's header in the generated file. */
  readonly column: string;
  /** The source fields it reads (alternatives: any one of them is enough). */
  readonly fields: readonly string[];
  readonly required: boolean;
  /** What every row says when none of the fields exists. */
  readonly whenMissing: string;
  /** The field is the format's active flag (FormatDef.inactive), not a column. */
  readonly activeFlag?: boolean;
}

/** The source fields a mapping reads (`$` run variables are not source fields). */
export function sourceFieldsOf(mapping: ColumnMapping | undefined): string[] {
  if (!mapping) return [];
  if (mapping.from !== undefined) return mapping.from.split('|').map((f) => f.trim()).filter((f) => f !== '' && !f.startsWith('$'));
  if (mapping.template !== undefined) return [...mapping.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!.trim());
  return [];
}

export interface MissingField {
  readonly need: FieldNeed;
  readonly message: string;
}

/** A required column that would be blank on every row: nothing useful can be delivered. */
export function blocks(need: FieldNeed): boolean {
  return need.required && need.whenMissing === '';
}

/** The needs none of whose fields the source row has, with the finding's message. */
export function missingFields(
  needs: readonly FieldNeed[],
  has: (field: string) => boolean,
  where: { readonly entity: Entity; readonly file: string },
): MissingField[] {
  return needs
    .filter((need) => !need.fields.some(has))
    .map((need) => {
      const fields = need.fields.join(' or ');
      const said = need.whenMissing === '' ? 'be blank' : `say "${need.whenMissing}"`;
      const message = need.activeFlag
        ? `no source column for ${fields} in the ${where.entity} rows: every record counts as active, so the format's inactive rule cannot apply`
        : blocks(need)
        ? `no source column for ${fields} in the ${where.entity} rows, and ${where.file} requires ${need.column}: map a field that holds it`
        : `no source column for ${fields} in the ${where.entity} rows: every row will ${said}. Map a field, or list { file: ${where.file}, column: ${need.column} } under notCollected to send it blank on purpose`;
      return { need, message };
    });
}
