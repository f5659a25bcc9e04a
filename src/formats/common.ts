/**
 * Small building blocks shared by the built-in format data files: mapping helpers and the
 * transform chains most vendors want (trimmed names, lower-cased emails, E.164 phones, site IDs).
 * Everything here is plain data; a format file stays a readable table of columns.
 */
import type { ColumnMapping, Entity, InactiveRule, RoleSource } from '../shared/format.js';
import type { TransformStep } from '../shared/transform.js';

export const from = (field: string, transforms?: readonly TransformStep[]): ColumnMapping => (transforms ? { from: field, transforms } : { from: field });
export const constant = (value: string): ColumnMapping => ({ const: value });

/** The same mapping for several entities. */
export function forEntities(entities: readonly Entity[], mapping: ColumnMapping): Partial<Record<Entity, ColumnMapping>> {
  return Object.fromEntries(entities.map((e) => [e, mapping]));
}

const ROLE_OF_ENTITY = { students: 'student', teachers: 'teacher', guardians: 'guardian' } as const;
/** Role integrity (ReferenceRule.expectRole): a person row's role is the SIS entity it came from (students, teachers, guardians). */
export function peopleByEntity(...entities: readonly (keyof typeof ROLE_OF_ENTITY)[]): RoleSource {
  return { byEntity: Object.fromEntries(entities.map((e) => [e, ROLE_OF_ENTITY[e]])) };
}
/** An enrollment's user must have the enrollment's role: staff roles need a teacher (staff) record. */
export const ENROLLED_AS: RoleSource = { byColumn: 'role', values: { student: 'student', teacher: 'teacher', administrator: 'teacher', proctor: 'teacher', aide: 'teacher' } };
/** OneRoster agents: a student's agents are guardians, a guardian's agents are students. */
export const AGENTS_OF: RoleSource = { byEntity: { students: 'guardian', guardians: 'student' } };

export const trim: readonly TransformStep[] = [{ op: 'trim' }];
export const email: readonly TransformStep[] = [{ op: 'trim' }, { op: 'lower' }];
export const e164: readonly TransformStep[] = [{ op: 'phone', style: 'e164' }];
/** The first of a `;`-separated list (a person's main school), without reporting the others. */
export const first: readonly TransformStep[] = [{ op: 'replace', pattern: '\\s*;.*$', with: '' }, { op: 'trim' }];
/** First school → vendor site ID through the destination's site map. */
export const firstSite: readonly TransformStep[] = [...first, { op: 'siteId' }];
/** Every school → site IDs joined with `join` (OneRoster style multi-valued cells). */
export const sites = (join: string): readonly TransformStep[] => [{ op: 'multi', split: ';', join, each: [{ op: 'siteId' }] }];
/** A `;` list re-joined for the vendor. */
export const list = (join: string, max?: number): readonly TransformStep[] => [{ op: 'multi', split: ';', join, ...(max !== undefined ? { max } : {}) }];

/**
 * For vendors that forbid quoted fields, in every free-text column (names, school and class names): a
 * comma becomes a space, a double quote an apostrophe and a line break a space, so "García, Jr." is sent
 * as "García Jr.", Robert "Bobby" as Robert 'Bobby' and "Homeroom, Pre-K" as "Homeroom Pre-K" instead of
 * failing the night. IDs are not rewritten (a changed ID would point at another record): they are reported.
 */
export const noQuoteText: readonly TransformStep[] = [
  { op: 'trim' },
  { op: 'replace', pattern: '\\s*[\\r\\n]+\\s*', with: ' ' },
  { op: 'replace', pattern: '\\s*,\\s*', with: ' ' },
  { op: 'replace', pattern: '"', with: "'" },
];

/** Student enrollments only (the roles a SIS writes for students). */
export const STUDENT_ROLES = ['student', 'Student', 'STUDENT'];

/** Active records only: how SIS write "active" (and blank, which most SIS mean as active). */
export const ACTIVE_VALUES = ['', 'Y', 'y', 'Yes', 'yes', 'YES', '1', 'true', 'True', 'TRUE', 'T', 'A', 'Active', 'active'];

/**
 * The rule for vendors without a status column: inactive students and staff (source field `enabled`) are
 * left out, and every row that references them with them.
 */
export const dropInactive = (how: string): InactiveRule => ({
  rule: 'drop',
  fields: { students: 'enabled', teachers: 'enabled' },
  activeValues: ACTIVE_VALUES,
  how,
});

/** Language names a SIS stores → ISO 639-1 codes (ISO 639-2/3 where no two-letter code exists). */
const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  english: 'en',
  spanish: 'es',
  'spanish; castilian': 'es',
  vietnamese: 'vi',
  russian: 'ru',
  somali: 'so',
  arabic: 'ar',
  chinese: 'zh',
  'chinese (mandarin)': 'zh',
  mandarin: 'zh',
  'chinese (cantonese)': 'yue',
  cantonese: 'yue',
  ukrainian: 'uk',
  french: 'fr',
  'haitian creole': 'ht',
  portuguese: 'pt',
  korean: 'ko',
  japanese: 'ja',
  tagalog: 'tl',
  filipino: 'fil',
  hmong: 'hmn',
  karen: 'kar',
  burmese: 'my',
  khmer: 'km',
  lao: 'lo',
  laotian: 'lo',
  nepali: 'ne',
  hindi: 'hi',
  urdu: 'ur',
  punjabi: 'pa',
  bengali: 'bn',
  farsi: 'fa',
  persian: 'fa',
  dari: 'prs',
  pashto: 'ps',
  amharic: 'am',
  tigrinya: 'ti',
  oromo: 'om',
  swahili: 'sw',
  german: 'de',
  italian: 'it',
  polish: 'pl',
  romanian: 'ro',
  turkish: 'tr',
  marshallese: 'mh',
  chuukese: 'chk',
  'american sign language': 'ase',
};

/** Language names and the codes themselves (a SIS that already stores `es` or `hmn`) → ISO 639 codes. */
export const LANGUAGE_CODES: Readonly<Record<string, string>> = {
  ...LANGUAGE_NAMES,
  ...Object.fromEntries(Object.values(LANGUAGE_NAMES).map((code) => [code, code])),
};

/** Relationship words a SIS stores that all mean "a parent" (OneRoster's role parent). */
export const PARENT_WORDS = ['mother', 'father', 'parent', 'stepmother', 'stepfather', 'step-mother', 'step-father'];
/** Relationship words for other relatives (OneRoster's role relative). */
export const RELATIVE_WORDS = ['relative', 'grandparent', 'grandmother', 'grandfather', 'aunt', 'uncle', 'sibling', 'brother', 'sister', 'cousin'];
/** Relationship words for a guardian who is not a parent. */
export const GUARDIAN_WORDS = ['guardian', 'legal guardian', 'foster parent', 'foster mother', 'foster father', 'caregiver'];
