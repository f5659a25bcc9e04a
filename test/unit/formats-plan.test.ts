/**
 * Built-in formats as plans (pure, no SIS): destination options switch columns and mappings the way
 * each vendor's set-up questions say, sync modes and row filters are enforced where the vendor needs
 * them, and the row rules (anyOf, consistent) and row expansion (rowPer) behave.
 */
import { describe, expect, it } from 'vitest';
import { buildPlan, type FieldGetter, type Plan } from '../../src/pipeline/plan.js';
import { compileRowRules, rowExpander, type RowRuleStore } from '../../src/pipeline/row-rules.js';
import { getFormat } from '../../src/formats/registry.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { TransformIssue } from '../../src/pipeline/transforms.js';
import type { FileDef } from '../../src/shared/format.js';
import type { Row } from '../../src/sources/types.js';

const source = sourceConfigSchema.parse({
  name: 'sis',
  type: 'sqlite',
  settings: { path: 'x' },
  entities: Object.fromEntries(['schools', 'terms', 'courses', 'classes', 'students', 'teachers', 'guardians', 'enrollments', 'roster'].map((e) => [e, { query: `SELECT * FROM ${e}` }])),
});
const siteMap = [{ schoolCode: '007', siteId: 'S-7', label: 'Lincoln High' }];

function plan(format: string, extra: Record<string, unknown> = {}, now?: Date): Plan {
  const destination = destinationConfigSchema.parse({ name: 'd', source: 'sis', format, type: 'folder', settings: { path: '/tmp/x' }, ...extra });
  return buildPlan({ format: getFormat(format), destination, source, siteMap, now });
}
const headers = (p: Plan, file: string): string[] => p.files.find((f) => f.def.name === file)!.columns.map((c) => c.header);
const row = (values: Record<string, string | null>): FieldGetter => (name) => values[name.toLowerCase()] ?? null;

/** Maps one source row through a file's compiled columns for an entity. */
function mapRow(p: Plan, file: string, entity: string, values: Record<string, string | null>): Record<string, string> {
  const f = p.files.find((x) => x.def.name === file)!;
  const e = f.entities.find((x) => x.entity === entity)!;
  const issues: TransformIssue[] = [];
  const get = row(values);
  return Object.fromEntries(f.columns.map((c, i) => [c.header, e.columns[i]!(get, issues)]));
}

