/**
 * Column transforms: small, composable, pure steps applied to one value.
 * The list of step kinds is the contract; implementations live in `transforms.ts` beside this file.
 */
export type TransformStep =
  | { readonly op: 'trim' }
  | { readonly op: 'upper' }
  | { readonly op: 'lower' }
  | { readonly op: 'title' }
  /**
   * Replace the value using a table. A value the table does not know is a finding: with `default` it is
   * sent as the default (a warning), without it as it came (an error). `default` also stands in for a
   * blank value (unless the table has a '' entry). `unknown: 'keep'` passes unknown values on silently,
   * for free-text columns whose table only spells out codes.
   */
  | {
      readonly op: 'map';
      readonly table: Readonly<Record<string, string>>;
      readonly default?: string;
      readonly caseInsensitive?: boolean;
      readonly unknown?: 'keep';
    }
  /** Grade levels written any way a SIS writes them → OneRoster codes (`KG`, `01`) or Clever words (`Kindergarten`, `1`). */
  | { readonly op: 'grade'; readonly style: 'oneroster' | 'clever' | 'number' }
  /**
   * Gender/sex words → `M`/`F`/`X` (style `letter`) or `male`/`female`/`other` (style `word`). `binary`:
   * the vendor's vocabulary has only male and female (OneRoster 1.1): any other gender is sent blank, with a warning.
   */
  | { readonly op: 'gender'; readonly style: 'letter' | 'word'; readonly binary?: boolean }
  /** Truthy/falsy words (Y, yes, 1, true, x) → `Y`/`N` or `true`/`false`. */
  | { readonly op: 'bool'; readonly style: 'yn' | 'truefalse' | '10' }
  /**
   * One race flag from a SIS race value (codes such as W/A/B/I/P/M or the federal category names; several
   * races separated by `;`): `true` when the value names `category` (or several races, for `twoOrMore`),
   * else `false`. A blank value stays blank; a value naming no known race is an error and sent blank.
   */
  | { readonly op: 'race'; readonly category: RaceCategory }
  /** Reformat a date (parsed from ISO, US m/d/yyyy or SQL datetime). */
  | { readonly op: 'date'; readonly format: 'iso' | 'm/d/yyyy' | 'MM/DD/YYYY' | 'yyyymmdd' }
  /** Normalise a phone number with libphonenumber; invalid numbers are kept as digits and reported. */
  | { readonly op: 'phone'; readonly style: 'e164' | 'national' | 'digits'; readonly region?: string }
  /** SIS school code → vendor site ID through the destination's site map. */
  | { readonly op: 'siteId' }
  /** SIS school code → school label from the site map (or the value when unmapped). */
  | { readonly op: 'siteLabel' }
  /** Multi-value: split on a separator, apply nothing, re-join with another, keep at most `max`. */
  | { readonly op: 'multi'; readonly split: string; readonly join: string; readonly max?: number; readonly each?: readonly TransformStep[] }
  /**
   * A sign-in name without a domain gets `@` + the destination's format option `option` (e.g. usernameDomain);
   * a value that has one, or an option left empty, is kept (the column's rule then reports a name without a domain).
   */
  | { readonly op: 'domain'; readonly option: string }
  /** Use this value when empty. */
  | { readonly op: 'default'; readonly value: string }
  | { readonly op: 'prefix'; readonly value: string }
  | { readonly op: 'suffix'; readonly value: string }
  /** Keep only the digits (and left-pad to `pad` digits). */
  | { readonly op: 'digits'; readonly pad?: number }
  | { readonly op: 'truncate'; readonly max: number }
  /** Replace every match of a regular expression. */
  | { readonly op: 'replace'; readonly pattern: string; readonly with: string; readonly flags?: string }
  /** If the named source field (or the value when `field` is omitted) matches, use `then`, else `else` (omit to keep). */
  | {
      readonly op: 'when';
      readonly field?: string;
      readonly equals?: string;
      readonly in?: readonly string[];
      readonly empty?: boolean;
      readonly then: string;
      readonly else?: string;
    }
  /** Blank the value (a sensitive column the district switched off). */
  | { readonly op: 'blank' };

export type TransformOp = TransformStep['op'];

/** The federal race categories, as OneRoster's demographics columns name them. */
export const RACE_CATEGORIES = ['americanIndianOrAlaskaNative', 'asian', 'blackOrAfricanAmerican', 'nativeHawaiianOrOtherPacificIslander', 'white', 'twoOrMore'] as const;
export type RaceCategory = (typeof RACE_CATEGORIES)[number];

export const TRANSFORM_OPS: readonly TransformOp[] = [
  'trim', 'upper', 'lower', 'title', 'map', 'grade', 'gender', 'bool', 'race', 'date', 'phone', 'siteId', 'siteLabel',
  'multi', 'domain', 'default', 'prefix', 'suffix', 'digits', 'truncate', 'replace', 'when', 'blank',
];

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
