/**
 * Deterministic synthetic SIS district at any size, streamed.
 *
 * Nothing is held per student: the district's layout (per-school ranges of students, classes,
 * teachers and courses — O(schools)) is computed up front, and every row is then derived from its
 * own index with a mulberry32 stream seeded by hash(seed, aspect, index). Each table is a generator
 * over those indexes, so 500 000 students with ~3 M enrollments stream in constant memory, and any
 * record can be recomputed on its own (a sibling's guardians, a class's terms) without lookups.
 *
 * Proportions: schools ≈ students/600 (≥ 3), teachers ≈ students/20, classes ≈ students/5,
 * ≈ 6 class enrollments per student, ≈ 1.5 guardians per student, one school year + two semesters.
 * The mess real SIS data has is built in (see README-demo.md); every value stays valid after the
 * standard transforms (grade, gender, bool, date, phone), so the default demo syncs cleanly.
 */
import { asciiSlug, FEMALE_FIRST, LANGUAGES, LAST_NAMES, MALE_FIRST, PREFERRED, QUOTED_NICKNAMES, SCHOOL_NAMES, STREETS, SUFFIXES } from './names.js';
import { hash32, Rng, unit } from './random.js';
import { SIS_TABLES, type SisRow, type SisTableName, type SisValue } from './schema.js';
import { assertNever } from '../shared/transform.js';

export interface GenerateOptions {
  readonly students: number;
  readonly seed?: number;
  /** The calendar year the school year ends in (OneRoster `schoolYear`): 2027 = 2026–2027. */
  readonly schoolYear?: number;
}

export const DEFAULT_SEED = 20261123;
export const DEFAULT_SCHOOL_YEAR = 2027;
export const DISTRICT_NAME = 'Lakeview School District';
export const STAFF_DOMAIN = 'lakeviewsd.example.org';
export const STUDENT_DOMAIN = 'students.lakeviewsd.example.org';

export interface DistrictShape {
  readonly students: number;
  readonly schools: number;
  readonly teachers: number;
  /** One principal per school, in `staff` with staff_type 'Principal' (not a teacher). */
  readonly principals: number;
  readonly classes: number;
  readonly courses: number;
  readonly terms: number;
}

export interface District {
  readonly students: number;
  readonly seed: number;
  readonly schoolYear: number;
  readonly shape: DistrictShape;
  /** A fresh generator of the table's rows, values in the column order of SIS_TABLES. */
  rows(table: SisTableName): Generator<SisRow>;
  /** The same rows as objects keyed by column name (tests, small samples). */
  records(table: SisTableName): Generator<Record<string, SisValue>>;
}

type Level = 'elementary' | 'middle' | 'high';

interface Subject {
  readonly code: string;
  readonly name: string;
  readonly department: string;
}

const SUBJECTS: Readonly<Record<Level, readonly Subject[]>> = {
  elementary: [
    { code: 'HR', name: 'Homeroom', department: 'Homeroom' },
    { code: 'READ', name: 'Reading', department: 'English Language Arts' },
    { code: 'MATH', name: 'Math', department: 'Mathematics' },
    { code: 'SCI', name: 'Science', department: 'Science' },
    { code: 'ART', name: 'Art', department: 'Fine Arts' },
    { code: 'MUS', name: 'Music', department: 'Fine Arts' },
    { code: 'PE', name: 'Physical Education', department: 'Physical Education' },
  ],
  middle: [
    { code: 'ELA', name: 'English Language Arts', department: 'English Language Arts' },
    { code: 'MATH', name: 'Math', department: 'Mathematics' },
    { code: 'SCI', name: 'Science', department: 'Science' },
    { code: 'SS', name: 'Social Studies', department: 'Social Studies' },
    { code: 'PE', name: 'Physical Education', department: 'Physical Education' },
    { code: 'ART', name: 'Art', department: 'Fine Arts' },
    { code: 'MUS', name: 'Band & Choir', department: 'Fine Arts' },
    { code: 'SPAN', name: 'Español', department: 'World Languages' },
  ],
  high: [
    { code: 'ENG', name: 'English', department: 'English Language Arts' },
    { code: 'MATH', name: 'Mathematics', department: 'Mathematics' },
    { code: 'SCI', name: 'Science', department: 'Science' },
    { code: 'SS', name: 'Social Studies', department: 'Social Studies' },
    { code: 'PE', name: 'Health & PE', department: 'Physical Education' },
    { code: 'ART', name: 'Art', department: 'Fine Arts' },
    { code: 'CS', name: 'Computer Science', department: 'Career & Technical Education' },
    { code: 'FREN', name: 'Français', department: 'World Languages' },
  ],
};

