/**
 * The checks of a SIS profile beyond its shape (src/shared/sis-profile.ts), so a custom profile — imported with
 * `rostersync profile import`, cloned from a built-in, or carried in the configuration file's
 * `customProfiles` — is checked before a source uses it, and every built-in profile passes the same
 * checks in test/unit/profiles-registry.test.ts. Messages name the path:
 *   entities.students.query: The query for students under profile rosariosis … (the guard's words)
 *
 * Beyond field types: a profile runs either on database engines (each entity a `query`) or on the
 * export folder (each entity a `file`, with an optional header map), never both; every query is one
 * read-only SELECT for each engine the profile names (src/sources/sql-guard.ts); detection says
 * what to look for (tables for databases, files for folders).
 */
import type { z } from 'zod';
import { describeZodError } from '../shared/config.schema.js';
import type { ConfigIssue } from '../shared/config-issues.js';
import { sisProfileShape, type SisProfile } from '../shared/sis-profile.js';
import { assertReadOnlySelect } from '../sources/sql-guard.js';
import { BUILT_IN_PROFILES, getProfile } from './registry.js';

function crossCheck(profile: z.infer<typeof sisProfileShape>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const folder = profile.engines.includes('folder');
  if (folder && profile.engines.length > 1) {
    issues.push({ path: ['engines'], message: 'an export-folder profile reads files, a database profile runs queries: "folder" cannot be combined with database engines' });
  }
  if (!Object.keys(profile.entities).length) issues.push({ path: ['entities'], message: 'a profile gives at least one entity (schools, students, …)' });
  const lookFor = folder ? profile.detect.files : profile.detect.tables;
  if (!lookFor || !Object.keys(lookFor).length) {
    issues.push({ path: ['detect', folder ? 'files' : 'tables'], message: `say which ${folder ? 'export files (and headers)' : 'tables (and columns)'} identify ${profile.name}` });
  }
  for (const [entity, e] of Object.entries(profile.entities)) {
    if (!e) continue;
    const at = ['entities', entity];
    if (folder) {
      if (e.query !== undefined) issues.push({ path: [...at, 'query'], message: 'an export-folder profile names a file, not a query' });
      for (const field of [...Object.keys(e.values ?? {}), ...Object.keys(e.constants ?? {})]) {
        if (e.columns?.[field] !== undefined && e.constants?.[field] !== undefined) {
          issues.push({ path: [...at, 'constants', field], message: `${field} is both read from the header "${e.columns[field]}" and a constant; keep one` });
        }
      }
      for (const field of Object.keys(e.values ?? {})) {
        if (e.columns?.[field] === undefined) issues.push({ path: [...at, 'values', field], message: `value codes for ${field}, but no header is mapped to ${field} in columns` });
      }
      continue;
    }
    if (e.file !== undefined) issues.push({ path: [...at, 'file'], message: 'a database profile gives a query, not a file' });
    if (e.columns !== undefined) issues.push({ path: [...at, 'columns'], message: 'a header map is for export files; a query names its result columns with AS' });
    if (e.values !== undefined) issues.push({ path: [...at, 'values'], message: 'value codes are for export files; a query translates its values with CASE' });
    if (e.constants !== undefined) issues.push({ path: [...at, 'constants'], message: "constants are for export files; a query writes them as 'value' AS field" });
    if (e.query === undefined) continue;
    for (const engine of profile.engines) {
      if (engine === 'folder') continue;
      try {
        assertReadOnlySelect(e.query, engine, `${entity} under profile ${profile.id} (${engine})`);
      } catch (err) {
        issues.push({ path: [...at, 'query'], message: (err as Error).message });
      }
    }
  }
  return issues;
}

export const sisProfileSchema = sisProfileShape.superRefine((profile, ctx) => {
  for (const issue of crossCheck(profile)) ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
});

export class ProfileDefinitionError extends Error {
  override name = 'ProfileDefinitionError';
}

/** Parses a profile or throws ProfileDefinitionError: `where: entities.students.query: …; …`. */
export function parseProfile(raw: unknown, where = 'profile'): SisProfile {
  const parsed = sisProfileSchema.safeParse(raw);
  if (!parsed.success) throw new ProfileDefinitionError(`${where ? `${where}: ` : ''}${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** A custom profile as an admin supplies it: a valid profile whose id is not a built-in one. */
export function parseCustomProfile(raw: unknown, where = 'profile'): SisProfile {
  const profile = parseProfile(raw, where);
  if (BUILT_IN_PROFILES.some((b) => b.id === profile.id)) {
    throw new ProfileDefinitionError(`${where ? `${where}: ` : ''}id: "${profile.id}" is a built-in profile; give the custom profile its own id (e.g. "${profile.id}-custom").`);
  }
  return profile;
}

/** Stored custom profiles (raw JSON), validated one by one: the good ones, and why the others were refused. */
export function loadCustomProfiles(raw: readonly unknown[]): { profiles: SisProfile[]; invalid: { id: string; message: string }[] } {
  const profiles: SisProfile[] = [];
  const invalid: { id: string; message: string }[] = [];
  for (const item of raw) {
    const id = typeof (item as { id?: unknown } | null)?.id === 'string' ? (item as { id: string }).id : '?';
    try {
      profiles.push(parseCustomProfile(item, `custom profile "${id}"`));
    } catch (err) {
      invalid.push({ id, message: (err as Error).message });
    }
  }
  return { profiles, invalid };
}

/** The profile a source names: built-in, or a stored custom one validated now (an invalid one is refused with its problems). */
export function resolveProfile(id: string, rawCustom: readonly unknown[]): SisProfile {
  const builtIn = BUILT_IN_PROFILES.find((p) => p.id === id);
  if (builtIn) return builtIn;
  const { profiles, invalid } = loadCustomProfiles(rawCustom);
  const bad = invalid.find((i) => i.id === id);
  if (bad) throw new ProfileDefinitionError(`${bad.message} Fix it and import it again (rostersync profile import FILE).`);
  return getProfile(id, profiles);
}
