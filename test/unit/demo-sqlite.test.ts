import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDistrict } from '../../src/demo/generator.js';
import { DEMO_QUERIES, DEMO_QUERIES_POSTGRES, demoQueries } from '../../src/demo/queries.js';
import { SIS_TABLES } from '../../src/demo/schema.js';
import { createDemoDatabase, type DemoDatabaseResult } from '../../src/demo/sqlite-loader.js';
import { assertReadOnlySelect } from '../../src/sources/sql-guard.js';
import { CANONICAL_FIELDS, ENTITY_KEY, MULTI_SEPARATOR } from '../../src/shared/entities.js';
import { ENTITIES, type Entity } from '../../src/shared/format.js';

type Row = Record<string, unknown>;

let dir: string;
let built: DemoDatabaseResult;
let db: Database.Database;
const results = {} as Record<Entity, { columns: string[]; rows: Row[] }>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rostersync-demo-sqlite-'));
  built = createDemoDatabase(path.join(dir, 'nested', 'demo.sqlite'));
  db = new Database(built.path, { readonly: true });
  for (const entity of ENTITIES) {
    const stmt = db.prepare(DEMO_QUERIES[entity]);
    results[entity] = { columns: stmt.columns().map((c) => c.name), rows: stmt.all() as Row[] };
  }
});