describe('A: students-upper-snake options', () => {
  const student = { student_id: '000101', first_name: 'Zoë', last_name: "O'Brien", grade: 'K', school_codes: '007', email: 'Zoe@X.org', birth_date: '2012-03-07', password: 'pw' };

  it('by default (Google sign-in, passwords not overwritten) sends no PASSWORD', () => {
    const p = plan('students-upper-snake');
    expect(p.findings).toEqual([]);
    expect(headers(p, 'students.csv')).toEqual(['STUDENT_ID', 'FIRST_NAME', 'LAST_NAME', 'GRADE', 'SITE_ID', 'SCHOOL_NAME', 'EMAIL']);
    expect(p.files.map((f) => f.def.name)).toEqual(['students.csv']);
    expect(mapRow(p, 'students.csv', 'students', student)).toEqual({
      STUDENT_ID: '000101', FIRST_NAME: 'Zoë', LAST_NAME: "O'Brien", GRADE: '0', SITE_ID: 'S-7', SCHOOL_NAME: 'Lincoln High', EMAIL: 'zoe@x.org',
    });
  });

  it('without Google sign-in PASSWORD is always sent and required, whatever overwritePasswords says (seed 000)', () => {
    for (const overwritePasswords of [true, false]) {
      const p = plan('students-upper-snake', { formatOptions: { googleSso: false, overwritePasswords } });
      expect(headers(p, 'students.csv')).toContain('PASSWORD');
      expect(p.files[0]!.columns.find((c) => c.header === 'PASSWORD')!.required).toBe(true);
    }
  });

  it('overwritePasswords sends PASSWORD: required without Google sign-in, optional with it', () => {
    const required = plan('students-upper-snake', { formatOptions: { googleSso: false, overwritePasswords: true } });
    const column = required.files[0]!.columns.find((c) => c.header === 'PASSWORD')!;
    expect(column.required).toBe(true);
    expect(mapRow(required, 'students.csv', 'students', student).PASSWORD).toBe('pw');
    const optional = plan('students-upper-snake', { formatOptions: { googleSso: true, overwritePasswords: true } });
    expect(optional.files[0]!.columns.find((c) => c.header === 'PASSWORD')!.required).toBe(false);
  });

  it('passwordsAreDates writes the birth date m/d/yyyy without leading zeros', () => {
    const p = plan('students-upper-snake', { formatOptions: { googleSso: false, overwritePasswords: true, passwordsAreDates: true } });
    expect(mapRow(p, 'students.csv', 'students', student).PASSWORD).toBe('3/7/2012');
    expect(mapRow(p, 'students.csv', 'students', { ...student, birth_date: '11/22/2013' }).PASSWORD).toBe('11/22/2013');
    // The admin's own mapping still wins over the option's.
    const own = plan('students-upper-snake', {
      formatOptions: { googleSso: false, overwritePasswords: true, passwordsAreDates: true },
      mapping: { 'students.csv': { students: { PASSWORD: { const: 'Welcome1' } } } },
    });
    expect(mapRow(own, 'students.csv', 'students', student).PASSWORD).toBe('Welcome1');
  });

  it('overwriteEmails off leaves EMAIL out', () => {
    expect(headers(plan('students-upper-snake', { formatOptions: { overwriteEmails: false } }), 'students.csv')).not.toContain('EMAIL');
  });

  it('wipe-and-reload needs full snapshots; update-only allows additions-and-changes deliveries', () => {
    const refused = plan('students-upper-snake', { syncMode: 'delta' });
    expect(refused.findings).toEqual([expect.objectContaining({ rule: 'sync-mode', message: expect.stringContaining('wipeAndReload = true needs syncMode "full"') })]);
    expect(plan('students-upper-snake', { syncMode: 'delta', formatOptions: { wipeAndReload: false } }).findings).toEqual([]);
  });

  it('includeParents adds parents.csv, one row per parent and student', () => {
    const p = plan('students-upper-snake', { formatOptions: { includeParents: true } });
    expect(p.files.map((f) => f.def.name)).toEqual(['students.csv', 'parents.csv']);
    expect(headers(p, 'parents.csv')).toEqual(['PARENT_ID', 'STUDENT_ID', 'FIRST_NAME', 'LAST_NAME', 'EMAIL', 'PHONE', 'RELATIONSHIP']);
    expect(p.files[1]!.entities[0]!.rowPer).toBe('student_ids');
  });
});

