/**
 * The no-SQL entity builder: for one entity (students, classes…) an admin picks a table or view,
 * optional joins to other tables by key, filters (active only…) and, for each canonical field
 * (src/shared/entities.ts), the column it comes from, a constant, or the `;`-joined values of a
 * related table (a student's guardians, a class's terms). `buildEntityQuery` turns that choice into
 * one SELECT in the source's SQL dialect, with every name quoted the engine's way and every value a
 * quoted literal; the result columns are the canonical fields, so every vendor format's default
 * mapping reads them as they are. The SQL is shown and may be edited; it then goes through the same
 * read-only guard as any query (src/sources/sql-guard.ts) before it reaches a server.
 * Pure: imported by the agent and by the renderer.
 */
import { z } from 'zod';
import { MULTI_SEPARATOR } from './entities.js';
import { assertNever } from './transform.js';

/** The SQL engines the builder writes for (a source's `type`, except folders). */
export const BUILDER_DIALECTS = ['sqlite', 'postgres', 'mysql', 'mssql', 'oracle'] as const;
export type BuilderDialect = (typeof BUILDER_DIALECTS)[number];

export function isBuilderDialect(type: string): type is BuilderDialect {
  return (BUILDER_DIALECTS as readonly string[]).includes(type);
}

/** The main table is `b`; joins are `j1`, `j2`, `j3` in the order they are listed. */
export const BASE_ALIAS = 'b';
const aliasSchema = z.string().regex(/^(b|j[1-3])$/, 'b (the main table) or j1–j3 (a join)');
const nameText = z.string().trim().min(1, 'a name').max(128);

export const builderTableSchema = z.object({ schema: nameText.optional(), name: nameText }).strict();
export type BuilderTable = z.infer<typeof builderTableSchema>;

/** A column of the main table or of a join. */
export const builderColumnSchema = z.object({ alias: aliasSchema, column: nameText }).strict();
export type BuilderColumn = z.infer<typeof builderColumnSchema>;

export const builderJoinSchema = z
  .object({
    alias: aliasSchema,
    table: builderTableSchema,
    /** `left`: rows of the main table without a match are kept (their joined columns empty); `inner`: they are left out. */
    kind: z.enum(['left', 'inner']).default('left'),
    /** The joined table's key column… */
    column: nameText,
    /** …equals this column of the main table or of an earlier join. */
    equals: builderColumnSchema,
  })
  .strict();
export type BuilderJoin = z.infer<typeof builderJoinSchema>;

export const FILTER_OPS = ['equals', 'not-equals', 'in', 'not-in', 'is-null', 'is-not-null'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const builderFilterSchema = z
  .object({
    alias: aliasSchema,
    column: nameText,
    op: z.enum(FILTER_OPS),
    /** equals/not-equals: one value; in/not-in: at least one; is-null/is-not-null: none. Compared as text literals. */
    values: z.array(z.string().max(500)).max(100).default([]),
  })
  .strict()
  .superRefine((f, ctx) => {
    const count = f.values.length;
    if ((f.op === 'equals' || f.op === 'not-equals') && count !== 1) ctx.addIssue({ code: 'custom', path: ['values'], message: `${f.op} compares with exactly one value (got ${count})` });
    if ((f.op === 'in' || f.op === 'not-in') && count === 0) ctx.addIssue({ code: 'custom', path: ['values'], message: `${f.op} needs at least one value` });
    if ((f.op === 'is-null' || f.op === 'is-not-null') && count !== 0) ctx.addIssue({ code: 'custom', path: ['values'], message: `${f.op} takes no value (got ${count})` });
  });
export type BuilderFilter = z.infer<typeof builderFilterSchema>;

/** Where one canonical field's value comes from. */
export const builderFieldSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('column'), alias: aliasSchema, column: nameText }).strict(),
  z.object({ kind: z.literal('constant'), value: z.string().max(500) }).strict(),
  /** Every `column` of `table` whose `key` equals `equals` in this row, joined with `;` in order. */
  z.object({ kind: z.literal('list'), table: builderTableSchema, column: nameText, key: nameText, equals: builderColumnSchema }).strict(),
]);
export type BuilderField = z.infer<typeof builderFieldSchema>;

