/**
 * The one name matcher behind every mapping suggestion: the entity builder's "which SIS column is
 * this canonical field" and the mapping wizard's "which source field feeds this vendor column".
 * It understands how student information systems name columns — camelCase, snake_case and
 * abbreviations (`stu_id`, `StudentNumber`, `sch_code`, `SchoolID`, `Grade_Level`, `Home_Room`,
 * `DOB`, `FirstName`, `LastFirst`, `Gender`/`Sex`, `EntryDate`) — by turning each name into
 * normalised words and comparing the words, with a list of synonyms per canonical field.
 * Pure: imported by the agent and by the renderer.
 */
import { CANONICAL_FIELDS, MULTI_VALUED_FIELDS } from './entities.js';
import type { Entity } from './format.js';

/**
 * Abbreviations and words that mean the same, mapped to one spelling (several words allowed).
 * `number`/`code`/`abbr` stay `code` here and only become `id` in NORMAL_WORDS, so `course_code`
 * prefers `Course_Number` and `course_id` prefers `CourseID` while each still matches the other.
 */
const WORD_ALIASES: Readonly<Record<string, readonly string[]>> = {
  stu: ['student'], stud: ['student'], pupil: ['student'], learner: ['student'],
  sch: ['school'], schl: ['school'], org: ['school'], site: ['school'], building: ['school'], bldg: ['school'],
  staff: ['teacher'], tch: ['teacher'], tchr: ['teacher'], instructor: ['teacher'], faculty: ['teacher'], educator: ['teacher'],
  contact: ['guardian'], parent: ['guardian'], relative: ['guardian'],
  section: ['class'], sect: ['class'], sec: ['class'], cc: ['enrollment'],
  crs: ['course'], subj: ['subject'], dept: ['subject'], department: ['subject'],
  session: ['term'], marking: ['term'],
  enr: ['enrollment'], enroll: ['enrollment'], enrolment: ['enrollment'], roster: ['enrollment'],
  given: ['first'], forename: ['first'], fname: ['first', 'name'], firstname: ['first', 'name'],
  family: ['last'], surname: ['last'], lname: ['last', 'name'], lastname: ['last', 'name'],
  mname: ['middle', 'name'], mi: ['middle', 'name'], middlename: ['middle', 'name'],
  nick: ['preferred', 'name'], nickname: ['preferred', 'name'], alias: ['preferred', 'name'],
  dob: ['birth', 'date'], birthdate: ['birth', 'date'], birthday: ['birth', 'date'], bday: ['birth', 'date'], born: ['birth'],
  sex: ['gender'],
  mail: ['email'], emailaddr: ['email'],
  addr: ['address'], street: ['address'], postal: ['zip'], zipcode: ['zip'], postcode: ['zip'],
  login: ['username'], user: ['username'], netid: ['username'], network: ['username'], web: ['username'], account: ['username'],
  grd: ['grade'], gr: ['grade'], level: ['grade'], gradelevel: ['grade'], yog: ['grade'],
  tel: ['phone'], telephone: ['phone'], ph: ['phone'], cell: ['mobile'], sms: ['mobile'],
  lang: ['language'],
  eth: ['ethnicity'], ethnic: ['ethnicity'], fedethnicity: ['ethnicity'], fedrace: ['race'],
  ell: ['english', 'learner'], lep: ['english', 'learner'], esl: ['english', 'learner'], el: ['english', 'learner'],
  sped: ['special', 'ed'], iep: ['special', 'ed'], education: ['ed'],
  frl: ['economically', 'disadvantaged'], frlunch: ['economically', 'disadvantaged'], lunch: ['economically', 'disadvantaged'],
  active: ['enabled'], enabled: ['enabled'], status: ['enabled'], inactive: ['enabled'],
  start: ['begin'], entry: ['begin'], enrolled: ['begin'], exit: ['end'], left: ['end'], withdrawn: ['end'], stop: ['end'],
  dt: ['date'], day: ['date'], yr: ['year'],
  identifier: ['id'], key: ['id'], dcid: ['id'], sourced: ['id'], guid: ['id'], uid: ['id'],
  number: ['code'], num: ['code'], no: ['code'], nbr: ['code'], nr: ['code'], abbr: ['code'], abbreviation: ['code'],
  title: ['name'], descr: ['name'], description: ['name'],
  rm: ['room'],
};