describe('sync modes, row filters and switched-off columns', () => {
  it('formats without delta support refuse syncMode delta', () => {
    for (const id of ['five-file-provisioning', 'clever', 'microsoft-sds-2.1', 'flat-roster', 'oneroster-users-classes-enrollments']) {
      expect(plan(id, { syncMode: 'delta', rowFilters: [{ field: 'school_code', values: ['007'] }] }).findings.map((f) => f.rule), id).toContain('sync-mode');
    }
    expect(plan('oneroster-1.1', { syncMode: 'delta' }).findings).toEqual([]);
    expect(plan('demographics-yn', { syncMode: 'delta' }).findings).toEqual([]);
  });

  it('the flat roster needs a row filter for the licensed schools, courses or classes', () => {
    expect(plan('flat-roster').findings).toEqual([expect.objectContaining({ rule: 'row-filter', message: expect.stringContaining('add a row filter (rowFilters)') })]);
    const filtered = plan('flat-roster', { rowFilters: [{ field: 'course_id', values: ['007-MATH09'] }] });
    expect(filtered.findings).toEqual([]);
    expect(filtered.files[0]!.entities[0]!.filters.map((f) => [f.field, [...f.values]])).toEqual([['course_id', ['007-MATH09']]]);
  });

  it('format-level row filters come before the destination’s: Clever keeps student enrollments; inactive students follow the format’s drop rule', () => {
    const p = plan('clever', { rowFilters: [{ field: 'school_code', values: ['007'], entities: ['enrollments'] }] });
    const students = p.files.find((f) => f.def.name === 'students.csv')!.entities[0]!;
    expect(students.filters).toEqual([]);
    expect(students.inactive).toMatchObject({ rule: 'drop', field: 'enabled' });
    expect(students.inactive!.isInactive(row({ enabled: 'N' }))).toBe(true);
    expect(students.inactive!.isInactive(row({ enabled: 'Inactive' }))).toBe(true);
    for (const active of ['1', 'Y', 'true', 'Active', '', ' y ']) expect(students.inactive!.isInactive(row({ enabled: active }))).toBe(false);
    const enrollments = p.files.find((f) => f.def.name === 'enrollments.csv')!.entities[0]!;
    expect(enrollments.filters.map((f) => f.field)).toEqual(['role', 'school_code']);
    expect(enrollments.inactive).toBeUndefined();
  });

  it('every built-in format states its inactive rule: OneRoster 1.1 marks, the formats without a status column drop', () => {
    const rules = Object.fromEntries(
      ['oneroster-1.1', 'students-upper-snake', 'five-file-provisioning', 'demographics-yn', 'oneroster-users-classes-enrollments', 'flat-roster', 'clever', 'microsoft-sds-2.1'].map((id) => [
        id,
        getFormat(id).inactive?.rule,
      ]),
    );
    expect(rules).toEqual({
      'oneroster-1.1': 'mark',
      'students-upper-snake': 'drop',
      'five-file-provisioning': 'drop',
      'demographics-yn': 'drop',
      'oneroster-users-classes-enrollments': 'drop',
      'flat-roster': 'drop',
      clever: 'drop',
      'microsoft-sds-2.1': 'drop',
    });
  });

  it('OneRoster enabledUser says what the inactive rule says (blank and active words true, inactive words false)', () => {
    const p = plan('oneroster-1.1');
    const enabledUser = (enabled: string | null): string => mapRow(p, 'users.csv', 'students', { student_id: 'S1', enabled }).enabledUser!;
    expect([null, '', 'Y', 'Active', '1', 'true'].map(enabledUser)).toEqual(['true', 'true', 'true', 'true', 'true', 'true']);
    expect(['N', 'Inactive', '0', 'withdrawn'].map(enabledUser)).toEqual(['false', 'false', 'false', 'false']);
  });

  it('notCollected sends a column blank and drops it from the missing-source-field checks', () => {
    const p = plan('oneroster-1.1', { notCollected: [{ file: 'demographics.csv', column: 'hispanicOrLatinoEthnicity' }] });
    const demographics = p.files.find((f) => f.def.name === 'demographics.csv')!;
    expect(mapRow(p, 'demographics.csv', 'students', { hispanic: 'Y' }).hispanicOrLatinoEthnicity).toBe('');
    expect(demographics.entities[0]!.fieldNeeds.map((n) => n.column)).not.toContain('hispanicOrLatinoEthnicity');
    const collected = plan('oneroster-1.1').files.find((f) => f.def.name === 'demographics.csv')!.entities[0]!;
    expect(collected.fieldNeeds.find((n) => n.column === 'hispanicOrLatinoEthnicity')).toEqual({ column: 'hispanicOrLatinoEthnicity', fields: ['hispanic'], required: false, whenMissing: 'false' });
  });

  it('demographics columns are switched off per destination; SSID and email together cannot be', () => {
    const p = plan('demographics-yn', { disabledColumns: [{ file: 'demographics.csv', column: 'homeless' }, { file: 'demographics.csv', column: 'foster' }, { file: 'demographics.csv', column: 'race' }] });
    expect(headers(p, 'demographics.csv')).toEqual(['SSID', 'email', 'gender', 'ethnicity', 'english_learner', 'migrant', 'gifted_learner', 'special_ed', 'sed']);
    expect(p.findings).toEqual([]);
    const none = plan('demographics-yn', { disabledColumns: [{ file: 'demographics.csv', column: 'SSID' }, { file: 'demographics.csv', column: 'email' }] });
    expect(none.findings).toEqual([
      expect.objectContaining({ rule: 'key', column: 'SSID+email', message: expect.stringContaining('every key column (SSID, email) is switched off') }),
      expect.objectContaining({ rule: 'row-rule', column: 'SSID|email', message: expect.stringContaining('all are switched off') }),
    ]);
  });

  it('demographics map gender to M/F (X blank), race codes to words, flags to Y/N', () => {
    const p = plan('demographics-yn');
    expect(mapRow(p, 'demographics.csv', 'students', { state_id: '0775774036', email: 'A@B.org', gender: 'female', race: 'b', english_learner: '1', migrant: 'n', gifted: 'true', special_ed: '', economically_disadvantaged: 'Y', homeless: '0', foster: 'No', ethnicity: 'Hispanic or Latino' })).toEqual({
      SSID: '0775774036', email: 'a@b.org', gender: 'F', ethnicity: 'Hispanic or Latino', race: 'Black or African American',
      english_learner: 'Y', migrant: 'N', gifted_learner: 'Y', special_ed: 'N', sed: 'Y', homeless: 'N', foster: 'N',
    });
    expect(mapRow(p, 'demographics.csv', 'students', { gender: 'X' }).gender).toBe('');
  });
});

