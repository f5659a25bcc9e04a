/** Names of the kinds of record, and the route parameter of a new item: shared by the source, destination and mapping screens. */
import type { Entity } from '../../../src/shared/format.js';

/** The route parameter that opens an editor on a new item (`#/sources/+new`). */
export const NEW_ITEM = '+new';

export const ENTITY_LABELS: Readonly<Record<Entity, string>> = {
  schools: 'Schools',
  terms: 'Terms',
  courses: 'Courses',
  classes: 'Classes',
  students: 'Students',
  teachers: 'Teachers',
  guardians: 'Guardians',
  enrollments: 'Enrollments',
  roster: 'Roster (student in class)',
};