/** Two words that together mean one thing (checked before WORD_ALIASES, on neighbouring words). */
const PHRASES: Readonly<Record<string, readonly string[]>> = {
  'last first': ['full', 'name'],
  'first last': ['full', 'name'],
  'home room': ['homeroom'],
  'grade level': ['grade'],
  'first day': ['begin', 'date'],
  'last day': ['end', 'date'],
  'e mail': ['email'],
  'cell phone': ['mobile'],
  'mobile phone': ['mobile'],
  'date enrolled': ['begin', 'date'],
  'date left': ['end', 'date'],
  'enroll status': ['enabled'],
  'state student': ['state', 'student'],
};

/** Spellings that are different words for the wizard's ranking but the same thing for matching. */
const NORMAL_WORDS: Readonly<Record<string, string>> = { code: 'id' };

/** Words ending in s that are not plurals. */
const KEEP_S = new Set(['sis', 'status', 'gps', 'alias', 'bus', 'campus', 'yes']);

/**
 * Extra names per canonical field that SIS schemas use for it, compared like the field's own name.
 * Keyed by field name; `entity.field` applies to one entity only.
 */
const FIELD_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  'enrollments.user_id': ['student_id', 'teacher_id', 'person_id'],
  'enrollments.class_id': ['section_id'],
  'enrollments.begin_date': ['date_enrolled', 'entry_date'],
  'enrollments.end_date': ['date_left', 'exit_date'],
  'classes.title': ['course_name', 'section_name', 'class_name'],
  'classes.teacher_id': ['lead_teacher', 'primary_teacher'],
  'courses.title': ['course_name'],
  'terms.title': ['term_name'],
  'schools.name': ['school_name'],
  student_id: ['student_number', 'student_no'],
  teacher_id: ['teacher_number', 'staff_id', 'staff_number'],
  'guardians.guardian_id': ['contact_id', 'parent_id', 'person_id'],
  birth_date: ['dob'],
  school_codes: ['school_id', 'home_school'],
  school_code: ['school_id'],
  enabled: ['active', 'status'],
  state_id: ['state_number', 'state_student_number'],
  sms: ['cell_phone', 'mobile'],
  english_learner: ['ell', 'lep'],
  economically_disadvantaged: ['frl', 'free_reduced_lunch'],
  special_ed: ['sped', 'iep'],
  relationship: ['relation', 'contact_type'],
};

/**
 * Words that make a column about something else when the field lacks them: `RoleType` is not a
 * class's `class_type`, `State_School_ID` is not the `school_code`, `ParentTermID` is not the `term_id`.
 */
const DISTINCT_WORDS: ReadonlySet<string> = new Set(['role', 'state', 'parent', 'principal', 'work', 'emergency', 'employer', 'max', 'credit']);

/** The noun of each entity: a field of that entity may drop it (`FirstName` in a students table is the student's first name). */
const ENTITY_NOUN: Readonly<Record<Entity, string | undefined>> = {
  schools: 'school',
  terms: 'term',
  courses: 'course',
  classes: 'class',
  students: 'student',
  teachers: 'teacher',
  guardians: 'guardian',
  enrollments: 'enrollment',
  roster: undefined,
};

const singular = (t: string): string => (t.length > 2 && t.endsWith('s') && !t.endsWith('ss') && !KEEP_S.has(t) ? t.slice(0, -1) : t);

/** Raw lower-case words of a name: `StudentNumber` → student number; `SIS_School_Code` → sis school code; `DOB` → dob. */
function rawWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])([0-9])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '' && !/^[0-9]+$/.test(w));
}

/** Words of a name with abbreviations spelled out and synonyms merged, before `code` becomes `id`. */
function spelledWords(name: string): string[] {
  const words = rawWords(name).map(singular);
  const out: string[] = [];
  for (let k = 0; k < words.length; k++) {
    const phrase = k + 1 < words.length ? PHRASES[`${words[k]} ${words[k + 1]}`] : undefined;
    if (phrase) {
      out.push(...phrase);
      k++;
      continue;
    }
    const word = words[k]!;
    out.push(...(WORD_ALIASES[word] ?? [word]));
  }
  return out;
}

/** `orgSourcedIds` → ['school', 'id', 'id']; `first_name` → ['first', 'name']; `StudentNumber` → ['student', 'id']. */
export function nameTokens(name: string): string[] {
  return spelledWords(name).map((w) => NORMAL_WORDS[w] ?? w);
}

const compact = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (!a.size || !b.size) return 0;
  let common = 0;
  for (const t of a) if (b.has(t)) common++;
  return common / (a.size + b.size - common);
}

/** Share of the target's words that the field has. */
function coverage(target: ReadonlySet<string>, field: ReadonlySet<string>): number {
  let found = 0;
  for (const t of target) if (field.has(t)) found++;
  return target.size ? found / target.size : 0;
}

