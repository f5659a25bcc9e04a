/**
 * Every vendor format RosterSync knows, built-in ones listed here and custom ones from the
 * store. Adding a built-in format is one data file in this folder plus a line below.
 */
import type { FormatDef } from '../shared/format.js';
import { oneRoster11 } from './oneroster-1.1.js';
import { studentsUpperSnake } from './students-upper-snake.js';
import { fiveFileProvisioning } from './five-file-provisioning.js';
import { demographicsYn } from './demographics-yn.js';
import { oneRosterUsersClassesEnrollments } from './oneroster-users-classes-enrollments.js';
import { flatRoster } from './flat-roster.js';
import { clever } from './clever.js';
import { microsoftSds21 } from './microsoft-sds-2.1.js';

export const BUILT_IN_FORMATS: readonly FormatDef[] = [
  oneRoster11,
  studentsUpperSnake,
  fiveFileProvisioning,
  demographicsYn,
  oneRosterUsersClassesEnrollments,
  flatRoster,
  clever,
  microsoftSds21,
];

export function listFormats(custom: readonly FormatDef[] = []): FormatDef[] {
  return [...BUILT_IN_FORMATS, ...custom];
}

export function getFormat(id: string, custom: readonly FormatDef[] = []): FormatDef {
  const found = listFormats(custom).find((f) => f.id === id);
  if (!found) {
    const known = listFormats(custom).map((f) => f.id).join(', ');
    throw new Error(`Unknown format "${id}". Known formats: ${known}. Built-in formats are listed in src/formats/registry.ts; custom ones are in the configuration's customFormats.`);
  }
  return found;
}
