import { isValidPhoneNumber } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, generateDistrict, type District } from '../../src/demo/generator.js';
import { hash32, mulberry32, Rng } from '../../src/demo/random.js';
import { SIS_TABLE_NAMES, SIS_TABLES, sisTable, type SisTableName, type SisValue } from '../../src/demo/schema.js';

type Rec = Record<string, SisValue>;

function all(district: District, table: SisTableName): Rec[] {
  return [...district.records(table)];
}

function col(rows: readonly Rec[], name: string): SisValue[] {
  return rows.map((r) => r[name] ?? null);
}

const str = (v: SisValue | undefined): string => (v === null || v === undefined ? '' : String(v));

describe('random', () => {
  it('mulberry32 is a pure function of its seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const seqA = Array.from({ length: 20 }, () => a());
    const seqB = Array.from({ length: 20 }, () => b());
    expect(seqA).toEqual(seqB);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(seqA).size).toBe(20);
    const c = mulberry32(43);
    expect(Array.from({ length: 20 }, () => c())).not.toEqual(seqA);
  });

  it('hash32 separates parts and large indexes', () => {
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
    expect(hash32(1, 2, 3)).not.toBe(hash32(1, 3, 2));
    expect(hash32(1, 2, 2 ** 32 + 5)).not.toBe(hash32(1, 2, 5));
  });

  it('Rng.int stays in range and covers it', () => {
    const rng = new Rng(7);
    const seen = new Set<number>();
    for (let k = 0; k < 500; k++) {
      const x = rng.int(6);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(6);
      seen.add(x);
    }
    expect(seen.size).toBe(6);
  });
});

describe('generateDistrict: determinism', () => {
  it('the same seed gives identical rows in every table; another seed gives different ones', () => {
    const a = generateDistrict({ students: 700, seed: 99 });
    const b = generateDistrict({ students: 700, seed: 99 });
    const c = generateDistrict({ students: 700, seed: 100 });
    for (const table of SIS_TABLE_NAMES) {
      const rowsA = [...a.rows(table)];
      expect(rowsA.length, table).toBeGreaterThan(0);
      expect([...b.rows(table)], table).toEqual(rowsA);
      // A second pass over the same district is identical too (generators are restartable).
      expect([...a.rows(table)], table).toEqual(rowsA);
    }
    expect([...c.rows('students')]).not.toEqual([...a.rows('students')]);
    expect([...c.rows('contacts')]).not.toEqual([...a.rows('contacts')]);
    expect([...c.rows('section_enrollments')]).not.toEqual([...a.rows('section_enrollments')]);
  });

  it('defaults to the documented seed and school year', () => {
    const d = generateDistrict({ students: 50 });
    expect(d.seed).toBe(DEFAULT_SEED);
    expect(d.schoolYear).toBe(2027);
  });

  it('rows have exactly one value per column of their table', () => {
    const d = generateDistrict({ students: 300 });
    for (const def of SIS_TABLES) {
      for (const row of d.rows(def.name)) expect(row.length, def.name).toBe(def.columns.length);
      for (const column of def.columns.filter((c) => c.required)) {
        const k = def.columns.indexOf(column);
        for (const row of d.rows(def.name)) expect(row[k], `${def.name}.${column.name}`).not.toBeNull();
      }
    }
  });

  it('rejects a non-positive size and an implausible school year', () => {
    expect(() => generateDistrict({ students: 0 })).toThrow(/positive integer/);
    expect(() => generateDistrict({ students: 10, schoolYear: 27 })).toThrow(/school year ends/);
  });
});

