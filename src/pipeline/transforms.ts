/**
 * Column transforms: every step of the `TransformStep` union (src/shared/transform.ts), as pure functions.
 *
 * This runs for every cell of every row of a district, so steps are compiled once
 * (`compileTransforms`) into closures with their tables, regular expressions and maps prepared;
 * `applyTransforms` caches the compiled chain per steps array. Problems are pushed onto an
 * out-array, so a clean value allocates nothing beyond the strings the steps produce.
 *
 * Blank input ('' or whitespace only) passes through most steps: required-ness is checked by
 * value-rules, not here. The exceptions are `default`, `when`, `bool` (blank is false), `map`
 * (its `default`, or the table's explicit '' entry) and `blank`.
 *
 * No silent defaults: a value a table or vocabulary (map, grade, gender, yes/no, race) does not know is
 * always reported, whatever is then sent.
 */
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';
import { assertNever } from '../shared/transform.js';
import type { RaceCategory, TransformStep } from '../shared/transform.js';

export interface TransformContext {
  /** The whole source row (case-insensitive field lookup is the caller's job: pass a getter). */
  readonly field: (name: string) => string | null;
  /** SIS school code → site map entry, or undefined when unmapped. */
  readonly site: (schoolCode: string) => { siteId: string; label: string } | undefined;
  /** Default region for phone numbers without a country code, e.g. 'US'. */
  readonly phoneRegion: string;
  /** The destination's value of a format option (for `domain`); undefined when not set. */
  readonly option?: (id: string) => string | undefined;
}

export interface TransformIssue {
  readonly rule: string;
  readonly message: string;
  /** The value the step received. */
  readonly value: string;
  readonly severity: 'error' | 'warning';
}

export type CompiledTransform = (value: string, ctx: TransformContext, issues: TransformIssue[]) => string;

// ---------------------------------------------------------------------------------------------
// Compilation

const identity: CompiledTransform = (value) => value;

/**
 * Compile a chain of steps once; the result is safe to call for millions of values. A step that rejects
 * the value (an error issue) ends the chain: later steps would only report the same value again.
 */
export function compileTransforms(steps: readonly TransformStep[]): CompiledTransform {
  const fns = steps.map(compileStep);
  if (fns.length === 0) return identity;
  if (fns.length === 1) return fns[0];
  return (value, ctx, issues) => {
    let v = value;
    for (let i = 0; i < fns.length; i++) {
      const before = issues.length;
      v = fns[i](v, ctx, issues);
      if (issues.length > before && rejected(issues, before)) return v;
    }
    return v;
  };
}

function rejected(issues: readonly TransformIssue[], from: number): boolean {
  for (let i = from; i < issues.length; i++) if (issues[i].severity === 'error') return true;
  return false;
}

const compiledCache = new WeakMap<readonly TransformStep[], CompiledTransform>();

/** Apply steps to one value (the compiled chain is cached per steps array). */
export function applyTransforms(
  value: string,
  steps: readonly TransformStep[],
  ctx: TransformContext,
  issues: TransformIssue[],
): string {
  let fn = compiledCache.get(steps);
  if (fn === undefined) {
    fn = compileTransforms(steps);
    compiledCache.set(steps, fn);
  }
  return fn(value, ctx, issues);
}

function compileStep(step: TransformStep): CompiledTransform {
  switch (step.op) {
    case 'trim':
      return (v) => trimValue(v);
    case 'upper':
      return (v) => v.toUpperCase();
    case 'lower':
      return (v) => v.toLowerCase();
    case 'title':
      return (v) => titleCase(v);
    case 'map':
      return compileMap(step.table, step.default, step.caseInsensitive === true, step.unknown === 'keep');
    case 'grade':
      return compileGrade(step.style);
    case 'gender':
      return compileGender(step.style, step.binary === true);
    case 'bool':
      return compileBool(step.style);
    case 'race':
      return compileRace(step.category);
    case 'date':
      return compileDate(step.format);
    case 'phone':
      return compilePhone(step.style, step.region);
    case 'siteId':
      return (v, ctx, issues) => {
        const code = v.trim();
        if (code === '') return v;
        const entry = ctx.site(code);
        if (entry === undefined) {
          issues.push({ rule: 'site-map', severity: 'error', value: v, message: `school code ${code} is not in the site map` });
          return v;
        }
        return entry.siteId;
      };
    case 'siteLabel':
      return (v, ctx) => {
        const code = v.trim();
        if (code === '') return v;
        const entry = ctx.site(code);
        return entry !== undefined && entry.label !== '' ? entry.label : v;
      };
    case 'multi':
      return compileMulti(step.split, step.join, step.max, step.each);
    case 'domain': {
      const option = step.option;
      return (v, ctx) => {
        const name = v.trim();
        if (name === '' || name.includes('@')) return v;
        const domain = ctx.option?.(option)?.trim().replace(/^@/, '');
        return domain ? `${name}@${domain}` : v;
      };
    }
    case 'default': {
      const fallback = step.value;
      return (v) => (isBlank(v) ? fallback : v);
    }
    case 'prefix': {
      const prefix = step.value;
      return (v) => (v === '' ? v : prefix + v);
    }
    case 'suffix': {
      const suffix = step.value;
      return (v) => (v === '' ? v : v + suffix);
    }
    case 'digits':
      return compileDigits(step.pad);
    case 'truncate': {
      const max = step.max;
      return (v) => truncate(v, max);
    }
    case 'replace':
      return compileReplace(step.pattern, step.with, step.flags);
    case 'when':
      return compileWhen(step);
    case 'blank':
      return () => '';
    default:
      return assertNever(step, 'transform step');
  }
}

