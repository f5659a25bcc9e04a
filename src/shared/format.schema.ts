/**
 * Vendor formats are data, and this zod schema is their one definition: the types in
 * src/shared/format.ts are inferred from it, and a custom format an admin wrote — in the config
 * file, with `rostersync format import`, or cloned from a built-in — is checked by it before any
 * run uses it. A format lists its files; each file lists its columns in order, the SIS entities its
 * rows come from, its CSV dialect and the rules every value must meet. Messages name the path and
 * say what was expected:
 *   files[1].columns[3].rule.pattern: not a valid regular expression (Unterminated group)
 *
 * Beyond field types it checks what makes a definition usable: unique file and column names, keys
 * and references that point at real columns, option effects that name declared options, regular
 * expressions that compile, and mappings for entities the file actually reads.
 */
import { z } from 'zod';
import { ENTITIES, PERSON_ROLES, type Entity, type FormatDef, type RoleSource } from './format.js';
import { columnMappingSchema, describeZodError, entitySchema } from './config.schema.js';
import { transformStepsSchema, type TransformStep } from './transform.js';

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;
const FORMAT_ID = /^[a-z0-9][a-z0-9._-]*$/;

export const headerCaseSchema = z.enum(['as-is', 'upper-snake', 'lower-snake', 'camel']);

export const columnRuleSchema = z
  .object({
    /** Allowed values (after mapping). With `multi`, each part must be allowed. */
    allowed: z.array(z.string()).min(1, 'list at least one allowed value, or leave `allowed` out').optional(),
    /** A regular expression source the whole value must match (each part with `multi`). */
    pattern: z.string().optional(),
    /** Human words for the pattern, used in findings: "a 10-digit state ID". */
    patternLabel: z.string().optional(),
    /** Longer values are flagged as a warning (the vendor truncates). */
    maxLength: z.number().int().min(1).optional(),
    /** Multi-valued cell: parts separated by `separator`, at most `maxCount`. */
    multi: z
      .object({ separator: z.string().min(1, 'a separator such as "," is required'), maxCount: z.number().int().min(1).optional() })
      .strict()
      .optional(),
    /** Built-in checks. */
    kind: z.enum(['email', 'date', 'datetime', 'boolean', 'year']).optional(),
  })
  .strict();

export const columnSchema = z
  .object({
    name: z.string().min(1, 'a column needs a name'),
    required: z.boolean({ error: 'required must be true or false' }),
    description: z.string().optional(),
    rule: columnRuleSchema.optional(),
    /** Personal data about a person (for the audit ledger: which personal-data columns were sent). */
    personal: z.boolean().optional(),
    /** Sensitive column the district may switch off per destination (sent blank or omitted). */
    sensitive: z.boolean().optional(),
    /** The format's suggested mapping per entity; the admin's mapping overrides it. */
    defaults: z.partialRecord(entitySchema, columnMappingSchema).optional(),
  })
  .strict();

export const dialectSchema = z
  .object({
    delimiter: z
      .string()
      .length(1, 'the delimiter is one character, e.g. "," or "\\t" or "|"')
      .refine((d) => d !== '"' && d !== '\n' && d !== '\r', 'the delimiter cannot be a double quote or a line break')
      .optional(),
    /** `auto`: quote only when needed; `always`: every field; `never`: the vendor forbids quotes (values containing the delimiter, quotes or newlines are errors). */
    quoting: z.enum(['auto', 'always', 'never']).optional(),
    lineEnding: z.enum(['\n', '\r\n']).optional(),
    bom: z.boolean().optional(),
    header: z.boolean().optional(),
  })
  .strict();

export const personRoleSchema = z.enum(PERSON_ROLES, { error: `a person role: ${PERSON_ROLES.join(', ')}` });

/**
 * How a row's person role is known: from the SIS entity that produced the row (students rows are
 * students), or from a column of the row, its values mapped (case-insensitively) to a role; a value
 * not in `values` sets no role.
 */
export const roleSourceSchema = z.union([
  z.object({ byEntity: z.partialRecord(entitySchema, personRoleSchema) }).strict(),
  z.object({ byColumn: z.string().min(1), values: z.record(z.string(), personRoleSchema) }).strict(),
]);

