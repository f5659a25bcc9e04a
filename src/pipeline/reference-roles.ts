/**
 * Role integrity: a reference carries the role it expects (a teacher enrollment needs a teacher, a
 * guardian link a guardian; ReferenceRule.expectRole) and the file it points at says each row's
 * role (FileDef.personRoles). Roles travel as one-byte codes beside each key in the key filter
 * (key-filter.ts), so the check costs one lookup, and a mismatch names the ID, both roles and both
 * SIS origins:
 *   "teacher enrollment points at 1, which is a student (students row 14) not a teacher"
 */
import type { Entity, PersonRole, RoleSource } from '../shared/format.js';

/** Role codes as the key filter stores them; 0 = no role known. */
const ROLE_CODES: Readonly<Record<PersonRole, number>> = { student: 1, teacher: 2, guardian: 3 };
const ROLE_NAMES: readonly (PersonRole | undefined)[] = [undefined, 'student', 'teacher', 'guardian'];

export function roleCode(role: PersonRole): number {
  return ROLE_CODES[role];
}

export function roleName(code: number): PersonRole | undefined {
  return ROLE_NAMES[code];
}

/** The role of the current row of one entity, from its output values; 0 when none applies. */
export type RowRole = (values: readonly string[]) => number;

const NO_ROLE: RowRole = () => 0;

/**
 * Compiles a role source for the rows of one entity of a file: a fixed role, the role of the entity
 * (`byEntity`), or a column's value mapped case-insensitively (`byColumn`; a column the plan left
 * out gives no role).
 */
export function compileRowRole(source: PersonRole | RoleSource | undefined, entity: Entity, columnNames: readonly string[]): RowRole {
  if (source === undefined) return NO_ROLE;
  if (typeof source === 'string') {
    const code = roleCode(source);
    return () => code;
  }
  if ('byEntity' in source) {
    const role = source.byEntity[entity];
    if (!role) return NO_ROLE;
    const code = roleCode(role);
    return () => code;
  }
  const index = columnNames.indexOf(source.byColumn);
  if (index < 0) return NO_ROLE;
  const codes = new Map(Object.entries(source.values).map(([value, role]) => [value.trim().toLowerCase(), roleCode(role)]));
  return (values) => codes.get(values[index]!.trim().toLowerCase()) ?? 0;
}

/** " (students row 14)", or nothing while the origin is not known yet (a reason quoted by a dependant). */
function where(origin: string | undefined): string {
  return origin ? ` (${origin})` : '';
}

/** "a student", "a teacher", "a guardian". */
export function withArticle(role: PersonRole): string {
  return `a ${role}`;
}

/**
 * What refers, in the admin's words: "teacher enrollment" (a row of enrollments.csv that expects a
 * teacher), or the column for a link inside the same file ("agentSourcedIds").
 */
export function referrerLabel(file: string, column: string, targetFile: string, expected: PersonRole): string {
  if (file === targetFile) return column;
  const noun = file.replace(/\.[^.]+$/, '').replace(/s$/, '');
  return `${expected} ${noun}`;
}

/** The finding's message for a reference to a person of the wrong role. */
export function roleMismatchMessage(referrer: string, key: string, actual: PersonRole, targetOrigin: string | undefined, expected: PersonRole): string {
  return `${referrer} points at ${key}, which is ${withArticle(actual)}${where(targetOrigin)} not ${withArticle(expected)}.`;
}

/**
 * The finding's message for a second row with a key already taken by a person of another role: the
 * usual cause is a SIS numbering each role separately, fixed once with the source's idNamespaces.
 */
export function sharedIdMessage(key: string, first: PersonRole, firstOrigin: string | undefined, second: PersonRole, file: string, source: string): string {
  return (
    `${key} is both ${withArticle(first)}${where(firstOrigin)} and ${withArticle(second)}: two people share one ID in ${file}. ` +
    `The ${second} was left out so nothing meant for them reaches the ${first}. If the SIS numbers ${first}s and ${second}s separately, ` +
    `set idNamespaces on source "${source}" (e.g. { students: "s", teachers: "t", guardians: "g" }).`
  );
}