describe('F: OneRoster bulk vs delta', () => {
  const now = new Date('2026-09-01T02:00:00.123Z');
  it('bulk leaves status and dateLastModified blank; delta fills them with active and the run start', () => {
    const bulk = plan('oneroster-1.1', {}, now);
    expect(mapRow(bulk, 'users.csv', 'students', { student_id: '1' })).toMatchObject({ status: '', dateLastModified: '' });
    const delta = plan('oneroster-1.1', { syncMode: 'delta' }, now);
    for (const [file, entity] of [['users.csv', 'guardians'], ['orgs.csv', 'schools'], ['enrollments.csv', 'enrollments'], ['demographics.csv', 'students']] as const) {
      expect(mapRow(delta, file, entity, {}), file).toMatchObject({ status: 'active', dateLastModified: '2026-09-01T02:00:00Z' });
    }
  });

  it('keeps status and dateLastModified out of the fingerprint in both modes, and plans tobedeleted rows in delta only', () => {
    const bulk = plan('oneroster-1.1', {}, now);
    const delta = plan('oneroster-1.1', { syncMode: 'delta' }, now);
    for (const p of [bulk, delta]) {
      for (const file of p.files) {
        const volatile = file.volatileColumns.map((i) => file.columns[i]!.header);
        expect(volatile, file.def.name).toEqual(['status', 'dateLastModified']);
      }
    }
    expect(bulk.files.every((f) => f.deletions === undefined)).toBe(true);
    const users = delta.files.find((f) => f.def.name === 'users.csv')!;
    expect(users.deletions).toEqual({ statusIndex: 1, status: 'tobedeleted', modifiedIndex: 2, modified: '2026-09-01T02:00:00Z' });
  });
});

