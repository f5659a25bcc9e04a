/**
 * The zod schema of a format definition (src/shared/format.ts), so a custom format an admin wrote
 * — in the config file, with `rostersync format import`, or cloned from a built-in — is checked
 * before any run uses it. Messages name the path and say what was expected:
 *   files[1].columns[3].rule.pattern: not a valid regular expression (Unterminated group)
 *
 * Beyond field types it checks what makes a definition usable: unique file and column names, keys
 * and references that point at real columns, option effects that name declared options, regular
 * expressions that compile, and mappings for entities the file actually reads.
 */
import { z } from 'zod';
import { ENTITIES, PERSON_ROLES, type FormatDef, type RoleSource } from '../shared/format.js';
import { columnMappingSchema, describeZodError, entitySchema, transformStepSchema } from '../shared/config.schema.js';
import type { TransformStep } from '../shared/transform.js';
import { BUILT_IN_FORMATS, getFormat } from './registry.js';

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;
const FORMAT_ID = /^[a-z0-9][a-z0-9._-]*$/;

const ruleSchema = z
  .object({
    allowed: z.array(z.string()).min(1, 'list at least one allowed value, or leave `allowed` out').optional(),
    pattern: z.string().optional(),
    patternLabel: z.string().optional(),
    maxLength: z.number().int().min(1).optional(),
    multi: z
      .object({ separator: z.string().min(1, 'a separator such as "," is required'), maxCount: z.number().int().min(1).optional() })
      .strict()
      .optional(),
    kind: z.enum(['email', 'date', 'datetime', 'boolean', 'year']).optional(),
  })
  .strict();

const columnSchema = z
  .object({
    name: z.string().min(1, 'a column needs a name'),
    required: z.boolean({ error: 'required must be true or false' }),
    description: z.string().optional(),
    rule: ruleSchema.optional(),
    personal: z.boolean().optional(),
    sensitive: z.boolean().optional(),
    defaults: z.partialRecord(entitySchema, columnMappingSchema).optional(),
  })
  .strict();

const dialectSchema = z
  .object({
    delimiter: z
      .string()
      .length(1, 'the delimiter is one character, e.g. "," or "\\t" or "|"')
      .refine((d) => d !== '"' && d !== '\n' && d !== '\r', 'the delimiter cannot be a double quote or a line break')
      .optional(),
    quoting: z.enum(['auto', 'always', 'never']).optional(),
    lineEnding: z.enum(['\n', '\r\n']).optional(),
    bom: z.boolean().optional(),
    header: z.boolean().optional(),
  })
  .strict();

const personRoleSchema = z.enum(PERSON_ROLES, { error: `a person role: ${PERSON_ROLES.join(', ')}` });

const roleSourceSchema = z.union([
  z.object({ byEntity: z.partialRecord(entitySchema, personRoleSchema) }).strict(),
  z.object({ byColumn: z.string().min(1), values: z.record(z.string(), personRoleSchema) }).strict(),
]);

const referenceSchema = z
  .object({
    column: z.string().min(1),
    file: z.string().min(1),
    targetColumn: z.string().min(1),
    severity: z.enum(['error', 'warning']).optional(),
    expectRole: z.union([personRoleSchema, roleSourceSchema]).optional(),
  })
  .strict();

const rowFilterSchema = z
  .object({ field: z.string().min(1), values: z.array(z.string()), entities: z.array(entitySchema).optional() })
  .strict();

const rowRuleSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('anyOf'),
      columns: z.array(z.string()).min(1),
      message: z.string().optional(),
      severity: z.enum(['error', 'warning']).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('consistent'),
      key: z.array(z.string()).min(1),
      columns: z.array(z.string()).min(1),
      message: z.string().optional(),
      severity: z.enum(['error', 'warning']).optional(),
    })
    .strict(),
]);

