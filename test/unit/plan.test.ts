import { describe, expect, it } from 'vitest';
import { applyHeaderCase, buildPlan, compileMapping, type FieldGetter } from '../../src/pipeline/plan.js';
import { oneRoster11 } from '../../src/formats/oneroster-1.1.js';
import { destinationConfigSchema, sourceConfigSchema } from '../../src/shared/config.schema.js';
import type { TransformIssue } from '../../src/pipeline/transforms.js';

const row = (values: Record<string, string | null>): FieldGetter => (name) => values[name.toLowerCase()] ?? null;
const ctx = { phoneRegion: 'US', site: (code: string) => (code === '007' ? { siteId: 'S-7', label: 'Lincoln' } : undefined) };

describe('column mappings', () => {
  it('reads a field, a constant, a template and the first non-empty alternative', () => {
    const issues: TransformIssue[] = [];
    const get = row({ first_name: 'Zoë', last_name: "O'Brien", username: '', email: 'zoe@x.org' });
    expect(compileMapping({ from: 'first_name' }, ctx)(get, issues)).toBe('Zoë');
    expect(compileMapping({ const: 'student' }, ctx)(get, issues)).toBe('student');
    expect(compileMapping({ template: '{last_name}, {first_name}' }, ctx)(get, issues)).toBe("O'Brien, Zoë");
    expect(compileMapping({ from: 'username|email' }, ctx)(get, issues)).toBe('zoe@x.org');
    expect(compileMapping(undefined, ctx)(get, issues)).toBe('');
    expect(issues).toEqual([]);
  });

  it('applies a value map: K → KG, 0 → KG, -1 → PK', () => {
    const m = compileMapping({ from: 'grade', transforms: [{ op: 'map', table: { K: 'KG', '0': 'KG', '-1': 'PK' } }] }, ctx);
    const issues: TransformIssue[] = [];
    expect(['K', '0', '-1', '9'].map((g) => m(row({ grade: g }), issues))).toEqual(['KG', 'KG', 'PK', '9']);
  });

  it('runs a transform chain and looks school codes up in the site map, reporting unmapped ones', () => {
    const m = compileMapping({ from: 'school', transforms: [{ op: 'trim' }, { op: 'siteId' }] }, ctx);
    const issues: TransformIssue[] = [];
    expect(m(row({ school: ' 007 ' }), issues)).toBe('S-7');
    expect(issues).toEqual([]);
    expect(m(row({ school: '012' }), issues)).toBe('012');
    expect(issues[0]).toMatchObject({ rule: 'site-map', severity: 'error' });
  });
});

describe('header case', () => {
  it('converts names', () => {
    expect(applyHeaderCase('studentId', 'upper-snake')).toBe('STUDENT_ID');
    expect(applyHeaderCase('First Name', 'upper-snake')).toBe('FIRST_NAME');
    expect(applyHeaderCase('first_name', 'camel')).toBe('firstName');
    expect(applyHeaderCase('FirstName', 'lower-snake')).toBe('first_name');
    expect(applyHeaderCase('sourcedId', undefined)).toBe('sourcedId');
  });
});

describe('plan', () => {
  const source = sourceConfigSchema.parse({
    name: 'sis',
    type: 'sqlite',
    settings: { path: 'x' },
    entities: Object.fromEntries(['schools', 'terms', 'courses', 'classes', 'students', 'teachers', 'guardians', 'enrollments'].map((e) => [e, { query: `SELECT * FROM ${e}` }])),
  });
  const destination = (extra: Record<string, unknown> = {}) =>
    destinationConfigSchema.parse({ name: 'd', source: 'sis', format: 'oneroster-1.1', type: 'folder', settings: { path: '/tmp/x' }, ...extra });

  it('orders files for delivery and keeps spec column order', () => {
    const plan = buildPlan({ format: oneRoster11, destination: destination(), source, siteMap: [] });
    expect(plan.findings).toEqual([]);
    expect(plan.files.map((f) => f.def.name)).toEqual(['orgs.csv', 'academicSessions.csv', 'courses.csv', 'users.csv', 'classes.csv', 'enrollments.csv', 'demographics.csv']);
    expect(plan.files.find((f) => f.def.name === 'users.csv')!.columns.map((c) => c.header)).toEqual([
      'sourcedId', 'status', 'dateLastModified', 'enabledUser', 'orgSourcedIds', 'role', 'username', 'userIds', 'givenName', 'familyName',
      'middleName', 'identifier', 'email', 'sms', 'phone', 'agentSourcedIds', 'grades', 'password',
    ]);
    expect(plan.personalColumns.get('users.csv')).toContain('email');
  });

  it('reports a required column with no mapping and a missing entity query before reading', () => {
    const { terms: _terms, ...withoutTerms } = source.entities;
    const format = {
      ...oneRoster11,
      files: oneRoster11.files.map((f) =>
        f.name === 'orgs.csv' ? { ...f, columns: f.columns.map((c) => (c.name === 'name' ? { ...c, defaults: undefined } : c)) } : f,
      ),
    };
    const plan = buildPlan({ format, destination: destination(), source: { ...source, entities: withoutTerms }, siteMap: [] });
    expect(plan.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'no-query', file: 'academicSessions.csv', message: expect.stringContaining('has no terms query') }),
        expect.objectContaining({ rule: 'unmapped', file: 'orgs.csv', column: 'name', message: 'name is required but has no mapping for schools rows.' }),
      ]),
    );
  });

  it('leaves switched-off columns and option-omitted files out, but refuses to switch off a required one', () => {
    const plan = buildPlan({
      format: oneRoster11,
      destination: destination({ formatOptions: { includeDemographics: false }, disabledColumns: [{ file: 'users.csv', column: 'password' }, { file: 'users.csv', column: 'givenName' }] }),
      source,
      siteMap: [],
    });
    expect(plan.files.map((f) => f.def.name)).not.toContain('demographics.csv');
    const users = plan.files.find((f) => f.def.name === 'users.csv')!;
    expect(users.columns.map((c) => c.header)).not.toContain('password');
    expect(users.columns.map((c) => c.header)).toContain('givenName');
    expect(plan.findings).toEqual([expect.objectContaining({ rule: 'disabled-required', column: 'givenName' })]);
  });
});