const LEVEL_GRADES: Readonly<Record<Level, readonly number[]>> = {
  elementary: [-1, 0, 1, 2, 3, 4, 5],
  middle: [6, 7, 8],
  high: [9, 10, 11, 12],
};

const LEVEL_NAME: Readonly<Record<Level, string>> = {
  elementary: 'Elementary School',
  middle: 'Middle School',
  high: 'High School',
};

/** School levels cycle so that 3 schools are one of each and larger districts are mostly elementary. */
const LEVEL_CYCLE: readonly Level[] = ['elementary', 'middle', 'high', 'elementary', 'elementary'];

/** Salts: one per aspect, so each aspect of a record has its own independent stream. */
const enum Salt {
  School = 1,
  Staff = 2,
  StaffSchools = 3,
  Course = 4,
  Section = 5,
  CoTeacher = 6,
  StudentName = 7,
  Student = 8,
  Sibling = 9,
  SiblingName = 10,
  Household = 11,
  GuardianCount = 12,
  Contact = 13,
  Link = 14,
  Schedule = 15,
  StateId = 16,
  StaffStateId = 17,
}

/** Names that must appear in every demo (placed at spread-out student indexes). */
const NAME_TRAPS: readonly { readonly first: string; readonly last: string; readonly gender: 'F' | 'M' }[] = [
  { first: 'José', last: 'Nguyễn', gender: 'M' },
  { first: 'Zoë', last: "O'Brien", gender: 'F' },
  { first: 'Robert "Bobby"', last: 'Smith', gender: 'M' },
  { first: 'María José', last: 'García, Jr.', gender: 'F' },
  { first: 'Chloé', last: "D'Angelo", gender: 'F' },
  { first: 'Siobhán', last: 'Muñoz', gender: 'F' },
  { first: 'Đức', last: 'Trần', gender: 'M' },
  { first: 'Renée', last: "O'Connor, III", gender: 'F' },
];

interface SchoolLayout {
  readonly index: number;
  readonly code: string;
  readonly level: Level;
  readonly grades: readonly number[];
  readonly subjects: readonly Subject[];
  readonly studentStart: number;
  readonly studentCount: number;
  readonly classStart: number;
  readonly classCount: number;
  readonly teacherStart: number;
  readonly teacherCount: number;
  readonly courseStart: number;
}

interface ClassInfo {
  readonly index: number;
  readonly school: SchoolLayout;
  readonly local: number;
  readonly gradeIndex: number;
  readonly subject: Subject;
  readonly sectionNumber: number;
  readonly courseId: string;
  readonly sectionId: string;
  /** 'YR' classes are in both semesters. */
  readonly span: 'YR' | 'S1' | 'S2';
  readonly teacher: number;
  readonly coTeacher: number | null;
}

interface Term {
  readonly id: string;
  readonly code: 'YR' | 'S1' | 'S2';
  readonly start: string;
  readonly end: string;
}

export function generateDistrict(options: GenerateOptions): District {
  const students = options.students;
  if (!Number.isInteger(students) || students < 1) {
    throw new Error(`generateDistrict: students must be a positive integer, got ${String(students)}`);
  }
  const seed = (options.seed ?? DEFAULT_SEED) >>> 0;
  const schoolYear = options.schoolYear ?? DEFAULT_SCHOOL_YEAR;
  if (!Number.isInteger(schoolYear) || schoolYear < 1995 || schoolYear > 2200) {
    throw new Error(`generateDistrict: schoolYear must be the year the school year ends (e.g. 2027), got ${String(schoolYear)}`);
  }
  const gen = new DistrictGenerator(students, seed, schoolYear);
  return {
    students,
    seed,
    schoolYear,
    shape: gen.shape,
    rows: (table) => gen.rows(table),
    records: (table) => gen.records(table),
  };
}

class DistrictGenerator {
  readonly shape: DistrictShape;
  private readonly schools: readonly SchoolLayout[];
  private readonly studentIdWidth: number;
  private readonly half: number;
  private readonly sevenGuardians: number;
  private readonly traps: ReadonlyMap<number, (typeof NAME_TRAPS)[number]>;
  private readonly terms: Readonly<Record<'YR' | 'S1' | 'S2', Term>>;
  private readonly stateIdOffset: number;