/** A result column name: a canonical field such as `student_id` (letters, digits, underscore). */
const fieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a field name of letters, digits and underscores, e.g. student_id');

export const entityBuilderSpecSchema = z
  .object({
    table: builderTableSchema,
    joins: z.array(builderJoinSchema).max(3).default([]),
    filters: z.array(builderFilterSchema).max(20).default([]),
    /** Canonical field → its source, in the order of the result columns. */
    fields: z.record(fieldName, builderFieldSchema),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const known = new Set<string>([BASE_ALIAS]);
    spec.joins.forEach((join, k) => {
      const expected = `j${k + 1}`;
      if (join.alias !== expected) ctx.addIssue({ code: 'custom', path: ['joins', k, 'alias'], message: `join ${k + 1} must be named ${expected} (got ${join.alias})` });
      if (!known.has(join.equals.alias)) ctx.addIssue({ code: 'custom', path: ['joins', k, 'equals', 'alias'], message: `${join.equals.alias} is not the main table or an earlier join` });
      known.add(expected);
    });
    const check = (alias: string, path: (string | number)[]): void => {
      if (!known.has(alias)) ctx.addIssue({ code: 'custom', path, message: `no table is named ${alias} here (the main table is b, joins are ${spec.joins.map((j) => j.alias).join(', ') || 'none'})` });
    };
    spec.filters.forEach((f, k) => check(f.alias, ['filters', k, 'alias']));
    for (const [field, source] of Object.entries(spec.fields)) {
      if (source.kind === 'column') check(source.alias, ['fields', field, 'alias']);
      if (source.kind === 'list') check(source.equals.alias, ['fields', field, 'equals', 'alias']);
    }
    if (Object.keys(spec.fields).length === 0) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'map at least one field' });
  });
export type EntityBuilderSpec = z.infer<typeof entityBuilderSpecSchema>;
/** A spec as a client writes it (defaults may be left out). */
export type EntityBuilderSpecInput = z.input<typeof entityBuilderSpecSchema>;

/** A name quoted the engine's way, used exactly as the catalog lists it (Oracle lists unquoted names in upper case). */
export function quoteIdentifier(name: string, dialect: BuilderDialect): string {
  switch (dialect) {
    case 'mysql':
      return `\`${name.replace(/`/g, '``')}\``;
    case 'mssql':
      return `[${name.replace(/]/g, ']]')}]`;
    case 'postgres':
    case 'sqlite':
    case 'oracle':
      return `"${name.replace(/"/g, '""')}"`;
    default:
      return assertNever(dialect, 'SQL dialect');
  }
}