// ---------------------------------------------------------------------------------------------
// Text

function isBlank(v: string): boolean {
  return v === '' || v.trim() === '';
}

function isZeroWidth(code: number): boolean {
  return (code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff;
}

const EDGE_INVISIBLES = /^[\s\u200B-\u200D\u2060\uFEFF]+|[\s\u200B-\u200D\u2060\uFEFF]+$/g;

/** Trim whitespace, no-break spaces, byte-order marks and zero-width characters at both ends. */
export function trimValue(v: string): string {
  const t = v.trim();
  if (t.length > 0 && (isZeroWidth(t.charCodeAt(0)) || isZeroWidth(t.charCodeAt(t.length - 1)))) {
    return t.replace(EDGE_INVISIBLES, '');
  }
  return t;
}

const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const ONE_LETTER_ELISION = /^(\p{L}\p{M}*['’])(\p{L})/u;

function upperFirst(s: string): string {
  const first = String.fromCodePoint(s.codePointAt(0) ?? 0);
  return first.toUpperCase() + s.slice(first.length);
}

function titleWord(word: string): string {
  const lower = word.toLowerCase();
  const upper = word.toUpperCase();
  // A word already in mixed case was written that way on purpose (McDonald, DeShawn, O'Brien): keep it.
  if (word !== lower && word !== upper) return word;
  const titled = upperFirst(lower);
  // O'Brien, D'Angelo: a one-letter elision capitalises the next letter too (but "don't" stays).
  return titled.replace(ONE_LETTER_ELISION, (_m, head: string, next: string) => head + next.toUpperCase());
}

/**
 * Title case per word: all-lower and all-upper words become "Word"; mixed-case words are kept;
 * hyphens and spaces start new words (Mary-Jane); accents are kept (ÉLODIE → Élodie).
 */
export function titleCase(v: string): string {
  if (v === '') return v;
  return v.replace(WORD, titleWord);
}

function truncate(v: string, max: number): string {
  if (v.length <= max) return v;
  const points = Array.from(v);
  if (points.length <= max) return v;
  return points.slice(0, Math.max(0, max)).join('');
}

// ---------------------------------------------------------------------------------------------
// map

function compileMap(
  table: Readonly<Record<string, string>>,
  fallback: string | undefined,
  caseInsensitive: boolean,
  keepUnknown: boolean,
): CompiledTransform {
  const lookup = new Map<string, string>();
  for (const [key, mapped] of Object.entries(table)) {
    const k = caseInsensitive ? key.trim().toLowerCase() : key.trim();
    if (!lookup.has(k)) lookup.set(k, mapped);
  }
  const hasBlankEntry = lookup.has('');
  const keys = Object.keys(table).filter((k) => k.trim() !== '');
  const known = keys.length > MAP_KEYS_LISTED ? `${keys.slice(0, MAP_KEYS_LISTED).join(', ')}, … (${keys.length} in all)` : keys.join(', ');
  /** Raw value → what it maps to, for values the table knows (and blanks): no trim or lower-casing again. */
  const memo = new Map<string, string>();
  return (v, _ctx, issues) => {
    const memoised = memo.get(v);
    if (memoised !== undefined) return memoised;
    const t = v.trim();
    // A declared fallback stands in for a blank value too (a blank relationship is still a guardian).
    if (t === '' && !hasBlankEntry) return remember(memo, v, fallback ?? v);
    const hit = lookup.get(caseInsensitive ? t.toLowerCase() : t);
    if (hit !== undefined) return remember(memo, v, hit);
    if (keepUnknown) return v;
    if (fallback !== undefined) {
      issues.push({ rule: 'map', severity: 'warning', value: v, message: `"${t}" is not in the value map (${known}); sent "${fallback}"` });
      return fallback;
    }
    issues.push({ rule: 'map', severity: 'error', value: v, message: `"${t}" is not in the value map; expected one of ${known}` });
    return v;
  };
}

const MAP_KEYS_LISTED = 12;
const MAP_MEMO_LIMIT = 4096;

/** Memoises `out` for `raw` (while the memo is under its limit) and returns it. */
function remember(memo: Map<string, string>, raw: string, out: string): string {
  if (memo.size < MAP_MEMO_LIMIT) memo.set(raw, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// grade

/** OneRoster 1.1 grade codes, in school order. */
export const GRADE_CODES = [
  'IT', 'PR', 'PK', 'TK', 'KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', 'PS', 'UG', 'Other',
] as const;
export type GradeCode = (typeof GRADE_CODES)[number];

const CLEVER_GRADE: Readonly<Record<GradeCode, string>> = {
  IT: 'InfantToddler',
  PR: 'Preschool',
  PK: 'PreKindergarten',
  TK: 'TransitionalKindergarten',
  KG: 'Kindergarten',
  '01': '1', '02': '2', '03': '3', '04': '4', '05': '5', '06': '6', '07': '7', '08': '8', '09': '9', '10': '10', '11': '11', '12': '12', '13': '13',
  PS: 'PostGraduate',
  UG: 'Ungraded',
  Other: 'Other',
};

const NUMBER_GRADE: Readonly<Partial<Record<GradeCode, string>>> = {
  PK: '-1', KG: '0',
  '01': '1', '02': '2', '03': '3', '04': '4', '05': '5', '06': '6', '07': '7', '08': '8', '09': '9', '10': '10', '11': '11', '12': '12', '13': '13',
};

/** Compact spellings (upper case, no spaces or punctuation) → code. Numbers are handled separately. */
const GRADE_ALIASES: ReadonlyMap<string, GradeCode> = (() => {
  const m = new Map<string, GradeCode>();
  const add = (code: GradeCode, ...names: string[]) => names.forEach((n) => m.set(n, code));
  add('IT', 'IT', 'INFANT', 'TODDLER', 'INFANTTODDLER', 'INFANTSTODDLERS');
  add('PR', 'PR', 'PRESCHOOL');
  add('PK', 'PK', 'P', 'PREK', 'PREKINDERGARTEN', 'PREKINDER', 'PK3', 'PK4', 'PREK3', 'PREK4', '4K');
  add('TK', 'TK', 'TRANSITIONALKINDERGARTEN', 'TRANSITIONALK', 'TRANSK');
  add('KG', 'K', 'KG', 'KN', 'KDG', 'KINDER', 'KINDERGARTEN', '5K');
  add('PS', 'PS', 'POSTSECONDARY', 'POSTGRADUATE', 'PG');
  add('UG', 'UG', 'UNGRADED', 'UNG');
  add('Other', 'OTHER');
  const ordinals = ['FIRST', 'SECOND', 'THIRD', 'FOURTH', 'FIFTH', 'SIXTH', 'SEVENTH', 'EIGHTH', 'NINTH', 'TENTH', 'ELEVENTH', 'TWELFTH', 'THIRTEENTH'];
  const cardinals = ['ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE', 'TEN', 'ELEVEN', 'TWELVE', 'THIRTEEN'];
  for (let i = 0; i < 13; i++) {
    const code = GRADE_CODES[5 + i];
    add(code, ordinals[i], cardinals[i]);
  }
  return m;
})();

function gradeFromNumber(n: number): GradeCode | undefined {
  if (n === -1) return 'PK';
  if (n === 0) return 'KG';
  if (n >= 1 && n <= 13) return GRADE_CODES[4 + n];
  return undefined;
}

const GRADE_NUMBER = /^[+-]?\d{1,3}(?:\.0+)?$/;
const GRADE_WORDS = /\b(?:GRADE|GRD|LEVEL)\b/g;
const GRADE_ABBREV = /^(?:GR|G)\.?\s*(?=\d)/;
const GRADE_PUNCT = /[\s._\-/()'’]+/g;
const GRADE_ORDINAL = /^(\d{1,2})(?:ST|ND|RD|TH)$/;

/**
 * Recognise a grade level written any way a SIS writes it (K, KG, 0, 00, Kindergarten, -1, PK, Pre-K, TK,
 * 1, 01, 1st, First, Grade 1, Gr. 9, 12th Grade, 13, UG, …). Undefined when not recognised.
 */
export function parseGrade(raw: string): GradeCode | undefined {
  let s = raw.trim().toUpperCase();
  if (s === '') return undefined;
  if (GRADE_NUMBER.test(s)) return gradeFromNumber(Math.trunc(Number(s)));
  s = s.replace(GRADE_WORDS, ' ').trim().replace(GRADE_ABBREV, '');
  if (GRADE_NUMBER.test(s)) return gradeFromNumber(Math.trunc(Number(s)));
  const compact = s.replace(GRADE_PUNCT, '');
  const ordinal = GRADE_ORDINAL.exec(compact);
  if (ordinal !== null) return gradeFromNumber(Number(ordinal[1]));
  return GRADE_ALIASES.get(compact);
}

const GRADE_MEMO_LIMIT = 4096;
const gradeMemo = new Map<string, GradeCode | null>();

function parseGradeMemo(raw: string): GradeCode | undefined {
  const hit = gradeMemo.get(raw);
  if (hit !== undefined) return hit ?? undefined;
  const code = parseGrade(raw);
  if (gradeMemo.size < GRADE_MEMO_LIMIT) gradeMemo.set(raw, code ?? null);
  return code;
}

const GRADE_EXPECTED = 'expected a grade such as IT PR PK TK KG 01–12 13 PS UG Other (also K, 0, -1, Pre-K, 1st, First, Grade 1)';

function compileGrade(style: 'oneroster' | 'clever' | 'number'): CompiledTransform {
  return (v, _ctx, issues) => {
    if (isBlank(v)) return v;
    const code = parseGradeMemo(v);
    if (code === undefined) {
      issues.push({ rule: 'grade', severity: 'error', value: v, message: `grade "${v.trim()}" is not recognised; ${GRADE_EXPECTED}` });
      return v;
    }
    switch (style) {
      case 'oneroster':
        return code;
      case 'clever':
        return CLEVER_GRADE[code];
      case 'number': {
        const n = NUMBER_GRADE[code];
        if (n === undefined) {
          issues.push({
            rule: 'grade',
            severity: 'error',
            value: v,
            message: `grade "${v.trim()}" (${code}) has no number; expected a grade from Pre-K (-1) and Kindergarten (0) to 13`,
          });
          return v;
        }
        return n;
      }
      default:
        return assertNever(style, 'grade style');
    }
  };
}

// ---------------------------------------------------------------------------------------------
// gender, bool

type Sex = 'M' | 'F' | 'X';
const GENDER_ALIASES: ReadonlyMap<string, Sex> = new Map<string, Sex>([
  ['M', 'M'], ['MALE', 'M'], ['BOY', 'M'], ['MAN', 'M'],
  ['F', 'F'], ['FEMALE', 'F'], ['GIRL', 'F'], ['WOMAN', 'F'],
  ['X', 'X'], ['O', 'X'], ['OTHER', 'X'], ['NB', 'X'], ['NONBINARY', 'X'],
]);
const GENDER_WORD: Readonly<Record<Sex, string>> = { M: 'male', F: 'female', X: 'other' };

const GENDER_MEMO_LIMIT = 4096;
const genderMemo = new Map<string, Sex | null>();

/** The sex a gender value names (memoised: a district writes genders a handful of ways), or undefined. */
function parseGenderMemo(raw: string): Sex | undefined {
  const hit = genderMemo.get(raw);
  if (hit !== undefined) return hit ?? undefined;
  const sex = GENDER_ALIASES.get(raw.trim().toUpperCase().replace(/[\s_-]+/g, ''));
  if (genderMemo.size < GENDER_MEMO_LIMIT) genderMemo.set(raw, sex ?? null);
  return sex;
}

function compileGender(style: 'letter' | 'word', binary: boolean): CompiledTransform {
  return (v, _ctx, issues) => {
    if (isBlank(v)) return v;
    const sex = parseGenderMemo(v);
    if (sex === undefined) {
      issues.push({
        rule: 'gender',
        severity: 'error',
        value: v,
        message: `gender "${v.trim()}" is not recognised; expected M, F, X, male, female, other or non-binary`,
      });
      return v;
    }
    if (binary && sex === 'X') {
      issues.push({
        rule: 'gender',
        severity: 'warning',
        value: v,
        message: `gender "${v.trim()}" has no value in this format (only ${style === 'letter' ? 'M and F' : 'male and female'}); sent blank`,
      });
      return '';
    }
    return style === 'letter' ? sex : GENDER_WORD[sex];
  };
}

const TRUTHY = new Set(['Y', 'YES', 'TRUE', 'T', '1', 'X', 'ON']);
const FALSY = new Set(['N', 'NO', 'FALSE', 'F', '0', 'OFF', '']);

const BOOL_MEMO_LIMIT = 4096;
/** Raw value → true / false, or null when it is not a yes/no value (a district writes them a handful of ways). */
const boolMemo = new Map<string, boolean | null>();

function parseBoolMemo(raw: string): boolean | null {
  let hit = boolMemo.get(raw);
  if (hit === undefined) {
    const key = raw.trim().toUpperCase();
    hit = TRUTHY.has(key) ? true : FALSY.has(key) ? false : null;
    if (boolMemo.size < BOOL_MEMO_LIMIT) boolMemo.set(raw, hit);
  }
  return hit;
}

function compileBool(style: 'yn' | 'truefalse' | '10'): CompiledTransform {
  const [yes, no] = style === 'yn' ? ['Y', 'N'] : style === 'truefalse' ? ['true', 'false'] : ['1', '0'];
  return (v, _ctx, issues) => {
    const truth = parseBoolMemo(v);
    if (truth === true) return yes;
    if (truth === false) return no;
    issues.push({
      rule: 'bool',
      severity: 'error',
      value: v,
      message: `"${v.trim()}" is not a yes/no value; expected Y, N, yes, no, true, false, 1, 0, x or blank`,
    });
    return v;
  };
}

// ---------------------------------------------------------------------------------------------
// race

/** Compact spellings (upper case, letters and digits only) of race codes and category names → category. */
const RACE_ALIASES: ReadonlyMap<string, RaceCategory> = (() => {
  const m = new Map<string, RaceCategory>();
  const add = (category: RaceCategory, ...names: string[]) => names.forEach((n) => m.set(n, category));
  add('americanIndianOrAlaskaNative', 'I', 'AI', 'AIAN', 'AMERICANINDIAN', 'AMERICANINDIANORALASKANATIVE', 'AMERICANINDIANALASKANATIVE', 'ALASKANATIVE', 'NATIVEAMERICAN');
  add('asian', 'A', 'ASIAN');
  add('blackOrAfricanAmerican', 'B', 'BLACK', 'AFRICANAMERICAN', 'BLACKORAFRICANAMERICAN', 'BLACKAFRICANAMERICAN');
  add(
    'nativeHawaiianOrOtherPacificIslander',
    'P', 'PI', 'NHPI', 'PACIFICISLANDER', 'NATIVEHAWAIIAN', 'NATIVEHAWAIIANOROTHERPACIFICISLANDER', 'NATIVEHAWAIIANPACIFICISLANDER', 'HAWAIIANORPACIFICISLANDER',
  );
  add('white', 'W', 'WHITE', 'CAUCASIAN');
  add('twoOrMore', 'M', 'MULTI', 'MULTIPLE', 'MULTIRACIAL', 'TWOORMORE', 'TWOORMORERACES');
  return m;
})();

const RACE_EXPECTED = 'expected a race code (W, B, A, I, P, M) or a federal category name such as White, Asian or Two or More Races; several races separated by ";"';

/** The categories a SIS race value names, or undefined when a part is not a known race. */
export function parseRace(raw: string): Set<RaceCategory> | undefined {
  const found = new Set<RaceCategory>();
  for (const part of raw.split(';')) {
    const compact = part.toUpperCase().replace(/[^A-Z0-9]+/g, '');
    if (compact === '') continue;
    const category = RACE_ALIASES.get(compact);
    if (category === undefined) return undefined;
    found.add(category);
  }
  return found;
}

const RACE_MEMO_LIMIT = 4096;

function compileRace(category: RaceCategory): CompiledTransform {
  /** Raw value → what it gives ('' when not recognised): a district writes its races a handful of ways. */
  const memo = new Map<string, string>();
  return (v, _ctx, issues) => {
    let out = memo.get(v);
    if (out === undefined) {
      out = raceFlag(v, category);
      if (memo.size < RACE_MEMO_LIMIT) memo.set(v, out);
    }
    if (out === '' && !isBlank(v)) {
      issues.push({ rule: 'race', severity: 'error', value: v, message: `race "${v.trim()}" is not recognised; sent blank; ${RACE_EXPECTED}` });
    }
    return out;
  };
}

/** The race step's output for `v`: 'true' / 'false', or '' for a blank or unrecognised value. */
function raceFlag(v: string, category: RaceCategory): string {
  if (isBlank(v)) return '';
  const races = parseRace(v);
  if (races === undefined) return '';
  const named = category === 'twoOrMore' ? races.has('twoOrMore') || races.size > 1 : races.has(category);
  return named ? 'true' : 'false';
}

// ---------------------------------------------------------------------------------------------
// date

export interface DateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** True when year-month-day is a real calendar date (leap years included). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** The number written in `length` ASCII digits of `s` from `from`, or -1 when one is not a digit. */
function digitsAt(s: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Exactly `YYYY-MM-DD` and a real calendar date — what dates already look like on nearly every
 * row — checked without a regular expression or a match array.
 */
export function isExactIsoDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 /* - */ || s.charCodeAt(7) !== 45) return false;
  return isCalendarDate(digitsAt(s, 0, 4), digitsAt(s, 5, 2), digitsAt(s, 8, 2));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const TIME = String.raw`\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?`;
/** ISO / SQL: 2012-03-07, 2012/3/7, 2012-03-07T08:15:00Z, 2012-03-07 00:00:00.000, 2012-03-07T00:00:00+02:00 */
const ISO_DATE = new RegExp(String.raw`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]${TIME}\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$`, 'i');
/** US: 3/7/2012, 03/07/2012, 3-7-2012, 3/7/2012 12:00:00 AM (and 3/7/12, which is reported). */
const US_DATE = new RegExp(String.raw`^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?:\s+${TIME}(?:\s*[AP]M)?)?$`, 'i');
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;

export type DateParse = DateParts | { readonly error: string };

const DATE_EXPECTED = 'expected YYYY-MM-DD, M/D/YYYY or YYYYMMDD';

/** Parse a date from ISO (with or without time), SQL datetime, US m/d/yyyy or yyyymmdd. */
export function parseDate(raw: string): DateParse {
  const s = raw.trim();
  let m = ISO_DATE.exec(s) ?? COMPACT_DATE.exec(s);
  let year: number;
  let month: number;
  let day: number;
  if (m !== null) {
    year = Number(m[1]);
    month = Number(m[2]);
    day = Number(m[3]);
  } else {
    m = US_DATE.exec(s);
    if (m === null) return { error: `"${s}" is not a date; ${DATE_EXPECTED}` };
    if (m[3].length === 2) {
      return { error: `"${s}" has a 2-digit year; expected a 4-digit year (M/D/YYYY) so the century is not guessed` };
    }
    month = Number(m[1]);
    day = Number(m[2]);
    year = Number(m[3]);
  }
  if (!isCalendarDate(year, month, day)) return { error: `"${s}" is not a real calendar date; ${DATE_EXPECTED}` };
  return { year, month, day };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function formatDate(d: DateParts, format: 'iso' | 'm/d/yyyy' | 'MM/DD/YYYY' | 'yyyymmdd'): string {
  switch (format) {
    case 'iso':
      return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
    case 'm/d/yyyy':
      return `${d.month}/${d.day}/${pad(d.year, 4)}`;
    case 'MM/DD/YYYY':
      return `${pad(d.month, 2)}/${pad(d.day, 2)}/${pad(d.year, 4)}`;
    case 'yyyymmdd':
      return `${pad(d.year, 4)}${pad(d.month, 2)}${pad(d.day, 2)}`;
    default:
      return assertNever(format, 'date format');
  }
}

function compileDate(format: 'iso' | 'm/d/yyyy' | 'MM/DD/YYYY' | 'yyyymmdd'): CompiledTransform {
  return (v, _ctx, issues) => {
    if (isBlank(v)) return v;
    // Already ISO: formatting it as ISO gives the same text.
    if (format === 'iso' && isExactIsoDate(v)) return v;
    const parsed = parseDate(v);
    if ('error' in parsed) {
      issues.push({ rule: 'date', severity: 'error', value: v, message: parsed.error });
      return v;
    }
    return formatDate(parsed, format);
  };
}

// ---------------------------------------------------------------------------------------------
// phone

const callingCodes = new Map<string, string | null>();

function regionCallingCode(region: string): string | null {
  let code = callingCodes.get(region);
  if (code === undefined) {
    code = isSupportedCountry(region) ? getCountryCallingCode(region) : null;
    callingCodes.set(region, code);
  }
  return code;
}

const NON_DIGITS = /\D+/g;

const NANP_SHAPE = /^\+?[\d\s().-]+$/;
const NANP_REGIONS = new Set(['US', 'CA']);

/**
 * The common case without libphonenumber (~17 µs a call): a US/Canadian number written with only
 * digits and the usual separators, 10 digits (area code 2–9) or 11 starting with 1. The result is
 * what libphonenumber returns for it (a unit test compares both); anything else takes the full path.
 */
export function nanpFastPath(text: string, region: string, style: 'e164' | 'national' | 'digits'): string | undefined {
  if (!NANP_REGIONS.has(region)) return undefined;
  // Already written as 10 digits or as +1 and 10 digits (what e164 gives): no regular expression, no copy.
  const plain = nanpDigitsAt(text);
  if (plain >= 0 && style !== 'national') {
    if (style === 'digits') return plain === 0 ? text : text.slice(2);
    return plain === 0 ? `+1${text}` : text;
  }
  const national = nanpNationalNumber(text);
  if (national === NOT_NANP) return undefined;
  let digits: string;
  if (national !== NOT_ASCII) {
    // Shape and digits read in one scan of an ASCII text: one number-to-text conversion, no regular expression.
    digits = String(national);
  } else {
    if (!NANP_SHAPE.test(text)) return undefined;
    digits = text.replace(NON_DIGITS, '');
    if (digits.length === 11 && digits.charCodeAt(0) === 49 /* 1 */) digits = digits.slice(1);
    else if (digits.length !== 10 || text.charCodeAt(0) === 43 /* + */) return undefined;
    const first = digits.charCodeAt(0);
    if (first < 50 /* 2 */ || first > 57) return undefined;
  }
  switch (style) {
    case 'e164':
      return `+1${digits}`;
    case 'digits':
      return digits;
    case 'national':
      return `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
    default:
      return assertNever(style, 'phone style');
  }
}

const NOT_NANP = -1;
const NOT_ASCII = -2;

/**
 * For an ASCII `text`: the 10-digit national number when the text has NANP_SHAPE (digits, ASCII white
 * space, ( ) . - and a leading +) and the digits the general path accepts (10 of them, not after a +,
 * or 11 starting with 1), the first national digit 2–9; NOT_NANP otherwise. NOT_ASCII for a text with
 * a character past U+007F (the regular expression's \s decides those).
 */
function nanpNationalNumber(text: string): number {
  let n = 0;
  let count = 0;
  let firstDigit = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (count === 0) firstDigit = c;
      if (count < 11) n = n * 10 + (c - 48);
      count++;
    } else if (c >= 0x80) {
      return NOT_ASCII;
    } else if (!(c === 32 || (c >= 9 && c <= 13) || c === 40 || c === 41 || c === 46 || c === 45 || (c === 43 && i === 0))) {
      return NOT_NANP;
    }
  }
  let national: number;
  if (count === 11 && firstDigit === 49 /* 1 */) national = n - 1e10;
  else if (count !== 10 || text.charCodeAt(0) === 43 /* + */) return NOT_NANP;
  else national = n;
  return national >= 2e9 ? national : NOT_NANP;
}

/**
 * Where the 10 national digits of `text` start when it is exactly 10 ASCII digits (0) or `+1` and
 * exactly 10 ASCII digits (2), the first of them 2–9; -1 for anything else.
 */
function nanpDigitsAt(text: string): number {
  let from: number;
  if (text.length === 10) from = 0;
  else if (text.length === 12 && text.charCodeAt(0) === 43 /* + */ && text.charCodeAt(1) === 49 /* 1 */) from = 2;
  else return -1;
  const first = text.charCodeAt(from);
  if (first < 50 /* 2 */ || first > 57) return -1;
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return from;
}

function compilePhone(style: 'e164' | 'national' | 'digits', fixedRegion: string | undefined): CompiledTransform {
  const fixed = fixedRegion?.trim().toUpperCase();
  /** The context's region as last seen, and its normalised spelling (not trimmed and upper-cased per value). */
  let lastRegion: string | undefined;
  let contextRegion = '';
  return (v, ctx, issues) => {
    const text = v.trim();
    if (text === '') return v;
    if (ctx.phoneRegion !== lastRegion) {
      lastRegion = ctx.phoneRegion;
      contextRegion = lastRegion.trim().toUpperCase();
    }
    const region = fixed ?? contextRegion;
    const fast = nanpFastPath(text, region, style);
    if (fast !== undefined) return fast;
    const home = regionCallingCode(region);
    const parsed = home !== null
      ? parsePhoneNumberFromString(text, { defaultCountry: region as CountryCode })
      : parsePhoneNumberFromString(text);
    if (parsed === undefined || !parsed.isPossible()) {
      const digits = text.replace(NON_DIGITS, '');
      issues.push({
        rule: 'phone',
        severity: 'warning',
        value: v,
        message: `"${text}" is not a complete phone number for region ${region}; expected a number with area code `
          + `(or +country code); kept ${digits === '' ? 'nothing (no digits)' : `the digits ${digits}`}`,
      });
      return digits;
    }
    const domestic = parsed.countryCallingCode === home;
    switch (style) {
      case 'e164':
        return parsed.number;
      case 'national':
        return domestic ? parsed.formatNational() : parsed.formatInternational();
      case 'digits':
        return domestic ? parsed.nationalNumber : parsed.countryCallingCode + parsed.nationalNumber;
      default:
        return assertNever(style, 'phone style');
    }
  };
}

// ---------------------------------------------------------------------------------------------
// multi

const MULTI_LINEAR = 16;

function compileMulti(
  split: string,
  join: string,
  max: number | undefined,
  each: readonly TransformStep[] | undefined,
): CompiledTransform {
  const perPart = each !== undefined && each.length > 0 ? compileTransforms(each) : undefined;
  // One part can never be over the limit unless the limit is 0 (then the slow path reports it).
  const oneFits = max === undefined || max >= 1;
  return (v, ctx, issues) => {
    if (isBlank(v)) return v;
    // The common case: one value, no separator — no split, no Set, no arrays, no join.
    if (oneFits && (split === '' || !v.includes(split))) {
      const part = v.trim();
      return perPart !== undefined ? perPart(part, ctx, issues) : part;
    }
    const raw = split === '' ? [v] : v.split(split);
    const parts: string[] = [];
    // Parts are few: a linear search finds repeats without a Set per value (a Set past MULTI_LINEAR parts).
    const seen = raw.length > MULTI_LINEAR ? new Set<string>() : undefined;
    for (const r of raw) {
      let part = r.trim();
      if (part === '') continue;
      if (perPart !== undefined) {
        part = perPart(part, ctx, issues);
        if (part === '') continue;
      }
      if (seen !== undefined) {
        if (seen.has(part)) continue;
        seen.add(part);
      } else if (parts.includes(part)) {
        continue;
      }
      parts.push(part);
    }
    if (max !== undefined && parts.length > max) {
      const dropped = parts.slice(max);
      issues.push({
        rule: 'max-count',
        severity: 'warning',
        value: v,
        message: `${parts.length} values where at most ${max} are accepted; kept the first ${max}, dropped ${dropped.length} (${dropped.join(', ')})`,
      });
      parts.length = Math.max(0, max);
    }
    return parts.join(join);
  };
}

// ---------------------------------------------------------------------------------------------
// digits, replace, when

function compileDigits(width: number | undefined): CompiledTransform {
  return (v, _ctx, issues) => {
    if (isBlank(v)) return v;
    const digits = v.replace(NON_DIGITS, '');
    if (digits === '') {
      issues.push({ rule: 'digits', severity: 'warning', value: v, message: `"${v.trim()}" has no digits; expected a number` });
      return digits;
    }
    return width !== undefined ? digits.padStart(width, '0') : digits;
  };
}

function compileReplace(pattern: string, replacement: string, flags: string | undefined): CompiledTransform {
  const f = flags ?? 'g';
  let re: RegExp;
  try {
    re = new RegExp(pattern, f.includes('g') ? f : `${f}g`);
  } catch (e) {
    throw new Error(`replace: /${pattern}/ is not a valid regular expression (${(e as Error).message})`, { cause: e });
  }
  return (v) => (v === '' ? v : v.replace(re, replacement));
}

/**
 * `when`: the subject is the named source field (or the value). Conditions compare trimmed and
 * case-insensitively, and all given conditions must hold; with none, the subject must be non-blank.
 * `then` / `else` are literal values; without `else` the value is kept.
 */
function compileWhen(step: Extract<TransformStep, { op: 'when' }>): CompiledTransform {
  const field = step.field;
  const equals = step.equals?.trim().toLowerCase();
  const among = step.in !== undefined ? new Set(step.in.map((s) => s.trim().toLowerCase())) : undefined;
  const empty = step.empty;
  const hasCondition = equals !== undefined || among !== undefined || empty !== undefined;
  const then = step.then;
  const otherwise = step.else;
  return (v, ctx) => {
    const subject = field !== undefined ? (ctx.field(field) ?? '') : v;
    let match: boolean;
    if (!hasCondition) {
      match = !isBlank(subject);
    } else {
      const key = subject.trim().toLowerCase();
      match = (equals === undefined || key === equals)
        && (among === undefined || among.has(key))
        && (empty === undefined || (key === '') === empty);
    }
    if (match) return then;
    return otherwise ?? v;
  };
}