  constructor(
    private readonly n: number,
    private readonly seed: number,
    private readonly schoolYear: number,
  ) {
    const schoolCount = Math.max(3, Math.round(n / 600));
    const codeWidth = Math.max(3, String(3 + 2 * (schoolCount - 1)).length);
    const schools: SchoolLayout[] = [];
    let classStart = 0;
    let teacherStart = 0;
    let courseStart = 0;
    for (let s = 0; s < schoolCount; s++) {
      const level = LEVEL_CYCLE[s % LEVEL_CYCLE.length] as Level;
      const grades = LEVEL_GRADES[level];
      const subjects = SUBJECTS[level];
      const studentStart = Math.floor((s * n) / schoolCount);
      const studentCount = Math.floor(((s + 1) * n) / schoolCount) - studentStart;
      const classCount = Math.max(grades.length, Math.round(studentCount / 5));
      const teacherCount = Math.max(1, Math.round(studentCount / 20));
      schools.push({
        index: s,
        code: String(3 + 2 * s).padStart(codeWidth, '0'),
        level,
        grades,
        subjects,
        studentStart,
        studentCount,
        classStart,
        classCount,
        teacherStart,
        teacherCount,
        courseStart,
      });
      classStart += classCount;
      teacherStart += teacherCount;
      courseStart += grades.length * subjects.length;
    }
    this.schools = schools;
    this.shape = {
      students: n,
      schools: schoolCount,
      teachers: teacherStart,
      principals: schoolCount,
      classes: classStart,
      courses: courseStart,
      terms: 3,
    };
    this.studentIdWidth = Math.max(6, String(n + 100).length);
    this.half = Math.floor(n / 2);
    this.sevenGuardians = Math.floor(n / 3);
    const traps = new Map<number, (typeof NAME_TRAPS)[number]>();
    NAME_TRAPS.forEach((trap, k) => {
      const at = Math.floor(((k + 0.5) * n) / NAME_TRAPS.length);
      if (!traps.has(at)) traps.set(at, trap);
    });
    this.traps = traps;
    const y0 = schoolYear - 1;
    const base = (schoolYear - 1991) * 100;
    this.terms = {
      YR: { id: String(base), code: 'YR', start: `${y0}-08-26`, end: `${schoolYear}-06-12` },
      S1: { id: String(base + 1), code: 'S1', start: `${y0}-08-26`, end: `${schoolYear}-01-22` },
      S2: { id: String(base + 2), code: 'S2', start: `${schoolYear}-01-25`, end: `${schoolYear}-06-12` },
    };
    this.stateIdOffset = hash32(seed, Salt.StateId) % 1_000_000_000;
  }

  *records(table: SisTableName): Generator<Record<string, SisValue>> {
    const def = SIS_TABLES.find((d) => d.name === table);
    if (!def) throw new Error(`Unknown SIS table ${table}`);
    for (const row of this.rows(table)) {
      const record: Record<string, SisValue> = {};
      def.columns.forEach((column, k) => {
        record[column.name] = row[k] ?? null;
      });
      yield record;
    }
  }

  rows(table: SisTableName): Generator<SisRow> {
    switch (table) {
      case 'schools':
        return this.schoolRows();
      case 'terms':
        return this.termRows();
      case 'staff':
        return this.staffRows();
      case 'staff_schools':
        return this.staffSchoolRows();
      case 'courses':
        return this.courseRows();
      case 'sections':
        return this.sectionRows();
      case 'section_terms':
        return this.sectionTermRows();
      case 'section_teachers':
        return this.sectionTeacherRows();
      case 'students':
        return this.studentRows();
      case 'contacts':
        return this.contactRows();
      case 'student_contacts':
        return this.studentContactRows();
      case 'section_enrollments':
        return this.enrollmentRows();
      default:
        return assertNever(table, 'SIS table');
    }
  }

  // ---- layout lookups (binary search over schools: O(log schools)) ----