describe('generateDistrict: proportions at 6,000 students', () => {
  const d = generateDistrict({ students: 6000, seed: 4242 });
  const students = all(d, 'students');
  const staff = all(d, 'staff');
  const sections = all(d, 'sections');
  const enrollments = all(d, 'section_enrollments');
  const contacts = all(d, 'contacts');
  const links = all(d, 'student_contacts');
  const terms = all(d, 'terms');

  it('has schools ≈ students/600, teachers ≈ students/20, classes ≈ students/5', () => {
    expect(students).toHaveLength(6000);
    expect(all(d, 'schools')).toHaveLength(10);
    const teachers = staff.filter((s) => s.staff_type === 'Teacher');
    expect(teachers.length).toBeGreaterThanOrEqual(285);
    expect(teachers.length).toBeLessThanOrEqual(315);
    expect(sections.length).toBeGreaterThanOrEqual(1140);
    expect(sections.length).toBeLessThanOrEqual(1260);
    expect(d.shape).toMatchObject({ students: 6000, schools: 10, teachers: teachers.length, classes: sections.length });
  });

  it('has ≈ 6 class enrollments and ≈ 1.5 guardians per student', () => {
    expect(enrollments.length / students.length).toBeGreaterThan(5.8);
    expect(enrollments.length / students.length).toBeLessThanOrEqual(6);
    expect(contacts.length / students.length).toBeGreaterThan(1.4);
    expect(contacts.length / students.length).toBeLessThan(1.6);
    expect(links.length).toBeGreaterThan(contacts.length); // siblings share guardians
  });

  it('has one school year and two semesters inside it', () => {
    expect(terms).toHaveLength(3);
    const year = terms.find((t) => t.term_type === 'Year');
    const semesters = terms.filter((t) => t.term_type === 'Semester');
    expect(year).toBeDefined();
    expect(semesters).toHaveLength(2);
    for (const s of semesters) {
      expect(s.parent_term_id).toBe(year?.term_id);
      expect(str(s.start_date) >= str(year?.start_date)).toBe(true);
      expect(str(s.end_date) <= str(year?.end_date)).toBe(true);
    }
    expect(year?.school_year).toBe('2026-2027');
  });

  it('fills classes to a realistic size', () => {
    const perSection = new Map<string, number>();
    for (const e of enrollments) perSection.set(str(e.section_id), (perSection.get(str(e.section_id)) ?? 0) + 1);
    const sizes = [...perSection.values()];
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(mean).toBeGreaterThan(25);
    expect(mean).toBeLessThan(35);
    expect(perSection.size).toBeGreaterThan(sections.length * 0.95);
  });
});

describe('generateDistrict: referential integrity', () => {
  const d = generateDistrict({ students: 2500, seed: 77 });
  const ids = (table: SisTableName, column: string): Set<string> => new Set(col(all(d, table), column).map(str));

  it('keys are unique in every table', () => {
    for (const def of SIS_TABLES) {
      const key = def.primaryKey;
      if (!key) continue;
      const seen = new Set<string>();
      for (const r of d.records(def.name)) {
        const k = key.map((c) => str(r[c] ?? null)).join('\u0000');
        expect(seen.has(k), `${def.name} duplicate ${k}`).toBe(false);
        seen.add(k);
      }
    }
  });

  it('every reference points at an existing row', () => {
    const schools = ids('schools', 'sch_code');
    const staff = ids('staff', 'staff_id');
    const students = ids('students', 'stu_id');
    const contacts = ids('contacts', 'contact_id');
    const courses = ids('courses', 'course_id');
    const sections = ids('sections', 'section_id');
    const terms = ids('terms', 'term_id');
    for (const s of d.records('schools')) expect(staff.has(str(s.principal_id))).toBe(true);
    for (const s of d.records('staff')) expect(schools.has(str(s.home_sch))).toBe(true);
    for (const s of d.records('staff_schools')) {
      expect(staff.has(str(s.staff_id))).toBe(true);
      expect(schools.has(str(s.sch_code))).toBe(true);
    }
    for (const c of d.records('courses')) expect(schools.has(str(c.sch_code))).toBe(true);
    for (const s of d.records('sections')) {
      expect(schools.has(str(s.sch_code))).toBe(true);
      expect(courses.has(str(s.course_id))).toBe(true);
    }
    for (const t of d.records('section_terms')) {
      expect(sections.has(str(t.section_id))).toBe(true);
      expect(terms.has(str(t.term_id))).toBe(true);
    }
    for (const t of d.records('section_teachers')) {
      expect(sections.has(str(t.section_id))).toBe(true);
      expect(staff.has(str(t.staff_id))).toBe(true);
    }
    for (const s of d.records('students')) expect(schools.has(str(s.sch_code))).toBe(true);
    for (const l of d.records('student_contacts')) {
      expect(students.has(str(l.stu_id))).toBe(true);
      expect(contacts.has(str(l.contact_id))).toBe(true);
    }
    for (const e of d.records('section_enrollments')) {
      expect(sections.has(str(e.section_id))).toBe(true);
      expect(students.has(str(e.stu_id))).toBe(true);
    }
  });

  it('every class has one lead teacher from its school, a term and a course of its school', () => {
    const sectionSchool = new Map(all(d, 'sections').map((s) => [str(s.section_id), str(s.sch_code)]));
    const courseSchool = new Map(all(d, 'courses').map((c) => [str(c.course_id), str(c.sch_code)]));
    const staffSchools = new Map<string, Set<string>>();
    for (const s of d.records('staff_schools')) {
      const set = staffSchools.get(str(s.staff_id)) ?? new Set<string>();
      set.add(str(s.sch_code));
      staffSchools.set(str(s.staff_id), set);
    }
    const leads = new Map<string, number>();
    for (const t of d.records('section_teachers')) {
      if (t.role === 'Lead') leads.set(str(t.section_id), (leads.get(str(t.section_id)) ?? 0) + 1);
      expect(staffSchools.get(str(t.staff_id))?.has(sectionSchool.get(str(t.section_id)) ?? '')).toBe(true);
    }
    const withTerm = new Set(col(all(d, 'section_terms'), 'section_id').map(str));
    for (const s of d.records('sections')) {
      expect(leads.get(str(s.section_id))).toBe(1);
      expect(withTerm.has(str(s.section_id))).toBe(true);
      expect(courseSchool.get(str(s.course_id))).toBe(s.sch_code);
    }
    // Every teacher teaches something.
    const teaching = new Set(col(all(d, 'section_teachers'), 'staff_id').map(str));
    for (const s of d.records('staff')) if (s.staff_type === 'Teacher') expect(teaching.has(str(s.staff_id))).toBe(true);
  });

  it('students take distinct classes in their own school, and have guardians', () => {
    const sectionSchool = new Map(all(d, 'sections').map((s) => [str(s.section_id), str(s.sch_code)]));
    const studentSchool = new Map(all(d, 'students').map((s) => [str(s.stu_id), str(s.sch_code)]));
    const pairs = new Set<string>();
    for (const e of d.records('section_enrollments')) {
      expect(sectionSchool.get(str(e.section_id))).toBe(studentSchool.get(str(e.stu_id)));
      const pair = `${str(e.stu_id)}|${str(e.section_id)}`;
      expect(pairs.has(pair)).toBe(false);
      pairs.add(pair);
      expect(str(e.entry_date) <= str(e.exit_date)).toBe(true);
    }
    const withGuardian = new Set(col(all(d, 'student_contacts'), 'stu_id').map(str));
    expect(withGuardian.size).toBe(studentSchool.size);
    // Every contact belongs to at least one student.
    const linked = new Set(col(all(d, 'student_contacts'), 'contact_id').map(str));
    for (const c of d.records('contacts')) expect(linked.has(str(c.contact_id))).toBe(true);
  });

  it('IDs never collide across people (students, staff, contacts share OneRoster users.csv)', () => {
    const people = [...ids('students', 'stu_id'), ...ids('staff', 'staff_id'), ...ids('contacts', 'contact_id')];
    expect(new Set(people).size).toBe(people.length);
  });
});