afterAll(() => {
  db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const split = (v: unknown): string[] => (typeof v === 'string' && v !== '' ? v.split(MULTI_SEPARATOR) : []);

describe('createDemoDatabase', () => {
  it('writes every SIS table with the generator’s rows (1,500 students by default)', () => {
    expect(built.students).toBe(1500);
    const district = generateDistrict({ students: 1500 });
    for (const def of SIS_TABLES) {
      const count = (db.prepare(`SELECT count(*) AS n FROM "${def.name}"`).get() as { n: number }).n;
      expect(count, def.name).toBe(built.rowCounts[def.name]);
      expect(count, def.name).toBe([...district.rows(def.name)].length);
    }
    // Values survive as written: leading zeros, accents, quotes, NULL vs ''.
    const first = [...district.rows('students')][0] ?? [];
    const stored = db.prepare('SELECT * FROM students ORDER BY stu_id LIMIT 1').raw(true).get() as unknown[];
    expect(stored).toEqual([...first]);
  });

  it('is idempotent: rebuilding gives the same content and leaves no temp file behind', () => {
    const file = path.join(dir, 'again.sqlite');
    createDemoDatabase(file, { students: 200, seed: 5 });
    const dump = (): unknown[] => {
      const d = new Database(file, { readonly: true });
      try {
        return SIS_TABLES.map((t) => d.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).raw(true).all());
      } finally {
        d.close();
      }
    };
    const before = dump();
    fs.appendFileSync(file, 'garbage'); // a damaged file is replaced, not reused
    createDemoDatabase(file, { students: 200, seed: 5 });
    expect(dump()).toEqual(before);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a different size rebuilds the file at that size', () => {
    const file = path.join(dir, 'resize.sqlite');
    createDemoDatabase(file, { students: 100 });
    const result = createDemoDatabase(file, { students: 300 });
    const d = new Database(file, { readonly: true });
    try {
      expect((d.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n).toBe(300);
      expect(result.rowCounts.students).toBe(300);
    } finally {
      d.close();
    }
  });
});

describe('DEMO_QUERIES on the SQLite demo', () => {
  it('cover every entity, for both dialects', () => {
    expect(Object.keys(DEMO_QUERIES).sort()).toEqual([...ENTITIES].sort());
    expect(Object.keys(DEMO_QUERIES_POSTGRES).sort()).toEqual([...ENTITIES].sort());
    expect(demoQueries('sqlite')).toBe(DEMO_QUERIES);
    expect(demoQueries('postgres')).toBe(DEMO_QUERIES_POSTGRES);
    expect(DEMO_QUERIES_POSTGRES.students).toContain('string_agg');
    expect(DEMO_QUERIES.students).toContain('group_concat');
  });

  it('pass the read-only guard of the SQL sources', () => {
    for (const entity of ENTITIES) {
      expect(() => assertReadOnlySelect(DEMO_QUERIES[entity], 'sqlite'), entity).not.toThrow();
      expect(() => assertReadOnlySelect(DEMO_QUERIES_POSTGRES[entity], 'postgres'), entity).not.toThrow();
    }
  });

  it('return exactly canonical field names, in canonical order, with the entity key', () => {
    for (const entity of ENTITIES) {
      const { columns } = results[entity];
      const canonical = CANONICAL_FIELDS[entity];
      expect(columns.filter((c) => !canonical.includes(c)), entity).toEqual([]);
      expect(columns, entity).toEqual(canonical.filter((c) => columns.includes(c)));
      expect(columns, entity).toContain(ENTITY_KEY[entity]);
    }
  });

  it('return text (or NULL) values only, so IDs keep their leading zeros', () => {
    const notText: string[] = [];
    for (const entity of ENTITIES) {
      for (const row of results[entity].rows) {
        for (const [k, v] of Object.entries(row)) if (v !== null && typeof v !== 'string') notText.push(`${entity}.${k}=${String(v)}`);
      }
    }
    expect(notText).toEqual([]);
    expect(results.schools.rows.map((r) => r.school_code)).toContain('007');
    expect(results.students.rows.map((r) => r.student_id)).toContain('000123');
  });

  it('return one row per record, with unique keys', () => {
    const { shape, rowCounts } = built;
    expect(results.schools.rows).toHaveLength(shape.schools);
    expect(results.terms.rows).toHaveLength(3);
    expect(results.courses.rows).toHaveLength(shape.courses);
    expect(results.classes.rows).toHaveLength(shape.classes);
    expect(results.students.rows).toHaveLength(1500);
    expect(results.teachers.rows).toHaveLength(shape.teachers);
    expect(results.guardians.rows).toHaveLength(rowCounts.contacts);
    expect(results.enrollments.rows).toHaveLength(rowCounts.section_enrollments + rowCounts.section_teachers);
    expect(results.roster.rows).toHaveLength(rowCounts.section_enrollments);
    for (const entity of ENTITIES) {
      if (entity === 'roster') continue;
      const keys = results[entity].rows.map((r) => r[ENTITY_KEY[entity]]);
      expect(new Set(keys).size, entity).toBe(keys.length);
    }
  });

  it('keep raw SIS values: grade spellings, messy phones, missing emails', () => {
    const grades = new Set(results.students.rows.map((r) => r.grade));
    for (const g of ['K', '0', '-1', 'PK', '9', '09', '12']) expect(grades).toContain(g);
    expect(results.students.rows.some((r) => typeof r.phone === 'string' && r.phone.startsWith('('))).toBe(true);
    expect(results.students.rows.some((r) => r.email === null || r.email === '')).toBe(true);
    expect(results.guardians.rows.some((r) => r.email === null || r.email === '')).toBe(true);
  });

  it('join multi-valued fields with ";" and every part references a delivered record', () => {
    const schools = new Set(results.schools.rows.map((r) => r.school_code));
    const terms = new Set(results.terms.rows.map((r) => r.term_id));
    const students = new Set(results.students.rows.map((r) => r.student_id));
    const guardians = new Set(results.guardians.rows.map((r) => r.guardian_id));
    const teachers = new Set(results.teachers.rows.map((r) => r.teacher_id));
    const courses = new Set(results.courses.rows.map((r) => r.course_id));

    let maxGuardians = 0;
    for (const s of results.students.rows) {
      expect(split(s.school_codes).every((c) => schools.has(c))).toBe(true);
      const g = split(s.guardian_ids);
      expect(g.length).toBeGreaterThan(0);
      expect(g.every((id) => guardians.has(id))).toBe(true);
      maxGuardians = Math.max(maxGuardians, g.length);
    }
    expect(maxGuardians).toBe(7);
    for (const g of results.guardians.rows) {
      const ids = split(g.student_ids);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.every((id) => students.has(id))).toBe(true);
      expect(split(g.school_codes).every((c) => schools.has(c))).toBe(true);
    }
    expect(results.guardians.rows.some((g) => split(g.student_ids).length > 1)).toBe(true);
    let multiSchoolTeacher = false;
    for (const t of results.teachers.rows) {
      const codes = split(t.school_codes);
      expect(codes.length).toBeGreaterThan(0);
      expect(codes.every((c) => schools.has(c))).toBe(true);
      if (codes.length > 1) multiSchoolTeacher = true;
    }
    expect(multiSchoolTeacher).toBe(true);
    let yearLong = false;
    for (const c of results.classes.rows) {
      expect(schools.has(c.school_code)).toBe(true);
      expect(courses.has(c.course_id)).toBe(true);
      expect(teachers.has(c.teacher_id)).toBe(true);
      const t = split(c.term_ids);
      expect(t.length).toBeGreaterThan(0);
      expect(t.every((id) => terms.has(id))).toBe(true);
      if (t.length === 2) yearLong = true;
      expect(['homeroom', 'scheduled']).toContain(c.class_type);
    }
    expect(yearLong).toBe(true);
    for (const c of results.courses.rows) {
      expect(schools.has(c.school_code)).toBe(true);
      expect(terms.has(c.school_year_id)).toBe(true);
    }
    for (const t of results.terms.rows) {
      expect(['schoolYear', 'semester']).toContain(t.type);
      expect(t.school_year).toBe('2027');
      if (t.parent_id !== null) expect(terms.has(t.parent_id)).toBe(true);
    }
  });

  it('enrollments cover students and teachers with stable IDs and valid references', () => {
    const students = new Set(results.students.rows.map((r) => r.student_id));
    const teachers = new Set(results.teachers.rows.map((r) => r.teacher_id));
    const classSchool = new Map(results.classes.rows.map((r) => [r.class_id, r.school_code]));
    const roles = new Map<string, number>();
    for (const e of results.enrollments.rows) {
      roles.set(String(e.role), (roles.get(String(e.role)) ?? 0) + 1);
      expect(classSchool.get(e.class_id)).toBe(e.school_code);
      if (e.role === 'student') {
        expect(students.has(e.user_id)).toBe(true);
        expect(e.primary).toBe('false');
      } else {
        expect(e.role).toBe('teacher');
        expect(teachers.has(e.user_id)).toBe(true);
        expect(['true', 'false']).toContain(e.primary);
      }
      expect(String(e.begin_date) <= String(e.end_date)).toBe(true);
    }
    expect(roles.get('student')).toBe(built.rowCounts.section_enrollments);
    expect(roles.get('teacher')).toBe(built.rowCounts.section_teachers);
    // Every class has exactly one primary teacher.
    const primaries = new Map<unknown, number>();
    for (const e of results.enrollments.rows) if (e.primary === 'true') primaries.set(e.class_id, (primaries.get(e.class_id) ?? 0) + 1);
    expect(primaries.size).toBe(results.classes.rows.length);
    expect([...primaries.values()].every((n) => n === 1)).toBe(true);
    // Same query again → same IDs in the same order.
    const again = db.prepare(DEMO_QUERIES.enrollments).all() as Row[];
    expect(again.map((r) => r.enrollment_id)).toEqual(results.enrollments.rows.map((r) => r.enrollment_id));
  });

  it('roster rows agree with the enrollments, classes and people', () => {
    const classes = new Map(results.classes.rows.map((r) => [r.class_id, r]));
    const students = new Map(results.students.rows.map((r) => [r.student_id, r]));
    const teachers = new Map(results.teachers.rows.map((r) => [r.teacher_id, r]));
    for (const r of results.roster.rows) {
      const c = classes.get(r.class_id);
      expect(c?.teacher_id).toBe(r.teacher_id);
      expect(c?.title).toBe(r.class_name);
      expect(c?.school_code).toBe(r.school_code);
      expect(teachers.get(r.teacher_id)?.email).toBe(r.teacher_email);
      const s = students.get(r.student_id);
      expect(s?.last_name).toBe(r.student_last_name);
      expect(s?.grade).toBe(r.student_grade);
    }
  });
});
