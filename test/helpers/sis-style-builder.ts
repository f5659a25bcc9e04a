/**
 * The SIS-style demo district (src/demo/sis-style.ts) in a real PostgreSQL or MariaDB, and what an
 * admin does in the entity builder for each entity: the structural choices (main table, joins,
 * related tables for lists, filters, constants) — the column mapping itself is left to the
 * suggestions (src/shared/field-names.ts), which is what the tests measure.
 */
import { loadIntoMysql } from '../../src/demo/mysql-loader.js';
import { loadIntoPostgres } from '../../src/demo/postgres-loader.js';
import { sisStyleStatements } from '../../src/demo/sis-style.js';
import { CANONICAL_FIELDS } from '../../src/shared/entities.js';
import type { BuilderField, BuilderFilter, BuilderJoin, EntityBuilderSpecInput } from '../../src/shared/entity-builder.js';
import { suggestCanonicalFields, type ColumnCandidate } from '../../src/shared/field-names.js';
import type { Entity } from '../../src/shared/format.js';
import type { TableInfo } from '../../src/sources/types.js';
import { MYSQL_ADMIN_USER, MYSQL_HOST, MYSQL_PORT, PG_ADMIN_USER, PG_HOST, PG_PORT, type TestDatabase } from './databases.js';

/** Loads the demo district of `students` students into `db` and renames it SIS-style. */
export async function loadSisStyleDistrict(db: TestDatabase, students: number, seed = 20261202): Promise<void> {
  if (db.engine === 'postgres') await loadIntoPostgres({ host: PG_HOST, port: PG_PORT, user: PG_ADMIN_USER }, db.name, { students, seed });
  else await loadIntoMysql({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_ADMIN_USER, password: '' }, db.name, { students, seed });
  for (const sql of sisStyleStatements(db.engine)) await db.exec(sql);
}

export type BuiltEntity = Exclude<Entity, 'roster'>;

/** A related table whose values are listed (`;`-joined) per row: `key` of that table equals `equals` of the main table. */
interface RelatedList {
  readonly table: string;
  readonly key: string;
  readonly equals: string;
}

/** The admin's structural choices for one entity, and which column each required field should come from. */
export interface AdminChoices {
  readonly table: string;
  readonly joins?: readonly { readonly table: string; readonly column: string; readonly equals: string }[];
  readonly lists?: readonly RelatedList[];
  readonly filters?: readonly BuilderFilter[];
  /** Fields the admin sets by hand (constants); the suggestions do the rest. */
  readonly constants?: Readonly<Record<string, string>>;
  /** Required field → the right candidate key (`b.Col`, `j1.Col`, `list:table.Col`), or `constant` when no column holds it. */
  readonly expected: Readonly<Record<string, string>>;
}

