/**
 * Vendor formats are data. A format lists its files; each file lists its columns in order,
 * the SIS entities its rows come from, its CSV dialect and the rules every value must meet.
 * The types are inferred from the one definition, the zod schema in format.schema.ts (read the
 * field descriptions there); this file adds the constants and helpers. Imported by the agent and
 * by the renderer.
 */
import type { z } from 'zod';
import type { DeepReadonly } from './deep-readonly.js';
import type {
  columnRuleSchema,
  columnSchema,
  dialectSchema,
  fileSchema,
  formatDefSchema,
  formatOptionSchema,
  headerCaseSchema,
  inactiveRuleSchema,
  referenceSchema,
  roleSourceSchema,
  rowFilterDefSchema,
  rowRuleSchema,
} from './format.schema.js';
import type { columnMappingSchema } from './config.schema.js';

/** The kinds of record a SIS source provides. `roster` is a denormalised student-in-class row. */
export const ENTITIES = [
  'schools',
  'terms',
  'courses',
  'classes',
  'students',
  'teachers',
  'guardians',
  'enrollments',
  'roster',
] as const;
export type Entity = (typeof ENTITIES)[number];

/**
 * The kind of person a row stands for, for role integrity: a teacher enrollment must point at a
 * teacher (or other staff), a guardian link at a guardian. `teacher` covers every staff role.
 */
export const PERSON_ROLES = ['student', 'teacher', 'guardian'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export type FormatDef = DeepReadonly<z.infer<typeof formatDefSchema>>;
export type FileDef = DeepReadonly<z.infer<typeof fileSchema>>;
export type ColumnDef = DeepReadonly<z.infer<typeof columnSchema>>;
export type ColumnRule = DeepReadonly<z.infer<typeof columnRuleSchema>>;
export type ColumnMapping = DeepReadonly<z.infer<typeof columnMappingSchema>>;
export type HeaderCase = z.infer<typeof headerCaseSchema>;
/** A CSV dialect with every field decided (a format's and a file's `dialect` override parts of DEFAULT_DIALECT). */
export type Dialect = Readonly<Required<z.infer<typeof dialectSchema>>>;
export type RoleSource = DeepReadonly<z.infer<typeof roleSourceSchema>>;
export type ReferenceRule = DeepReadonly<z.infer<typeof referenceSchema>>;
export type RowFilterDef = DeepReadonly<z.infer<typeof rowFilterDefSchema>>;
export type RowRule = DeepReadonly<z.infer<typeof rowRuleSchema>>;
export type InactiveRule = DeepReadonly<z.infer<typeof inactiveRuleSchema>>;
export type FormatOption = DeepReadonly<z.infer<typeof formatOptionSchema>>;

export const DEFAULT_DIALECT: Dialect = {
  delimiter: ',',
  quoting: 'auto',
  lineEnding: '\r\n',
  bom: false,
  header: true,
};

export function resolveDialect(format: FormatDef, file: FileDef): Dialect {
  return { ...DEFAULT_DIALECT, ...format.dialect, ...file.dialect };
}
