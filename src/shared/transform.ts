/**
 * Column transforms: small, composable, pure steps applied to one value.
 * The list of step kinds is the contract, checked field by field by this zod schema, from which the
 * TransformStep type is inferred; implementations live in `src/pipeline/transforms.ts`.
 */
import { z } from 'zod';
import type { DeepReadonly } from './deep-readonly.js';

/** The federal race categories, as OneRoster's demographics columns name them. */
export const RACE_CATEGORIES = ['americanIndianOrAlaskaNative', 'asian', 'blackOrAfricanAmerican', 'nativeHawaiianOrOtherPacificIslander', 'white', 'twoOrMore'] as const;
export type RaceCategory = (typeof RACE_CATEGORIES)[number];

const bare = <Op extends string>(op: Op) => z.strictObject({ op: z.literal(op) });

export const transformStepSchema = z.discriminatedUnion('op', [
  bare('trim'),
  bare('upper'),
  bare('lower'),
  bare('title'),
  /** SIS school code → vendor site ID through the destination's site map. */
  bare('siteId'),
  /** SIS school code → school label from the site map (or the value when unmapped). */
  bare('siteLabel'),
  /** Blank the value (a sensitive column the district switched off). */
  bare('blank'),
  /**
   * Replace the value using a table. A value the table does not know is a finding: with `default` it is
   * sent as the default (a warning), without it as it came (an error). `default` also stands in for a
   * blank value (unless the table has a '' entry). `unknown: 'keep'` passes unknown values on silently,
   * for free-text columns whose table only spells out codes.
   */
  z.strictObject({ op: z.literal('map'), table: z.record(z.string(), z.string()), default: z.string().optional(), caseInsensitive: z.boolean().optional(), unknown: z.literal('keep').optional() }),
  /**
   * One race flag from a SIS race value (codes such as W/A/B/I/P/M or the federal category names; several
   * races separated by `;`): `true` when the value names `category` (or several races, for `twoOrMore`),
   * else `false`. A blank value stays blank; a value naming no known race is an error and sent blank.
   */
  z.strictObject({ op: z.literal('race'), category: z.enum(RACE_CATEGORIES) }),
  /**
   * A sign-in name without a domain gets `@` + the destination's format option `option` (e.g. usernameDomain);
   * a value that has one, or an option left empty, is kept (the column's rule then reports a name without a domain).
   */
  z.strictObject({ op: z.literal('domain'), option: z.string().min(1) }),
  /** Grade levels written any way a SIS writes them → OneRoster codes (`KG`, `01`) or Clever words (`Kindergarten`, `1`). */
  z.strictObject({ op: z.literal('grade'), style: z.enum(['oneroster', 'clever', 'number']) }),
  /**
   * Gender/sex words → `M`/`F`/`X` (style `letter`) or `male`/`female`/`other` (style `word`). `binary`:
   * the vendor's vocabulary has only male and female (OneRoster 1.1): any other gender is sent blank, with a warning.
   */
  z.strictObject({ op: z.literal('gender'), style: z.enum(['letter', 'word']), binary: z.boolean().optional() }),
  /** Truthy/falsy words (Y, yes, 1, true, x) → `Y`/`N` or `true`/`false`. */
  z.strictObject({ op: z.literal('bool'), style: z.enum(['yn', 'truefalse', '10']) }),
  /** Reformat a date (parsed from ISO, US m/d/yyyy or SQL datetime). */
  z.strictObject({ op: z.literal('date'), format: z.enum(['iso', 'm/d/yyyy', 'MM/DD/YYYY', 'yyyymmdd']) }),
  /** Normalise a phone number with libphonenumber; invalid numbers are kept as digits and reported. */
  z.strictObject({ op: z.literal('phone'), style: z.enum(['e164', 'national', 'digits']), region: z.string().length(2).optional() }),
  /** Multi-value: split on a separator, apply `each` to every part, re-join with another, keep at most `max`. */
  z.strictObject({
    op: z.literal('multi'),
    split: z.string(),
    join: z.string(),
    max: z.number().int().min(1).optional(),
    get each(): z.ZodOptional<z.ZodArray<typeof transformStepSchema>> {
      return z.array(transformStepSchema).optional();
    },
  }),
  /** Use this value when empty. */
  z.strictObject({ op: z.literal('default'), value: z.string() }),
  z.strictObject({ op: z.literal('prefix'), value: z.string() }),
  z.strictObject({ op: z.literal('suffix'), value: z.string() }),
  /** Keep only the digits (and left-pad to `pad` digits). */
  z.strictObject({ op: z.literal('digits'), pad: z.number().int().min(1).optional() }),
  z.strictObject({ op: z.literal('truncate'), max: z.number().int().min(1) }),
  /** Replace every match of a regular expression. */
  z.strictObject({ op: z.literal('replace'), pattern: z.string(), with: z.string(), flags: z.string().optional() }),
  /** If the named source field (or the value when `field` is omitted) matches, use `then`, else `else` (omit to keep). */
  z.strictObject({
    op: z.literal('when'),
    field: z.string().optional(),
    equals: z.string().optional(),
    in: z.array(z.string()).optional(),
    empty: z.boolean().optional(),
    then: z.string(),
    else: z.string().optional(),
  }),
]);

export type TransformStep = DeepReadonly<z.infer<typeof transformStepSchema>>;

/** Steps applied in order, as the code holds them: read, never changed in place. */
export const transformStepsSchema: z.ZodType<readonly TransformStep[]> = z.array(transformStepSchema);

export type TransformOp = TransformStep['op'];

export const TRANSFORM_OPS: readonly TransformOp[] = [
  'trim', 'upper', 'lower', 'title', 'map', 'grade', 'gender', 'bool', 'race', 'date', 'phone', 'siteId', 'siteLabel',
  'multi', 'domain', 'default', 'prefix', 'suffix', 'digits', 'truncate', 'replace', 'when', 'blank',
];

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