export const ADMIN_CHOICES: Readonly<Record<BuiltEntity, AdminChoices>> = {
  schools: { table: 'schools', expected: { school_code: 'b.SchoolID', name: 'b.SchoolName' } },
  terms: {
    table: 'terms',
    expected: { term_id: 'b.TermID', title: 'b.Name', type: 'b.TermType', start_date: 'b.FirstDay', end_date: 'b.LastDay', school_year: 'b.SchoolYear' },
  },
  courses: { table: 'courses', expected: { course_id: 'b.CourseID', title: 'b.Course_Name', school_code: 'b.SchoolID' } },
  classes: {
    table: 'sections',
    joins: [
      { table: 'courses', column: 'CourseID', equals: 'CourseID' },
      { table: 'section_teachers', column: 'SectionID', equals: 'SectionID' },
    ],
    lists: [{ table: 'section_terms', key: 'SectionID', equals: 'SectionID' }],
    filters: [{ alias: 'j2', column: 'RoleType', op: 'equals', values: ['Lead'] }],
    expected: { class_id: 'b.SectionID', title: 'j1.Course_Name', course_id: 'b.CourseID', school_code: 'b.SchoolID', term_ids: 'list:section_terms.TermID' },
  },
  students: {
    table: 'students',
    joins: [{ table: 'student_demographics', column: 'Student_Number', equals: 'Student_Number' }],
    lists: [{ table: 'student_contacts', key: 'stu_id', equals: 'Student_Number' }],
    filters: [{ alias: 'b', column: 'Active', op: 'in', values: ['Y', '1', 'true'] }],
    expected: { student_id: 'b.Student_Number', school_codes: 'b.SchoolID', first_name: 'b.First_Name', last_name: 'b.Last_Name', grade: 'b.Grade_Level' },
  },
  teachers: {
    table: 'staff',
    filters: [{ alias: 'b', column: 'staff_type', op: 'equals', values: ['Teacher'] }],
    constants: { role: 'teacher' },
    expected: { teacher_id: 'b.staff_id', school_codes: 'b.home_sch', first_name: 'b.fname', last_name: 'b.lname' },
  },
  guardians: {
    table: 'contacts',
    lists: [{ table: 'student_contacts', key: 'ContactID', equals: 'ContactID' }],
    expected: { guardian_id: 'b.ContactID', student_ids: 'list:student_contacts.stu_id', first_name: 'b.FirstName', last_name: 'b.LastName' },
  },
  enrollments: {
    table: 'section_enrollments',
    joins: [{ table: 'sections', column: 'SectionID', equals: 'SectionID' }],
    constants: { role: 'student' },
    expected: { enrollment_id: 'b.DCID', class_id: 'b.SectionID', user_id: 'b.StudentID', role: 'constant', school_code: 'j1.SchoolID' },
  },
};

function tableInfo(tables: readonly TableInfo[], name: string): TableInfo {
  const found = tables.find((t) => t.name === name);
  if (!found) throw new Error(`table ${name} not found among ${tables.map((t) => t.name).join(', ')}`);
  return found;
}

/** The columns the builder offers for mapping, in its order: main table, joins, related lists. */
export function builderCandidates(tables: readonly TableInfo[], choices: AdminChoices): ColumnCandidate[] {
  const out: ColumnCandidate[] = tableInfo(tables, choices.table).columns.map((c) => ({ key: `b.${c.name}`, name: c.name }));
  (choices.joins ?? []).forEach((join, k) => out.push(...tableInfo(tables, join.table).columns.map((c) => ({ key: `j${k + 1}.${c.name}`, name: c.name }))));
  for (const list of choices.lists ?? []) out.push(...tableInfo(tables, list.table).columns.map((c) => ({ key: `list:${list.table}.${c.name}`, name: c.name, list: true })));
  return out;
}

/** The builder spec an admin saves after accepting every suggestion and setting the constants. */
export function specFromSuggestions(entity: BuiltEntity, tables: readonly TableInfo[], choices: AdminChoices): EntityBuilderSpecInput {
  const suggestions = suggestCanonicalFields(entity, builderCandidates(tables, choices), Object.keys(choices.constants ?? {}));
  const fields: Record<string, BuilderField> = {};
  for (const field of CANONICAL_FIELDS[entity]) {
    const constant = choices.constants?.[field];
    if (constant !== undefined) {
      fields[field] = { kind: 'constant', value: constant };
      continue;
    }
    const key = suggestions.find((s) => s.field === field)?.key;
    if (!key) continue;
    if (key.startsWith('list:')) {
      const [table, column] = key.slice('list:'.length).split('.') as [string, string];
      const list = choices.lists!.find((l) => l.table === table)!;
      fields[field] = { kind: 'list', table: { name: table }, column, key: list.key, equals: { alias: 'b', column: list.equals } };
    } else {
      const [alias, column] = key.split(/\.(.*)/s) as [string, string];
      fields[field] = { kind: 'column', alias, column };
    }
  }
  const joins: BuilderJoin[] = (choices.joins ?? []).map((j, k) => ({ alias: `j${k + 1}`, table: { name: j.table }, kind: 'left', column: j.column, equals: { alias: 'b', column: j.equals } }));
  return { table: { name: choices.table }, joins, filters: [...(choices.filters ?? [])], fields };
}
