/**
 * Detection and schema checks: which SIS profile(s) a source's schema (a database's tables and
 * columns, or an export folder's files and headers, as the driver's `discover` lists them) belongs
 * to, with the evidence; and, before a run reads anything, which table or column a profile needs
 * that the source lacks. Pure functions of the discovered schema.
 */
import type { ProfileEngine, SisProfile } from '../shared/sis-profile.js';
import { normaliseHeader } from '../sources/folder/headers.js';
import type { TableInfo } from '../sources/types.js';

/** One table (or export file pattern) a profile looks for, and what of it is missing. */
export interface SchemaGap {
  /** Table name, or export file pattern for folder profiles. */
  readonly table: string;
  /** Missing columns (headers) of a table that exists; empty when the table itself is missing. */
  readonly columns: readonly string[];
}

export interface ProfileMatch {
  readonly id: string;
  readonly name: string;
  /** "tables students, student_enrollment, course_periods found: RosarioSIS" */
  readonly evidence: string;
  readonly verification: SisProfile['verification'];
}

export interface DetectionResult {
  readonly matches: readonly ProfileMatch[];
  /** One sentence: the matches with their evidence, or what was looked for when nothing matched. */
  readonly message: string;
}

/** `*` and `?` of an export file pattern, as a case-insensitive regular expression. */
function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * An export header as the folder reader keys it, without underscores: discover lists `SectionID` as
 * `section_id`, and the reader matches `SectionID`, `Section ID` and `SECTION_ID` alike.
 */
const headerKey = (header: string): string => normaliseHeader(header).replace(/_/g, '');

/** What the profile looks for: tables (databases) or export files (folders). */
function wanted(profile: SisProfile): { kind: 'tables' | 'files'; items: readonly [string, readonly string[]][] } {
  if (profile.engines.includes('folder')) return { kind: 'files', items: Object.entries(profile.detect.files ?? {}) };
  return { kind: 'tables', items: Object.entries(profile.detect.tables ?? {}) };
}

/** Every table (file) and column the profile expects that `tables` lacks; empty when all are there. Names compare case-insensitively, export headers as the reader matches them. */
export function schemaGaps(profile: SisProfile, tables: readonly TableInfo[]): SchemaGap[] {
  const { kind, items } = wanted(profile);
  const gaps: SchemaGap[] = [];
  for (const [name, columns] of items) {
    const found =
      kind === 'files'
        ? tables.find((t) => globRegExp(name).test(t.name))
        : tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!found) {
      gaps.push({ table: name, columns: [] });
      continue;
    }
    const key = kind === 'files' ? headerKey : (column: string) => column.toLowerCase();
    const have = new Set(found.columns.map((c) => key(c.name)));
    const missing = columns.filter((c) => !have.has(key(c)));
    if (missing.length) gaps.push({ table: name, columns: missing });
  }
  return gaps;
}

function describeGap(gap: SchemaGap, kind: 'tables' | 'files'): string {
  if (!gap.columns.length) return `${kind === 'files' ? 'export file' : 'table'} ${gap.table}`;
  return `${kind === 'files' ? 'header' : 'column'}${gap.columns.length > 1 ? 's' : ''} ${gap.columns.map((c) => `${gap.table}.${c}`).join(', ')}`;
}

/** Thrown before a run reads anything when the source lacks a table or column its profile reads. */
export class ProfileSchemaError extends Error {
  override name = 'ProfileSchemaError';
}

/** Throws ProfileSchemaError naming each missing table/column and the profile that expected it. */
export function assertProfileSchema(profile: SisProfile, tables: readonly TableInfo[], sourceName: string): void {
  const gaps = schemaGaps(profile, tables);
  if (!gaps.length) return;
  const { kind } = wanted(profile);
  throw new ProfileSchemaError(
    `Source "${sourceName}" lacks ${gaps.map((g) => describeGap(g, kind)).join('; ')}, which profile ${profile.id} (${profile.name}) expects. ` +
      `Check that the source points at the ${profile.name} database${kind === 'files' ? ' export folder' : ''}, or override the entities that read ${gaps.length > 1 ? 'them' : 'it'} under the source's entities.`,
  );
}

/** The profiles (of the source's engine) whose every table and column is in `tables`, with the evidence. */
export function detectProfiles(tables: readonly TableInfo[], engine: string, profiles: readonly SisProfile[]): DetectionResult {
  const candidates = profiles.filter((p) => p.engines.includes(engine as ProfileEngine));
  const matches: ProfileMatch[] = [];
  for (const profile of candidates) {
    if (schemaGaps(profile, tables).length) continue;
    const { kind, items } = wanted(profile);
    matches.push({
      id: profile.id,
      name: profile.name,
      evidence: `${kind === 'files' ? 'export files' : 'tables'} ${items.map(([name]) => name).join(', ')} found: ${profile.name}`,
      verification: profile.verification,
    });
  }
  if (matches.length) return { matches, message: matches.map((m) => m.evidence).join('. ') };
  if (!candidates.length) return { matches, message: `No SIS profile runs on ${engine} sources.` };
  const lookedFor = candidates.map((p) => {
    const { kind, items } = wanted(p);
    const gaps = schemaGaps(p, tables);
    return `${p.name} (${kind} ${items.map(([name]) => name).join(', ')}; missing ${gaps.map((g) => describeGap(g, kind)).join(', ')})`;
  });
  return { matches, message: `No SIS profile matches this ${engine === 'folder' ? 'folder' : 'database'}. Looked for: ${lookedFor.join('; ')}.` };
}
