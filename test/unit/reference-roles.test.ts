/**
 * The pieces of role integrity and of leaving rows out, without a run: roles beside keys in the key
 * filter (and keys taken out again), role sources compiled from format data, links inside a file
 * resolved with their cascade, IDs namespaced by role, the error budget and its report, and the
 * format schema's checks of role declarations.
 */
import { describe, expect, it } from 'vitest';
import { KeyFilter, keyHash } from '../../src/pipeline/key-filter.js';
import { compileRowRole, roleCode, roleMismatchMessage, referrerLabel, sharedIdMessage } from '../../src/pipeline/reference-roles.js';
import { SameFileLinks } from '../../src/pipeline/same-file-links.js';
import { namespacedGetter } from '../../src/pipeline/id-namespaces.js';
import { LeftOutRows } from '../../src/pipeline/left-out.js';
import { buildPlan } from '../../src/pipeline/plan.js';
import { getFormat } from '../../src/formats/registry.js';
import { parseFormatDef } from '../../src/shared/format.schema.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { Finding } from '../../src/shared/run.js';

const STUDENT = roleCode('student');
const TEACHER = roleCode('teacher');
const GUARDIAN = roleCode('guardian');

describe('KeyFilter with roles', () => {
  it('keeps a role beside each key through growth, and removes keys without losing any other', () => {
    const filter = new KeyFilter({ salt: 7, tagged: true });
    const roles = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const role = 1 + (i % 3);
      roles.set(`k${i}`, role);
      filter.add(`k${i}`, role);
    }
    expect(filter.size).toBe(6000);
    for (let i = 0; i < 6000; i += 3) {
      filter.removeHash(keyHash(`k${i}`, 7));
      roles.delete(`k${i}`);
    }
    expect(filter.removeHash(keyHash('k0', 7))).toBe(false);
    expect(filter.size).toBe(roles.size);
    const found = Array.from({ length: 6000 }, (_, i) => filter.tagOf(`k${i}`));
    expect(found).toEqual(Array.from({ length: 6000 }, (_, i) => roles.get(`k${i}`) ?? -1));
    expect(filter.tagOf('nobody')).toBe(-1);
    // A removed key can come back.
    expect(filter.add('k0', TEACHER)).toBe(true);
    expect(filter.tagOf('k0')).toBe(TEACHER);
  });

  it('answers 0 for the role of a key in an untagged filter', () => {
    const filter = new KeyFilter();
    filter.add('C1');
    expect(filter.tagOf('C1')).toBe(0);
    expect(filter.tagOf('C2')).toBe(-1);
  });
});