export const referenceSchema = z
  .object({
    /** Column in this file (multi-valued columns are split with the column's `multi` separator). */
    column: z.string().min(1),
    /** File and column it must point at (a file delivered before this one, or this file itself). */
    file: z.string().min(1),
    targetColumn: z.string().min(1),
    severity: z.enum(['error', 'warning']).optional(),
    /**
     * The role the referenced row must have (the target file says its rows' roles in `personRoles`):
     * one role, or per row of this file (by its entity or by a column such as an enrollment's role).
     */
    expectRole: z.union([personRoleSchema, roleSourceSchema]).optional(),
  })
  .strict();

/** Keep only source rows whose `field` (a source field, case-insensitive) is one of `values` (exact). */
export const rowFilterDefSchema = z
  .object({
    field: z.string().min(1),
    values: z.array(z.string()),
    /** Only for rows of these entities (all when omitted). */
    entities: z.array(entitySchema).optional(),
  })
  .strict();

/**
 * A check over a whole row (or across rows of one file), after the column checks:
 * - `anyOf`: at least one of the columns has a value (e.g. SSID or email, to match a student);
 * - `consistent`: rows with the same `key` values carry the same values in `columns` (in a flat file
 *   one ID or email must stand for one school, teacher, class or student).
 */
export const rowRuleSchema = z.discriminatedUnion('kind', [
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

export const fileSchema = z
  .object({
    name: z.string().regex(FILE_NAME, 'a file name such as students.csv (letters, digits, space, dot, dash, underscore; no folders)'),
    description: z.string().optional(),
    /** Entities whose rows make up this file, in order (a union: users = students + teachers + guardians). */
    entities: z.array(entitySchema).min(1, `name the entities whose rows make up the file (${ENTITIES.join(', ')})`),
    columns: z.array(columnSchema).min(1, 'a file needs at least one column'),
    /** Columns that identify a record: unique within the file, used by the diff; references to this file name a record by them. */
    key: z.array(z.string()),
    /**
     * Columns on which one record's rows may repeat (a teacher row per school, a student row per
     * guardian): a row is then identified by `key` + these columns (uniqueness, fingerprint, diff),
     * while references to this file still name the record by `key` alone. A record's rows must agree
     * on every other column (checked like a `consistent` row rule).
     */
    repeats: z.array(z.string()).optional(),
    dialect: dialectSchema.optional(),
    /** Written even when no rows (header only). */
    alwaysPresent: z.boolean().optional(),
    references: z.array(referenceSchema).optional(),
    /** The person role of each row, for references that expect one (ReferenceRule.expectRole). */
    personRoles: roleSourceSchema.optional(),
    /** Delivery order: lower first (schools/orgs → users → classes → enrollments). */
    order: z.number({ error: 'order is a number (lower files are delivered first)' }),
    /**
     * One output row per value of a multi-valued source field (`;`-separated), per entity: each row sees
     * one value in that field (a teacher row per school, a role per school, a parent row per student).
     */
    rowPer: z.partialRecord(entitySchema, z.string().min(1)).optional(),
    /** Source rows this file always leaves out (e.g. only student enrollments); applied with the destination's row filters. */
    rowFilters: z.array(rowFilterDefSchema).optional(),
    rowRules: z.array(rowRuleSchema).optional(),
  })
  .strict();

/** An option an admin sets per destination (e.g. "students sign in with Google"). */
export const formatOptionSchema = z
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

/**
 * An option-driven column switch: when option `option` equals `equals`, the listed files/columns are left out,
 * made optional, get extra transforms or another default mapping (the admin's own mapping still wins).
 * `option` may also be `syncMode` (the destination's `full` or `delta`). `requireSyncMode` makes the plan
 * refuse a destination whose sync mode contradicts the option (a vendor that wipes and reloads needs full snapshots).
 */
const optionEffectSchema = z
  .object({
    option: z.string().min(1),
    equals: z.union([z.boolean(), z.string()]),
    /** Further conditions that must all hold too (e.g. no Google sign-in AND passwords not overwritten). */
    and: z.array(z.object({ option: z.string().min(1), equals: z.union([z.boolean(), z.string()]) }).strict()).optional(),
    omitFiles: z.array(z.string()).optional(),
    omitColumns: z.array(fileColumn).optional(),
    optionalColumns: z.array(fileColumn).optional(),
    columnTransforms: z.array(z.object({ file: z.string(), column: z.string(), transforms: transformStepsSchema }).strict()).optional(),
    columnMappings: z.array(z.object({ file: z.string(), column: z.string(), mapping: z.partialRecord(entitySchema, columnMappingSchema) }).strict()).optional(),
    requireSyncMode: z.enum(['full', 'delta']).optional(),
  })
  .strict();

/**
 * How a delta delivery tells the vendor a record is gone (OneRoster's `tobedeleted`): in every file
 * holding both columns, a record delivered last time and absent now is sent as a row carrying only
 * its key, `statusColumn` = `status` and `modifiedColumn` = the run's start. Both columns describe the
 * delivery, not the record: they are left out of the row fingerprint, so switching a destination
 * between full and delta is no change. Without it, a delta delivery never mentions removed records.
 */
const deltaDeletionsSchema = z
  .object({ statusColumn: z.string().min(1), status: z.string().min(1), modifiedColumn: z.string().min(1) })
  .strict();

/**
 * How a format treats inactive records — one rule per format, stated in its file and shown in the preview:
 * - `mark`: the vendor's files carry a status (OneRoster's enabledUser=false): inactive records are sent, marked;
 * - `drop`: the vendor has no status column (inactive = absent): inactive records are left out, and so is every
 *   row that references one (enrollments, guardian links, flat-roster rows), rather than failing the reference checks.
 */
export const inactiveRuleSchema = z
  .object({
    rule: z.enum(['mark', 'drop']),
    /** Per entity, the source field that says whether a record is active (e.g. students: enabled). */
    fields: z.partialRecord(entitySchema, z.string().min(1)),
    /** Values of that field meaning active (compared trimmed and case-insensitively); blank counts as active. */
    activeValues: z.array(z.string()).min(1, 'list the values meaning active, e.g. Y, 1, true, Active'),
    /** In words, for the preview: "enabledUser=false in users.csv" or "no status column: inactive students are not sent". */
    how: z.string().min(1),
  })
  .strict();

const formatShape = z
  .object({
    id: z.string().max(64).regex(FORMAT_ID, 'lower-case letters, digits, dot, dash or underscore, e.g. "my-vendor-v2"'),
    version: z.string().min(1),
    displayName: z.string().min(1),
    description: z.string(),
    headerCase: headerCaseSchema.optional(),
    dialect: dialectSchema.optional(),
    files: z.array(fileSchema).min(1, 'a format needs at least one file'),
    packaging: z
      .object({
        /** Zip every file flat into this archive name (tokens as in file name patterns). */
        zip: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*\.zip$/, 'a zip file name ending in .zip').optional(),
        /** Write a OneRoster manifest.csv listing the files. */
        oneRosterManifest: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /** Options an admin sets per destination (e.g. "students sign in with Google"). */
    options: z.array(formatOptionSchema).optional(),
    optionEffects: z.array(optionEffectSchema).optional(),
    /** Whether additions-and-changes-only deliveries are meaningful for this vendor (the plan refuses `syncMode: delta` otherwise). */
    supportsDelta: z.boolean().optional(),
    deltaDeletions: deltaDeletionsSchema.optional(),
    /** The vendor counts every row (licences): a destination must narrow the rows with `rowFilters`. */
    requiresRowFilter: z.boolean().optional(),
    /** What happens to inactive students (and staff): marked or dropped with their dependants. */
    inactive: inactiveRuleSchema.optional(),
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
  if (mapping.transforms) checkSteps(mapping.transforms, [...path, 'transforms'], issues);
}

/** A role source names entities the file reads, or one of its columns. */
function checkRoleSource(source: RoleSource, file: z.infer<typeof fileSchema>, path: (string | number)[], issues: Issue[]): void {
  if ('byEntity' in source) {
    for (const entity of Object.keys(source.byEntity)) {
      if (!file.entities.includes(entity as Entity)) issues.push({ path: [...path, 'byEntity', entity], message: `${file.name} does not read ${entity} rows (entities: ${file.entities.join(', ')})` });
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
        if (!file.entities.includes(entity as Entity)) {
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
      if (!file.entities.includes(entity as Entity)) {
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

  const options = new Map<string, z.infer<typeof formatOptionSchema>>();
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
    (effect.columnTransforms ?? []).forEach((c, i) => checkSteps(c.transforms, at('columnTransforms', i, 'transforms'), issues));
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
  return parsed.data;
}
