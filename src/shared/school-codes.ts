/**
 * SIS school codes that lost their leading zeros on the way into a site-map file: the SIS says
 * `003`, the vendor's spreadsheet came back through Excel (or was typed as numbers) and says `3`.
 * Such a row would never match a student's school, so the school stays unmapped while the map
 * looks complete. Pure: the GUI (through the API) and `rostersync sitemap import` share it.
 */
import type { SiteMapEntry } from './config.schema.js';

/** Where a school code was seen, strongest evidence first. */
export const SCHOOL_CODE_ORIGINS = ['source', 'site map', 'last run'] as const;
export type SchoolCodeOrigin = (typeof SCHOOL_CODE_ORIGINS)[number];

export interface KnownSchoolCode {
  readonly code: string;
  readonly from: SchoolCodeOrigin;
}

/** One imported code that looks like a known code without its leading zeros. */
export interface LostLeadingZeros {
  /** The code as the file has it (`3`). */
  readonly imported: string;
  /** The label of the file's row, to recognise the school. */
  readonly label: string;
  /** Known codes it could be (`003`), or the width the file's other codes have. */
  readonly candidates: readonly string[];
  /** Where the candidates were seen; `file` when nothing else was known and the file's other codes are zero-padded. */
  readonly from: SchoolCodeOrigin | 'file';
  /** The code to use instead, when exactly one fits and no other row has it already. */
  readonly padded?: string;
  /** Why no padded code is offered (several fit, or the padded code has its own row). */
  readonly notPadded?: string;
}

/** A site-map file's codes checked against the destination's known school codes. */
export interface SiteMapCodeCheck {
  readonly lostLeadingZeros: readonly LostLeadingZeros[];
  /** What the file was compared with, for the admin: "the 3 school(s) of source demo-sis and the 3 code(s) of the current site map". */
  readonly comparedWith: string;
  /** Why a place could not be used (the source could not be read). */
  readonly notes: readonly string[];
}

const DIGITS = /^\d+$/;
const withoutLeadingZeros = (code: string): string => code.replace(/^0+(?=\d)/, '');

const ORIGIN_WORDS: Readonly<Record<LostLeadingZeros['from'], string>> = {
  source: 'the source',
  'site map': 'the current site map',
  'last run': 'the last run',
  file: 'the other codes in this file',
};

/**
 * Codes of `entries` that are all digits, unknown as written, and equal to a known zero-padded code
 * once the zeros are dropped. With no known codes at all, the file's own zero-padded codes decide the
 * width (`001`, `002` and `3` → `003`).
 */
export function findLostLeadingZeros(entries: readonly SiteMapEntry[], known: readonly KnownSchoolCode[]): LostLeadingZeros[] {
  const origin = new Map<string, SchoolCodeOrigin>();
  for (const from of SCHOOL_CODE_ORIGINS) for (const k of known) if (k.from === from && !origin.has(k.code)) origin.set(k.code, from);
  const inFile = new Set(entries.map((e) => e.schoolCode));
  const fileWidth = origin.size === 0 ? zeroPaddedWidth(entries) : undefined;
  const found: LostLeadingZeros[] = [];
  for (const entry of entries) {
    const code = entry.schoolCode;
    if (!DIGITS.test(code) || origin.has(code)) continue;
    let candidates = [...origin.keys()].filter((k) => DIGITS.test(k) && k.length > code.length && k.startsWith('0') && withoutLeadingZeros(k) === withoutLeadingZeros(code)).sort();
    let from: LostLeadingZeros['from'] = SCHOOL_CODE_ORIGINS.find((o) => candidates.some((c) => origin.get(c) === o)) ?? 'file';
    if (!candidates.length && fileWidth !== undefined && code.length < fileWidth) {
      candidates = [code.padStart(fileWidth, '0')];
      from = 'file';
    }
    if (!candidates.length) continue;
    const [only] = candidates;
    if (candidates.length > 1) found.push({ imported: code, label: entry.label, candidates, from, notPadded: `it could be ${candidates.join(' or ')}` });
    else if (only !== undefined && inFile.has(only)) found.push({ imported: code, label: entry.label, candidates, from, notPadded: `${only} has its own row in the file` });
    else if (only !== undefined) found.push({ imported: code, label: entry.label, candidates, from, padded: only });
  }
  return found;
}

/** The one width of the file's zero-padded digit codes (`001`, `002` → 3), if they agree. */
function zeroPaddedWidth(entries: readonly SiteMapEntry[]): number | undefined {
  const widths = new Set(entries.filter((e) => DIGITS.test(e.schoolCode) && e.schoolCode.length > 1 && e.schoolCode.startsWith('0')).map((e) => e.schoolCode.length));
  return widths.size === 1 ? [...widths][0] : undefined;
}

/** The entries with every offered fix applied (`3` → `003`); the rest as they were. */
export function padLostLeadingZeros(entries: readonly SiteMapEntry[], found: readonly LostLeadingZeros[]): SiteMapEntry[] {
  const padded = new Map(found.filter((f) => f.padded !== undefined).map((f) => [f.imported, f.padded!]));
  return entries.map((e) => ({ ...e, schoolCode: padded.get(e.schoolCode) ?? e.schoolCode }));
}

/** The question to ask: `Pad to 003, 005, 007?` (undefined when nothing can be padded). */
export function padQuestion(found: readonly LostLeadingZeros[]): string | undefined {
  const codes = found.flatMap((f) => (f.padded === undefined ? [] : [f.padded]));
  return codes.length ? `Pad to ${codes.join(', ')}?` : undefined;
}

/** One sentence per finding: `School code 3 (Lincoln Elementary) is 003 in the source.` */
export function describeLostLeadingZeros(found: LostLeadingZeros[] | readonly LostLeadingZeros[]): string[] {
  return found.map((f) => {
    const school = `School code ${f.imported}${f.label ? ` (${f.label})` : ''}`;
    const where = ORIGIN_WORDS[f.from];
    if (f.padded !== undefined) {
      return f.from === 'file'
        ? `${school} looks like it lost its leading zeros: ${where} have ${f.padded.length} digits, so it would be ${f.padded}.`
        : `${school} is ${f.padded} in ${where}: the leading zeros were probably lost (Excel drops them from numbers).`;
    }
    return `${school} matches ${f.candidates.join(', ')} in ${where} without the leading zeros, but is not padded: ${f.notPadded}.`;
  });
}