describe('role sources', () => {
  const columns = ['sourcedId', 'userSourcedId', 'role'];
  it('gives a fixed role, the role of the entity, or the mapped value of a column', () => {
    expect(compileRowRole('student', 'enrollments', columns)(['', '', ''])).toBe(STUDENT);
    const agents = { byEntity: { students: 'guardian', guardians: 'student' } } as const;
    expect(compileRowRole(agents, 'students', columns)([])).toBe(GUARDIAN);
    expect(compileRowRole(agents, 'teachers', columns)([])).toBe(0);
    const enrolledAs = compileRowRole({ byColumn: 'role', values: { student: 'student', administrator: 'teacher' } }, 'enrollments', columns);
    expect(enrolledAs(['E1', '1', 'Administrator '])).toBe(TEACHER);
    expect(enrolledAs(['E1', '1', 'student'])).toBe(STUDENT);
    expect(enrolledAs(['E1', '1', 'janitor'])).toBe(0);
    expect(compileRowRole({ byColumn: 'gone', values: { a: 'student' } }, 'enrollments', columns)(['', '', ''])).toBe(0);
    expect(compileRowRole(undefined, 'students', columns)([])).toBe(0);
  });

  it('words a mismatch with the ID, both roles and both origins, and a shared ID with the fix', () => {
    const referrer = referrerLabel('enrollments.csv', 'userSourcedId', 'users.csv', 'teacher');
    expect(roleMismatchMessage(referrer, '1', 'student', 'students row 14', 'teacher')).toBe('teacher enrollment points at 1, which is a student (students row 14) not a teacher.');
    expect(roleMismatchMessage(referrerLabel('users.csv', 'agentSourcedIds', 'users.csv', 'guardian'), '7', 'teacher', undefined, 'guardian')).toBe(
      'agentSourcedIds points at 7, which is a teacher not a guardian.',
    );
    expect(sharedIdMessage('1', 'student', 'students row 1', 'teacher', 'users.csv', 'sis')).toMatch(/^1 is both a student \(students row 1\) and a teacher: .*idNamespaces on source "sis"/);
  });

  it('reach the plan from the format data: OneRoster enrollments expect the role in their role column', () => {
    const plan = buildPlan({
      format: getFormat('oneroster-1.1'),
      destination: destinationConfigSchema.parse({ name: 'd', source: 's', format: 'oneroster-1.1', type: 'folder' }),
      source: sourceConfigSchema.parse({ name: 's', type: 'sqlite', entities: { enrollments: { query: 'SELECT 1' }, students: { query: 'SELECT 1' } } }),
      siteMap: [],
    });
    const enrollments = plan.files.find((f) => f.def.name === 'enrollments.csv')!;
    const user = enrollments.references.find((r) => r.column === 'userSourcedId')!;
    const names = enrollments.columns.map((c) => c.def.name);
    const values = names.map((n) => (n === 'role' ? 'teacher' : ''));
    expect(compileRowRole(user.expectRole, 'enrollments', names)(values)).toBe(TEACHER);
    expect(plan.files.find((f) => f.def.name === 'users.csv')!.def.personRoles).toEqual({ byEntity: { students: 'student', teachers: 'teacher', guardians: 'guardian' } });
  });
});

describe('links inside a file', () => {
  const salt = 3;
  const h = (key: string): { a: number; b: number } => keyHash(key, salt);
  const file = (people: [string, number][]): KeyFilter => {
    const filter = new KeyFilter({ salt, tagged: true });
    for (const [key, role] of people) filter.add(key, role);
    return filter;
  };

  it('leaves out links to nobody and to the wrong role, then everything that pointed at a row left out', () => {
    // students s1 → g1 (fine), s2 → t7 (a teacher), s3 → g9 (nobody); guardian g2 → s2; student s4 → g2.
    const users = file([['s1', STUDENT], ['s2', STUDENT], ['s3', STUDENT], ['s4', STUDENT], ['t7', TEACHER], ['g1', GUARDIAN], ['g2', GUARDIAN]]);
    const links = new SameFileLinks();
    links.add(1, h('s1'), h('g1'), GUARDIAN, 15);
    links.add(2, h('s2'), h('t7'), GUARDIAN, 15);
    links.add(3, h('s3'), h('g9'), GUARDIAN, 15);
    links.add(4, h('s4'), h('g2'), GUARDIAN, 15);
    links.add(6, h('g1'), h('s1'), STUDENT, 15);
    links.add(7, h('g2'), h('s2'), STUDENT, 15);
    const dropped = links.resolve({ roleOf: (x) => users.tagOfHash(x), remove: (x) => void users.removeHash(x) });
    expect([...dropped.keys()].sort()).toEqual([2, 3, 4, 7]);
    expect(dropped.get(2)).toMatchObject({ cause: 'role', actualRole: TEACHER, expectedRole: GUARDIAN });
    expect(dropped.get(3)).toMatchObject({ cause: 'missing' });
    expect(dropped.get(7)).toMatchObject({ cause: 'missing', target: h('s2') }); // its student went
    expect(dropped.get(4)).toMatchObject({ cause: 'missing', target: h('g2') }); // its guardian went
    for (const gone of ['s2', 's3', 's4', 'g2']) expect(users.tagOf(gone)).toBe(-1);
    expect(users.tagOf('s1')).toBe(STUDENT);
  });

  it('grows past its first arrays', () => {
    const users = file([['g', GUARDIAN]]);
    const links = new SameFileLinks();
    for (let i = 0; i < 5000; i++) links.add(i + 1, h(`s${i}`), h(i === 4999 ? 'nobody' : 'g'), GUARDIAN, 1);
    expect(links.size).toBe(5000);
    expect([...links.resolve({ roleOf: (x) => users.tagOfHash(x), remove: (x) => void users.removeHash(x) }).keys()]).toEqual([5000]);
  });

  it('takes links as hash halves (addPairs) exactly as hash objects (add)', () => {
    const users = file([['s1', STUDENT], ['t7', TEACHER], ['g1', GUARDIAN]]);
    const links = new SameFileLinks();
    links.addPairs(1, h('s1').a, h('s1').b, h('g1').a, h('g1').b, GUARDIAN, 15);
    links.addPairs(2, h('g1').a, h('g1').b, h('t7').a, h('t7').b, STUDENT, 16);
    links.addPairs(3, h('t7').a, h('t7').b, h('x').a, h('x').b, 0, 17);
    expect(users.tagOfPair(h('t7').a, h('t7').b)).toBe(TEACHER);
    const dropped = links.resolve({ roleOf: (x) => users.tagOfHash(x), remove: (x) => void users.removeHash(x) });
    expect([...dropped.keys()].sort()).toEqual([1, 2, 3]);
    expect(dropped.get(2)).toEqual({ column: 16, target: h('t7'), cause: 'role', actualRole: TEACHER, expectedRole: STUDENT });
    expect(dropped.get(3)).toEqual({ column: 17, target: h('x'), cause: 'missing', actualRole: -1, expectedRole: 0 });
    // g1's row went (it pointed at a teacher), so s1's link to it fails in turn.
    expect(dropped.get(1)).toEqual({ column: 15, target: h('g1'), cause: 'missing', actualRole: -1, expectedRole: GUARDIAN });
    expect(users.tagOfPair(h('g1').a, h('g1').b)).toBe(-1);
  });
});