const fileSchema = z
  .object({
    name: z.string().regex(FILE_NAME, 'a file name such as students.csv (letters, digits, space, dot, dash, underscore; no folders)'),
    description: z.string().optional(),
    entities: z.array(entitySchema).min(1, `name the entities whose rows make up the file (${ENTITIES.join(', ')})`),
    columns: z.array(columnSchema).min(1, 'a file needs at least one column'),
    key: z.array(z.string()),
    repeats: z.array(z.string()).optional(),
    dialect: dialectSchema.optional(),
    alwaysPresent: z.boolean().optional(),
    references: z.array(referenceSchema).optional(),
    personRoles: roleSourceSchema.optional(),
    order: z.number({ error: 'order is a number (lower files are delivered first)' }),
    rowPer: z.partialRecord(entitySchema, z.string().min(1)).optional(),
    rowFilters: z.array(rowFilterSchema).optional(),
    rowRules: z.array(rowRuleSchema).optional(),
  })
  .strict();

const optionSchema = z
  .object({
    id: z.string().min(1),
    label: z.string().min(1),
    description: z.string().optional(),
    type: z.enum(['boolean', 'string', 'select']),
    default: z.union([z.boolean(), z.string()]),
    choices: z.array(z.string()).optional(),
  })
  .strict();

const fileColumn = z.object({ file: z.string(), column: z.string() }).strict();

const optionEffectSchema = z
  .object({
    option: z.string().min(1),
    equals: z.union([z.boolean(), z.string()]),
    and: z.array(z.object({ option: z.string().min(1), equals: z.union([z.boolean(), z.string()]) }).strict()).optional(),
    omitFiles: z.array(z.string()).optional(),
    omitColumns: z.array(fileColumn).optional(),
    optionalColumns: z.array(fileColumn).optional(),
    columnTransforms: z.array(z.object({ file: z.string(), column: z.string(), transforms: z.array(transformStepSchema) }).strict()).optional(),
    columnMappings: z.array(z.object({ file: z.string(), column: z.string(), mapping: z.partialRecord(entitySchema, columnMappingSchema) }).strict()).optional(),
    requireSyncMode: z.enum(['full', 'delta']).optional(),
  })
  .strict();

const deltaDeletionsSchema = z
  .object({ statusColumn: z.string().min(1), status: z.string().min(1), modifiedColumn: z.string().min(1) })
  .strict();

const inactiveSchema = z
  .object({
    rule: z.enum(['mark', 'drop']),
    fields: z.partialRecord(entitySchema, z.string().min(1)),
    activeValues: z.array(z.string()).min(1, 'list the values meaning active, e.g. Y, 1, true, Active'),
    how: z.string().min(1),
  })
  .strict();

const formatShape = z
  .object({
    id: z.string().max(64).regex(FORMAT_ID, 'lower-case letters, digits, dot, dash or underscore, e.g. "my-vendor-v2"'),
    version: z.string().min(1),
    displayName: z.string().min(1),
    description: z.string(),
    headerCase: z.enum(['as-is', 'upper-snake', 'lower-snake', 'camel']).optional(),
    dialect: dialectSchema.optional(),
    files: z.array(fileSchema).min(1, 'a format needs at least one file'),
    packaging: z
      .object({
        zip: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*\.zip$/, 'a zip file name ending in .zip').optional(),
        oneRosterManifest: z.boolean().optional(),
      })
      .strict()
      .optional(),
    options: z.array(optionSchema).optional(),
    optionEffects: z.array(optionEffectSchema).optional(),
    supportsDelta: z.boolean().optional(),
    deltaDeletions: deltaDeletionsSchema.optional(),
    requiresRowFilter: z.boolean().optional(),
    inactive: inactiveSchema.optional(),
  })
  .strict();

type Issue = { path: (string | number)[]; message: string };