describe('the 1,500-student demo has the mess real SIS data has', () => {
  const d = generateDistrict({ students: 1500 });
  const students = all(d, 'students');
  const contacts = all(d, 'contacts');
  const schools = all(d, 'schools');
  const names = [...col(students, 'first_name'), ...col(students, 'last_name'), ...col(contacts, 'first_name'), ...col(contacts, 'last_name')].map(str);

  it('is the documented size', () => {
    expect(schools.length).toBeGreaterThanOrEqual(3);
    expect(students).toHaveLength(1500);
    expect(all(d, 'staff').filter((s) => s.staff_type === 'Teacher').length).toBeGreaterThanOrEqual(70);
    expect(all(d, 'sections').length).toBeGreaterThanOrEqual(280);
  });

  it('has IDs with leading zeros', () => {
    expect(col(schools, 'sch_code')).toContain('007');
    expect(col(students, 'stu_id')).toContain('000123');
    expect(col(students, 'state_id').some((v) => str(v).startsWith('0'))).toBe(true);
  });

  it('has names with commas, double quotes, apostrophes and accents', () => {
    expect(names.some((n) => n.includes(','))).toBe(true);
    expect(names.some((n) => n.includes('"'))).toBe(true);
    expect(names).toContain("O'Brien");
    for (const accented of ['José', 'Zoë', 'Nguyễn']) expect(names).toContain(accented);
    expect(names.some((n) => n.normalize('NFD') !== n)).toBe(true);
  });

  it('writes grades every way: K, 0, KG, -1, PK, 9, 09, 12', () => {
    const grades = new Set(col(students, 'grade_level').map(str));
    for (const g of ['K', '0', 'KG', '-1', 'PK', '9', '09', '12']) expect(grades, g).toContain(g);
  });

  it('writes gender and yes/no flags in mixed spellings', () => {
    const genders = new Set(col(students, 'gender').map(str));
    for (const g of ['M', 'F', 'Male', 'female', 'X']) expect(genders, g).toContain(g);
    const flags = new Set(['hispanic', 'ell', 'migrant', 'gifted', 'sped', 'frl', 'homeless', 'foster', 'active'].flatMap((c) => col(students, c).map(str)));
    for (const f of ['Y', 'N', '1', '0', 'true']) expect(flags, f).toContain(f);
  });

  it('writes birthdates as ISO, m/d/yyyy and SQL datetime', () => {
    const dates = col(students, 'birthdate').map(str);
    expect(dates.some((v) => /^\d{4}-\d{2}-\d{2}$/.test(v))).toBe(true);
    expect(dates.some((v) => /^\d{1,2}\/\d{1,2}\/\d{4}$/.test(v))).toBe(true);
    expect(dates.some((v) => /^\d{4}-\d{2}-\d{2} 00:00:00$/.test(v))).toBe(true);
  });

  it('has phone numbers in mixed shapes', () => {
    const phones = [...col(students, 'home_phone'), ...col(contacts, 'home_phone'), ...col(contacts, 'cell_phone')].map(str).filter(Boolean);
    const shapes: Record<string, RegExp> = {
      parens: /^\(\d{3}\) \d{3}-\d{4}$/,
      dots: /^\d{3}\.\d{3}\.\d{4}$/,
      international: /^\+1 \d{3} \d{3} \d{4}$/,
      digits: /^\d{10}$/,
      local: /^\d{3}-\d{4}$/,
      dashes: /^\d{3}-\d{3}-\d{4}$/,
    };
    for (const [shape, re] of Object.entries(shapes)) expect(phones.some((p) => re.test(p)), shape).toBe(true);
  });

  it('has missing emails (NULL and empty) among students and guardians', () => {
    for (const rows of [students, contacts]) {
      expect(rows.some((r) => r.email === null)).toBe(true);
      expect(rows.some((r) => r.email === '')).toBe(true);
    }
  });

  it('has a student with 7 guardians', () => {
    const perStudent = new Map<string, number>();
    for (const l of d.records('student_contacts')) perStudent.set(str(l.stu_id), (perStudent.get(str(l.stu_id)) ?? 0) + 1);
    expect(Math.max(...perStudent.values())).toBe(7);
  });
});