describe('IDs namespaced by role', () => {
  const row: Record<string, string> = { student_id: '1011', guardian_ids: '5; 6', teacher_id: '1011', guardian_id: '5', student_ids: '1011', user_id: '1011', role: 'Teacher', name: 'x' };
  const get = (name: string): string | null => row[name.toLowerCase()] ?? null; // case-insensitive, as the pipeline's
  const ns = { students: 's', teachers: 't', guardians: 'g' };

  it('prefixes every ID field by the role of the person it names, and nothing else', () => {
    const students = namespacedGetter('students', ns, get);
    expect([students('student_id'), students('guardian_ids'), students('name'), students('missing')]).toEqual(['s1011', 'g5;g6', 'x', null]);
    expect(namespacedGetter('teachers', ns, get)('teacher_id')).toBe('t1011');
    expect([namespacedGetter('guardians', ns, get)('GUARDIAN_ID'), namespacedGetter('guardians', ns, get)('student_ids')]).toEqual(['g5', 's1011']);
    expect(namespacedGetter('classes', ns, get)('teacher_id')).toBe('t1011');
    expect(namespacedGetter('enrollments', ns, get)('user_id')).toBe('t1011');
    const studentEnrollment = (name: string): string | null => (name === 'role' ? 'student' : get(name));
    expect(namespacedGetter('enrollments', ns, studentEnrollment)('user_id')).toBe('s1011');
  });

  it('leaves the getter as it is without namespaces, and blank IDs blank', () => {
    expect(namespacedGetter('students', undefined, get)).toBe(get);
    expect(namespacedGetter('schools', ns, get)).toBe(get);
    expect(namespacedGetter('students', ns, () => '')('student_id')).toBe('');
  });

  it('needs one prefix per role in the source config', () => {
    expect(sourceConfigSchema.safeParse({ name: 's', type: 'sqlite', idNamespaces: { students: 'x', teachers: 'x' } }).success).toBe(false);
    expect(sourceConfigSchema.safeParse({ name: 's', type: 'sqlite', idNamespaces: { students: 'has space' } }).success).toBe(false);
    expect(sourceConfigSchema.parse({ name: 's', type: 'sqlite', idNamespaces: { students: 's', teachers: 't' } }).idNamespaces).toEqual({ students: 's', teachers: 't' });
  });
});

