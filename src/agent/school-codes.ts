/**
 * The SIS school codes a destination's site map must match, and the check of a site-map file
 * against them (codes that lost their leading zeros). Used by the API (GUI import) and by
 * `rostersync sitemap import`, so both find the same thing.
 *
 * Where the codes come from, strongest first:
 *  - the source's `schools` entity: one row per school, so reading it is quick, and it is what the
 *    next run will compare with (the same read lists the GUI's "schools without a site ID");
 *  - the current site map: codes an admin already matched, kept when the source cannot be read;
 *  - the last run's unmapped-school findings: the codes the SIS really sent, when the source is down.
 */
import { loadSourceSecrets, type AgentContext } from '../home/context.js';
import { entityRequestOf, resolveSourceEntities } from '../profiles/resolve.js';
import { getSourceDriver } from '../sources/registry.js';
import type { DestinationConfig, SiteMapEntry } from '../shared/config.schema.js';
import { findLostLeadingZeros, type KnownSchoolCode, type SiteMapCodeCheck } from '../shared/school-codes.js';

export interface SourceSchool {
  readonly schoolCode: string;
  readonly name: string;
}

/** Why the source's schools cannot be listed (no schools entity, the source is gone or down). */
export class SourceSchoolsUnavailable extends Error {
  constructor(
    message: string,
    /** No such source; no schools entity to read; or the read failed (connection, query). */
    readonly reason: 'no-source' | 'no-schools' | 'read-failed',
  ) {
    super(message);
    this.name = 'SourceSchoolsUnavailable';
  }
}

/** Case-insensitive field of a source row. */
function field(row: Readonly<Record<string, string | null>>, name: string): string {
  const key = Object.keys(row).find((k) => k.trim().toLowerCase() === name);
  return key === undefined ? '' : (row[key] ?? '').trim();
}

/** Every school of the destination's source (its `schools` entity, field school_code), by code. */
export async function readSourceSchools(ctx: AgentContext, destination: DestinationConfig): Promise<SourceSchool[]> {
  const source = ctx.store.getSource(destination.source);
  if (!source) throw new SourceSchoolsUnavailable(`Destination ${destination.name} reads source "${destination.source}", which does not exist.`, 'no-source');
  const request = entityRequestOf(resolveSourceEntities(source, ctx.store.listCustomProfiles()), 'schools');
  if (!request) {
    throw new SourceSchoolsUnavailable(
      `Source ${source.name} has no query or file for schools${source.profile ? ` (nor does its profile ${source.profile})` : ''}, so its school codes cannot be listed.`,
      'no-schools',
    );
  }
  const driver = getSourceDriver(source.type);
  const session = await driver.open(source.settings, loadSourceSecrets(ctx, source)).catch((err: Error) => {
    throw new SourceSchoolsUnavailable(`Source ${source.name}: ${err.message}`, 'read-failed');
  });
  const seen = new Map<string, SourceSchool>();
  try {
    for await (const { row } of session.read(request)) {
      const code = field(row, 'school_code');
      if (code && !seen.has(code)) seen.set(code, { schoolCode: code, name: field(row, 'name') });
    }
  } catch (err) {
    throw new SourceSchoolsUnavailable(`Source ${source.name}: ${(err as Error).message}`, 'read-failed');
  } finally {
    await session.close();
  }
  return [...seen.values()].sort((a, b) => a.schoolCode.localeCompare(b.schoolCode));
}

/** The school codes known for a destination, with what was compared and what could not be. */
export async function knownSchoolCodes(ctx: AgentContext, destination: DestinationConfig): Promise<{ known: KnownSchoolCode[]; comparedWith: string[]; notes: string[] }> {
  const known: KnownSchoolCode[] = [];
  const comparedWith: string[] = [];
  const notes: string[] = [];
  try {
    const schools = await readSourceSchools(ctx, destination);
    known.push(...schools.map((s) => ({ code: s.schoolCode, from: 'source' as const })));
    comparedWith.push(`the ${schools.length} school(s) of source ${destination.source}`);
  } catch (err) {
    notes.push(`${(err as Error).message} Compared with the site map and the last run only.`);
  }
  const map = ctx.store.getSiteMap(destination.name);
  if (map.length) {
    known.push(...map.map((e) => ({ code: e.schoolCode, from: 'site map' as const })));
    comparedWith.push(`the ${map.length} code(s) of the current site map`);
  }
  const last = ctx.store.lastRun(destination.name);
  const unmapped = last
    ? new Set(
        (ctx.store.getRunDetail(last.id)?.findings ?? [])
          .filter((f) => f.rule === 'site-map')
          .map((f) => f.value.trim())
          .filter(Boolean),
      )
    : new Set<string>();
  if (last && unmapped.size) {
    known.push(...[...unmapped].map((code) => ({ code, from: 'last run' as const })));
    comparedWith.push(`the ${unmapped.size} unmapped school code(s) of run #${last.id}`);
  }
  return { known, comparedWith, notes };
}

/** Checks a site-map file's entries against the destination's known school codes. */
export async function checkSiteMapCodes(ctx: AgentContext, destination: DestinationConfig, entries: readonly SiteMapEntry[]): Promise<SiteMapCodeCheck> {
  const { known, comparedWith, notes } = await knownSchoolCodes(ctx, destination);
  return {
    lostLeadingZeros: findLostLeadingZeros(entries, known),
    comparedWith: comparedWith.length ? joinWords(comparedWith) : 'the other codes in the file (no school codes are known for this destination yet)',
    notes,
  };
}

function joinWords(parts: readonly string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