function regexProblem(source: string, wrap: boolean, flags = ''): string | undefined {
  try {
    new RegExp(wrap ? `^(?:${source})$` : source, flags);
    return undefined;
  } catch (err) {
    return `not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
}

function checkSteps(steps: readonly TransformStep[], path: (string | number)[], issues: Issue[]): void {
  steps.forEach((step, k) => {
    if (step.op === 'replace') {
      const problem = regexProblem(step.pattern, false, step.flags?.includes('g') ? step.flags : `${step.flags ?? ''}g`);
      if (problem) issues.push({ path: [...path, k, 'pattern'], message: problem });
    }
    if (step.op === 'multi' && step.each) checkSteps(step.each, [...path, k, 'each'], issues);
  });
}

function checkMapping(mapping: z.infer<typeof columnMappingSchema>, path: (string | number)[], issues: Issue[]): void {
  const sources = [mapping.from !== undefined, mapping.const !== undefined, mapping.template !== undefined].filter(Boolean).length;
  if (sources > 1) issues.push({ path, message: 'give one of from, const or template, not several' });
  if (mapping.transforms) checkSteps(mapping.transforms as readonly TransformStep[], [...path, 'transforms'], issues);
}

/** A role source names entities the file reads, or one of its columns. */
function checkRoleSource(source: RoleSource, file: z.infer<typeof fileSchema>, path: (string | number)[], issues: Issue[]): void {
  if ('byEntity' in source) {
    for (const entity of Object.keys(source.byEntity)) {
      if (!file.entities.includes(entity as (typeof ENTITIES)[number])) issues.push({ path: [...path, 'byEntity', entity], message: `${file.name} does not read ${entity} rows (entities: ${file.entities.join(', ')})` });
    }
  } else if (!file.columns.some((c) => c.name === source.byColumn)) {
    issues.push({ path: [...path, 'byColumn'], message: `${source.byColumn} is not a column of ${file.name}` });
  }
}

/** Cross-field checks: everything a name points at must exist. */
function crossCheck(format: z.infer<typeof formatShape>): Issue[] {
  const issues: Issue[] = [];
  const files = new Map<string, z.infer<typeof fileSchema>>();
  format.files.forEach((file, f) => {
    if (files.has(file.name)) issues.push({ path: ['files', f, 'name'], message: `${file.name} appears twice; file names must be unique` });
    files.set(file.name, file);
  });
  const columnsOf = (name: string): Set<string> | undefined => {
    const file = files.get(name);
    return file ? new Set(file.columns.map((c) => c.name)) : undefined;
  };

  format.files.forEach((file, f) => {
    const at = (...rest: (string | number)[]): (string | number)[] => ['files', f, ...rest];
    const names = new Set<string>();
    file.columns.forEach((column, c) => {
      if (names.has(column.name)) issues.push({ path: at('columns', c, 'name'), message: `${column.name} appears twice in ${file.name}; column names must be unique` });
      names.add(column.name);
      const pattern = column.rule?.pattern;
      if (pattern !== undefined && pattern !== '') {
        const problem = regexProblem(pattern, true);
        if (problem) issues.push({ path: at('columns', c, 'rule', 'pattern'), message: problem });
      }
      for (const [entity, mapping] of Object.entries(column.defaults ?? {})) {
        if (!mapping) continue;
        if (!file.entities.includes(entity as (typeof ENTITIES)[number])) {
          issues.push({ path: at('columns', c, 'defaults', entity), message: `${file.name} does not read ${entity} rows (entities: ${file.entities.join(', ')})` });
        }
        checkMapping(mapping, at('columns', c, 'defaults', entity), issues);
      }
    });
    const known = (name: string): boolean => names.has(name);
    const list = [...names].join(', ');
    file.key.forEach((k, i) => {
      if (!known(k)) issues.push({ path: at('key', i), message: `${k} is not a column of ${file.name} (columns: ${list})` });
    });
    (file.repeats ?? []).forEach((c, i) => {
      if (!known(c)) issues.push({ path: at('repeats', i), message: `${c} is not a column of ${file.name} (columns: ${list})` });
      else if (file.key.includes(c)) issues.push({ path: at('repeats', i), message: `${c} is already part of the key` });
    });
    (file.references ?? []).forEach((ref, r) => {
      // A row of repeated records pointing at another row of the same file is checked against row keys, not records: not supported.
      if (file.repeats?.length && ref.file === file.name) issues.push({ path: at('references', r, 'file'), message: `${file.name} repeats rows per record (repeats), so it cannot refer to itself` });
      if (!known(ref.column)) issues.push({ path: at('references', r, 'column'), message: `${ref.column} is not a column of ${file.name}` });
      const target = columnsOf(ref.file);
      if (!target) issues.push({ path: at('references', r, 'file'), message: `${ref.file} is not a file of this format (files: ${[...files.keys()].join(', ')})` });
      else if (!target.has(ref.targetColumn)) issues.push({ path: at('references', r, 'targetColumn'), message: `${ref.targetColumn} is not a column of ${ref.file}` });
      const targetFile = files.get(ref.file);
      if (targetFile && targetFile.name !== file.name && targetFile.order >= file.order) {
        issues.push({ path: at('references', r, 'file'), message: `${ref.file} is written after ${file.name} (order ${targetFile.order} ≥ ${file.order}); a reference points at an earlier file or at its own file` });
      }
      if (ref.expectRole !== undefined) {
        if (targetFile && !targetFile.personRoles) {
          issues.push({ path: at('references', r, 'expectRole'), message: `${ref.file} does not say its rows' roles (personRoles), so the role cannot be checked` });
        }
        if (typeof ref.expectRole !== 'string') checkRoleSource(ref.expectRole, file, at('references', r, 'expectRole'), issues);
      }
    });
    if (file.personRoles) checkRoleSource(file.personRoles, file, at('personRoles'), issues);
    for (const entity of Object.keys(file.rowPer ?? {})) {
      if (!file.entities.includes(entity as (typeof ENTITIES)[number])) {
        issues.push({ path: at('rowPer', entity), message: `${file.name} does not read ${entity} rows (entities: ${file.entities.join(', ')})` });
      }
    }
    (file.rowRules ?? []).forEach((rule, r) => {
      const cols = rule.kind === 'anyOf' ? rule.columns : [...rule.key, ...rule.columns];
      const field = rule.kind === 'anyOf' ? 'columns' : 'key';
      cols.forEach((c) => {
        if (!known(c)) issues.push({ path: at('rowRules', r, field), message: `${c} is not a column of ${file.name} (columns: ${list})` });
      });
    });
  });

  const options = new Map<string, z.infer<typeof optionSchema>>();
  (format.options ?? []).forEach((option, o) => {
    if (options.has(option.id)) issues.push({ path: ['options', o, 'id'], message: `${option.id} appears twice; option ids must be unique` });
    if (option.id === 'syncMode') issues.push({ path: ['options', o, 'id'], message: 'syncMode is the destination setting; choose another option id' });
    options.set(option.id, option);
    if (option.type === 'boolean' && typeof option.default !== 'boolean') issues.push({ path: ['options', o, 'default'], message: 'a boolean option defaults to true or false' });
    if (option.type !== 'boolean' && typeof option.default !== 'string') issues.push({ path: ['options', o, 'default'], message: `a ${option.type} option defaults to a text value` });
    if (option.type === 'select') {
      if (!option.choices?.length) issues.push({ path: ['options', o, 'choices'], message: 'a select option lists its choices' });
      else if (!option.choices.includes(String(option.default))) issues.push({ path: ['options', o, 'default'], message: `the default must be one of ${option.choices.join(', ')}` });
    }
  });

  (format.optionEffects ?? []).forEach((effect, e) => {
    const at = (...rest: (string | number)[]): (string | number)[] => ['optionEffects', e, ...rest];
    if (effect.option === 'syncMode') {
      if (effect.equals !== 'full' && effect.equals !== 'delta') issues.push({ path: at('equals'), message: 'syncMode is "full" or "delta"' });
    } else {
      const option = options.get(effect.option);
      if (!option) issues.push({ path: at('option'), message: `${effect.option} is not one of the format's options (${[...options.keys(), 'syncMode'].join(', ')})` });
      else if ((option.type === 'boolean') !== (typeof effect.equals === 'boolean')) {
        issues.push({ path: at('equals'), message: `${effect.option} is a ${option.type} option; compare it with ${option.type === 'boolean' ? 'true or false' : 'a text value'}` });
      }
    }
    (effect.and ?? []).forEach((condition, i) => {
      if (condition.option !== 'syncMode' && !options.has(condition.option)) {
        issues.push({ path: at('and', i, 'option'), message: `${condition.option} is not one of the format's options (${[...options.keys(), 'syncMode'].join(', ')})` });
      }
    });
    (effect.omitFiles ?? []).forEach((name, i) => {
      if (!files.has(name)) issues.push({ path: at('omitFiles', i), message: `${name} is not a file of this format` });
    });
    const checkColumn = (kind: string, list: readonly { file: string; column: string }[] | undefined): void => {
      (list ?? []).forEach((ref, i) => {
        const cols = columnsOf(ref.file);
        if (!cols) issues.push({ path: at(kind, i, 'file'), message: `${ref.file} is not a file of this format` });
        else if (!cols.has(ref.column)) issues.push({ path: at(kind, i, 'column'), message: `${ref.column} is not a column of ${ref.file}` });
      });
    };
    checkColumn('omitColumns', effect.omitColumns);
    checkColumn('optionalColumns', effect.optionalColumns);
    checkColumn('columnTransforms', effect.columnTransforms);
    checkColumn('columnMappings', effect.columnMappings);
    (effect.columnTransforms ?? []).forEach((c, i) => checkSteps(c.transforms as readonly TransformStep[], at('columnTransforms', i, 'transforms'), issues));
    (effect.columnMappings ?? []).forEach((c, i) => {
      for (const [entity, mapping] of Object.entries(c.mapping)) if (mapping) checkMapping(mapping, at('columnMappings', i, 'mapping', entity), issues);
    });
  });
  return issues;
}