describe('the demo stays valid after the standard transforms', () => {
  const d = generateDistrict({ students: 1500 });
  const students = all(d, 'students');
  const contacts = all(d, 'contacts');
  const staff = all(d, 'staff');

  it('full phone numbers are valid North American numbers; 7-digit local ones are rare', () => {
    const phones = [
      ...col(students, 'home_phone'), ...col(students, 'cell_phone'), ...col(contacts, 'home_phone'), ...col(contacts, 'cell_phone'),
      ...col(contacts, 'work_phone'), ...col(staff, 'phone'), ...col(all(d, 'schools'), 'phone'),
    ].map(str).filter(Boolean);
    const local = phones.filter((p) => p.replace(/\D/g, '').length === 7);
    expect(local.length / phones.length).toBeLessThan(0.03);
    for (const p of phones) if (!local.includes(p)) expect(isValidPhoneNumber(p, 'US'), p).toBe(true);
  });

  it('state IDs are 10 digits and unique', () => {
    const ids = col(students, 'state_id').map(str);
    for (const id of ids) expect(id).toMatch(/^\d{10}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('emails that are present are well-formed and unique per kind of person', () => {
    const re = /^[a-z0-9.]+@[a-z0-9.-]+\.[a-z]{2,}$/;
    for (const rows of [students, contacts, staff]) {
      const emails = col(rows, 'email').map(str).filter(Boolean);
      for (const e of emails) expect(e).toMatch(re);
      expect(new Set(emails).size).toBe(emails.length);
    }
  });

  it('birthdates are real dates that fit the grade', () => {
    for (const s of students) {
      const raw = str(s.birthdate);
      const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw);
      const iso = us ? `${us[3]}-${us[1]?.padStart(2, '0')}-${us[2]?.padStart(2, '0')}` : raw.slice(0, 10);
      const date = new Date(`${iso}T00:00:00Z`);
      expect(Number.isNaN(date.getTime()), raw).toBe(false);
      expect(date.toISOString().slice(0, 10)).toBe(iso);
      const age = 2026 - date.getUTCFullYear();
      expect(age).toBeGreaterThanOrEqual(3);
      expect(age).toBeLessThanOrEqual(20);
    }
  });

  it('every grade spelling is one a grade transform understands', () => {
    const allowed = new Set(['PK', '-1', 'K', '0', 'KG', ...Array.from({ length: 12 }, (_, k) => String(k + 1)), ...Array.from({ length: 9 }, (_, k) => `0${k + 1}`)]);
    for (const g of [...col(students, 'grade_level'), ...col(all(d, 'courses'), 'grade_level')]) expect(allowed.has(str(g)), str(g)).toBe(true);
  });
});

describe('schema', () => {
  it('lists every table once and knows each by name', () => {
    expect(SIS_TABLES.map((t) => t.name)).toEqual([...SIS_TABLE_NAMES]);
    expect(sisTable('students').columns.map((c) => c.name)).toContain('grade_level');
    expect(() => sisTable('nope' as SisTableName)).toThrow(/Unknown SIS table/);
  });
});