  private schoolOf(index: number, start: (s: SchoolLayout) => number): SchoolLayout {
    let lo = 0;
    let hi = this.schools.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (start(this.schools[mid] as SchoolLayout) <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.schools[lo] as SchoolLayout;
  }

  private studentId(i: number): string {
    return String(101 + i).padStart(this.studentIdWidth, '0');
  }

  private teacherId(t: number): string {
    return `T${String(t + 1).padStart(5, '0')}`;
  }

  private principalId(s: number): string {
    return `A${String(s + 1).padStart(4, '0')}`;
  }

  private contactId(n: number): string {
    return `C${String(n + 1).padStart(7, '0')}`;
  }

  private sectionId(c: number): string {
    return String(9_000_001 + c);
  }

  /** Classes of grade `gi` in a school: local indexes [a, b). */
  private gradeClassRange(school: SchoolLayout, gi: number): readonly [number, number] {
    const g = school.grades.length;
    const c = school.classCount;
    return [Math.floor((gi * c + g - 1) / g), Math.floor(((gi + 1) * c + g - 1) / g)];
  }

  private courseIdOf(school: SchoolLayout, grade: number, subject: Subject): string {
    return `${school.code}-${subject.code}${gradeTag(grade)}`;
  }

  private classInfo(c: number): ClassInfo {
    const school = this.schoolOf(c, (s) => s.classStart);
    const local = c - school.classStart;
    const gi = Math.floor((local * school.grades.length) / school.classCount);
    const [a] = this.gradeClassRange(school, gi);
    const u = school.subjects.length;
    const subject = school.subjects[(local - a) % u] as Subject;
    const grade = school.grades[gi] as number;
    const rng = Rng.for(this.seed, Salt.Section, c);
    const span: ClassInfo['span'] = school.level === 'elementary' ? 'YR' : rng.weighted<ClassInfo['span']>([['YR', 60], ['S1', 20], ['S2', 20]]);
    const teacherLocal = Math.floor((local * school.teacherCount) / school.classCount);
    const co = Rng.for(this.seed, Salt.CoTeacher, c);
    const coTeacher = school.teacherCount >= 2 && co.chance(0.06) ? school.teacherStart + ((teacherLocal + 1) % school.teacherCount) : null;
    return {
      index: c,
      school,
      local,
      gradeIndex: gi,
      subject,
      sectionNumber: Math.floor((local - a) / u) + 1,
      courseId: this.courseIdOf(school, grade, subject),
      sectionId: this.sectionId(c),
      span,
      teacher: school.teacherStart + teacherLocal,
      coTeacher,
    };
  }

  private classTerms(info: ClassInfo): readonly Term[] {
    switch (info.span) {
      case 'YR':
        return [this.terms.S1, this.terms.S2];
      case 'S1':
        return [this.terms.S1];
      case 'S2':
        return [this.terms.S2];
      default:
        return assertNever(info.span, 'class span');
    }
  }

  /** The student whose guardians this student shares (a sibling in the other half of the district), or itself. */
  private guardianOwner(i: number): number {
    if (i >= this.half && i - this.half < this.half && this.hasSibling(i - this.half)) return i - this.half;
    return i;
  }

  private hasSibling(i: number): boolean {
    return i < this.half && i !== this.sevenGuardians && unit(this.seed, Salt.Sibling, i) < 0.18;
  }

  private guardianCount(owner: number): number {
    if (owner === this.sevenGuardians) return 7;
    return Rng.for(this.seed, Salt.GuardianCount, owner).weighted([[1, 42], [2, 52], [3, 4.5], [4, 1.5]]);
  }

  private householdLanguage(owner: number): string {
    return Rng.for(this.seed, Salt.Household, owner).weighted(LANGUAGES);
  }

  private studentBaseName(i: number): { gender: 'F' | 'M' | 'X'; first: string; last: string } {
    const trap = this.traps.get(i);
    const rng = Rng.for(this.seed, Salt.StudentName, i);
    const gender = rng.weighted<'F' | 'M' | 'X'>([['F', 49], ['M', 49], ['X', 1]]);
    const pool = gender === 'F' ? FEMALE_FIRST : gender === 'M' ? MALE_FIRST : rng.chance(0.5) ? FEMALE_FIRST : MALE_FIRST;
    const first = rng.pick(pool);
    let last: string = rng.pick(LAST_NAMES);
    const owner = this.guardianOwner(i);
    if (owner !== i && Rng.for(this.seed, Salt.SiblingName, i).chance(0.75)) last = this.studentBaseName(owner).last;
    if (trap) return { gender: trap.gender, first: trap.first, last: trap.last };
    return { gender, first, last };
  }

  // ---- tables ----

  private *schoolRows(): Generator<SisRow> {
    for (const school of this.schools) {
      const rng = Rng.for(this.seed, Salt.School, school.index);
      const base = SCHOOL_NAMES[school.index % SCHOOL_NAMES.length] as string;
      const round = Math.floor(school.index / SCHOOL_NAMES.length);
      const name = `${base} ${LEVEL_NAME[school.level]}${round > 0 ? ` No. ${round + 1}` : ''}`;
      const lowGrade = school.grades[0] as number;
      const highGrade = school.grades[school.grades.length - 1] as number;
      yield [
        school.code,
        name,
        `4100${String(school.index + 1).padStart(4, '0')}`,
        school.level === 'elementary' ? 'ES' : school.level === 'middle' ? 'MS' : 'HS',
        spellGrade(lowGrade, rng),
        spellGrade(highGrade, rng),
        `${rng.between(100, 9899)} ${rng.pick(STREETS)}`,
        rng.pick(['Portland', 'Beaverton', 'Gresham', 'Tigard', 'Milwaukie']),
        'OR',
        `972${String(rng.between(1, 99)).padStart(2, '0')}`,
        formatPhone(phoneDigits(rng), rng, false),
        this.principalId(school.index),
      ];
    }
  }

  private *termRows(): Generator<SisRow> {
    const label = `${this.schoolYear - 1}-${this.schoolYear}`;
    const yearId = this.schoolYear - 1991;
    const yr = this.terms.YR;
    yield [yr.id, label, yearId, 'YR', label, 'Year', yr.start, yr.end, null];
    const s1 = this.terms.S1;
    yield [s1.id, label, yearId, 'S1', 'Semester 1', 'Semester', s1.start, s1.end, yr.id];
    const s2 = this.terms.S2;
    yield [s2.id, label, yearId, 'S2', 'Semester 2', 'Semester', s2.start, s2.end, yr.id];
  }

  private *staffRows(): Generator<SisRow> {
    for (let t = 0; t < this.shape.teachers; t++) {
      const school = this.schoolOf(t, (s) => s.teacherStart);
      yield this.staffRow(this.teacherId(t), 'Teacher', t, school);
    }
    for (const school of this.schools) {
      yield this.staffRow(this.principalId(school.index), 'Principal', this.shape.teachers + school.index, school);
    }
  }

  private staffRow(id: string, type: 'Teacher' | 'Principal', n: number, school: SchoolLayout): SisRow {
    const rng = Rng.for(this.seed, Salt.Staff, n);
    const gender = rng.weighted<'F' | 'M'>([['F', 70], ['M', 30]]);
    const first = rng.pick(gender === 'F' ? FEMALE_FIRST : MALE_FIRST);
    const middle = rng.chance(0.5) ? rng.pick(gender === 'F' ? FEMALE_FIRST : MALE_FIRST).slice(0, 1) : null;
    let last: string = rng.pick(LAST_NAMES);
    if (rng.chance(0.01)) last += rng.pick(SUFFIXES);
    const title = type === 'Principal' ? 'Dr.' : gender === 'F' ? rng.pick(['Ms.', 'Mrs.', 'Ms.', 'Dr.']) : rng.pick(['Mr.', 'Mr.', 'Dr.', 'Mx.']);
    const slugFirst = asciiSlug(first);
    const slugLast = asciiSlug(last.split(',')[0] as string);
    const email = `${slugFirst}.${slugLast}${n + 1}@${STAFF_DOMAIN}`;
    const login = `${slugFirst.slice(0, 1)}${slugLast}${n + 1}`;
    const phone = rng.chance(0.7) ? formatPhone(phoneDigits(rng), rng, false) : null;
    const stateId = String((n * 7_654_321 + hash32(this.seed, Salt.StaffStateId)) % 100_000_000).padStart(8, '0');
    const active = rng.weighted([['Y', 85], ['1', 10], ['true', 5]]);
    return [id, type, first, middle, last, title, email, login, phone, stateId, school.code, active];
  }

  private *staffSchoolRows(): Generator<SisRow> {
    const multi = this.schools.length > 1;
    for (let t = 0; t < this.shape.teachers; t++) {
      const school = this.schoolOf(t, (s) => s.teacherStart);
      const id = this.teacherId(t);
      yield [id, school.code, 'Y'];
      if (multi && unit(this.seed, Salt.StaffSchools, t) < 0.04) {
        yield [id, (this.schools[(school.index + 1) % this.schools.length] as SchoolLayout).code, 'N'];
      }
    }
    for (const school of this.schools) yield [this.principalId(school.index), school.code, 'Y'];
  }

  private *courseRows(): Generator<SisRow> {
    for (const school of this.schools) {
      let k = 0;
      for (const grade of school.grades) {
        for (const subject of school.subjects) {
          const rng = Rng.for(this.seed, Salt.Course, school.courseStart + k);
          k++;
          const number = `${subject.code}${gradeTag(grade)}`;
          const credits = school.level === 'high' ? (subject.code === 'PE' || subject.code === 'ART' || subject.code === 'CS' ? '0.5' : '1.0') : null;
          yield [
            this.courseIdOf(school, grade, subject),
            school.code,
            number,
            `${subject.name} ${gradeLabel(grade)}`,
            subject.department,
            spellGrade(grade, rng),
            credits,
          ];
        }
      }
    }
  }

  private *sectionRows(): Generator<SisRow> {
    for (let c = 0; c < this.shape.classes; c++) {
      const info = this.classInfo(c);
      const rng = Rng.for(this.seed, Salt.Section, c + 0x40000000);
      const [a] = this.gradeClassRange(info.school, info.gradeIndex);
      const period = ((info.local - a) % 7) + 1;
      let room: string;
      if (info.subject.code === 'PE') room = 'Gym';
      else {
        room = rng.weighted<() => string>([
          [() => String(rng.between(100, 229)), 60],
          [() => `Portable ${rng.between(1, 8)}`, 10],
          [() => `B-${String(rng.between(1, 30)).padStart(2, '0')}`, 20],
          [() => `Rm ${rng.between(1, 40)}`, 10],
        ])();
      }
      yield [
        info.sectionId,
        info.school.code,
        info.courseId,
        String(info.sectionNumber).padStart(2, '0'),
        period,
        room,
        info.subject.code === 'HR' ? 'Y' : 'N',
        rng.pick([28, 30, 32, 35]),
      ];
    }
  }

  private *sectionTermRows(): Generator<SisRow> {
    for (let c = 0; c < this.shape.classes; c++) {
      const info = this.classInfo(c);
      for (const term of this.classTerms(info)) yield [info.sectionId, term.id];
    }
  }

  private *sectionTeacherRows(): Generator<SisRow> {
    for (let c = 0; c < this.shape.classes; c++) {
      const info = this.classInfo(c);
      const terms = this.classTerms(info);
      const start = (terms[0] as Term).start;
      const end = (terms[terms.length - 1] as Term).end;
      yield [c * 2 + 1, info.sectionId, this.teacherId(info.teacher), 'Lead', start, end];
      if (info.coTeacher !== null) yield [c * 2 + 2, info.sectionId, this.teacherId(info.coTeacher), 'Co-Teacher', start, end];
    }
  }

  private *studentRows(): Generator<SisRow> {
    for (let i = 0; i < this.n; i++) yield this.studentRow(i);
  }

  private studentGrade(i: number): { school: SchoolLayout; gradeIndex: number; grade: number } {
    const school = this.schoolOf(i, (s) => s.studentStart);
    const local = i - school.studentStart;
    const gradeIndex = Math.floor((local * school.grades.length) / school.studentCount);
    return { school, gradeIndex, grade: school.grades[gradeIndex] as number };
  }

  private studentRow(i: number): SisRow {
    const { school, grade } = this.studentGrade(i);
    const rng = Rng.for(this.seed, Salt.Student, i);
    const name = this.studentBaseName(i);
    const stuId = this.studentId(i);
    let first = name.first;
    let last = name.last;
    if (!this.traps.has(i)) {
      if (rng.chance(0.012)) last += rng.pick(SUFFIXES);
      if (rng.chance(0.006)) first = `${first} "${rng.pick(QUOTED_NICKNAMES)}"`;
    }
    const m = rng.float();
    const middle =
      m < 0.55
        ? rng.pick(name.gender === 'M' ? MALE_FIRST : FEMALE_FIRST)
        : m < 0.7
          ? rng.pick(MIDDLE_INITIALS)
          : m < 0.92
            ? null
            : '';
    const nickname = rng.chance(0.08) ? rng.pick(PREFERRED) : null;
    const gender = spellGender(name.gender, rng);
    const networkId = `${asciiSlug(name.first).slice(0, 1)}${asciiSlug(name.last.split(',')[0] as string).slice(0, 10)}${stuId}`;
    const missingEmail = rng.chance(grade <= 0 ? 0.25 : 0.04);
    const email = missingEmail ? (rng.chance(0.5) ? null : '') : `${networkId}@${STUDENT_DOMAIN}`;
    const homePhone = rng.chance(0.85) ? formatPhone(phoneDigits(rng), rng, true) : null;
    const cellPhone = grade >= 6 && rng.chance(0.4) ? formatPhone(phoneDigits(rng), rng, false) : null;
    const owner = this.guardianOwner(i);
    const lang = this.householdLanguage(owner);
    const hispanic = lang === 'Spanish' ? rng.chance(0.92) : rng.chance(0.08);
    const race =
      lang === 'Vietnamese' || lang === 'Chinese (Mandarin)'
        ? 'A'
        : rng.weighted([['W', 55], ['B', 9], ['A', 9], ['I', 2], ['P', 1], ['M', 8]]);
    const ell = lang === 'English' ? rng.chance(0.01) : rng.chance(0.55);
    return [
      stuId,
      school.code,
      String((i * 2_718_281_829 + this.stateIdOffset) % 10_000_000_000).padStart(10, '0'),
      first,
      middle,
      last,
      nickname,
      spellGrade(grade, rng),
      this.birthdate(grade, rng),
      gender,
      email,
      networkId,
      homePhone,
      cellPhone,
      lang,
      hispanic ? 'Hispanic or Latino' : 'Not Hispanic or Latino',
      race,
      hispanic ? 'Y' : 'N',
      ell ? 'Y' : 'N',
      rng.chance(0.02) ? '1' : '0',
      rng.chance(0.07) ? 'true' : 'false',
      spellFlag(rng.chance(0.13), rng, [['Y', 'N', 90], ['y', 'n', 10]]),
      spellFlag(rng.chance(0.42), rng, [['Y', 'N', 60], ['1', '0', 40]]),
      rng.chance(0.02) ? 'Y' : 'N',
      rng.chance(0.008) ? '1' : '0',
      rng.weighted([['Y', 80], ['1', 15], ['true', 5]]),
    ];
  }

  private birthdate(grade: number, rng: Rng): string {
    const y0 = this.schoolYear - 1;
    const heldBack = rng.chance(0.02) ? 1 : 0;
    // Age on 1 September of the school year's first calendar year is grade + 5 (K = 5).
    const startMs = Date.UTC(y0 - grade - 6 - heldBack, 8, 2);
    const date = new Date(startMs + rng.int(365) * 86_400_000);
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    const style = rng.float();
    if (style < 0.8) return iso;
    if (style < 0.92) return `${m}/${d}/${y}`;
    return `${iso} 00:00:00`;
  }

  private *contactRows(): Generator<SisRow> {
    for (let owner = 0; owner < this.n; owner++) {
      if (this.guardianOwner(owner) !== owner) continue;
      const count = this.guardianCount(owner);
      const familyLast = this.studentBaseName(owner).last.split(',')[0] as string;
      const lang = this.householdLanguage(owner);
      for (let slot = 0; slot < count; slot++) yield this.contactRow(owner, slot, familyLast, lang);
    }
  }

  private relationship(owner: number, slot: number): string {
    const rng = Rng.for(this.seed, Salt.Link, owner * 8 + slot);
    if (slot === 0) return rng.weighted([['Mother', 62], ['Father', 28], ['Guardian', 6], ['Grandmother', 4]]);
    if (slot === 1) return rng.weighted([['Father', 70], ['Mother', 18], ['Stepfather', 7], ['Stepmother', 5]]);
    return rng.pick(['Grandmother', 'Grandfather', 'Aunt', 'Uncle', 'Stepmother', 'Stepfather', 'Foster Parent', 'Guardian']);
  }

  private contactRow(owner: number, slot: number, familyLast: string, lang: string): SisRow {
    const n = owner * 8 + slot;
    const rng = Rng.for(this.seed, Salt.Contact, n);
    const rel = this.relationship(owner, slot);
    const female = ['Mother', 'Grandmother', 'Aunt', 'Stepmother'].includes(rel)
      ? true
      : ['Father', 'Grandfather', 'Uncle', 'Stepfather'].includes(rel)
        ? false
        : rng.chance(0.6);
    const first = rng.pick(female ? FEMALE_FIRST : MALE_FIRST);
    let last = rng.chance(0.7) ? familyLast : rng.pick(LAST_NAMES);
    if (!female && rng.chance(0.01)) last += rng.pick(SUFFIXES);
    const email = rng.chance(0.15) ? (rng.chance(0.5) ? null : '') : `${asciiSlug(first)}.${asciiSlug(last.split(',')[0] as string)}.${n + 1}@mail.example.net`;
    return [
      this.contactId(n),
      first,
      last,
      email,
      rng.chance(0.45) ? formatPhone(phoneDigits(rng), rng, true) : null,
      rng.chance(0.88) ? formatPhone(phoneDigits(rng), rng, false) : null,
      rng.chance(0.25) ? formatPhone(phoneDigits(rng), rng, false) : null,
      lang,
      rng.chance(0.3) ? rng.pick(['Providence Health', 'Intel', 'Nike', 'City of Portland', 'Self-employed', 'Fred Meyer', "Bob's Red Mill", 'Daimler Trucks']) : null,
    ];
  }

  private *studentContactRows(): Generator<SisRow> {
    for (let i = 0; i < this.n; i++) {
      const owner = this.guardianOwner(i);
      const count = this.guardianCount(owner);
      const stuId = this.studentId(i);
      for (let slot = 0; slot < count; slot++) {
        const rng = Rng.for(this.seed, Salt.Link, (i * 8 + slot) ^ 0x2000_0000);
        yield [
          stuId,
          this.contactId(owner * 8 + slot),
          this.relationship(owner, slot),
          slot + 1,
          slot < 2 || rng.chance(0.2) ? 'Y' : 'N',
          rng.weighted([['Y', 70], ['1', 20], ['true', 10]]),
          rng.chance(0.9) ? 'Y' : 'N',
        ];
      }
    }
  }

  private *enrollmentRows(): Generator<SisRow> {
    for (let i = 0; i < this.n; i++) {
      const { school, gradeIndex } = this.studentGrade(i);
      const [a, b] = this.gradeClassRange(school, gradeIndex);
      const m = b - a;
      const count = Math.min(6, m);
      const rng = Rng.for(this.seed, Salt.Schedule, i);
      const offset = rng.int(m);
      const late = rng.chance(0.03) ? isoPlusDays(`${this.schoolYear - 1}-09-15`, rng.int(70)) : null;
      const stuId = this.studentId(i);
      for (let p = 0; p < count; p++) {
        const c = school.classStart + a + ((offset + p) % m);
        const info = this.classInfo(c);
        const terms = this.classTerms(info);
        const start = (terms[0] as Term).start;
        const end = (terms[terms.length - 1] as Term).end;
        yield [i * 8 + p + 1, info.sectionId, stuId, late !== null && late > start ? late : start, end];
      }
    }
  }
}

// ---- value spellings: the mess ----

/** Two-character grade tag for IDs: PK, KG, 01 … 12. */
function gradeTag(grade: number): string {
  if (grade === -1) return 'PK';
  if (grade === 0) return 'KG';
  return String(grade).padStart(2, '0');
}

function gradeLabel(grade: number): string {
  if (grade === -1) return 'Pre-K';
  if (grade === 0) return 'K';
  return String(grade);
}

/** A grade as SIS clerks type it: PK/-1, K/0/KG, 9/09 … (all valid after the `grade` transform). */
export function spellGrade(grade: number, rng: Rng): string {
  if (grade === -1) return rng.chance(0.6) ? 'PK' : '-1';
  if (grade === 0) return rng.weighted([['K', 50], ['0', 30], ['KG', 20]]);
  if (grade <= 9) return rng.chance(grade === 9 ? 0.6 : 0.8) ? String(grade) : `0${grade}`;
  return String(grade);
}

function spellGender(gender: 'F' | 'M' | 'X', rng: Rng): string {
  switch (gender) {
    case 'F':
      return rng.weighted([['F', 60], ['female', 15], ['Female', 15], ['f', 10]]);
    case 'M':
      return rng.weighted([['M', 60], ['male', 15], ['Male', 15], ['m', 10]]);
    case 'X':
      return 'X';
    default:
      return assertNever(gender, 'gender');
  }
}

function spellFlag(value: boolean, rng: Rng, styles: readonly (readonly [string, string, number])[]): string {
  const style = rng.weighted(styles.map((s) => [s, s[2]] as const));
  return value ? style[0] : style[1];
}

const MIDDLE_INITIALS = ['A', 'B', 'C', 'D', 'E', 'J', 'L', 'M', 'R', 'S'] as const;

const AREA_CODES = ['503', '971', '360', '541', '458'] as const;

/** Ten digits of a plausible (valid) North American number: real area code, exchange 2xx–9xx, never 555 or N11. */
export function phoneDigits(rng: Rng): string {
  const area = rng.pick(AREA_CODES);
  let exchange: number;
  do exchange = rng.between(200, 999);
  while (exchange === 555 || exchange % 100 === 11);
  const line = String(rng.between(0, 9999)).padStart(4, '0');
  return `${area}${exchange}${line}`;
}

type PhoneShape = 'parens' | 'dashes' | 'dots' | 'international' | 'digits' | 'one-dashes' | 'local';

const PHONE_SHAPES: readonly (readonly [PhoneShape, number])[] = [
  ['parens', 32], ['dashes', 20], ['dots', 14], ['international', 10], ['digits', 16], ['one-dashes', 6],
];
const PHONE_SHAPES_LOCAL: readonly (readonly [PhoneShape, number])[] = [...PHONE_SHAPES, ['local', 2]];

/** The shapes phone numbers arrive in. `local`: sometimes the 7-digit number without area code. */
export function formatPhone(digits: string, rng: Rng, local: boolean): string {
  const a = digits.slice(0, 3);
  const e = digits.slice(3, 6);
  const l = digits.slice(6);
  const shape = rng.weighted(local ? PHONE_SHAPES_LOCAL : PHONE_SHAPES);
  switch (shape) {
    case 'parens':
      return `(${a}) ${e}-${l}`;
    case 'dashes':
      return `${a}-${e}-${l}`;
    case 'dots':
      return `${a}.${e}.${l}`;
    case 'international':
      return `+1 ${a} ${e} ${l}`;
    case 'digits':
      return digits;
    case 'one-dashes':
      return `1-${a}-${e}-${l}`;
    case 'local':
      return `${e}-${l}`;
    default:
      return assertNever(shape, 'phone shape');
  }
}

function isoPlusDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