describe('rows left out and the error budget', () => {
  const bad = (file: string, rule: string, row: number): Finding => ({ severity: 'error', file, row, column: 'c', value: 'v', rule, message: `bad ${row}`, origin: `x row ${row}` });

  it('counts per file and rule, keeps the first examples, and blocks only above the share', () => {
    const left = new LeftOutRows();
    left.add(bad('users.csv', 'role', 1));
    left.add(bad('users.csv', 'required', 2));
    for (let i = 0; i < 5; i++) left.add(bad('enrollments.csv', 'left-out', 10 + i));
    expect(left.total).toBe(7);
    expect(left.count('users.csv')).toBe(2);
    expect(left.summary()).toBe(
      'Left out 7 row(s): users.csv 2 (role 1, required 1); enrollments.csv 5 (left-out 5). First: users.csv (x row 1) c "v": bad 1 users.csv (x row 2) c "v": bad 2 ' +
        'enrollments.csv (x row 10) c "v": bad 10 enrollments.csv (x row 11) c "v": bad 11 enrollments.csv (x row 12) c "v": bad 12',
    );
    const mapped = new Map([['users.csv', 100], ['enrollments.csv', 250]]);
    expect(left.overBudget(mapped, 0.02)).toEqual([]); // 2 % and 2 %: at the budget, not above it
    expect(left.overBudget(mapped, 0.019)).toEqual([
      'users.csv: 2 of 100 rows (2.0 %) are bad, more than the error budget of 1.9 % (maxBadRowShare).',
      'enrollments.csv: 5 of 250 rows (2.0 %) are bad, more than the error budget of 1.9 % (maxBadRowShare).',
    ]);
    expect(new LeftOutRows().summary()).toBe('');
  });

  it('defaults new destinations to skip-rows with a 2 % budget', () => {
    const d = destinationConfigSchema.parse({ name: 'd', source: 's', format: 'clever', type: 'folder' });
    expect([d.onValidationError, d.maxBadRowShare]).toEqual(['skip-rows', 0.02]);
  });
});

describe('role declarations in a custom format', () => {
  const base = {
    id: 'roles-custom',
    version: '1',
    displayName: 'x',
    description: 'x',
    files: [
      { name: 'people.csv', order: 1, entities: ['students'], key: ['id'], columns: [{ name: 'id', required: true }] },
      { name: 'links.csv', order: 2, entities: ['enrollments'], key: ['id'], columns: [{ name: 'id', required: true }, { name: 'role', required: true }], references: [{ column: 'id', file: 'people.csv', targetColumn: 'id', expectRole: 'student' }] },
    ],
  };

  it('needs the target to say its roles, role columns that exist, and references to earlier files', () => {
    expect(() => parseFormatDef(base)).toThrow(/references\[0\]\.expectRole: people\.csv does not say its rows' roles/);
    const withRoles = structuredClone(base) as unknown as { files: Record<string, unknown>[] };
    withRoles.files[0]!.personRoles = { byEntity: { students: 'student' } };
    expect(parseFormatDef(withRoles).files[0]!.personRoles).toEqual({ byEntity: { students: 'student' } });
    (withRoles.files[1]!.references as Record<string, unknown>[])[0]!.expectRole = { byColumn: 'kind', values: { s: 'student' } };
    expect(() => parseFormatDef(withRoles)).toThrow(/expectRole\.byColumn: kind is not a column of links\.csv/);
    withRoles.files[0]!.order = 3;
    expect(() => parseFormatDef(withRoles)).toThrow(/people\.csv is written after links\.csv/);
  });
});
