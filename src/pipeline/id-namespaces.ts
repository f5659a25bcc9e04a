/**
 * Per-source "namespace IDs by role" (SourceConfig.idNamespaces): many SIS number students, staff
 * and guardians in separate sequences, so student 1011 and teacher 1011 are two people with one ID.
 * With `{ students: 's', teachers: 't', guardians: 'g' }` every canonical ID field is prefixed by the
 * role of the person it names, wherever it appears — users, a class's teacher, enrollments (by the
 * enrollment's role), guardian links both ways, flat rosters — so the clash is fixed once, at the
 * source, for every format and destination reading it.
 */
import type { Entity } from '../shared/format.js';
import type { FieldGetter } from './plan.js';

export type IdNamespaces = Partial<Record<'students' | 'teachers' | 'guardians', string>>;
type Namespace = keyof IdNamespaces;

/** Enrollment roles (lower case) → whose ID `user_id` is; staff roles are teachers' IDs. */
const ENROLLMENT_NAMESPACE: Readonly<Record<string, Namespace>> = {
  student: 'students',
  teacher: 'teachers',
  administrator: 'teachers',
  proctor: 'teachers',
  aide: 'teachers',
  staff: 'teachers',
  guardian: 'guardians',
  parent: 'guardians',
};

/** Canonical ID fields per entity (src/shared/entities.ts) and whose IDs they hold; `byRole`: the row's `role` says. */
const ID_FIELDS: Readonly<Partial<Record<Entity, Readonly<Record<string, Namespace | 'byRole'>>>>> = {
  students: { student_id: 'students', guardian_ids: 'guardians' },
  teachers: { teacher_id: 'teachers' },
  guardians: { guardian_id: 'guardians', student_ids: 'students' },
  classes: { teacher_id: 'teachers' },
  enrollments: { user_id: 'byRole' },
  roster: { student_id: 'students', teacher_id: 'teachers' },
};

/** Prefixes every `;`-separated part of a value (blank stays blank). */
function prefixParts(value: string, prefix: string): string {
  if (!value.includes(';')) return value.trim() === '' ? value : prefix + value.trim();
  return value
    .split(';')
    .map((part) => (part.trim() === '' ? part : prefix + part.trim()))
    .join(';');
}

/**
 * The row getter for one entity's rows with IDs namespaced; `get` itself when the source has no
 * namespaces or the entity no ID fields (the hot path stays as it was).
 */
export function namespacedGetter(entity: Entity, namespaces: IdNamespaces | undefined, get: FieldGetter): FieldGetter {
  const fields = ID_FIELDS[entity];
  if (!namespaces || !fields || !Object.values(namespaces).some(Boolean)) return get;
  const rules = new Map(Object.entries(fields).map(([field, ns]) => [field, ns]));
  return (name) => {
    const value = get(name);
    if (value === null) return value;
    const ns = rules.get(name.trim().toLowerCase());
    if (!ns) return value;
    const owner = ns === 'byRole' ? ENROLLMENT_NAMESPACE[(get('role') ?? '').trim().toLowerCase()] : ns;
    const prefix = owner ? namespaces[owner] : undefined;
    return prefix ? prefixParts(value, prefix) : value;
  };
}
