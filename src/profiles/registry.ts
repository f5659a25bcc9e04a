/**
 * Every SIS profile RosterSync knows: built-in ones listed here, custom ones from the store
 * (`rostersync profile import`, or `customProfiles` in the configuration file). Adding a built-in
 * profile is one data file in this folder (src/shared/sis-profile.ts is its shape) plus a line below;
 * test/unit/profiles-registry.test.ts then checks it like a custom profile (schema, engines, SQL guard).
 */
import type { SisProfile } from '../shared/sis-profile.js';
import { aeries } from './aeries.js';
import { gibbon } from './gibbon.js';
import { infiniteCampus } from './infinite-campus.js';
import { infiniteCampusExport } from './infinite-campus-export.js';
import { openSis } from './opensis.js';
import { powerSchool } from './powerschool.js';
import { powerSchoolExport } from './powerschool-export.js';
import { rosarioSis } from './rosariosis.js';
import { skywardExport } from './skyward-export.js';

export const BUILT_IN_PROFILES: readonly SisProfile[] = [
  rosarioSis,
  openSis,
  gibbon,
  powerSchool,
  infiniteCampus,
  aeries,
  powerSchoolExport,
  infiniteCampusExport,
  skywardExport,
];

export function isBuiltInProfile(id: string): boolean {
  return BUILT_IN_PROFILES.some((p) => p.id === id);
}

export function listProfiles(custom: readonly SisProfile[] = []): SisProfile[] {
  return [...BUILT_IN_PROFILES, ...custom.filter((c) => !isBuiltInProfile(c.id))];
}

/** The profile with this id; an unknown id says where profiles come from and which ones exist. */
export function getProfile(id: string, custom: readonly SisProfile[] = []): SisProfile {
  const found = listProfiles(custom).find((p) => p.id === id);
  if (!found) {
    const known = listProfiles(custom).map((p) => p.id).join(', ') || 'none';
    throw new UnknownProfileError(
      `Unknown SIS profile "${id}" (known: ${known}). Built-in profiles are listed in src/profiles/registry.ts; custom ones are added with \`rostersync profile import FILE\`.`,
    );
  }
  return found;
}

export class UnknownProfileError extends Error {
  override name = 'UnknownProfileError';
}