describe('D: users', () => {
  it('joins schools into one cell, keeps at most 6 guardians with a warning, and writes language codes', () => {
    const p = plan('oneroster-users-classes-enrollments');
    const f = p.files[0]!;
    const students = f.entities.find((e) => e.entity === 'students')!;
    const issues: TransformIssue[] = [];
    const i = f.columns.findIndex((c) => c.header === 'agentSourcedIds');
    expect(students.columns[i]!(row({ guardian_ids: 'C1;C2;C3;C4;C5;C6;C7' }), issues)).toBe('C1,C2,C3,C4,C5,C6');
    expect(issues).toEqual([expect.objectContaining({ rule: 'max-count', severity: 'warning' })]);
    const guardian = mapRow(p, 'users.csv', 'guardians', { guardian_id: 'C1', school_codes: '007;007', relationship: 'Grandmother', language: 'Chinese (Mandarin)' });
    expect(guardian).toMatchObject({ orgSourcedIds: 'S-7', role: 'guardian', language: 'zh' });
    expect(mapRow(p, 'users.csv', 'guardians', { language: 'Spanish', relationship: 'Mother' })).toMatchObject({ language: 'es', role: 'parent' });
  });
});

describe('row rules', () => {
  const file = (rules: FileDef['rowRules']): FileDef => ({ name: 'f.csv', entities: ['roster'], key: [], order: 1, rowRules: rules, columns: ['a', 'b', 'c'].map((name) => ({ name, required: false })) });
  const memory = (): RowRuleStore => {
    const seen = new Map<string, { row: number; values: string }>();
    return {
      checkConsistent(f, rule, key, values, r) {
        const k = `${f}/${rule}/${key}`;
        const first = seen.get(k);
        if (!first) {
          seen.set(k, { row: r, values });
          return undefined;
        }
        return first.values === values ? undefined : first;
      },
    };
  };
  type Found = { severity: string; column: string; value: string; rule: string; message: string };
  const run = (def: FileDef, rows: string[][]): Found[] => {
    const { checks } = compileRowRules(def, ['a', 'b', 'c'], ['A', 'B', 'C']);
    const store = memory();
    const found: Found[] = [];
    rows.forEach((values, i) => {
      for (const check of checks) check('f.csv', values, i + 1, store, (severity, column, value, rule, message) => found.push({ severity, column, value, rule, message }));
    });
    return found;
  };

  it('anyOf reports a row where every listed column is blank', () => {
    const found = run(file([{ kind: 'anyOf', columns: ['a', 'b'] }]), [['1', '', ''], ['', ' ', 'x'], ['', '2', '']]);
    expect(found).toEqual([{ severity: 'error', column: 'A|B', value: '', rule: 'any-of', message: 'at least one of A or B must have a value' }]);
  });

  it('consistent reports a key that stands for two different records, naming the first row', () => {
    const found = run(file([{ kind: 'consistent', key: ['a'], columns: ['b', 'c'] }]), [
      ['T1', 'Ann', 'Lee'],
      ['T1', 'Ann', 'Lee'],
      ['', 'x', 'y'],
      ['T1', 'Anne', 'Lee'],
    ]);
    expect(found).toEqual([{ severity: 'error', column: 'B', value: 'Anne', rule: 'consistent', message: 'A T1 has B "Ann" on row 1; one A must stand for one record' }]);
  });

  it('a rule naming a switched-off key is a plan problem', () => {
    expect(compileRowRules(file([{ kind: 'consistent', key: ['z'], columns: ['b'] }]), ['a', 'b', 'c'], ['A', 'B', 'C']).problems).toHaveLength(1);
  });

  it('rowPer expands a ;-list into one row per value (blank stays one row)', () => {
    const expand = rowExpander('school_codes');
    const rows: Row[] = [
      { ID: 'T1', School_Codes: '003; 005;003' },
      { ID: 'T2', School_Codes: null },
      { ID: 'T3', School_Codes: ' 007 ' },
    ];
    const out = rows.flatMap((row) => expand(row).map((r) => [r.ID, r.School_Codes]));
    expect(out).toEqual([
      ['T1', '003'],
      ['T1', '005'],
      ['T2', null],
      ['T3', '007'],
    ]);
  });
});