/** The whole schema: field types, then the cross-field checks. */
export const formatDefSchema = formatShape.superRefine((format, ctx) => {
  for (const issue of crossCheck(format)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

export class FormatDefinitionError extends Error {}

/** Parses a format definition or throws FormatDefinitionError: `where: files[1].columns[3].rule.pattern: …; …`. */
export function parseFormatDef(raw: unknown, where = 'format'): FormatDef {
  const parsed = formatDefSchema.safeParse(raw);
  if (!parsed.success) throw new FormatDefinitionError(`${where ? `${where}: ` : ''}${describeZodError(parsed.error)}`);
  return parsed.data as FormatDef;
}

/**
 * A custom format as an admin supplies it: a valid definition whose id is not a built-in one.
 * `where` prefixes every message (e.g. "customFormats[2]" or a file name; empty: none).
 */
export function parseCustomFormat(raw: unknown, where = 'format'): FormatDef {
  const format = parseFormatDef(raw, where);
  if (BUILT_IN_FORMATS.some((b) => b.id === format.id)) {
    throw new FormatDefinitionError(`${where ? `${where}: ` : ''}id: "${format.id}" is a built-in format; give the custom format its own id (e.g. "${format.id}-custom").`);
  }
  return format;
}

/** Stored custom formats (raw JSON), validated one by one: the good ones, and why the others were refused. */
export function loadCustomFormats(raw: readonly unknown[]): { formats: FormatDef[]; invalid: { id: string; message: string }[] } {
  const formats: FormatDef[] = [];
  const invalid: { id: string; message: string }[] = [];
  for (const item of raw) {
    const id = typeof (item as { id?: unknown } | null)?.id === 'string' ? (item as { id: string }).id : '?';
    try {
      formats.push(parseCustomFormat(item, `custom format "${id}"`));
    } catch (err) {
      invalid.push({ id, message: (err as Error).message });
    }
  }
  return { formats, invalid };
}

/** The format a destination names: built-in, or a stored custom one validated now (an invalid one is refused with its problems). */
export function resolveFormat(id: string, rawCustom: readonly unknown[]): FormatDef {
  const builtIn = BUILT_IN_FORMATS.find((f) => f.id === id);
  if (builtIn) return builtIn;
  const { formats, invalid } = loadCustomFormats(rawCustom);
  const bad = invalid.find((i) => i.id === id);
  if (bad) throw new FormatDefinitionError(`${bad.message} Fix it and import it again (rostersync format import FILE).`);
  return getFormat(id, formats);
}