/** A text literal: quotes doubled; MySQL/MariaDB also treat backslash as an escape; SQL Server gets N'…' for Unicode. */
export function quoteLiteral(value: string, dialect: BuilderDialect): string {
  const doubled = value.replace(/'/g, "''");
  switch (dialect) {
    case 'mysql':
      return `'${doubled.replace(/\\/g, '\\\\')}'`;
    case 'mssql':
      return `N'${doubled}'`;
    case 'postgres':
    case 'sqlite':
    case 'oracle':
      return `'${doubled}'`;
    default:
      return assertNever(dialect, 'SQL dialect');
  }
}

function tableName(table: BuilderTable, dialect: BuilderDialect): string {
  return table.schema ? `${quoteIdentifier(table.schema, dialect)}.${quoteIdentifier(table.name, dialect)}` : quoteIdentifier(table.name, dialect);
}

const columnRef = (alias: string, column: string, dialect: BuilderDialect): string => `${alias}.${quoteIdentifier(column, dialect)}`;

/** `;`-joined values of `expr` in order, per engine. */
function listAggregate(expr: string, dialect: BuilderDialect): string {
  const sep = quoteLiteral(MULTI_SEPARATOR, dialect);
  switch (dialect) {
    case 'postgres':
      return `string_agg(CAST(${expr} AS TEXT), ${sep} ORDER BY CAST(${expr} AS TEXT))`;
    case 'mysql':
      return `GROUP_CONCAT(${expr} ORDER BY ${expr} SEPARATOR ${sep})`;
    case 'mssql':
      return `STRING_AGG(CAST(${expr} AS NVARCHAR(4000)), ${sep}) WITHIN GROUP (ORDER BY ${expr})`;
    case 'oracle':
      return `LISTAGG(${expr}, ${sep}) WITHIN GROUP (ORDER BY ${expr})`;
    case 'sqlite':
      return `group_concat(${expr}, ${sep} ORDER BY ${expr})`;
    default:
      return assertNever(dialect, 'SQL dialect');
  }
}

function filterSql(filter: BuilderFilter, dialect: BuilderDialect): string {
  const column = columnRef(filter.alias, filter.column, dialect);
  const values = filter.values.map((v) => quoteLiteral(v, dialect));
  switch (filter.op) {
    case 'equals':
      return `${column} = ${values[0]}`;
    case 'not-equals':
      return `(${column} <> ${values[0]} OR ${column} IS NULL)`;
    case 'in':
      return `${column} IN (${values.join(', ')})`;
    case 'not-in':
      return `(${column} NOT IN (${values.join(', ')}) OR ${column} IS NULL)`;
    case 'is-null':
      return `${column} IS NULL`;
    case 'is-not-null':
      return `${column} IS NOT NULL`;
    default:
      return assertNever(filter.op, 'filter');
  }
}

/** Throws with every problem of the spec, each naming where it is (`joins.0.column: a name`). */
export function parseEntityBuilderSpec(input: unknown): EntityBuilderSpec {
  const parsed = entityBuilderSpecSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`);
  throw new Error(`The entity builder's choices are incomplete: ${problems.join('; ')}.`);
}

/**
 * The SELECT for a builder spec in `dialect`. A `not-equals`/`not-in` filter keeps rows whose column
 * is empty (NULL), as an admin reading "not withdrawn" expects; `equals`/`in` compare as text.
 */
export function buildEntityQuery(input: EntityBuilderSpecInput | EntityBuilderSpec, dialect: BuilderDialect): string {
  const spec = parseEntityBuilderSpec(input);
  const q = (name: string): string => quoteIdentifier(name, dialect);
  let listCount = 0;
  const columns = Object.entries(spec.fields).map(([field, source]) => {
    let expr: string;
    switch (source.kind) {
      case 'column':
        expr = columnRef(source.alias, source.column, dialect);
        break;
      case 'constant':
        expr = quoteLiteral(source.value, dialect);
        break;
      case 'list': {
        const alias = `l${++listCount}`;
        expr = `(SELECT ${listAggregate(columnRef(alias, source.column, dialect), dialect)} FROM ${tableName(source.table, dialect)} ${alias} WHERE ${columnRef(alias, source.key, dialect)} = ${columnRef(source.equals.alias, source.equals.column, dialect)})`;
        break;
      }
      default:
        return assertNever(source, 'field source');
    }
    return `  ${expr} AS ${q(field)}`;
  });
  const lines = [`SELECT`, columns.join(',\n'), `FROM ${tableName(spec.table, dialect)} ${BASE_ALIAS}`];
  for (const join of spec.joins) {
    lines.push(
      `${join.kind === 'inner' ? 'JOIN' : 'LEFT JOIN'} ${tableName(join.table, dialect)} ${join.alias} ON ${columnRef(join.alias, join.column, dialect)} = ${columnRef(join.equals.alias, join.equals.column, dialect)}`,
    );
  }
  spec.filters.forEach((filter, k) => lines.push(`${k === 0 ? 'WHERE' : '  AND'} ${filterSql(filter, dialect)}`));
  return lines.join('\n');
}