/** The words of a name without the entity's noun, and whether it had it. */
function withoutNoun(words: readonly string[], noun: string | undefined): { words: Set<string>; hadNoun: boolean } {
  const set = new Set(words);
  if (!noun || !set.has(noun) || set.size === 1) return { words: set, hadNoun: false };
  set.delete(noun);
  return { words: set, hadNoun: true };
}

/**
 * 0–1: how alike two field names are. 1 only for the same spelling (case and punctuation aside);
 * the same words through synonyms score at most 0.95. With `entity`, its noun may be left out on
 * either side (`FirstName` ≈ `student_first_name` among students), at a small cost.
 */
export function nameSimilarity(target: string, field: string, entity?: Entity): number {
  if (compact(target) === compact(field)) return 1;
  const noun = entity ? ENTITY_NOUN[entity] : undefined;
  const a = withoutNoun(nameTokens(target), noun);
  const b = withoutNoun(nameTokens(field), noun);
  // Half overlap, half how much of the target the field covers: `Home_Phone` fits `phone` better than `StudentNumber` fits `state_id`.
  const overlap = jaccard(a.words, b.words);
  if (overlap === 0) return 0;
  const normal = (overlap + coverage(a.words, b.words)) / 2;
  const spelledA = withoutNoun(spelledWords(target), noun).words;
  const spelledB = withoutNoun(spelledWords(field), noun).words;
  let score = 0.85 * normal + 0.1 * jaccard(spelledA, spelledB);
  if (a.hadNoun !== b.hadNoun) score *= 0.85;
  if ([...b.words].some((w) => DISTINCT_WORDS.has(w) && !a.words.has(w))) score *= 0.6;
  return Math.round(Math.min(0.95, score) * 100) / 100;
}

/** The names a canonical field goes by: its own and its synonyms for that entity. */
export function fieldNames(field: string, entity?: Entity): string[] {
  return [field, ...(FIELD_SYNONYMS[field] ?? []), ...(entity ? (FIELD_SYNONYMS[`${entity}.${field}`] ?? []) : [])];
}

/** How well a source column name fits a canonical field (its name or one of its synonyms). */
export function fieldScore(field: string, column: string, entity?: Entity): number {
  let best = 0;
  for (const name of fieldNames(field, entity)) best = Math.max(best, nameSimilarity(name, column, entity));
  return best;
}

/** A column the builder can map: `key` identifies it (e.g. `j1.Course_Name`), `name` is what is compared. */
export interface ColumnCandidate {
  readonly key: string;
  readonly name: string;
  /** A column of a related table whose values are listed (`;`-joined): only for multi-valued fields. */
  readonly list?: boolean;
}

export interface FieldSuggestion {
  readonly field: string;
  readonly key: string;
  readonly score: number;
}

/** A suggestion below this is left for the admin. */
export const SUGGEST_MIN_SCORE = 0.5;

/**
 * For each canonical field of `entity`, the column that fits it best. Each column is suggested for
 * at most one field and each field gets at most one column, best fits first; ties go to the
 * candidate listed first (list the main table's columns before joined tables'). Fields in `skip`
 * (already mapped) are left out.
 */
export function suggestCanonicalFields(entity: Entity, candidates: readonly ColumnCandidate[], skip: readonly string[] = []): FieldSuggestion[] {
  const skipped = new Set(skip);
  const pairs: { field: string; key: string; score: number; order: number; fieldOrder: number }[] = [];
  CANONICAL_FIELDS[entity].forEach((field, fieldOrder) => {
    if (skipped.has(field)) return;
    candidates.forEach((c, order) => {
      if (c.list && !MULTI_VALUED_FIELDS.has(field)) return;
      const score = fieldScore(field, c.name, entity);
      if (score >= SUGGEST_MIN_SCORE) pairs.push({ field, key: c.key, score, order, fieldOrder });
    });
  });
  pairs.sort((x, y) => y.score - x.score || x.order - y.order || x.fieldOrder - y.fieldOrder);
  const usedFields = new Set<string>();
  const usedKeys = new Set<string>();
  const out: FieldSuggestion[] = [];
  for (const p of pairs) {
    if (usedFields.has(p.field) || usedKeys.has(p.key)) continue;
    usedFields.add(p.field);
    usedKeys.add(p.key);
    out.push({ field: p.field, key: p.key, score: p.score });
  }
  const order = CANONICAL_FIELDS[entity];
  return out.sort((x, y) => order.indexOf(x.field) - order.indexOf(y.field));
}
